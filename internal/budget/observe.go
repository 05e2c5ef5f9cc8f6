package budget

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Retry describes one request that is about to be sent again.
type Retry struct {
	Method  string
	URL     *url.URL
	Attempt int           // 1 for the first retry of the request
	Status  int           // the answer's status; 0 when no answer came
	Err     error         // why no answer came, when none did
	Wait    time.Duration // how long the request waits before it is sent again
}

// Reason says in a sentence why the request was sent again, e.g.
// "GET /v1/programs/1 answered 503; sent again after 1s".
func (r Retry) Reason() string {
	target := r.Method
	if r.URL != nil {
		target += " " + r.URL.RequestURI()
	}
	what := fmt.Sprintf("answered %d", r.Status)
	if r.Status == 0 {
		what = fmt.Sprintf("got no answer (%v)", r.Err)
	}
	return fmt.Sprintf("%s %s; sent again after %s", target, what, r.Wait.Round(time.Millisecond))
}

// Observer is told of every retry of the requests made with its context.
// It may be called from several goroutines at once.
type Observer func(Retry)

type observerKey struct{}

// WithObserver returns a context whose requests report their retries to o,
// and to any observer ctx already had.
func WithObserver(ctx context.Context, o Observer) context.Context {
	if prev, ok := ctx.Value(observerKey{}).(Observer); ok {
		next := o
		o = func(r Retry) { prev(r); next(r) }
	}
	return context.WithValue(ctx, observerKey{}, o)
}

func observe(ctx context.Context, r Retry) {
	if o, ok := ctx.Value(observerKey{}).(Observer); ok {
		o(r)
	}
}

type noRetryKey struct{}

// WithoutRetries returns a context whose requests are never sent again,
// for a caller that wants to see the 429 or 503 itself (a test that a
// deployment rate-limits, for example). They still count against the rate
// and the allowance.
func WithoutRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

func retriesOff(ctx context.Context) bool {
	off, _ := ctx.Value(noRetryKey{}).(bool)
	return off
}
