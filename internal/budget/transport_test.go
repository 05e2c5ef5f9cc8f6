package budget

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when slept on, so that no test
// waits or depends on the wall clock.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration // every positive sleep, in order
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 14, 8, 15, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.slept = append(c.slept, d)
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// script is a test target that answers its requests in turn with the
// given handlers, then 200; it counts what reaches it.
type script struct {
	hits  atomic.Int64
	steps []http.HandlerFunc
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.hits.Add(1)) - 1
	if n < len(s.steps) {
		s.steps[n](w, r)
		return
	}
	io.WriteString(w, "ok")
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"title":"x"}`)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// client sends through a Transport with the fake clock, recording retries.
type client struct {
	t       *Transport
	hc      *http.Client
	clock   *fakeClock
	mu      sync.Mutex
	retries []Retry
}

func newTestClient(t *testing.T, opts Options) *client {
	t.Helper()
	c := &client{clock: newFakeClock()}
	opts.Now, opts.Sleep = c.clock.Now, c.clock.Sleep
	tr, err := New(nil, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.t, c.hc = tr, &http.Client{Transport: tr}
	return c
}

func (c *client) do(ctx context.Context, method, url string, body io.Reader) (*http.Response, error) {
	ctx = WithObserver(ctx, func(r Retry) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.retries = append(c.retries, r)
	})
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestBudgetRetriesTransientFaultsOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		method    string
		first     http.HandlerFunc
		retried   bool
		final     int
		retryStat int // the status the retry names (0 = no answer)
	}{
		{"200 is an answer", "GET", status(200), false, 200, 0},
		{"400 is a contract failure, never retried", "GET", status(400), false, 400, 0},
		{"401 is not retried", "GET", status(401), false, 401, 0},
		{"404 is not retried", "GET", status(404), false, 404, 0},
		{"500 is not transient", "GET", status(500), false, 500, 0},
		{"501 is not transient", "GET", status(501), false, 501, 0},
		{"429 is retried", "GET", status(429), true, 200, 429},
		{"502 is retried", "GET", status(502), true, 200, 502},
		{"503 is retried", "GET", status(503), true, 200, 503},
		{"504 is retried", "GET", status(504), true, 200, 504},
		{"HEAD 503 is retried", "HEAD", status(503), true, 200, 503},
		{"a connection closed without an answer is retried", "GET", hangUp, true, 200, 0},
		{"POST is not idempotent, never retried", "POST", status(503), false, 503, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := &script{steps: []http.HandlerFunc{tc.first}}
			srv := httptest.NewServer(target)
			defer srv.Close()
			c := newTestClient(t, Options{Retries: 3})
			resp, err := c.do(context.Background(), tc.method, srv.URL+"/v1/programs/1?page=2", nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			if resp.StatusCode != tc.final {
				t.Errorf("final status %d, want %d", resp.StatusCode, tc.final)
			}
			wantHits, wantRetries := int64(1), 0
			if tc.retried {
				wantHits, wantRetries = 2, 1
			}
			if got := target.hits.Load(); got != wantHits {
				t.Errorf("the target saw %d requests, want %d", got, wantHits)
			}
			if len(c.retries) != wantRetries {
				t.Fatalf("observer saw %d retries, want %d: %+v", len(c.retries), wantRetries, c.retries)
			}
			if wantRetries == 1 {
				r := c.retries[0]
				if r.Status != tc.retryStat || r.Attempt != 1 || (r.Status == 0) != (r.Err != nil) {
					t.Errorf("retry %+v, want status %d on attempt 1", r, tc.retryStat)
				}
				if !strings.HasPrefix(r.Reason(), tc.method+" /v1/programs/1?page=2 ") {
					t.Errorf("reason %q does not name the request", r.Reason())
				}
				if got := c.t.Retried(); got != 1 {
					t.Errorf("Retried() = %d, want 1", got)
				}
			}
		})
	}
}

func TestBudgetGivesUpAfterRetries(t *testing.T) {
	target := &script{steps: []http.HandlerFunc{status(503), status(502), status(504), status(503)}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	c := newTestClient(t, Options{Retries: 2})
	resp, err := c.do(context.Background(), "GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 504 || target.hits.Load() != 3 || len(c.retries) != 2 {
		t.Errorf("got %d after %d requests and %d retries; want the third answer, 504, after 3 requests and 2 retries", resp.StatusCode, target.hits.Load(), len(c.retries))
	}
	if c.t.Sent() != 3 {
		t.Errorf("Sent() = %d, want 3: retries count against the budget", c.t.Sent())
	}
}

func TestBudgetRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 14, 8, 15, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"1", time.Second, true},
		{"120", 2 * time.Minute, true},
		{" 3 ", 3 * time.Second, true},
		{"0", 0, true},
		{"Sat, 14 Mar 2026 08:15:05 GMT", 5 * time.Second, true},
		{"Saturday, 14-Mar-26 08:16:00 GMT", time.Minute, true}, // RFC 850, obsolete but allowed
		{"Sat Mar 14 08:15:30 2026", 30 * time.Second, true},    // asctime
		{"Sat, 14 Mar 2026 08:00:00 GMT", 0, true},              // in the past: no wait
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := RetryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: got %s, %v; want %s, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBudgetHonoursRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  string
		retried bool
		wait    time.Duration
	}{
		{"seconds", "7", true, 7 * time.Second},
		{"HTTP-date", "Sat, 14 Mar 2026 08:15:09 GMT", true, 9 * time.Second},
		{"shorter than the backoff: the backoff", "0", true, 0},
		{"longer than MaxRetryAfter: returned as it is", "3600", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := &script{steps: []http.HandlerFunc{status(429, "Retry-After", tc.header)}}
			srv := httptest.NewServer(target)
			defer srv.Close()
			c := newTestClient(t, Options{Retries: 1, Backoff: 100 * time.Millisecond, MaxRetryAfter: time.Minute})
			resp, err := c.do(context.Background(), "GET", srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.retried {
				if resp.StatusCode != 429 || len(c.retries) != 0 {
					t.Errorf("got %d after %d retries, want the 429 itself", resp.StatusCode, len(c.retries))
				}
				return
			}
			if resp.StatusCode != 200 || len(c.retries) != 1 {
				t.Fatalf("got %d after %d retries, want 200 after 1", resp.StatusCode, len(c.retries))
			}
			w := c.retries[0].Wait
			if tc.wait > 0 && w != tc.wait {
				t.Errorf("waited %s, want Retry-After's %s", w, tc.wait)
			}
			if tc.wait == 0 && (w < 50*time.Millisecond || w > 100*time.Millisecond) {
				t.Errorf("waited %s, want the jittered backoff between 50ms and 100ms", w)
			}
		})
	}
}

// A Retry-After holds the other requests of the run too, even when the
// answered request is not retried.
func TestBudgetRetryAfterPausesEveryRequest(t *testing.T) {
	target := &script{steps: []http.HandlerFunc{status(429, "Retry-After", "4")}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	c := newTestClient(t, Options{})
	if resp, err := c.do(context.Background(), "GET", srv.URL, nil); err != nil || resp.StatusCode != 429 {
		t.Fatalf("first request: %v, %v; want the 429", resp, err)
	}
	if resp, err := c.do(context.Background(), "GET", srv.URL, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("second request: %v, %v", resp, err)
	}
	if got := c.clock.sleeps(); len(got) != 1 || got[0] != 4*time.Second {
		t.Errorf("slept %v, want one pause of 4s before the second request", got)
	}
}

func TestBudgetMaxRequests(t *testing.T) {
	for _, tc := range []struct {
		name     string
		max      int64
		retries  int
		steps    []http.HandlerFunc
		requests int
		hits     int64 // requests that reach the target
		refused  int   // requests that fail with ErrExhausted
	}{
		{"requests beyond the budget are not sent", 3, 0, nil, 5, 3, 2},
		{"retries count against the budget", 2, 5, []http.HandlerFunc{status(503), status(503), status(503)}, 1, 2, 1},
		{"a budget that suffices", 10, 1, []http.HandlerFunc{status(503)}, 3, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := &script{steps: tc.steps}
			srv := httptest.NewServer(target)
			defer srv.Close()
			c := newTestClient(t, Options{MaxRequests: tc.max, Retries: tc.retries})
			refused := 0
			for range tc.requests {
				_, err := c.do(context.Background(), "GET", srv.URL, nil)
				switch {
				case errors.Is(err, ErrExhausted):
					refused++
					var ee *ExhaustedError
					if !errors.As(err, &ee) || ee.Max != tc.max || !strings.Contains(err.Error(), "budget") {
						t.Errorf("error %q does not say the budget of %d is spent", err, tc.max)
					}
				case err != nil:
					t.Fatalf("unexpected error: %v", err)
				}
			}
			if got := target.hits.Load(); got != tc.hits {
				t.Errorf("the target saw %d requests, want %d", got, tc.hits)
			}
			if refused != tc.refused || c.t.Refused() != int64(tc.refused) {
				t.Errorf("%d requests refused (Refused() = %d), want %d", refused, c.t.Refused(), tc.refused)
			}
			if c.t.Sent() != tc.hits {
				t.Errorf("Sent() = %d, want %d", c.t.Sent(), tc.hits)
			}
		})
	}
}

func TestBudgetRateSpacesRequests(t *testing.T) {
	srv := httptest.NewServer(&script{})
	defer srv.Close()
	c := newTestClient(t, Options{Rate: 10})
	for range 4 {
		if _, err := c.do(context.Background(), "GET", srv.URL, nil); err != nil {
			t.Fatal(err)
		}
	}
	// 1/10 s, and the margin that keeps the rate where it is measured.
	gap := 102 * time.Millisecond
	want := []time.Duration{gap, gap, gap}
	if got := c.clock.sleeps(); !slices.Equal(got, want) {
		t.Errorf("slept %v between 4 requests at 10/s, want %v", got, want)
	}
}

func TestBudgetBackoffGrowsWithJitter(t *testing.T) {
	target := &script{steps: []http.HandlerFunc{status(503), status(503), status(503), status(503), status(503)}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	run := func() []time.Duration {
		c := newTestClient(t, Options{Retries: 5, Backoff: 100 * time.Millisecond, MaxBackoff: 500 * time.Millisecond, Seed: 7})
		target.hits.Store(0)
		if _, err := c.do(context.Background(), "GET", srv.URL, nil); err != nil {
			t.Fatal(err)
		}
		return c.clock.sleeps()
	}
	got := run()
	ceilings := []time.Duration{100, 200, 400, 500, 500}
	if len(got) != len(ceilings) {
		t.Fatalf("slept %v, want 5 backoffs", got)
	}
	for i, d := range got {
		hi := ceilings[i] * time.Millisecond
		if d < hi/2 || d > hi {
			t.Errorf("backoff %d is %s, want between %s and %s", i+1, d, hi/2, hi)
		}
	}
	if again := run(); !slices.Equal(got, again) {
		t.Errorf("the same seed gave backoffs %v, then %v", got, again)
	}
}

func TestBudgetWithoutRetries(t *testing.T) {
	target := &script{steps: []http.HandlerFunc{status(429)}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	c := newTestClient(t, Options{Retries: 3})
	resp, err := c.do(WithoutRetries(context.Background()), "GET", srv.URL, nil)
	if err != nil || resp.StatusCode != 429 || target.hits.Load() != 1 {
		t.Errorf("got %v, %v after %d requests; want the 429 after 1", resp, err, target.hits.Load())
	}
}

// An attempt that times out is retried, and so is one whose connection is
// closed, which is not a timeout; this test runs on the real clock, since
// the timeout is the transport's own, but asserts nothing about time.
func TestBudgetAttemptTimeoutRetried(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	target := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}, hangUp}}
	srv := httptest.NewServer(target)
	defer srv.Close()
	c := newTestClient(t, Options{Retries: 2, AttemptTimeout: 200 * time.Millisecond})
	resp, err := c.do(context.Background(), "GET", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(c.retries) != 2 {
		t.Fatalf("got %d after %d retries, want 200 after 2", resp.StatusCode, len(c.retries))
	}
	var ne net.Error
	if r := c.retries[0]; r.Status != 0 || !errors.As(r.Err, &ne) || !ne.Timeout() || !strings.Contains(r.Reason(), "no answer within 200ms") {
		t.Errorf("retry %+v: want no answer, with a timeout error", r)
	}
	if r := c.retries[1]; r.Status != 0 || r.Err == nil || strings.Contains(r.Reason(), "within") {
		t.Errorf("retry %+v (%s): want no answer, not called a timeout", r, r.Reason())
	}
}

func TestBudgetOptionsChecked(t *testing.T) {
	for _, o := range []Options{{Rate: -1}, {MaxRequests: -1}, {Retries: -1}, {AttemptTimeout: -time.Second}} {
		if _, err := New(nil, o); err == nil {
			t.Errorf("New(%+v) accepted a negative value", o)
		}
	}
}
