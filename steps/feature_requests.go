package steps

import (
	"context"
	"maps"
	"sync"
)

// requestCounter counts the requests a run's scenarios send, by the feature
// file of the scenario: what a dry run reports. The client counts in send,
// the one door of every scenario's request, rather than in a wrapping
// RoundTripper, which would change net/http's timeout errors (see send).
type requestCounter struct {
	mu        sync.Mutex
	byFeature map[string]int
}

// add counts one request under the feature of the scenario in ctx; c may
// be nil.
func (c *requestCounter) add(ctx context.Context) {
	s, ok := ctx.Value(scenarioKey{}).(*scenario)
	if c == nil || !ok || s.pickle == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byFeature == nil {
		c.byFeature = make(map[string]int)
	}
	c.byFeature[s.pickle.Uri]++
}

func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byFeature)
}
