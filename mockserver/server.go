package mockserver

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

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
}

// New returns the mock's HTTP handler: a gin engine in release mode, without
// gin's own logger, with the routes of the contract and the mock's own
// endpoints.
func New(cfg Config) (http.Handler, error) {
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
	docJSON, err := spec.DocumentJSON()
	if err != nil {
		return nil, fmt.Errorf("mockserver: converting the OpenAPI document to JSON: %w", err)
	}
	errLog := cfg.Logger
	if errLog == nil {
		errLog = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// Exact paths only: a redirect is not an answer the contract knows, and
	// every unknown path gets the 404 Error body.
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.ForwardedByClientIP = false

	e.Use(withCorrelationID, withNoSniff, withRecovery(errLog))
	if cfg.Logger != nil {
		e.Use(withAccessLog(cfg.Logger))
	}
	// Limits after CORS, so that a browser can read a 414 or 431.
	e.Use(withCORS, withLimits(cfg.Limits))

	e.NoRoute(func(c *gin.Context) {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("There is no resource at %s.", c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
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
	doc := spec.Document()
	get(e, "/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", doc) })
	get(e, "/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", docJSON) })
	catalog := NewCatalog(cfg.Dataset)
	get(e, "/__mock/catalog", func(c *gin.Context) { writeJSON(c, http.StatusOK, catalog) })

	v1 := e.Group("/v1/programs/:programId")
	if cfg.RateLimit != nil {
		v1.Use(withRateLimit(newRateLimiter(*cfg.RateLimit, clock)))
	}
	switch cfg.Auth {
	case AuthBearer:
		v1.Use(requireBearer)
	case AuthJWT:
		v1.Use(requireJWT(clock))
	}
	v1.Use(withUTF8Query(queryParamsByRoute(cfg.Validator)), validateRequest(cfg.Validator))
	a := &api{data: cfg.Dataset}
	get(v1, "", a.getProgram)
	get(v1, "/members", a.getMembers)
	get(v1, "/members/:memberId", a.getMember)
	get(v1, "/members/:memberId/transactions", a.getMemberTransactions)
	get(v1, "/members/:memberId/point-periods", a.getMemberPointPeriods)
	get(v1, "/members/:memberId/point-periods/:pointPeriodId", a.getMemberPointPeriod)
	get(v1, "/members/:memberId/reward-ladder", a.getMemberRewardLadder)
	get(v1, "/members/:memberId/points-history", a.getMemberPointsHistory)
	get(v1, "/members/:memberId/suspension-periods", a.getMemberSuspensionPeriods)
	return e, nil
}

// Catalog is the body of GET /__mock/catalog: which programs the mock holds
// and which member stands for each persona, so people and tools can find
// their way without hard-coded ids.
type Catalog struct {
	Seed     int64            `json:"seed"`
	Now      time.Time        `json:"now"`
	Programs []CatalogProgram `json:"programs"`
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
