package mockserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// DefaultJournalSize is how many requests the mock as shipped journals: enough to read
// back what an app just did, small enough to cost little memory.
const DefaultJournalSize = 200

// Config is what New needs to build the mock.
type Config struct {
	Dataset   *fixtures.Dataset // required
	Validator *spec.Validator   // required
	Auth      string            // AuthNone (default), AuthBearer or AuthJWT
	Logger    *slog.Logger      // access log; nil means no access log

	// RateLimit turns rate-limit mode on; nil leaves it off.
	RateLimit *RateLimit
	// Limits caps request sizes; the zero value means the defaults.
	Limits Limits
	// Clock tells the real time, for JWT expiry and rate-limit windows (not
	// the dataset's fixed "now": a token expires in real time). nil means
	// time.Now; tests inject their own.
	Clock func() time.Time

	// The control plane (docs/frontend.md). The Prefer header and fault rules
	// are always on; the admin endpoints under /__mock/ (reset, faults,
	// requests, fixtures) unless DisableAdmin, protected by AdminToken as a
	// bearer token when it is set. /__mock/catalog is always served.
	DisableAdmin bool
	AdminToken   string
	// FixturesFile is a fixture overlay (YAML or JSON, see fixtures.Overlay)
	// applied over Dataset at start and on every reset; "" for none.
	FixturesFile string
	// WatchFixtures reloads FixturesFile whenever it changes (its modification
	// time or size, looked at every WatchInterval, 0 meaning
	// DefaultWatchInterval) until Context is done.
	WatchFixtures bool
	WatchInterval time.Duration
	// JournalSize is how many of the latest requests GET /__mock/requests
	// keeps; 0 turns the journal off. cmd/mockserver keeps DefaultJournalSize.
	JournalSize int
	// Upstream, when set, makes the mock a validating proxy in front of a real deployment
	// instead of serving the dataset (see Upstream); the control plane stays.
	Upstream *Upstream

	// State, when set, shares the control state with every replica on the same Redis
	// (see SharedState); nil keeps it in this process.
	State *SharedState

	// Context bounds the mock's background work (the fixtures watcher, the
	// shared state's sync); nil means it lasts as long as the process.
	Context context.Context
}

// Server is the mock: an http.Handler (a gin engine in release mode, without
// gin's own logger) serving the routes of the contract and the mock's own
// endpoints.
type Server struct {
	engine *gin.Engine
	ctl    *control
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Catalog is what GET /__mock/catalog answers now: the dataset with the
// fixtures file and any posted overlays applied.
func (s *Server) Catalog() Catalog { return s.ctl.catalog(s.ctl.state()) }

// New builds the mock from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Dataset == nil {
		return nil, errors.New("mockserver: Config.Dataset is required")
	}
	if cfg.Validator == nil {
		return nil, errors.New("mockserver: Config.Validator is required")
	}
	switch cfg.Auth {
	case "", AuthNone, AuthBearer, AuthJWT:
	default:
		return nil, fmt.Errorf("mockserver: unknown auth mode %q (use %q, %q or %q)", cfg.Auth, AuthNone, AuthBearer, AuthJWT)
	}
	if cfg.RateLimit != nil {
		if err := cfg.RateLimit.check(); err != nil {
			return nil, fmt.Errorf("mockserver: rate limit: %w", err)
		}
	}
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	docJSON, err := cfg.Validator.DocumentJSON()
	if err != nil {
		return nil, fmt.Errorf("mockserver: converting the OpenAPI document to JSON: %w", err)
	}
	controlJSON, err := spec.ControlDocumentJSON()
	if err != nil {
		return nil, fmt.Errorf("mockserver: converting the control plane's OpenAPI document to JSON: %w", err)
	}
	errLog := cfg.Logger
	if errLog == nil {
		errLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	// The fixtures watcher reports a file it cannot load even without an
	// access log, as net/http reports its own errors: to the default logger.
	ctlLog := cfg.Logger
	if ctlLog == nil {
		ctlLog = slog.Default()
	}
	ctl, err := newControl(cfg, clock, ctlLog)
	if err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// Exact paths only: a redirect is not an answer the contract knows, and
	// every unknown path gets the 404 Error body.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.ForwardedByClientIP = false

	e.Use(withCorrelationID, ctl.coverage.middleware(ctl.ops))
	var px *proxy
	if cfg.Upstream != nil {
		if px, err = newProxy(cfg.Upstream, cfg.Validator, ctl.ops, cfg.Logger); err != nil {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
		px.journal = ctl.journal
		e.Use(px.judge)
	}
	if ctl.journal != nil {
		e.Use(ctl.journal.middleware(cfg.Clock, px != nil))
	}
	e.Use(withNoSniff, withRecovery(errLog))
	if cfg.Logger != nil {
		e.Use(withAccessLog(cfg.Logger))
	}
	// Limits after CORS, so that a browser can read a 414 or 431.
	e.Use(withCORS, withLimits(cfg.Limits))

	// forwarded reports whether the proxy answers a path the API's routes do not match: every
	// path under /v1/ goes upstream, whatever the mock knows of it.
	forwarded := func(c *gin.Context) bool {
		if px == nil || !strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			return false
		}
		px.serve(c)
		return true
	}
	e.NoRoute(func(c *gin.Context) {
		if forwarded(c) {
			return
		}
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("There is no resource at %s.", c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		if forwarded(c) {
			return
		}
		c.Header("Allow", "GET, HEAD, OPTIONS")
		abortWithError(c, http.StatusMethodNotAllowed,
			fmt.Sprintf("%s is not allowed here: the Members API is read-only, use GET.", c.Request.Method))
	})

	get := func(g gin.IRoutes, path string, h gin.HandlerFunc) {
		g.GET(path, h)
		g.HEAD(path, h)
	}

	get(e, "/healthz", func(c *gin.Context) {
		writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
	})
	// Ready: serving the state every replica shares. A replica that lost Redis stays
	// healthy (it answers the API) but not ready, so a load balancer may prefer others.
	get(e, "/readyz", func(c *gin.Context) {
		if why := ctl.ready(); why != "" {
			abortWithError(c, http.StatusServiceUnavailable, why)
			return
		}
		writeJSON(c, http.StatusOK, ctl.readiness())
	})
	doc := cfg.Validator.Document()
	get(e, "/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", doc) })
	get(e, "/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", docJSON) })
	srv := &Server{engine: e, ctl: ctl}
	get(e, "/__mock/catalog", func(c *gin.Context) { writeJSON(c, http.StatusOK, srv.Catalog()) })
	// The control plane's own document, served with the catalog: it describes the admin
	// endpoints whether or not they are on.
	control := spec.ControlDocument()
	get(e, "/__mock/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", control) })
	get(e, "/__mock/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", controlJSON) })
	if !cfg.DisableAdmin {
		ctl.registerAdmin(e)
	}

	v1 := e.Group(programRoute)
	if px != nil {
		for route := range ctl.ops {
			get(v1, strings.TrimPrefix(route, programRoute), px.serve)
		}
		return srv, nil
	}
	// Prefer and the fault rules first: a forced answer stands in for the
	// whole server, whatever the request.
	v1.Use(ctl.intercept)
	if cfg.RateLimit != nil {
		l := newRateLimiter(*cfg.RateLimit, clock)
		if ctl.shared != nil {
			l.remote = func(key clientKey, end time.Time, window time.Duration) (int64, bool) {
				ctx, cancel := context.WithTimeout(context.Background(), sharedIOTimeout)
				defer cancel()
				return ctl.shared.take(ctx, key, end, window)
			}
		}
		v1.Use(withRateLimit(l))
	}
	switch cfg.Auth {
	case AuthBearer:
		v1.Use(requireBearer)
	case AuthJWT:
		v1.Use(requireJWT(clock))
	}
	v1.Use(withUTF8Query(queryParamsByRoute(cfg.Validator)), validateRequest(cfg.Validator, cfg.RateLimit != nil))
	// Every handler answers from the state current when the request arrives:
	// reset, overlays and the fixtures watcher replace it as a whole. The list
	// handlers answer by the dialect's list rules, read from the same
	// validator that validated the request.
	lr := newListRules(cfg.Validator)
	list := func(h func(*api, *listRules, *gin.Context)) gin.HandlerFunc {
		return ctl.handle(func(a *api, c *gin.Context) { h(a, lr, c) })
	}
	handlers := map[string]gin.HandlerFunc{
		"getProgram":                 ctl.handle((*api).getProgram),
		"getMembers":                 list((*api).getMembers),
		"getMember":                  ctl.handle((*api).getMember),
		"getMemberTransactions":      list((*api).getMemberTransactions),
		"getMemberPointPeriods":      list((*api).getMemberPointPeriods),
		"getMemberPointPeriod":       ctl.handle((*api).getMemberPointPeriod),
		"getMemberRewardLadder":      ctl.handle((*api).getMemberRewardLadder),
		"getMemberPointsHistory":     list((*api).getMemberPointsHistory),
		"getMemberSuspensionPeriods": list((*api).getMemberSuspensionPeriods),
	}
	// The routes are the document's: each documented operation is served at
	// its path by the handler of its operationId.
	for route, op := range ctl.ops {
		h, ok := handlers[op.ID]
		if !ok {
			return nil, fmt.Errorf("mockserver: the OpenAPI document has operation %s (%s %s), which the mock does not implement", op.ID, op.Method, op.Path)
		}
		rel, under := strings.CutPrefix(route, programRoute)
		if op.Method != http.MethodGet || !under {
			return nil, fmt.Errorf("mockserver: operation %s is %s %s; the mock serves GET operations under %s", op.ID, op.Method, op.Path, programRoute)
		}
		get(v1, rel, h)
		delete(handlers, op.ID)
	}
	for id := range handlers {
		return nil, fmt.Errorf("mockserver: the mock implements %s, which the OpenAPI document does not have", id)
	}
	return srv, nil
}

// programRoute is the route every operation of the contract is under.
const programRoute = "/v1/programs/:programId"

// Catalog is the body of GET /__mock/catalog: which programs the mock holds
// and which member stands for each persona, so people and tools can find
// their way without hard-coded ids.
type Catalog struct {
	Seed     int64            `json:"seed"`
	Now      time.Time        `json:"now"`
	Programs []CatalogProgram `json:"programs"`
	// Dialect is the dialect in force: how this mock answers where the
	// contract leaves room (paging, errors, header rules).
	Dialect spec.Dialect `json:"dialect"`
}

// CatalogProgram is one program of the catalog.
type CatalogProgram struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Members  int64             `json:"members"`
	Personas fixtures.Personas `json:"personas"`
}

// NewCatalog describes what a dataset holds, as served at /__mock/catalog.
func NewCatalog(d *fixtures.Dataset) Catalog {
	c := Catalog{Seed: d.Seed(), Now: d.Now(), Programs: []CatalogProgram{}}
	for _, p := range d.Programs() {
		c.Programs = append(c.Programs, CatalogProgram{
			ID:       p.ID,
			Name:     p.Name,
			Members:  d.MemberCount(p.ID),
			Personas: d.Personas(p.ID),
		})
	}
	return c
}
