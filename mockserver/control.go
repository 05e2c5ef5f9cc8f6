package mockserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// Gin context keys the control plane sets for the journal.
const (
	forcedKey  = "membersmock.forced"
	droppedKey = "membersmock.dropped"
)

// DefaultWatchInterval is how often --watch looks at the fixtures file.
const DefaultWatchInterval = 500 * time.Millisecond

// state is everything the API answers from. It is replaced as a whole (reset, a new
// overlay, the fixtures file changing) and never changed, so a request sees one state from
// start to end and the swap needs no lock.
type state struct {
	start   *fixtures.Dataset   // Config.Dataset, or the same reseeded: before any overlay
	file    *fixtures.Overlay   // the --fixtures file; nil for none
	posted  []*fixtures.Overlay // overlays loaded through POST /__mock/fixtures, in order
	data    *fixtures.Dataset   // start with file and posted applied
	api     *api
	catalog Catalog
}

func newState(start *fixtures.Dataset, file *fixtures.Overlay, posted []*fixtures.Overlay) (*state, error) {
	data := start
	for _, o := range append([]*fixtures.Overlay{file}, posted...) {
		if o == nil {
			continue
		}
		var err error
		if data, err = data.WithOverlay(o); err != nil {
			return nil, err
		}
	}
	return &state{start: start, file: file, posted: posted, data: data, api: &api{data: data}, catalog: NewCatalog(data)}, nil
}

// control is the mock's control plane: the swappable state, fault rules, the journal, the
// Prefer header and the admin endpoints.
type control struct {
	v        *spec.Validator
	ops      map[string]spec.Operation // by gin route, e.g. /v1/programs/:programId/members
	allOps   []spec.Operation
	faults   faultSet
	journal  *journal // nil when off
	coverage coverage
	log      *slog.Logger
	clock    func() time.Time

	fixturesFile string
	adminToken   string

	current atomic.Pointer[state]
	mu      sync.Mutex   // serialises changes of current
	dialect spec.Dialect // shown in the catalog

	shared *shared // nil: the state is this process's alone
}

func newControl(cfg Config, clock func() time.Time, log *slog.Logger) (*control, error) {
	ctl := &control{
		v:            cfg.Validator,
		dialect:      cfg.Validator.Dialect(),
		ops:          make(map[string]spec.Operation),
		allOps:       cfg.Validator.Operations(),
		log:          log,
		clock:        clock,
		fixturesFile: cfg.FixturesFile,
		adminToken:   cfg.AdminToken,
	}
	for _, op := range ctl.allOps {
		route := op.Path
		for _, p := range op.Params {
			route = strings.ReplaceAll(route, "{"+p+"}", ":"+p)
		}
		ctl.ops[route] = op
	}
	if cfg.JournalSize < 0 {
		return nil, fmt.Errorf("the journal size is %d; want 0 (off) or more", cfg.JournalSize)
	}
	if cfg.JournalSize > 0 {
		ctl.journal = newJournal(cfg.JournalSize, cfg.Validator, ctl.ops)
	}
	var file *fixtures.Overlay
	if cfg.FixturesFile != "" {
		var err error
		if file, err = fixtures.LoadOverlay(cfg.FixturesFile, cfg.Validator); err != nil {
			return nil, err
		}
	}
	st, err := newState(cfg.Dataset, file, nil)
	if err != nil {
		return nil, err
	}
	ctl.current.Store(st)
	ctl.warn(st.data.Warnings())
	ctx := cfg.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if cfg.State != nil {
		if err := ctl.connectShared(ctx, *cfg.State, cfg.JournalSize); err != nil {
			return nil, err
		}
	}
	if cfg.WatchFixtures {
		if cfg.FixturesFile == "" {
			return nil, errors.New("watching the fixtures file needs a fixtures file")
		}
		interval := cfg.WatchInterval
		if interval <= 0 {
			interval = DefaultWatchInterval
		}
		go ctl.watch(ctx, interval)
	}
	return ctl, nil
}

func (ctl *control) state() *state { return ctl.current.Load() }

// handle serves an API handler from the current state.
func (ctl *control) handle(h func(*api, *gin.Context)) gin.HandlerFunc {
	return func(c *gin.Context) { h(ctl.state().api, c) }
}

// swap replaces the state with what change builds from the current one, unless it fails.
func (ctl *control) swap(change func(cur *state) (*state, error)) (*state, error) {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	next, err := change(ctl.state())
	if err != nil {
		return nil, err
	}
	ctl.current.Store(next)
	return next, nil
}

// reset goes back to the start state: the dataset (reseeded when seed is not 0), the
// fixtures file as it is now, no posted overlays, no fault rules, an empty journal.
func (ctl *control) reset(seed int64) (*state, error) {
	st, err := ctl.swap(func(cur *state) (*state, error) {
		start := cur.start
		if seed != 0 && seed != start.Seed() {
			var err error
			if start, err = start.Reseed(seed); err != nil {
				return nil, err
			}
		}
		file := cur.file
		if ctl.fixturesFile != "" {
			var err error
			if file, err = fixtures.LoadOverlay(ctl.fixturesFile, ctl.v); err != nil {
				return nil, err
			}
		}
		return newState(start, file, nil)
	})
	if err != nil {
		return nil, err
	}
	ctl.warn(st.data.Warnings())
	ctl.faults.clear()
	ctl.coverage.clear()
	if ctl.journal != nil {
		ctl.journal.clear(journalFilter{})
	}
	return st, nil
}

// addOverlay applies an overlay on top of the current state.
func (ctl *control) addOverlay(o *fixtures.Overlay) (*state, error) {
	return ctl.swap(func(cur *state) (*state, error) {
		data, err := cur.data.WithOverlay(o)
		if err != nil {
			return nil, err
		}
		ctl.warn(data.Warnings()[len(cur.data.Warnings()):])
		posted := append(slices.Clone(cur.posted), o)
		return &state{start: cur.start, file: cur.file, posted: posted, data: data, api: &api{data: data}, catalog: NewCatalog(data)}, nil
	})
}

// reloadFile reads the fixtures file again and rebuilds the state with it under the posted
// overlays.
func (ctl *control) reloadFile() error {
	_, err := ctl.swap(func(cur *state) (*state, error) {
		file, err := fixtures.LoadOverlay(ctl.fixturesFile, ctl.v)
		if err != nil {
			return nil, err
		}
		next, err := newState(cur.start, file, cur.posted)
		if err == nil {
			ctl.warn(next.data.Warnings())
		}
		return next, err
	})
	return err
}

// warn logs what recordings break of the rules generated data keeps: served anyway, since
// it is what the real service said, but a frontend team should know why a screen shows a
// transaction dated after the mock's now.
func (ctl *control) warn(ws []fixtures.OverlayWarning) {
	if ctl.log == nil {
		return
	}
	for _, w := range ws {
		ctl.log.Warn("a recording breaks a rule of generated data; served as recorded", "where", w.String())
	}
}

// watch reloads the fixtures file whenever its modification time or size changes. A file
// that does not load leaves the data as it was; the error goes to the log.
func (ctl *control) watch(ctx context.Context, interval time.Duration) {
	stamp := func() (time.Time, int64, bool) {
		fi, err := os.Stat(ctl.fixturesFile)
		if err != nil {
			return time.Time{}, 0, false
		}
		return fi.ModTime(), fi.Size(), true
	}
	lastMod, lastSize, _ := stamp()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		mod, size, ok := stamp()
		if !ok || (mod.Equal(lastMod) && size == lastSize) {
			continue
		}
		lastMod, lastSize = mod, size
		if err := ctl.reloadFile(); err != nil {
			ctl.log.Error("fixtures file not reloaded; the data stays as it was", "file", ctl.fixturesFile, "error", err.Error())
			continue
		}
		ctl.log.Info("fixtures file reloaded", "file", ctl.fixturesFile)
	}
}

// intercept answers a request to the API the way its Prefer header and the fault rules ask:
// a delay, another documented status with the Error body, or a dropped connection. Without
// either, the request goes on untouched.
func (ctl *control) intercept(c *gin.Context) {
	prefs := c.Request.Header.Values("Prefer")
	if len(prefs) == 0 && ctl.faults.count.Load() == 0 {
		c.Next()
		return
	}
	op := ctl.ops[c.FullPath()]
	pref, err := parsePrefer(prefs)
	if err != nil {
		badParameter(c, "Prefer", err.Error())
		return
	}
	if pref.status != 0 && !slices.Contains(op.Statuses, pref.status) {
		abortWithError(c, http.StatusBadRequest,
			fmt.Sprintf("The request has an invalid parameter: Prefer. %s does not document status %d.", op.ID, pref.status),
			spec.FieldError{Field: "Prefer", Message: fmt.Sprintf("status=%d is not documented for %s; use one of %s",
				pref.status, op.ID, joinInts(op.Statuses))})
		return
	}
	fault := ctl.faults.evaluate(op.ID, c.Request.URL.Path, c.GetHeader(headerClientName))

	var why []string
	if applied := pref.applied(); applied != "" {
		c.Header("Preference-Applied", applied)
		why = append(why, "Prefer: "+applied)
	}
	if len(fault.fired) > 0 {
		ids := make([]string, len(fault.fired))
		for i, id := range fault.fired {
			ids[i] = strconv.FormatInt(id, 10)
		}
		word := "rule"
		if len(ids) > 1 {
			word = "rules"
		}
		why = append(why, "fault "+word+" "+strings.Join(ids, ", "))
	}
	if len(why) > 0 {
		c.Set(forcedKey, strings.Join(why, "; "))
	}

	if d := pref.delay + fault.delay; d > 0 && !sleep(c.Request.Context(), d) {
		c.Abort() // the client went away
		return
	}
	switch {
	case fault.drop:
		dropConnection(c)
	case pref.status != 0 && pref.status != http.StatusOK:
		forceStatus(c, pref.status, fmt.Sprintf("This answer was asked for with Prefer: status=%d.", pref.status))
	case pref.status == 0 && fault.status != 0:
		forceStatus(c, fault.status, fmt.Sprintf("This answer comes from the mock's fault rule %d.", fault.fired[0]))
	default:
		c.Next()
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// forceStatus answers a documented error status with the Error body and the headers the
// contract gives it.
func forceStatus(c *gin.Context, status int, message string) {
	switch status {
	case http.StatusTooManyRequests:
		c.Header("Retry-After", "1")
	case http.StatusUnauthorized:
		c.Header("WWW-Authenticate", wwwAuthenticate)
	}
	abortWithError(c, status, message)
}

// dropConnection closes the connection without an answer, as a crashed server or a broken
// network does.
func dropConnection(c *gin.Context) {
	c.Set(droppedKey, true)
	c.Abort()
	conn, _, err := c.Writer.Hijack()
	if err != nil {
		// HTTP/2 or a writer that cannot be hijacked: net/http resets the stream instead.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// catalog is what the catalog endpoints answer for st: its data and the
// dialect in force.
func (ctl *control) catalog(st *state) Catalog {
	c := st.catalog
	c.Dialect = ctl.dialect
	return c
}
