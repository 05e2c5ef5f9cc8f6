package drift

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// Side is one of the two deployments compared.
type Side struct {
	// BaseURL is where the deployment answers, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Profile names the program and the members of each persona; nil reads
	// it from the deployment's /__mock/catalog.
	Profile *steps.Profile
}

// Config is what Run compares.
type Config struct {
	Mock, Target Side
	// Token is sent as a bearer token to both sides when set.
	Token string
	// ClientName is sent as ET-Client-Name (except where a request leaves it
	// out on purpose); "" means steps.DefaultClientName.
	ClientName string
	// HTTPClient sends every request; nil means a client without timeout.
	HTTPClient *http.Client
	// MaxPages bounds each walk through one list; 0 means DefaultMaxPages.
	MaxPages int
}

// DefaultMaxPages bounds a walk through one list: enough pages to see the
// paging rules hold, few enough to be quick against a remote deployment.
const DefaultMaxPages = 20

// Report is what Run found.
type Report struct {
	Mock, Target string // base URLs
	Requests     int    // requests sent to each side
	// Operations lists every operation compared, in the document's order.
	Operations []string
	// Differences lists each behavioural difference once per operation.
	Differences []Difference
	// MockDialect is the dialect the mock says it speaks (its catalog, or
	// its profile), the contract's when it says nothing.
	MockDialect spec.Dialect
	// Dialect is the mock's dialect with every setting the differences
	// point at changed to the target's value: the dialect that makes mock
	// and suite agree with the target, when Explained.
	Dialect spec.Dialect
}

// Difference is one way the target behaves otherwise than the mock.
type Difference struct {
	OperationID string `json:"operationId"`
	// Kind is what differs: status, header, shape, paging or error.
	Kind string `json:"kind"`
	// Probe names the kind of request, e.g. "perPage=101" or "the body".
	Probe string `json:"probe"`
	// Message says the difference in a sentence.
	Message string   `json:"message"`
	Mock    Example  `json:"mock"`
	Target  Example  `json:"target"`
	Dialect *Setting `json:"dialect,omitempty"`
}

// Example is one request that shows a difference, and what a side made of it.
type Example struct {
	Request   string `json:"request"`
	Status    int    `json:"status,omitempty"`
	Behaviour string `json:"behaviour"`
}

// Setting is a dialect setting and the value that explains a difference.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s Setting) String() string { return s.Key + ": " + s.Value }

// Explained reports whether a dialect setting explains every difference.
func (r *Report) Explained() bool {
	return !slices.ContainsFunc(r.Differences, func(d Difference) bool { return d.Dialect == nil })
}

// Unexplained counts the differences no dialect setting explains.
func (r *Report) Unexplained() int {
	n := 0
	for _, d := range r.Differences {
		if d.Dialect == nil {
			n++
		}
	}
	return n
}

// Run sends the same kinds of requests to both sides and compares what they
// do. An error means the comparison could not be made (a side unreachable,
// without a catalog or profile, without the personas); differences are no
// error.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Mock.BaseURL == "" || cfg.Target.BaseURL == "" {
		return nil, errors.New("drift: both the mock's and the target's base URL are needed")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.ClientName == "" {
		cfg.ClientName = steps.DefaultClientName
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	v, err := spec.NewValidator()
	if err != nil {
		return nil, fmt.Errorf("drift: building the validator: %w", err)
	}
	known, err := knownFields()
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	mock, err := newSide(ctx, "mock", cfg.Mock, cfg)
	if err != nil {
		return nil, err
	}
	target, err := newSide(ctx, "target", cfg.Target, cfg)
	if err != nil {
		return nil, err
	}
	c := &comparison{mock: mock, target: target, known: known, maxPages: cfg.MaxPages}
	if err := c.run(ctx); err != nil {
		return nil, err
	}
	rep := &Report{
		Mock: mock.base, Target: target.base, Requests: mock.sent,
		MockDialect: mock.declared(),
	}
	for _, op := range v.Operations() {
		rep.Operations = append(rep.Operations, op.ID)
	}
	rep.Differences = c.diffs
	rep.Dialect = suggest(rep.MockDialect, rep.Differences)
	return rep, nil
}

// suggest returns base with every setting the differences point at set to
// the target's value. A setting two differences disagree on stays as it is,
// and those differences lose their explanation.
func suggest(base spec.Dialect, diffs []Difference) spec.Dialect {
	values := map[string]string{}
	conflict := map[string]bool{}
	for _, d := range diffs {
		if d.Dialect == nil {
			continue
		}
		if v, ok := values[d.Dialect.Key]; ok && v != d.Dialect.Value {
			conflict[d.Dialect.Key] = true
		}
		values[d.Dialect.Key] = d.Dialect.Value
	}
	for i := range diffs {
		if d := diffs[i].Dialect; d != nil && conflict[d.Key] {
			diffs[i].Dialect = nil
		}
	}
	var b strings.Builder
	for _, s := range spec.DialectSettings() {
		v := base.Value(s.Key)
		if t, ok := values[s.Key]; ok && !conflict[s.Key] {
			v = t
		}
		fmt.Fprintf(&b, "%s: %s\n", s.Key, v)
	}
	d, err := spec.ParseDialect("suggested dialect", []byte(b.String()))
	if err != nil { // every value comes from DialectSettings; this cannot happen
		return base
	}
	return d
}
