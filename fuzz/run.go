package fuzz

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/membersmock/membersmock/internal/budget"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// DefaultRequests is the budget of a run: requests generated over all
// operations, sized so that a run against a local target takes well under a
// minute on two cores.
const DefaultRequests = 3000

// DefaultShrinkTime bounds the minimisation of one failure.
const DefaultShrinkTime = 15 * time.Second

// maxBody bounds how much of an answer is read.
const maxBody = 8 << 20

// Config says what to fuzz and how much.
type Config struct {
	// BaseURL is the target, with its own path prefix if it has one. Required.
	BaseURL string
	// Token, when set, is sent as "Authorization: Bearer <token>".
	Token string
	// ClientName is the ET-Client-Name the generator sends when it sends
	// the usual one; empty means steps.DefaultClientName.
	ClientName string
	// Profile supplies the ids; nil reads the mock's /__mock/catalog.
	Profile *steps.Profile
	// Validator checks every answer, in its dialect; nil builds the
	// contract's.
	Validator *spec.Validator
	// HTTPClient sends the requests; nil means one with a 30 s timeout.
	HTTPClient *http.Client
	// Seed makes a run repeatable: the same seed against the same target
	// sends the same requests. 0 picks one; Result.Seed says which.
	Seed uint64
	// Requests is how many requests are generated (0 means
	// DefaultRequests); shrinking a failure sends more.
	Requests int
	// Time, when positive, ends the generation after that long.
	Time time.Duration
	// ShrinkTime bounds the minimisation of one failure (0 means
	// DefaultShrinkTime).
	ShrinkTime time.Duration
	// UnsafeMethods lets the generator send POST, PUT, PATCH and DELETE;
	// off, it sends only GET, HEAD and OPTIONS.
	UnsafeMethods bool
	// Rate (requests per second, 0 unlimited), MaxRequests (most requests
	// sent, shrinking and retries included, 0 unlimited) and Retries (times
	// a request answered 429, 502, 503 or 504, or not answered, is sent
	// again) are the request budget of internal/budget, as in the suite.
	// A run whose MaxRequests is spent stops generating.
	Rate        float64
	MaxRequests int
	Retries     int
}

// Result is the outcome of a run.
type Result struct {
	Target    string       `json:"target"`
	Seed      uint64       `json:"seed"`
	Dialect   spec.Dialect `json:"dialect"`
	Generated int          `json:"generated"` // requests generated
	Sent      int          `json:"sent"`      // requests sent, shrinking included
	Statuses  map[int]int  `json:"statuses"`  // answers by status; 0 is no answer
	TimeUp    bool         `json:"timeUp"`    // --time ended the generation early
	Spent     bool         `json:"spent"`     // --max-requests ended the run early
	Duration  string       `json:"duration"`
	Failures  []Failure    `json:"failures"`
}

// OK reports whether no check failed.
func (r Result) OK() bool { return len(r.Failures) == 0 }

// Failure is one check an answer broke, with the minimal request rapid
// shrank it to.
type Failure struct {
	Check     string      `json:"check"`     // one of Checks
	Operation string      `json:"operation"` // operationId
	Message   string      `json:"message"`   // what was wrong, in the check's words
	Method    string      `json:"method"`
	URL       string      `json:"url"`
	Headers   http.Header `json:"headers"` // as sent, without Authorization
	Status    int         `json:"status"`  // 0 when no answer came
	Body      string      `json:"body"`    // the start of the answer
	Curl      string      `json:"curl"`    // the request to copy and paste; the token is $CONFORMANCE_TOKEN
	// Also lists the other checks the same request broke.
	Also []string `json:"also,omitempty"`
}

// Run generates requests to every operation of the document, sends them to
// the target, holds every answer to the checks, and shrinks each failure to
// a minimal request. The error is for what prevents a run (configuration,
// an unreachable target, an unreadable catalog); failures are in Result.
func Run(ctx context.Context, cfg Config) (Result, error) {
	start := time.Now()
	if cfg.BaseURL == "" {
		return Result{}, errors.New("the base URL of the target is required")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return Result{}, fmt.Errorf("base URL %q: want http(s)://host[:port][/prefix]", cfg.BaseURL)
	}
	if cfg.ClientName == "" {
		cfg.ClientName = steps.DefaultClientName
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Requests <= 0 {
		cfg.Requests = DefaultRequests
	}
	if cfg.ShrinkTime <= 0 {
		cfg.ShrinkTime = DefaultShrinkTime
	}
	if cfg.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.Seed = binary.LittleEndian.Uint64(b[:])>>1 | 1
	}
	if cfg.Rate != 0 || cfg.MaxRequests != 0 || cfg.Retries != 0 {
		hc := *cfg.HTTPClient
		opts := budget.Options{Rate: cfg.Rate, MaxRequests: int64(cfg.MaxRequests), Retries: cfg.Retries, Seed: cfg.Seed}
		if cfg.Retries > 0 && hc.Timeout > 0 {
			// The client's timeout would bound every attempt together.
			opts.AttemptTimeout, hc.Timeout = hc.Timeout, 0
		}
		tr, err := budget.New(hc.Transport, opts)
		if err != nil {
			return Result{}, err
		}
		hc.Transport = tr
		cfg.HTTPClient = &hc
	}
	if cfg.Validator == nil {
		if cfg.Validator, err = spec.NewValidator(); err != nil {
			return Result{}, fmt.Errorf("building the spec validator: %w", err)
		}
	}
	ops, err := operations(cfg.Validator)
	if err != nil {
		return Result{}, err
	}
	if cfg.Profile == nil {
		if cfg.Profile, err = steps.CatalogProfile(ctx, cfg.HTTPClient, cfg.BaseURL); err != nil {
			return Result{}, err
		}
	}
	f := &fuzzer{
		cfg:   cfg,
		base:  strings.TrimRight(cfg.BaseURL, "/"),
		res:   Result{Target: cfg.BaseURL, Seed: cfg.Seed, Dialect: cfg.Validator.Dialect(), Statuses: map[int]int{}},
		check: &checker{v: cfg.Validator, paging: cfg.Validator.Paging(), dialect: cfg.Validator.Dialect()},
		start: start,
	}
	w, err := f.learn(ctx, ops)
	if err != nil {
		return Result{}, err
	}
	f.gen = &generator{world: w, paging: f.check.paging, dialect: f.check.dialect, clientName: cfg.ClientName,
		methods: []string{http.MethodGet, http.MethodHead, http.MethodOptions}}
	if cfg.UnsafeMethods {
		f.gen.methods = append(f.gen.methods, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete)
	}
	for i := range ops {
		share := cfg.Requests / len(ops)
		if i < cfg.Requests%len(ops) {
			share++
		}
		if err := f.fuzz(ctx, i, &ops[i], share); err != nil {
			return Result{}, err
		}
	}
	f.res.Duration = time.Since(start).Round(time.Millisecond).String()
	if f.res.Failures == nil {
		f.res.Failures = []Failure{}
	}
	return f.res, nil
}

// fuzzer is one run.
type fuzzer struct {
	cfg   Config
	base  string
	res   Result
	check *checker
	gen   *generator
	start time.Time
}

// over reports whether generation must stop: time is up or the run was
// interrupted.
func (f *fuzzer) over(ctx context.Context) bool {
	if ctx.Err() != nil || f.res.Spent {
		return true
	}
	if f.cfg.Time > 0 && time.Since(f.start) > f.cfg.Time {
		f.res.TimeUp = true
		return true
	}
	return false
}

// property is the state of one rapid check of one operation.
type property struct {
	target     string   // the check the failure found broke; "" while searching
	suppressed []string // checks already reported for this operation
	generated  int
	last       *Failure
}

// fuzz spends the operation's budget. When rapid finds a failure it shrinks
// it, keeping to the check that failed; the search then goes on for the
// other checks with what is left of the budget.
func (f *fuzzer) fuzz(ctx context.Context, index int, op *operation, budget int) error {
	var suppressed []string
	for attempt := 0; budget > 0 && !f.over(ctx); attempt++ {
		p := &property{suppressed: suppressed}
		settings := rapidSettings{checks: budget, seed: mix(f.cfg.Seed, uint64(index), uint64(attempt)), shrinkTime: f.cfg.ShrinkTime}
		failed, report, err := check(settings, func(t *rapid.T) { f.property(ctx, t, op, p) })
		if err != nil {
			return err
		}
		f.res.Generated += p.generated
		if !failed {
			return nil
		}
		if p.last == nil {
			return fmt.Errorf("fuzzing %s: the property failed without a finding (a bug of conformance fuzz): %s", op.ID, report)
		}
		f.res.Failures = append(f.res.Failures, *p.last)
		suppressed = append(suppressed, p.target)
		budget -= p.generated
	}
	return nil
}

// property draws one request, sends it and checks the answer. While
// searching, any check not yet reported fails it; once one has, rapid
// shrinks the case, and only that check fails it, so that the minimal
// request still shows the same fault.
func (f *fuzzer) property(ctx context.Context, t *rapid.T, op *operation, p *property) {
	if p.target == "" && f.over(ctx) {
		return // the remaining cases pass without a request
	}
	r := f.gen.request(t, op)
	rawURL, vreq := f.urls(r)
	a := f.send(ctx, r, rawURL)
	if errors.Is(a.err, budget.ErrExhausted) {
		f.res.Spent = true
		return // not the target's fault: the run's budget is spent
	}
	f.res.Sent++
	f.res.Statuses[a.status]++
	var broken []finding
	for _, fd := range f.check.check(r, vreq, a) {
		if !slices.Contains(p.suppressed, fd.check) {
			broken = append(broken, fd)
		}
	}
	if p.target == "" {
		p.generated++
		if len(broken) == 0 {
			return
		}
		p.target = broken[0].check
	}
	i := slices.IndexFunc(broken, func(fd finding) bool { return fd.check == p.target })
	if i < 0 {
		return
	}
	fail := &Failure{
		Check: p.target, Operation: op.ID, Message: broken[i].message,
		Method: r.method, URL: rawURL, Headers: r.header(), Status: a.status, Body: excerpt(a.body),
		Curl: curl(r.method, rawURL, r.header(), f.cfg.Token != ""),
	}
	for _, fd := range broken {
		if fd.check != p.target && !slices.Contains(fail.Also, fd.check) {
			fail.Also = append(fail.Also, fd.check)
		}
	}
	p.last = fail
	t.Fatalf("%s", p.target) // the same words for every case of this check, as shrinking compares them
}

// urls returns the request's URL at the target, and the request as the
// validator sees it: the API path without the deployment's prefix.
func (f *fuzzer) urls(r *request) (string, *http.Request) {
	api := r.path()
	if q := r.rawQuery(); q != "" {
		api += "?" + q
	}
	u, _ := url.Parse(api)
	vreq := &http.Request{Method: r.method, URL: u, Header: r.header()}
	return f.base + api, vreq
}

// send sends the request and reads the answer.
func (f *fuzzer) send(ctx context.Context, r *request, rawURL string) *answer {
	req, err := http.NewRequestWithContext(ctx, r.method, rawURL, nil)
	if err != nil {
		return &answer{err: fmt.Errorf("building the request: %w", err)}
	}
	req.Header = r.header()
	if f.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+f.cfg.Token)
	}
	resp, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // without the URL, which the failure shows anyway
		}
		return &answer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return &answer{status: resp.StatusCode, header: resp.Header, err: fmt.Errorf("reading the answer: %w", err)}
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: body}
}

// mix derives the seed of one check from the run's seed: never 0, which
// rapid reads as "pick one".
func mix(seed, op, attempt uint64) uint64 {
	z := seed + op*0x9E3779B97F4A7C15 + attempt*0xBF58476D1CE4E5B9
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	z ^= z >> 31
	if z == 0 {
		z = 1
	}
	return z
}
