package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Rate-limit defaults: a handful of requests a second for a client that does
// not say who it is, ten times more for one that names itself.
const (
	DefaultRateLimitAnonymous = 10
	DefaultRateLimitNamed     = 100
	DefaultRateLimitWindow    = time.Second
	DefaultRateLimitClients   = 10_000
)

// RateLimit configures rate-limit mode, which simulates Entur's policy: a
// client that names itself in ET-Client-Name gets a budget of its own; one
// that does not (the header is optional in this mode) shares a smaller budget
// with every other anonymous client from the same IP address. Budgets are
// counted in fixed windows aligned on the clock (for a 1s window, each whole
// second); a request over budget gets 429, the Error body and Retry-After.
type RateLimit struct {
	Anonymous int           // requests per window per IP address without ET-Client-Name; 0 refuses them all
	Named     int           // requests per window for each ET-Client-Name
	Window    time.Duration // length of a window, at least 1ms
	// MaxClients bounds memory: the number of named clients counted in one
	// window (0 means DefaultRateLimitClients). Names beyond it share one
	// bucket with the anonymous budget.
	MaxClients int
}

// DefaultRateLimit returns the rate limit the mock uses when asked for one
// without numbers.
func DefaultRateLimit() RateLimit {
	return RateLimit{
		Anonymous:  DefaultRateLimitAnonymous,
		Named:      DefaultRateLimitNamed,
		Window:     DefaultRateLimitWindow,
		MaxClients: DefaultRateLimitClients,
	}
}

func (rl RateLimit) check() error {
	switch {
	case rl.Anonymous < 0:
		return fmt.Errorf("the anonymous budget is %d; want 0 or more", rl.Anonymous)
	case rl.Named < 1:
		return fmt.Errorf("the named budget is %d; want 1 or more", rl.Named)
	case rl.Window < time.Millisecond:
		return fmt.Errorf("the window is %s; want 1ms or more", rl.Window)
	case rl.MaxClients < 0:
		return errors.New("MaxClients is negative")
	}
	return nil
}

// maxClientKey bounds the bytes one client name takes in memory; longer
// names are counted by their first maxClientKey bytes.
const maxClientKey = 128

// clientKey identifies a budget: a named client, the anonymous clients of
// one IP address, or (overflow) the named clients past MaxClients.
type clientKey struct {
	anonymous bool
	overflow  bool
	id        string
}

// rateLimiter counts requests per client in fixed windows. All clients share
// the window boundaries, so the whole table is dropped when a window ends:
// memory is bounded by MaxClients, never by how long the mock runs.
type rateLimiter struct {
	rl    RateLimit
	clock func() time.Time

	mu        sync.Mutex
	windowEnd time.Time
	counts    map[clientKey]int

	// remote, when set, counts in the shared state, across replicas; ok false (Redis
	// away) falls back to this replica's own counts.
	remote func(key clientKey, windowEnd time.Time, window time.Duration) (count int64, ok bool)
}

func newRateLimiter(rl RateLimit, clock func() time.Time) *rateLimiter {
	if rl.MaxClients == 0 {
		rl.MaxClients = DefaultRateLimitClients
	}
	return &rateLimiter{rl: rl, clock: clock, counts: make(map[clientKey]int)}
}

// take counts one request of key. It reports whether the request is within
// budget, the budget that applied and, when over it, how long until the
// window ends.
func (l *rateLimiter) take(key clientKey) (ok bool, budget int, wait time.Duration) {
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.windowEnd) {
		l.windowEnd = now.Truncate(l.rl.Window).Add(l.rl.Window)
		clear(l.counts)
	}
	budget = l.rl.Named
	if key.anonymous {
		budget = l.rl.Anonymous
	}
	if _, known := l.counts[key]; !known && !key.anonymous && len(l.counts) >= l.rl.MaxClients {
		key, budget = clientKey{overflow: true}, l.rl.Anonymous
	}
	if l.remote != nil {
		end := l.windowEnd
		l.mu.Unlock() // no lock held over a round trip to Redis
		n, ok := l.remote(key, end, l.rl.Window)
		l.mu.Lock()
		if ok {
			if n > int64(budget) {
				return false, budget, end.Sub(now)
			}
			return true, budget, 0
		}
	}
	n := l.counts[key]
	if n >= budget {
		return false, budget, l.windowEnd.Sub(now)
	}
	l.counts[key] = n + 1
	return true, budget, 0
}

// retryAfterSeconds is what Retry-After says for a wait: whole seconds,
// rounded up, never 0 (a client told 0 would retry at once and fail again).
func retryAfterSeconds(wait time.Duration) int64 {
	s := int64((wait + time.Second - 1) / time.Second)
	return max(s, 1)
}

// withRateLimit answers 429 to a client over its budget. In this mode
// ET-Client-Name is optional (validateRequest is told so): a client without
// it spends the anonymous budget of its address.
func withRateLimit(l *rateLimiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		name := strings.TrimSpace(c.GetHeader(headerClientName))
		key := clientKey{id: name}
		if name == "" {
			key = clientKey{anonymous: true, id: c.RemoteIP()}
		} else if len(name) > maxClientKey {
			key.id = name[:maxClientKey]
		}
		ok, budget, wait := l.take(key)
		if !ok {
			secs := retryAfterSeconds(wait)
			c.Header("Retry-After", strconv.FormatInt(secs, 10))
			who := "clients without ET-Client-Name"
			if !key.anonymous {
				who = "this ET-Client-Name"
			}
			abortWithError(c, http.StatusTooManyRequests, fmt.Sprintf(
				"Rate limit reached: %s may send %d requests per %s. Retry after %d seconds.",
				who, budget, l.rl.Window, secs))
			return
		}
		c.Next()
	}
}
