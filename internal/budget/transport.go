package budget

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the zero values of Options.
const (
	DefaultBackoff       = 250 * time.Millisecond
	DefaultMaxBackoff    = 10 * time.Second
	DefaultMaxRetryAfter = 2 * time.Minute
)

// Options say how a Transport spends its budget. The zero value sends every
// request once, as fast as asked.
type Options struct {
	// Rate is the most requests per second, over every request sent
	// through the Transport; 0 means unlimited. Requests are spaced evenly
	// (a burst of one), a little further apart than 1/Rate (see
	// rateMargin), so that no second of the target's clock sees more than
	// Rate of them.
	Rate float64
	// MaxRequests is the most requests the Transport sends, retries
	// included; 0 means unlimited. The request that would exceed it is not
	// sent and fails with ErrExhausted.
	MaxRequests int64
	// Retries is how many times a request may be sent again after a
	// transient fault (429, 502, 503, 504, no answer).
	Retries int
	// AttemptTimeout, when positive, bounds each sending of a request,
	// answer included, so that a request that timed out can be retried.
	// (An http.Client's Timeout bounds all its attempts together.)
	AttemptTimeout time.Duration
	// Backoff is the delay before the first retry, doubled for each next
	// one up to MaxBackoff, and jittered to between half and all of it.
	// Zero values mean DefaultBackoff and DefaultMaxBackoff.
	Backoff, MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the Transport waits for; an
	// answer asking for longer is returned as it is. Zero means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Seed makes the jitter of the backoff repeatable.
	Seed uint64
	// Now and Sleep are the clock; nil means the real one. Tests pass a
	// fake that advances when slept on, so that no test waits or depends
	// on the wall clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// rateMargin is how much slower than Options.Rate requests are sent. Evenly
// spaced at exactly 1/Rate, Rate requests fill a second; a timer that fires
// late or a request that takes longer on the wire would then put one more
// into a second where the target counts them. Spaced (1+rateMargin)/Rate
// apart, Rate+1 requests need 1+rateMargin seconds, so delays that vary by
// less than that margin (20 ms) cannot exceed the rate where it is
// measured.
const rateMargin = 0.02

// ErrExhausted is the error of a request not sent because the Transport has
// sent Options.MaxRequests requests already.
var ErrExhausted = errors.New("the request budget is spent")

// ExhaustedError is the error of a request not sent because of
// Options.MaxRequests; errors.Is(err, ErrExhausted) reports it.
type ExhaustedError struct {
	Max int64
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("not sent: the budget of %d requests is spent", e.Max)
}

func (e *ExhaustedError) Is(target error) bool { return target == ErrExhausted }

// Transport is an http.RoundTripper that keeps to Options. It is safe for
// concurrent use; one Transport is one budget.
type Transport struct {
	base    http.RoundTripper
	opts    Options
	limiter *rate.Limiter // nil when the rate is unlimited

	sent    atomic.Int64
	refused atomic.Int64
	retried atomic.Int64

	mu         sync.Mutex
	jitter     *rand.Rand
	pauseUntil time.Time // a Retry-After holds every request until then
}

// New wraps base (nil means http.DefaultTransport).
func New(base http.RoundTripper, opts Options) (*Transport, error) {
	switch {
	case opts.Rate < 0 || math.IsNaN(opts.Rate) || math.IsInf(opts.Rate, 0):
		return nil, fmt.Errorf("budget: the rate must be a number of requests per second ≥ 0 (0 = unlimited), not %v", opts.Rate)
	case opts.MaxRequests < 0:
		return nil, fmt.Errorf("budget: the most requests must be ≥ 0 (0 = unlimited), not %d", opts.MaxRequests)
	case opts.Retries < 0:
		return nil, fmt.Errorf("budget: the retries must be ≥ 0, not %d", opts.Retries)
	case opts.AttemptTimeout < 0 || opts.Backoff < 0 || opts.MaxBackoff < 0 || opts.MaxRetryAfter < 0:
		return nil, errors.New("budget: durations must not be negative")
	}
	if base == nil {
		base = http.DefaultTransport
	}
	if opts.Backoff == 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxRetryAfter == 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	t := &Transport{base: base, opts: opts, jitter: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
	if opts.Rate > 0 {
		t.limiter = rate.NewLimiter(rate.Limit(opts.Rate/(1+rateMargin)), 1)
	}
	return t, nil
}

// Sent is how many requests the Transport has sent, retries included.
func (t *Transport) Sent() int64 { return t.sent.Load() }

// Refused is how many requests were not sent because of MaxRequests.
func (t *Transport) Refused() int64 { return t.refused.Load() }

// Retried is how many requests were sent again.
func (t *Transport) Retried() int64 { return t.retried.Load() }

// RoundTrip sends req within the budget, again after a transient fault.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	retries := t.opts.Retries
	if retriesOff(ctx) || !replayable(req) {
		retries = 0
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("budget: reading the body again to retry: %w", err)
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		if err := t.admit(ctx); err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, err
		}
		resp, err := t.send(r)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		if !transient(status, err) || ctx.Err() != nil {
			return resp, err
		}
		wait, held := t.holdFor(resp)
		if attempt >= retries || !held {
			return resp, err
		}
		if resp != nil {
			// Read what little there is, so that the connection is reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		wait = max(wait, t.backoff(attempt))
		t.retried.Add(1)
		observe(ctx, Retry{Method: req.Method, URL: req.URL, Attempt: attempt + 1, Status: status, Err: err, Wait: wait})
		if err := t.opts.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// admit waits until the request may be sent: after any Retry-After, within
// the allowance, and at the rate.
func (t *Transport) admit(ctx context.Context) error {
	t.mu.Lock()
	pause := t.pauseUntil.Sub(t.opts.Now())
	t.mu.Unlock()
	if pause > 0 {
		if err := t.opts.Sleep(ctx, pause); err != nil {
			return err
		}
	}
	if limit := t.opts.MaxRequests; limit > 0 {
		if t.sent.Add(1) > limit {
			t.sent.Add(-1)
			t.refused.Add(1)
			return &ExhaustedError{Max: limit}
		}
	} else {
		t.sent.Add(1)
	}
	if t.limiter == nil {
		return nil
	}
	now := t.opts.Now()
	res := t.limiter.ReserveN(now, 1)
	if err := t.opts.Sleep(ctx, res.DelayFrom(now)); err != nil {
		res.CancelAt(t.opts.Now())
		t.sent.Add(-1)
		return err
	}
	return nil
}

// send makes one attempt, bounded by AttemptTimeout.
func (t *Transport) send(r *http.Request) (*http.Response, error) {
	if t.opts.AttemptTimeout <= 0 {
		return t.base.RoundTrip(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), t.opts.AttemptTimeout)
	resp, err := t.base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil {
			err = &timeoutError{t.opts.AttemptTimeout, err}
		}
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// holdFor returns how long the answer asks the client to wait, and false
// when that is longer than MaxRetryAfter. A Retry-After holds every request
// of the Transport until then.
func (t *Transport) holdFor(resp *http.Response) (time.Duration, bool) {
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, true
	}
	now := t.opts.Now()
	d, ok := RetryAfter(resp.Header, now)
	if !ok {
		return 0, true
	}
	if d > t.opts.MaxRetryAfter {
		return d, false
	}
	t.mu.Lock()
	if until := now.Add(d); until.After(t.pauseUntil) {
		t.pauseUntil = until
	}
	t.mu.Unlock()
	return d, true
}

// backoff is the jittered delay before retry attempt+1.
func (t *Transport) backoff(attempt int) time.Duration {
	d := t.opts.Backoff << min(attempt, 30)
	if d <= 0 || d > t.opts.MaxBackoff {
		d = t.opts.MaxBackoff
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return d/2 + time.Duration(t.jitter.Int64N(int64(d/2)+1))
}

// transient reports whether an attempt's outcome is a fault worth a retry.
func transient(status int, err error) bool {
	if err != nil {
		return true
	}
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// replayable reports whether sending req twice is harmless (an idempotent
// method, RFC 9110 §9.2.2) and possible (a body that can be read again).
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
	default:
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// RetryAfter reads a Retry-After header in either of its forms (RFC 9110
// §10.2.3): a number of seconds, or an HTTP-date, counted from now. A date
// in the past is no wait; a header that is neither is ignored.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, math.MaxInt64/int64(time.Second))) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// timeoutError is an attempt that got no answer within AttemptTimeout.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no answer within %s: %v", e.after, e.err)
}
func (e *timeoutError) Unwrap() error { return e.err }
func (e *timeoutError) Timeout() bool { return true }

// cancelOnClose ends an attempt's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
