package mockserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
)

// The control plane's operations, on this process's state or, with --state redis, on the
// state every replica shares. The admin endpoints call these; a shared change is made in
// Redis first, then this replica reloads at once (its answer shows the change) and the
// others on the change notice.

// connectShared starts sharing the control state: the first load (a replica that cannot
// reach Redis starts from its own state, degraded, and catches up when Redis is there),
// then the background sync until ctx is done.
func (ctl *control) connectShared(ctx context.Context, cfg SharedState, journalSize int) error {
	s, err := newShared(cfg, ctl.log)
	if err != nil {
		return err
	}
	s.journalSize = journalSize
	s.reload = ctl.reloadShared
	ctl.shared = s
	ctl.faults.remote = func(r *FaultRule) (bool, time.Duration, bool, bool) {
		fctx, cancel := context.WithTimeout(ctx, sharedIOTimeout)
		defer cancel()
		return s.fire(fctx, r, ctl.state().data.Seed())
	}
	if ctl.journal != nil {
		ctl.journal.sendTo(s.record)
	}
	s.healthy.Store(true)
	lctx, cancel := context.WithTimeout(ctx, sharedAdminTimeout)
	defer cancel()
	if err := ctl.reloadShared(lctx); err != nil {
		if !errors.Is(err, errStateUnavailable) {
			return fmt.Errorf("applying the shared state of %s: %w", s.where, err)
		}
		// failed() has logged it; the sync loop catches up once Redis answers.
	}
	go s.run(ctx)
	return nil
}

// reloadShared rebuilds this replica's state from the shared one: the seed of the last
// reset, this replica's fixtures file, the posted overlays, the rules with their counts.
func (ctl *control) reloadShared(ctx context.Context) error {
	snap, err := ctl.shared.load(ctx)
	if err != nil {
		return err
	}
	var posted []*fixtures.Overlay
	for _, so := range snap.overlays {
		o, err := fixtures.ParseOverlay(so.Source, so.Body, ctl.v)
		if err != nil {
			return fmt.Errorf("a shared overlay: %w", err)
		}
		posted = append(posted, o)
	}
	st, err := ctl.swap(func(cur *state) (*state, error) {
		start := cur.start
		if snap.seed != 0 && snap.seed != start.Seed() {
			if start, err = start.Reseed(snap.seed); err != nil {
				return nil, err
			}
		}
		return newState(start, cur.file, posted)
	})
	if err != nil {
		return err
	}
	ctl.faults.replace(snap.rules, st.data.Seed())
	ctl.shared.version.Store(snap.version)
	return nil
}

// adminContext bounds an admin call's work on the shared state.
func adminContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), sharedAdminTimeout)
}

// requireShared answers 503 to admin calls while the shared state cannot be reached: a
// change this replica alone would make is one the others never see.
func (ctl *control) requireShared(c *gin.Context) {
	if ctl.shared != nil && !ctl.shared.healthy.Load() {
		stateUnavailable(c, fmt.Errorf("%w (%s)", errStateUnavailable, ctl.shared.where))
		return
	}
	c.Next()
}

// stateUnavailable answers 503 with the Error body saying what is down and what still works.
func stateUnavailable(c *gin.Context, err error) {
	c.Header("Retry-After", "1")
	abortWithError(c, http.StatusServiceUnavailable, fmt.Sprintf(
		"The mock's admin endpoints are unavailable: %v. The API goes on answering from the last state this replica knew; admin calls work again once the shared state is back.", err))
}

// sharedFailed answers an error of a control operation: 503 when the shared state is
// away, else ok false and the caller answers.
func sharedFailed(c *gin.Context, err error) bool {
	if errors.Is(err, errStateUnavailable) {
		stateUnavailable(c, err)
		return true
	}
	return false
}

func (ctl *control) addFault(ctx context.Context, r FaultRule) (FaultRule, error) {
	if ctl.shared == nil {
		return ctl.faults.add(r, ctl.state().data.Seed()), nil
	}
	stored, err := ctl.shared.addRule(ctx, r)
	if err != nil {
		return stored, err
	}
	return stored, ctl.reloadShared(ctx)
}

func (ctl *control) listFaults(ctx context.Context) ([]FaultRule, error) {
	if ctl.shared == nil {
		return ctl.faults.list(), nil
	}
	return ctl.shared.rules(ctx)
}

func (ctl *control) faultRule(ctx context.Context, id int64) (FaultRule, bool, error) {
	if ctl.shared == nil {
		r, ok := ctl.faults.get(id)
		return r, ok, nil
	}
	rules, err := ctl.shared.rules(ctx)
	for _, r := range rules {
		if r.ID == id {
			return r, true, nil
		}
	}
	return FaultRule{}, false, err
}

func (ctl *control) removeFault(ctx context.Context, id int64) (bool, error) {
	if ctl.shared == nil {
		return ctl.faults.remove(id), nil
	}
	ok, err := ctl.shared.removeRule(ctx, id)
	if err != nil || !ok {
		return ok, err
	}
	return true, ctl.reloadShared(ctx)
}

func (ctl *control) clearFaults(ctx context.Context) error {
	if ctl.shared == nil {
		ctl.faults.clear()
		return nil
	}
	if err := ctl.shared.clearRules(ctx); err != nil {
		return err
	}
	return ctl.reloadShared(ctx)
}

// resetAll is POST /__mock/reset: here, or for every replica.
func (ctl *control) resetAll(ctx context.Context, seed int64) (*state, error) {
	if ctl.shared == nil {
		return ctl.reset(seed)
	}
	// Build it here first: a seed the fixtures file does not fit is refused before
	// anything changes.
	cur := ctl.state()
	start := cur.start
	if seed != 0 && seed != start.Seed() {
		var err error
		if start, err = start.Reseed(seed); err != nil {
			return nil, err
		}
	}
	if _, err := newState(start, cur.file, nil); err != nil {
		return nil, err
	}
	if err := ctl.shared.reset(ctx, seed); err != nil {
		return nil, err
	}
	ctl.coverage.clear()
	if err := ctl.reloadShared(ctx); err != nil {
		return nil, err
	}
	return ctl.state(), nil
}

// postOverlay is POST /__mock/fixtures: checked against this replica's state, then applied
// here, or shared.
func (ctl *control) postOverlay(ctx context.Context, source string, body []byte) (*state, error) {
	o, err := fixtures.ParseOverlay(source, body, ctl.v)
	if err != nil {
		return nil, err
	}
	if ctl.shared == nil {
		return ctl.addOverlay(o)
	}
	if _, err := ctl.state().data.WithOverlay(o); err != nil {
		return nil, err
	}
	if err := ctl.shared.addOverlay(ctx, source, body); err != nil {
		return nil, err
	}
	if err := ctl.reloadShared(ctx); err != nil {
		return nil, err
	}
	return ctl.state(), nil
}

// journalList is GET /__mock/requests.
func (ctl *control) journalList(ctx context.Context, f journalFilter, limit int) (JournalList, error) {
	list := JournalList{Size: ctl.journal.size}
	if ctl.shared == nil {
		list.Recorded = ctl.journal.recorded()
		list.Requests = ctl.journal.list(f, limit)
		return list, nil
	}
	recs, _, recorded, err := ctl.shared.journalEntries(ctx)
	if err != nil {
		return list, err
	}
	list.Recorded = recorded
	var kept []*journalRecord
	for _, rec := range recs {
		if f.keeps(&rec.entry) {
			kept = append(kept, rec)
		}
	}
	if limit > 0 && len(kept) > limit {
		kept = kept[len(kept)-limit:]
	}
	list.Requests = make([]JournalEntry, len(kept))
	for i, rec := range kept {
		list.Requests[i] = rec.check(ctl.v)
	}
	return list, nil
}

func (ctl *control) journalClear(ctx context.Context, f journalFilter) error {
	if ctl.shared == nil {
		ctl.journal.clear(f)
		return nil
	}
	return ctl.shared.clearJournal(ctx, f)
}

// ready says whether the replica serves the state every replica shares; "" when it does.
func (ctl *control) ready() string {
	switch {
	case ctl.shared == nil:
		return ""
	case !ctl.shared.healthy.Load():
		return fmt.Sprintf("The shared state (%s) cannot be reached (%d failed calls since start): the API answers from the last state this replica knew, admin calls answer 503.", ctl.shared.where, ctl.shared.errors.Load())
	case ctl.shared.stuck.Load() != nil:
		return *ctl.shared.stuck.Load()
	}
	return ""
}

// Readiness is the body of a 200 from /readyz. StateVersion is the version of the shared
// state the replica serves (0 without one): replicas that show the same have the same
// rules, overlays and seed.
// StateErrors counts the calls to Redis that failed since the replica started, periods
// of Redis being away included.
type Readiness struct {
	Status       string `json:"status"`
	StateVersion int64  `json:"stateVersion"`
	StateErrors  int64  `json:"stateErrors"`
}

func (ctl *control) readiness() Readiness {
	r := Readiness{Status: "ready"}
	if ctl.shared != nil {
		r.StateVersion = ctl.shared.version.Load()
		r.StateErrors = ctl.shared.errors.Load()
	}
	return r
}
