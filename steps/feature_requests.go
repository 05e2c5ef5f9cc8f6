package steps

import (
	"maps"
	"net/http"
	"sync"
)

// requestCounter counts the requests a run sends, by the feature file of
// the scenario that sent them: what a dry run reports, and what a budget is
// spent on.
type requestCounter struct {
	mu        sync.Mutex
	byFeature map[string]int
}

// countRequests returns a copy of hc whose every request is counted in c,
// under the feature of the scenario in the request's context, or under ""
// for requests outside scenarios (the catalog, the reachability probe).
// It counts what the suite asks for: a request a transport beneath it sends
// again (a retry) is that transport's to count.
func countRequests(hc *http.Client, c *requestCounter) *http.Client {
	cp := *hc
	next := cp.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cp.Transport = &countingTransport{next: next, counter: c}
	return &cp
}

type countingTransport struct {
	next    http.RoundTripper
	counter *requestCounter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	feature := ""
	if s, ok := req.Context().Value(scenarioKey{}).(*scenario); ok && s.pickle != nil {
		feature = s.pickle.Uri
	}
	t.counter.mu.Lock()
	if t.counter.byFeature == nil {
		t.counter.byFeature = make(map[string]int)
	}
	t.counter.byFeature[feature]++
	t.counter.mu.Unlock()
	return t.next.RoundTrip(req)
}

// CloseIdleConnections passes http.Client.CloseIdleConnections on.
func (t *countingTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byFeature)
}
