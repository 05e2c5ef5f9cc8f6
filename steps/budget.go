package steps

import (
	"context"
	"errors"
	"fmt"

	"github.com/cucumber/godog"
	"github.com/membersmock/membersmock/internal/budget"
)

// Budget is what a run spent of its request budget (Config.Rate,
// Config.MaxRequests, Config.Retries).
type Budget struct {
	Rate        float64 // requests per second; 0 = unlimited
	MaxRequests int     // 0 = unlimited
	Retries     int     // how often one request may be sent again
	Sent        int64   // requests sent, retries included
	Retried     int64   // requests sent again after a transient fault
	NotSent     int64   // requests not sent because MaxRequests was reached
}

// Exhausted reports whether the run wanted more requests than MaxRequests.
func (b Budget) Exhausted() bool { return b.NotSent > 0 }

// applyBudget puts cfg's request budget between the suite and the target:
// every request of the run, the catalog's and the probe's included, goes
// through one budget.Transport. Without a budget the client is left as it
// is.
func applyBudget(cfg *Config) (*budget.Transport, error) {
	if cfg.Rate == 0 && cfg.MaxRequests == 0 && cfg.Retries == 0 {
		return nil, nil
	}
	hc := *cfg.HTTPClient
	opts := budget.Options{Rate: cfg.Rate, MaxRequests: int64(cfg.MaxRequests), Retries: cfg.Retries}
	if hc.Timeout > 0 {
		// The client's timeout would bound the wait for the rate and for
		// Retry-After too, and all attempts of a request together, leaving
		// no time to retry one that timed out: each attempt gets the whole
		// timeout instead.
		opts.AttemptTimeout, hc.Timeout = hc.Timeout, 0
	}
	tr, err := budget.New(hc.Transport, opts)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	hc.Transport = tr
	cfg.HTTPClient = &hc
	return tr, nil
}

// budgetSpent is what tr spent, for the Result.
func budgetSpent(cfg Config, tr *budget.Transport) Budget {
	b := Budget{Rate: cfg.Rate, MaxRequests: cfg.MaxRequests, Retries: cfg.Retries}
	if tr != nil {
		b.Sent, b.Retried, b.NotSent = tr.Sent(), tr.Retried(), tr.Refused()
	}
	return b
}

// watchRetries makes the scenario's requests record their retries in its
// outcome, so that a scenario that passed only after a retry is reported
// as flaky.
func (su *suite) watchRetries(ctx context.Context, p *godog.Scenario) context.Context {
	return budget.WithObserver(ctx, func(r budget.Retry) {
		su.results.retried(p.Id, r.Reason())
	})
}

// retried records one retry of a request of the scenario with pickle id.
func (r *resultRecorder) retried(id, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.scenarios[id]; o != nil {
		o.retries = append(o.retries, reason)
	}
}

// sendError says why a request got no answer; a request the budget did not
// pay for says which flag to change.
func sendError(ex *exchange, err error) error {
	var spent *budget.ExhaustedError
	if errors.As(err, &spent) {
		return fmt.Errorf("%s was not sent: the run has sent the %d requests --max-requests allows (CONFORMANCE_MAX_REQUESTS); raise it, or run fewer scenarios with --tags: %w", ex.target(), spent.Max, budget.ErrExhausted)
	}
	return fmt.Errorf("%s: %w", ex.target(), err)
}
