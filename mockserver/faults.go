package mockserver

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/membersmock/membersmock/spec"
)

// FaultRule is a rule of the mock's fault injection, as POST /__mock/faults takes it and
// GET /__mock/faults shows it. A rule matches requests to the API by operationId or path
// pattern, and optionally by ET-Client-Name; when it fires it answers a documented error
// status with the Error body, delays the answer, or drops the connection.
type FaultRule struct {
	ID int64 `json:"id"` // set by the mock: 1, 2, 3, … in order of creation

	// Match: operationId (e.g. getMemberTransactions) and/or a path pattern, where * stands
	// for one segment and a final ** for any number (/v1/programs/*/members/**); and, when
	// set, only requests whose ET-Client-Name is exactly clientName.
	OperationID string `json:"operationId,omitempty"`
	Path        string `json:"path,omitempty"`
	ClientName  string `json:"clientName,omitempty"`

	// Action: an error status the operation documents (answered with the Error body, and
	// Retry-After on a 429), a delay of delayMs or, with delayMaxMs, one drawn from
	// [delayMs, delayMaxMs], or dropping the connection without an answer. A delay combines
	// with either of the others.
	Status     int   `json:"status,omitempty"`
	DelayMs    int64 `json:"delayMs,omitempty"`
	DelayMaxMs int64 `json:"delayMaxMs,omitempty"`
	Drop       bool  `json:"drop,omitempty"`

	// Firing, at most one of: on every Nth matching request; on the next N matching
	// requests, then never again; with a probability drawn from a source seeded with the
	// mock's seed and the rule's id, so that the same run fires on the same requests. None:
	// always.
	Every       int64   `json:"every,omitempty"`
	Times       int64   `json:"times,omitempty"`
	Probability float64 `json:"probability,omitempty"`

	// What the rule has done so far (read-only).
	Matched int64 `json:"matched"`
	Fired   int64 `json:"fired"`
	Active  bool  `json:"active"` // false once a "times" rule has fired its last time
}

// checkFaultRule says what is wrong with a rule, one FieldError per field, against the
// operations of the spec.
func checkFaultRule(r *FaultRule, ops []spec.Operation) []spec.FieldError {
	var errs []spec.FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, spec.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	var matched []spec.Operation
	switch {
	case r.OperationID == "" && r.Path == "":
		add("operationId", "a rule matches by operationId, by path, or both; give at least one")
	case r.OperationID != "":
		i := slices.IndexFunc(ops, func(o spec.Operation) bool { return o.ID == r.OperationID })
		if i < 0 {
			ids := make([]string, len(ops))
			for j, o := range ops {
				ids[j] = o.ID
			}
			add("operationId", "%q is not an operation of the API; use one of %s", r.OperationID, strings.Join(ids, ", "))
		} else {
			matched = append(matched, ops[i])
		}
	default:
		matched = ops
	}
	if r.Path != "" {
		if err := checkPattern(r.Path); err != "" {
			add("path", "%s", err)
		}
	}
	actions := 0
	if r.Status != 0 {
		actions++
		if allowed := errorStatuses(matched); len(matched) > 0 && !slices.Contains(allowed, r.Status) {
			add("status", "%d is not an error status the matched operations document; use one of %s", r.Status, joinInts(allowed))
		}
	}
	if r.DelayMs != 0 || r.DelayMaxMs != 0 {
		actions++
		maxMs := MaxDelay.Milliseconds()
		if r.DelayMs < 0 || r.DelayMs > maxMs {
			add("delayMs", "must be from 0 to %d milliseconds, got %d", maxMs, r.DelayMs)
		}
		if r.DelayMaxMs != 0 && (r.DelayMaxMs < r.DelayMs || r.DelayMaxMs > maxMs) {
			add("delayMaxMs", "must be from delayMs (%d) to %d milliseconds, got %d", r.DelayMs, maxMs, r.DelayMaxMs)
		}
	}
	if r.Drop {
		actions++
		if r.Status != 0 {
			add("drop", "a dropped connection has no status; give drop or status, not both")
		}
	}
	if actions == 0 {
		add("status", "a rule needs an action: status, delayMs (with delayMaxMs for a range) or drop")
	}
	firing := 0
	for _, f := range []struct {
		name string
		set  bool
		ok   bool
		want string
	}{
		{"every", r.Every != 0, r.Every >= 1, "a whole number of at least 1"},
		{"times", r.Times != 0, r.Times >= 1, "a whole number of at least 1"},
		{"probability", r.Probability != 0, r.Probability > 0 && r.Probability <= 1, "a number above 0 and at most 1"},
	} {
		if !f.set {
			continue
		}
		firing++
		if !f.ok {
			add(f.name, "must be %s", f.want)
		}
	}
	if firing > 1 {
		add("every", "give at most one of every, times and probability (none fires always)")
	}
	return errs
}

// errorStatuses are the error statuses every one of the operations documents.
func errorStatuses(ops []spec.Operation) []int {
	var out []int
	for i, op := range ops {
		var mine []int
		for _, s := range op.Statuses {
			if s >= 400 && (i == 0 || slices.Contains(out, s)) {
				mine = append(mine, s)
			}
		}
		out = mine
	}
	return out
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// checkPattern says what is wrong with a path pattern, "" when nothing.
func checkPattern(p string) string {
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("%q must start with /, e.g. /v1/programs/*/members/**", p)
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "**" && i != len(segs)-1 {
			return fmt.Sprintf("%q: ** may only be the last segment", p)
		}
		if s != "*" && s != "**" && strings.Contains(s, "*") {
			return fmt.Sprintf("%q: * stands for a whole segment, not part of one", p)
		}
	}
	return ""
}

// matchPath matches a request path against a pattern: * is one segment, a final ** any
// number of segments (none included).
func matchPath(pattern, path string) bool {
	ps := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	xs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range ps {
		if p == "**" {
			return true
		}
		if i >= len(xs) || (p != "*" && p != xs[i]) {
			return false
		}
	}
	return len(ps) == len(xs)
}

// faultRule is a rule with its counters and random source.
type faultRule struct {
	mu   sync.Mutex
	spec FaultRule
	rng  *rand.Rand
}

// fire counts a matching request and decides whether the rule fires on it, and with what
// delay. The decisions depend only on the order of matching requests and the seed.
func (r *faultRule) fire() (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.spec
	s.Matched++
	var fired bool
	switch {
	case s.Every > 0:
		fired = s.Matched%s.Every == 0
	case s.Times > 0:
		fired = s.Fired < s.Times
	case s.Probability > 0:
		fired = r.rng.Float64() < s.Probability
	default:
		fired = true
	}
	if !fired {
		return false, 0
	}
	s.Fired++
	if s.Times > 0 && s.Fired >= s.Times {
		s.Active = false
	}
	delay := s.DelayMs
	if s.DelayMaxMs > s.DelayMs {
		delay += r.rng.Int64N(s.DelayMaxMs - s.DelayMs + 1)
	}
	return true, time.Duration(delay) * time.Millisecond
}

func (r *faultRule) snapshot() FaultRule {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spec
}

// faultSet holds the rules. Requests look at it on every call, so the empty set costs one
// atomic load.
type faultSet struct {
	count  atomic.Int64
	mu     sync.RWMutex
	rules  []*faultRule
	nextID int64

	// remote, when set, counts and decides in the shared state, so that every replica's
	// requests count; ok false (Redis away) falls back to this replica's own counts.
	remote func(r *FaultRule) (fired bool, delay time.Duration, exhausted, ok bool)
}

// add stores a checked rule and returns it as stored. seed is the mock's data seed: with the
// rule's id it seeds the rule's random source.
func (fs *faultSet) add(r FaultRule, seed int64) FaultRule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	r.ID, r.Matched, r.Fired, r.Active = fs.nextID, 0, 0, true
	fr := &faultRule{spec: r, rng: rand.New(rand.NewPCG(uint64(seed), uint64(r.ID)))}
	fs.rules = append(fs.rules, fr)
	fs.count.Store(int64(len(fs.rules)))
	return r
}

func (fs *faultSet) list() []FaultRule {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	out := make([]FaultRule, len(fs.rules))
	for i, r := range fs.rules {
		out[i] = r.snapshot()
	}
	return out
}

func (fs *faultSet) get(id int64) (FaultRule, bool) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	for _, r := range fs.rules {
		if r.spec.ID == id {
			return r.snapshot(), true
		}
	}
	return FaultRule{}, false
}

func (fs *faultSet) remove(id int64) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	i := slices.IndexFunc(fs.rules, func(r *faultRule) bool { return r.spec.ID == id })
	if i < 0 {
		return false
	}
	fs.rules = slices.Delete(fs.rules, i, i+1)
	fs.count.Store(int64(len(fs.rules)))
	return true
}

// clear removes every rule; ids start from 1 again, so a run after a reset repeats.
func (fs *faultSet) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules, fs.nextID = nil, 0
	fs.count.Store(0)
}

// faultOutcome is what the rules that fired on a request ask for together: their delays add
// up, the first status (by rule id) answers, and any drop drops.
type faultOutcome struct {
	fired  []int64
	status int
	delay  time.Duration
	drop   bool
}

// evaluate runs every active rule that matches the request.
func (fs *faultSet) evaluate(operationID, path, clientName string) faultOutcome {
	var out faultOutcome
	if fs.count.Load() == 0 {
		return out
	}
	fs.mu.RLock()
	rules := slices.Clone(fs.rules)
	fs.mu.RUnlock()
	for _, r := range rules {
		s := &r.spec // the match fields never change after add
		if (s.OperationID != "" && s.OperationID != operationID) ||
			(s.Path != "" && !matchPath(s.Path, path)) ||
			(s.ClientName != "" && s.ClientName != clientName) {
			continue
		}
		if s.Times > 0 && !r.active() {
			continue
		}
		fired, delay := fs.fireOne(r)
		if !fired {
			continue
		}
		out.fired = append(out.fired, s.ID)
		out.delay += delay
		if s.Status != 0 && out.status == 0 {
			out.status = s.Status
		}
		out.drop = out.drop || s.Drop
	}
	return out
}

// fireOne decides for one matching rule: in the shared state when there is one and it
// answers, else with the rule's own counts.
func (fs *faultSet) fireOne(r *faultRule) (bool, time.Duration) {
	if fs.remote != nil {
		if fired, delay, exhausted, ok := fs.remote(&r.spec); ok {
			r.mu.Lock()
			if fired || !exhausted {
				r.spec.Matched++
			}
			if fired {
				r.spec.Fired++
			}
			if exhausted {
				r.spec.Active = false
			}
			r.mu.Unlock()
			return fired, delay
		}
	}
	return r.fire()
}

// replace makes rules the set, with their counts as the shared state holds them.
func (fs *faultSet) replace(rules []FaultRule, seed int64) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = make([]*faultRule, len(rules))
	for i, r := range rules {
		fs.rules[i] = &faultRule{spec: r, rng: rand.New(rand.NewPCG(uint64(seed), uint64(r.ID)))}
		fs.nextID = max(fs.nextID, r.ID)
	}
	fs.count.Store(int64(len(fs.rules)))
}

func (r *faultRule) active() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spec.Active
}
