package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/membersmock/membersmock/features"
	"github.com/membersmock/membersmock/spec"
)

// MockTags runs every scenario a target in its ordinary mode can answer,
// the mock's own behaviour included: every scenario except those that need a
// special mode (authentication on, rate limiting, fault injection) and the
// mock's control plane (@mock-control).
const MockTags = "~@auth && ~@rate-limit && ~@fault && ~@mock-control"

// MockOnlyTag marks scenarios that check behaviour of this mock the contract
// does not require (its 414 and 431 size limits): they run against the mock
// (MockTags) but not in a default run.
const MockOnlyTag = "@mock-only"

// DefaultTags runs what the contract states, and nothing that is the mock's
// own: MockTags without the @mock-only scenarios.
const DefaultTags = MockTags + " && ~" + MockOnlyTag

// DefaultClientName is sent as ET-Client-Name unless Config says otherwise.
const DefaultClientName = "membersmock-conformance"

// DefaultMaxPages bounds every walk through the pages of one list; see
// Config.MaxPages.
const DefaultMaxPages = 300

// Config says what to run against which target.
type Config struct {
	// BaseURL is the target, e.g. http://127.0.0.1:8080 or
	// https://api.staging.entur.io/personalisation. Required.
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// AdminToken, when set, is sent as "Authorization: Bearer <token>" on
	// the mock's admin endpoints (/__mock/), which the @mock-control
	// scenarios drive: the mock's --admin-token.
	AdminToken string
	// ClientName is sent as ET-Client-Name; empty means DefaultClientName.
	ClientName string
	// Profile maps traits to ids. Nil reads it from the mock's
	// GET /__mock/catalog.
	Profile *Profile
	// Tags is a godog tag expression ("@paging && ~@slow"); empty means
	// DefaultTags.
	Tags string
	// Concurrency is how many scenarios run at once; 0 means 2×CPUs.
	Concurrency int
	// Format is godog's console format: "progress" (default), "pretty",
	// or any other godog formatter.
	Format string
	// Output receives the console format; nil discards it.
	Output io.Writer
	// JUnit and Cucumber, when set, are files to write JUnit XML and
	// Cucumber JSON reports to.
	JUnit, Cucumber string
	// HTTPClient makes the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Dialect says how the target decides what the contract leaves open
	// (first page number, perPage above the maximum, …); nil takes the
	// profile's dialect, and without one the contract's. Scenarios written
	// for another value of a setting are left out (see dialect.go).
	Dialect *spec.Dialect
	// Validator checks every response; nil builds one from package spec
	// for the dialect. A given one must have been built for the dialect.
	Validator *spec.Validator
	// Paths are feature files or directories on disk; empty runs the
	// features embedded in package features.
	Paths []string
	// MaxPages bounds a walk through one list (0 means DefaultMaxPages).
	// A list with more pages is sampled: its first MaxPages-1 pages and
	// its last page are visited, and rules that need the whole list fail
	// with a message saying so.
	MaxPages int
	// Colors turns on ANSI colours in the console format.
	Colors bool
	// UnsafeMethods lets the run send methods other than GET, HEAD and
	// OPTIONS: the @unsafe-methods scenarios run, and the client stops
	// refusing such requests. Off, the suite is read-only (see guard.go).
	UnsafeMethods bool
	// Rate is the most requests per second over the whole run, across
	// concurrent scenarios; 0 means unlimited. MaxRequests is the most
	// requests the run sends, retries included (0 = unlimited): a request
	// beyond it is not sent and its scenario fails. Retries is how often a
	// request answered 429, 502, 503 or 504, or not answered, is sent
	// again; a scenario that passed only thanks to a retry is in
	// Result.Flaky. See package internal/budget and budget.go.
	Rate        float64
	MaxRequests int
	Retries     int
	// Strict makes skipped scenarios fail the run (see Result.Strict).
	Strict bool
	// FailUnder, when above 0, makes the run fail when its contract
	// coverage (Coverage.Percent) is below this percentage.
	FailUnder float64
	// Shard, when set, runs only that stable part of the scenarios the
	// tags select (see Shard); the zero value runs them all.
	Shard Shard
}

// Result is the outcome of a run.
type Result struct {
	Target    string // the base URL
	Profile   string // where the profile came from
	Tags      string // the tag expression as chosen, before the dialect's exclusions
	Passed    int
	Failed    int
	Skipped   int
	Undefined int // scenarios with a step no definition matches (a suite bug)
	Failures  []Failure
	Skips     []Skip
	// Scenarios is every scenario the run selected, whatever its outcome,
	// in feature file order.
	Scenarios []ScenarioResult
	// Flaky are scenarios that passed only because requests were sent
	// again after a transient fault (see Config.Retries).
	Flaky    []Flake
	Budget   Budget // what the run spent of Config's request budget
	Coverage Coverage
	// Dialect is the dialect the run expected of the target.
	Dialect spec.Dialect
	// Declared is the dialect the target's catalog says it speaks, when it
	// has a catalog.
	Declared *spec.Dialect
	// LeftOut counts the scenarios the tags left out, by reason.
	LeftOut  []LeftOut
	Started  time.Time
	Duration time.Duration
	// Strict and FailUnder are the run's Config.Strict and
	// Config.FailUnder: OK applies them.
	Strict    bool
	FailUnder float64
	// Shard says which part of the scenarios the run held (see Config.Shard).
	Shard ShardRun
	// Requests counts the requests the scenarios sent, by feature file
	// (without the one before them: the catalog, or the reachability probe).
	Requests map[string]int
}

// ScenarioResult is one scenario of a run and its outcome.
type ScenarioResult struct {
	Feature  string   // the name of the scenario's feature
	Scenario string   // the scenario's name, which states the rule
	Location string   // feature file and line, e.g. paging.feature:42
	Tags     []string // its tags, those of its feature included, e.g. "@paging"
	Status   string   // StatusPassed, StatusFailed, StatusSkipped or StatusUndefined
}

// The outcomes of a scenario. A passed scenario that Result.Flaky names is
// reported as StatusFlaky.
const (
	StatusPassed    = "passed"
	StatusFailed    = "failed"
	StatusSkipped   = "skipped"
	StatusUndefined = "undefined"
	StatusFlaky     = "flaky"
)

// Failure is a scenario that failed: Scenario names the rule.
type Failure struct {
	Scenario string // the scenario's name, which states the rule
	Location string // feature file and line, e.g. paging.feature:42
	Step     string // the step that failed
	Message  string // why, with the validator's or the check's own words
	// Exchange is the scenario's last request and its answer, when it
	// made one: what a report shows and reproduces.
	Exchange *Exchange
}

// Exchange is one request and what came back, as a report shows it.
type Exchange struct {
	Method          string
	URL             string
	RequestHeaders  http.Header
	Status          int // 0 when no answer came
	ResponseHeaders http.Header
	BodyExcerpt     string // the answer's body, cut to a few KiB
}

// Flake is a scenario that passed only after some of its requests were
// sent again because of a transient fault.
type Flake struct {
	Scenario string
	Location string
	Retries  int      // how many requests were sent again
	Reasons  []string // one sentence per retry, e.g. "GET /v1/programs/1 answered 503"
}

// Skip is a scenario that did not run, and why.
type Skip struct {
	Scenario string
	Location string
	Reason   string
}

// OK reports whether every scenario that ran passed. Skipped scenarios do
// not make a run fail, they are listed with their reason, unless the run is
// Strict; nor does its coverage, unless it is below FailUnder.
func (r Result) OK() bool { return r.Failed == 0 && r.Undefined == 0 && len(r.policyFailures()) == 0 }

// Run runs the suite against cfg.BaseURL. The error is for problems that
// prevent a run (bad configuration, an unreachable target, an unreadable
// catalog); contract violations are in the Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	if cfg.BaseURL == "" {
		return Result{}, errors.New("conformance: the base URL of the target is required")
	}
	if cfg.ClientName == "" {
		cfg.ClientName = DefaultClientName
	}
	if cfg.Tags == "" {
		cfg.Tags = DefaultTags
	}
	if err := checkTags(cfg.Tags); err != nil {
		return Result{}, err
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2 * runtime.NumCPU()
	}
	if cfg.Format == "" {
		cfg.Format = "progress"
	}
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	spending, err := applyBudget(&cfg)
	if err != nil {
		return Result{}, err
	}
	if !cfg.UnsafeMethods {
		cfg.Tags = withoutUnsafe(cfg.Tags)
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	if cfg.MaxPages < 2 {
		cfg.MaxPages = 2
	}
	format := cfg.Format
	for _, report := range []struct{ name, path string }{{"junit", cfg.JUnit}, {"cucumber", cfg.Cucumber}} {
		if report.path == "" {
			continue
		}
		if strings.Contains(report.path, ",") {
			return Result{}, fmt.Errorf("conformance: the %s report path %q must not contain a comma", report.name, report.path)
		}
		format += "," + report.name + ":" + report.path
	}

	profile := cfg.Profile
	if profile == nil {
		p, err := CatalogProfile(ctx, cfg.HTTPClient, cfg.BaseURL)
		if err != nil {
			return Result{}, fmt.Errorf("conformance: %w", err)
		}
		profile = p
	} else if err := probe(ctx, cfg.HTTPClient, cfg.BaseURL, profile); err != nil {
		return Result{}, err
	}

	dialect := ChooseDialect(cfg.Dialect, profile)
	if cfg.Validator == nil {
		v, err := spec.NewValidator(spec.WithDialect(dialect))
		if err != nil {
			return Result{}, fmt.Errorf("conformance: building the spec validator: %w", err)
		}
		cfg.Validator = v
	} else if !cfg.Validator.Dialect().Same(dialect) {
		return Result{}, fmt.Errorf("conformance: the validator was built for dialect %s, but the run expects %s", cfg.Validator.Dialect(), dialect)
	}
	// The result shows the tags as chosen; the dialect's exclusions are
	// in its Dialect and LeftOut.
	chosenTags := cfg.Tags
	cfg.Tags = withDialect(cfg.Tags, dialect)

	cov := newCoverageRecorder(cfg.Validator)
	cl, err := newClient(cfg.BaseURL, cfg.HTTPClient, cfg.Token, cfg.ClientName, cfg.Validator, cov)
	if err != nil {
		return Result{}, fmt.Errorf("conformance: %w", err)
	}
	cl.readOnly = !cfg.UnsafeMethods
	requests := &requestCounter{}
	cl.requests = requests
	su := &suite{client: cl, profile: profile, maxPages: cfg.MaxPages, dialect: dialect, results: newResultRecorder(), adminToken: cfg.AdminToken}

	opts := &godog.Options{
		Format:         format,
		Output:         cfg.Output,
		Concurrency:    cfg.Concurrency,
		Tags:           cfg.Tags,
		Strict:         true,
		NoColors:       !cfg.Colors,
		DefaultContext: ctx,
		Paths:          cfg.Paths,
	}
	if len(cfg.Paths) == 0 {
		opts.FS, opts.Paths = features.FS, []string{"."}
	}
	leftOut, err := countLeftOut(*opts)
	if err != nil {
		return Result{}, fmt.Errorf("conformance: %w", err)
	}
	shard, err := selectShard(opts, cfg.Shard)
	if err != nil {
		return Result{}, fmt.Errorf("conformance: %w", err)
	}
	status := godog.TestSuite{
		Name:                "conformance",
		ScenarioInitializer: su.initScenario,
		Options:             opts,
	}.Run()
	if status == 2 {
		return Result{}, errors.New("conformance: godog could not run the suite (bad feature path, tag expression or format; its message is on stderr)")
	}

	res := su.results.result()
	res.Target, res.Profile, res.Tags, res.Dialect = cfg.BaseURL, profile.Source, chosenTags, dialect
	res.Coverage = cov.snapshot()
	res.LeftOut, res.Declared = leftOut, profile.Declared
	res.Budget = budgetSpent(cfg, spending)
	res.Started, res.Duration = start, time.Since(start)
	nameFeatures(res.Scenarios, featureFS(cfg)) // the files as written: a shard runs edited copies
	res.Shard, res.Requests = shard, requests.snapshot()
	if status != 0 && res.OK() {
		// godog saw a failure the hooks did not (e.g. a scenario without steps).
		res.Failed++
		res.Failures = append(res.Failures, Failure{Scenario: "(suite)", Message: "godog reported a failure that no scenario recorded; see its output"})
	}
	res.Strict, res.FailUnder = cfg.Strict, cfg.FailUnder
	if err := markFlaky(cfg, su.results); err != nil {
		return res, err
	}
	return res, nil
}

// checkTags rejects expressions godog would crash on (an empty term).
func checkTags(expr string) error {
	for _, or := range strings.Split(expr, ",") {
		for _, term := range strings.Split(or, "&&") {
			t := strings.TrimSpace(term)
			t = strings.TrimPrefix(t, "~")
			if !strings.HasPrefix(t, "@") || len(t) < 2 || strings.ContainsAny(t, " \t") {
				return fmt.Errorf("conformance: tag expression %q: %q is not a tag; write e.g. \"@paging && ~@auth\"", expr, strings.TrimSpace(term))
			}
		}
	}
	return nil
}

// probe makes sure the target answers HTTP at all, so that an unreachable
// target is one clear setup error instead of every scenario failing.
func probe(ctx context.Context, hc *http.Client, baseURL string, p *Profile) error {
	u := strings.TrimRight(baseURL, "/") + "/v1/programs/" + strconv.FormatInt(p.Program.ID, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("conformance: base URL %q: %w", baseURL, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("conformance: the target at %s is unreachable: %w", baseURL, err)
	}
	resp.Body.Close()
	return nil
}

func (su *suite) initScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		su.results.start(p)
		return withScenario(su.watchRetries(ctx, p), &scenario{suite: su, pickle: p}), nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		if s, ok := ctx.Value(scenarioKey{}).(*scenario); ok {
			su.results.step(s.pickle, st, status, err)
			if status == godog.StepFailed {
				su.results.exchange(s.pickle, su.reportExchange(s.latest))
			}
		}
		return ctx, nil
	})
	registerSteps(sc)
	registerControlSteps(sc)
}
