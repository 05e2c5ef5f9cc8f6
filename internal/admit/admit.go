// Package admit is a cache's doorkeeper: it lets a key in the second time it is offered, so
// that keys asked for once (a load test's random members) do not push out those asked for
// again and again (a frontend's pages), nor hold memory that nothing reads again.
package admit

import (
	"hash/maphash"
	"sync/atomic"
)

// slots is how many recent keys a Filter remembers, one fingerprint each: 256 KB.
const slots = 1 << 16

// Filter remembers a fingerprint of recently offered keys, one per slot. A collision only
// admits a key early, so a Filter never changes what a cache returns, only what it keeps.
// It is safe for concurrent use.
type Filter struct {
	seen [slots]atomic.Uint32
	seed maphash.Seed
}

// New returns a Filter that remembers nothing yet.
func New() *Filter { return &Filter{seed: maphash.MakeSeed()} }

// Bytes reports whether key was offered before (lately), and remembers it.
func (f *Filter) Bytes(key []byte) bool { return f.offer(maphash.Bytes(f.seed, key)) }

// Int reports whether key was offered before (lately), and remembers it.
func (f *Filter) Int(key int64) bool { return f.offer(maphash.Comparable(f.seed, key)) }

func (f *Filter) offer(h uint64) bool {
	slot, fp := &f.seen[h%slots], uint32(h>>32)|1
	return slot.Swap(fp) == fp
}
