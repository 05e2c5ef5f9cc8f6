package mockserver

import (
	"sync"

	"github.com/membersmock/membersmock/internal/admit"
)

// boundedCache maps keys to values computed by a pure function of the key, so that a hit is
// exactly what computing again would give. It holds at most maxEntries entries whose sizes
// (key plus the size the caller gives) add up to at most maxBytes; to make room it drops
// arbitrary entries (Go randomises where a map iteration starts), which keeps the bound without
// the bookkeeping of an LRU on every hit. It is safe for concurrent use.
type boundedCache[V any] struct {
	maxEntries, maxBytes int

	mu    sync.RWMutex
	items map[string]sized[V]
	bytes int

	// seen, when set, makes put keep only keys asked for before: a request seen once (a
	// random member under load) would only push out the pages a frontend keeps reloading.
	seen *admit.Filter
}

type sized[V any] struct {
	v    V
	size int
}

func newBoundedCache[V any](maxEntries, maxBytes int) *boundedCache[V] {
	return &boundedCache[V]{maxEntries: maxEntries, maxBytes: maxBytes, items: make(map[string]sized[V])}
}

// admitOnSecondPut makes the cache store a key only on its second put.
func (c *boundedCache[V]) admitOnSecondPut() *boundedCache[V] {
	c.seen = admit.New()
	return c
}

// get looks key up. Taking the key as bytes lets callers build it in a stack buffer: the
// string(key) conversion in a map index does not allocate.
func (c *boundedCache[V]) get(key []byte) (V, bool) {
	c.mu.RLock()
	e, ok := c.items[string(key)]
	c.mu.RUnlock()
	return e.v, ok
}

// put stores v under key; size is what v holds in bytes beyond the key. An entry larger than
// the whole cache is not stored.
func (c *boundedCache[V]) put(key []byte, v V, size int) {
	size += len(key)
	if size > c.maxBytes || c.maxEntries < 1 {
		return
	}
	if c.seen != nil && !c.seen.Bytes(key) {
		return // first time (lately): remembered, stored next time
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[string(key)]; ok {
		return // a concurrent miss stored the same value
	}
	for len(c.items) >= c.maxEntries || c.bytes+size > c.maxBytes {
		for k, e := range c.items {
			delete(c.items, k)
			c.bytes -= e.size
			break
		}
	}
	c.items[string(key)] = sized[V]{v, size}
	c.bytes += size
}
