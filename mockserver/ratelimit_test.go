package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand, so rate-limit windows never
// depend on how fast the test runs.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// windowStart is an instant on a whole second, so that windows of 1s and
// 10s both start there.
var windowStart = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newRateLimitedMock(t *testing.T, clock *fakeClock, rl RateLimit) *mock {
	t.Helper()
	return newMock(t, 1, func(c *Config) {
		c.RateLimit = &rl
		c.Clock = clock.Now
	})
}

// expectStatuses sends n requests as one client and checks their statuses.
func expectStatuses(t *testing.T, m *mock, client string, want ...int) {
	t.Helper()
	for i, status := range want {
		r := m.get("/v1/programs/1/members/3", "ET-Client-Name", client)
		if r.status != status {
			t.Fatalf("client %q, request %d: status %d, want %d\n%s", client, i+1, r.status, status, r.body)
		}
		if status == http.StatusTooManyRequests {
			expectError(t, r, http.StatusTooManyRequests)
		}
	}
}

func TestRateLimitBudgets(t *testing.T) {
	clock := newFakeClock(windowStart.Add(250 * time.Millisecond))
	m := newRateLimitedMock(t, clock, RateLimit{Anonymous: 2, Named: 3, Window: time.Second})

	expectStatuses(t, m, "acme-travelapp", 200, 200, 200, 429, 429)
	// Another name has a budget of its own.
	expectStatuses(t, m, "acme-kiosk", 200, 200, 200, 429)
	// Without ET-Client-Name the request is not refused with 400 but counted
	// in the smaller anonymous budget; blank counts as absent.
	expectStatuses(t, m, "", 200, 200, 429)
	expectStatuses(t, m, "   ", 429)

	r := m.get("/v1/programs/1/members/3", "ET-Client-Name", "acme-travelapp")
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After = %q, want 1 (the window ends in 0.75s)", got)
	}
	if msg := r.json(t)["message"].(string); !strings.Contains(msg, "3 requests per 1s") {
		t.Errorf("message %q does not state the budget", msg)
	}

	// The next window starts every budget again.
	clock.Advance(750 * time.Millisecond)
	expectStatuses(t, m, "acme-travelapp", 200, 200, 200, 429)
	expectStatuses(t, m, "", 200, 200, 429)

	t.Run("mock endpoints are not limited", func(t *testing.T) {
		for range 5 {
			for _, path := range []string{"/healthz", "/__mock/catalog"} {
				if r := m.get(path, "ET-Client-Name", ""); r.status != 200 {
					t.Fatalf("%s: %d", path, r.status)
				}
			}
		}
	})
}

// TestRateLimitKeepsValidation: an anonymous request is still validated
// (only ET-Client-Name became optional), and over budget the 429 comes first.
func TestRateLimitKeepsValidation(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := newRateLimitedMock(t, clock, RateLimit{Anonymous: 1, Named: 1, Window: time.Second})
	expectError(t, m.get("/v1/programs/1/members?perPage=0", "ET-Client-Name", ""), 400, "perPage")
	expectError(t, m.get("/v1/programs/1/members?perPage=0", "ET-Client-Name", ""), 429)
	expectError(t, m.get("/v1/programs/1/members?page=-1", "ET-Client-Name", "acme-a"), 400, "page")
}

func TestRateLimitRetryAfter(t *testing.T) {
	cases := []struct {
		into time.Duration // how far into the 10s window the refused request comes
		want string
	}{
		{0, "10"},
		{2500 * time.Millisecond, "8"},
		{9 * time.Second, "1"},
		{9999 * time.Millisecond, "1"},
	}
	for _, tc := range cases {
		t.Run(tc.into.String(), func(t *testing.T) {
			clock := newFakeClock(windowStart.Add(tc.into))
			m := newRateLimitedMock(t, clock, RateLimit{Anonymous: 0, Named: 1, Window: 10 * time.Second})
			r := m.get("/v1/programs/1", "ET-Client-Name", "")
			expectError(t, r, http.StatusTooManyRequests)
			if got := r.header.Get("Retry-After"); got != tc.want {
				t.Fatalf("Retry-After = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRateLimitConcurrent: many connections of one client at once get
// exactly the budget, no more, no less.
func TestRateLimitConcurrent(t *testing.T) {
	clock := newFakeClock(windowStart)
	const budget = 40
	m := newRateLimitedMock(t, clock, RateLimit{Anonymous: 1, Named: budget, Window: time.Second})
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				req, _ := http.NewRequest(http.MethodGet, m.url+"/v1/programs/1", nil)
				req.Header.Set("ET-Client-Name", "acme-burst")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if counts[200] != budget || counts[429] != 80-budget {
		t.Fatalf("statuses %v, want %d × 200 and %d × 429", counts, budget, 80-budget)
	}
}

// TestRateLimiterMemoryIsBounded: names past MaxClients share the anonymous
// budget instead of growing the table, and a new window empties it.
func TestRateLimiterMemoryIsBounded(t *testing.T) {
	clock := newFakeClock(windowStart)
	l := newRateLimiter(RateLimit{Anonymous: 2, Named: 5, Window: time.Second, MaxClients: 100}, clock.Now)
	for i := range 1000 {
		l.take(clientKey{id: fmt.Sprintf("client-%d", i)})
	}
	if n := len(l.counts); n > 101 {
		t.Fatalf("%d clients counted, want at most 100 and the overflow bucket", n)
	}
	if ok, _, _ := l.take(clientKey{id: "client-1"}); !ok {
		t.Fatalf("a client counted before the table filled lost its budget")
	}
	if ok, budget, _ := l.take(clientKey{id: "client-5000"}); ok || budget != 2 {
		t.Fatalf("a client past MaxClients: ok=%v budget=%d, want refused with the anonymous budget", ok, budget)
	}
	clock.Advance(time.Second)
	if ok, budget, _ := l.take(clientKey{id: "client-5000"}); !ok || budget != 5 {
		t.Fatalf("in a new window: ok=%v budget=%d, want a named budget", ok, budget)
	}
	if n := len(l.counts); n != 1 {
		t.Fatalf("%d clients counted after the window ended, want 1", n)
	}
	// Long names are counted by their first bytes: memory per client is bounded too.
	long := strings.Repeat("x", 10_000)
	m := newRateLimitedMock(t, newFakeClock(windowStart), RateLimit{Anonymous: 1, Named: 1, Window: time.Second})
	if r := m.get("/v1/programs/1", "ET-Client-Name", long+"a"); r.status != 200 {
		t.Fatalf("long name: %d", r.status)
	}
	expectError(t, m.get("/v1/programs/1", "ET-Client-Name", long+"b"), http.StatusTooManyRequests)
}

func TestRateLimitConfig(t *testing.T) {
	m := newMock(t, 1)
	for _, rl := range []RateLimit{
		{Anonymous: -1, Named: 1, Window: time.Second},
		{Anonymous: 1, Named: 0, Window: time.Second},
		{Anonymous: 1, Named: 1, Window: 0},
		{Anonymous: 1, Named: 1, Window: time.Second, MaxClients: -1},
	} {
		if _, err := New(Config{Dataset: m.data, Validator: m.v, RateLimit: &rl}); err == nil {
			t.Errorf("%+v accepted", rl)
		}
	}
	if _, err := New(Config{Dataset: m.data, Validator: m.v, RateLimit: new(DefaultRateLimit())}); err != nil {
		t.Errorf("the default rate limit is refused: %v", err)
	}
}
