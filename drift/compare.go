package drift

import (
	"context"
	"fmt"
	"maps"
	"mime"
	"slices"
	"sort"
	"strings"

	"github.com/membersmock/membersmock/steps"
)

// comparison holds what both sides did so far.
type comparison struct {
	mock, target *side
	known        map[string]bool
	maxPages     int
	traits       []steps.Trait        // the personas both sides have
	shapes       map[string][2]*shape // by operation and "200" or "error"
	headers      map[string][2]map[string]request
	order        []string // keys of shapes and headers in the order first seen
	diffs        []Difference
	seen         map[string]bool // operation, kind and probe of each difference
}

// behaviour is what a side did with one kind of request: its status and,
// where the kind says more, a detail ("a page of perPage"). An empty detail
// means the answer cannot tell (a list too short to show its page size).
type behaviour struct {
	status int
	detail string
}

func (b behaviour) String() string {
	if b.detail == "" {
		return fmt.Sprint(b.status)
	}
	return fmt.Sprintf("%d, %s", b.status, b.detail)
}

// probe is one kind of request, sent to both sides.
type probe struct {
	op, kind string // the operation and what the request is, e.g. "perPage=101"
	category string // what a difference is about: status, paging or error
	setting  string // the dialect setting this kind of request shows, if any
	req      func(s *side) (request, bool)
	judge    func(s *side, e *exchange) behaviour // nil: the status, and the parameters an Error names
}

// settingStatus is, for each dialect setting, the status each of its values
// answers the probe that shows it with.
var settingStatus = map[string]map[string]int{
	"firstPage":       {"0": 200, "1": 400},
	"perPageAboveMax": {"reject": 400, "clamp": 200},
	"pastLastPage":    {"empty": 200, "notFound": 404},
	"clientName":      {"required": 400, "optional": 200},
	"emptyFilter":     {"reject": 400, "ignore": 200},
}

func (c *comparison) run(ctx context.Context) error {
	c.shapes = map[string][2]*shape{}
	c.headers = map[string][2]map[string]request{}
	c.seen = map[string]bool{}
	for _, t := range steps.Traits() {
		if _, ok := c.mock.profile.Program.Traits[t]; !ok {
			continue
		}
		if _, ok := c.target.profile.Program.Traits[t]; ok {
			c.traits = append(c.traits, t)
		}
	}
	if len(c.traits) == 0 {
		return fmt.Errorf("drift: the mock and the target name no persona in common (mock: %v, target: %v)",
			c.mock.profile.Program.Traits, c.target.profile.Program.Traits)
	}
	// The first page decides every later page number, so it is learned first.
	for _, p := range firstPageProbes() {
		if err := c.probe(ctx, p); err != nil {
			return err
		}
	}
	for _, s := range []*side{c.mock, c.target} {
		s.firstPage = 0
		if b := s.firstPageAnswers; b[0] != 200 && b[1] == 200 {
			s.firstPage = 1
		}
	}
	if err := c.walkAll(ctx); err != nil {
		return err
	}
	if err := c.askTwice(ctx); err != nil {
		return err
	}
	for _, p := range c.probes() {
		if err := c.probe(ctx, p); err != nil {
			return err
		}
	}
	c.compareAggregates()
	return nil
}

// probe sends p to both sides and records a difference when they behave otherwise.
func (c *comparison) probe(ctx context.Context, p probe) error {
	mr, ok1 := p.req(c.mock)
	tr, ok2 := p.req(c.target)
	if !ok1 || !ok2 {
		return nil // a side lacks what the request needs (a persona, another program)
	}
	me, err := c.mock.get(ctx, mr)
	if err != nil {
		return err
	}
	te, err := c.target.get(ctx, tr)
	if err != nil {
		return err
	}
	c.record(p.op, me, te)
	judge := p.judge
	if judge == nil {
		judge = statusJudge
	}
	mb, tb := judge(c.mock, me), judge(c.target, te)
	if mb.status == tb.status && (mb.detail == "" || tb.detail == "" || mb.detail == tb.detail) {
		return nil
	}
	d := Difference{
		OperationID: p.op, Kind: p.category, Probe: p.kind,
		Message: fmt.Sprintf("%s: the mock answers %s; the target %s", p.kind, mb, tb),
		Mock:    Example{Request: mr.String(), Status: me.status, Behaviour: mb.String()},
		Target:  Example{Request: tr.String(), Status: te.status, Behaviour: tb.String()},
	}
	if p.setting != "" && mb.status != tb.status {
		for value, status := range settingStatus[p.setting] {
			if status == tb.status && settingStatus[p.setting][c.mock.declared().Value(p.setting)] == mb.status {
				d.Dialect = &Setting{Key: p.setting, Value: value}
				d.Message += fmt.Sprintf("; the target speaks the dialect %s", d.Dialect)
			}
		}
	}
	c.add(d)
	return nil
}

func (c *comparison) add(d Difference) {
	key := d.OperationID + "\x00" + d.Kind + "\x00" + d.Probe
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.diffs = append(c.diffs, d)
}

// statusJudge is the status, and for an error the parameters its Error body names.
func statusJudge(_ *side, e *exchange) behaviour {
	b := behaviour{status: e.status}
	if e.status >= 400 {
		if names := errorFields(e); len(names) > 0 {
			b.detail = "naming " + strings.Join(names, ", ")
		}
	}
	return b
}

func errorFields(e *exchange) []string {
	list, _ := e.object()["errors"].([]any)
	var names []string
	for _, x := range list {
		if f, ok := x.(map[string]any)["field"].(string); ok && !contains(names, f) {
			names = append(names, f)
		}
	}
	sort.Strings(names)
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// record learns the shape and the headers of both answers.
func (c *comparison) record(op string, me, te *exchange) {
	c.recordOne(op, 0, me)
	c.recordOne(op, 1, te)
}

// recordOne learns the shape and the headers of one answer of side i (0 the mock).
func (c *comparison) recordOne(op string, i int, e *exchange) {
	{
		class := "200"
		if e.status != 200 {
			class = "error"
		}
		key := op + " " + class
		if _, ok := c.shapes[key]; !ok {
			c.shapes[key] = [2]*shape{newShape(), newShape()}
			c.order = append(c.order, key)
		}
		if e.json != nil {
			c.shapes[key][i].learn(e.req, e.json)
		}
		for what, saw := range headerBehaviours(e, class) {
			hk := op + "\x00" + what
			if _, ok := c.headers[hk]; !ok {
				c.headers[hk] = [2]map[string]request{{}, {}}
				c.order = append(c.order, hk)
			}
			if _, ok := c.headers[hk][i][saw]; !ok {
				c.headers[hk][i][saw] = e.req
			}
		}
	}
}

// headerBehaviours says what an answer did with the headers that matter.
func headerBehaviours(e *exchange, class string) map[string]string {
	out := map[string]string{}
	ct, _, err := mime.ParseMediaType(e.header.Get("Content-Type"))
	if err != nil {
		ct = "no usable Content-Type"
	}
	out["Content-Type of a "+class+" answer"] = ct
	got := e.header.Get(correlationHeader)
	switch {
	case e.correlation == "" && got != "":
		out["X-Correlation-Id when the request has none"] = "generates one"
	case e.correlation == "":
		out["X-Correlation-Id when the request has none"] = "answers without one"
	case got == e.correlation:
		out["X-Correlation-Id when the request has one"] = "echoes it"
	case got == "":
		out["X-Correlation-Id when the request has one"] = "answers without one"
	default:
		out["X-Correlation-Id when the request has one"] = "answers another"
	}
	if class == "error" {
		if cid, ok := e.object()["correlationId"].(string); ok {
			if cid == got {
				out["Error correlationId"] = "is the X-Correlation-Id header"
			} else {
				out["Error correlationId"] = "is not the X-Correlation-Id header"
			}
		}
	}
	return out
}

// compareAggregates compares what was learned over every answer: the shapes
// and the header behaviours of each operation.
func (c *comparison) compareAggregates() {
	for _, key := range c.order {
		if sh, ok := c.shapes[key]; ok {
			op, class, _ := strings.Cut(key, " ")
			what := "the body"
			if class == "error" {
				what = "the Error body"
			}
			for _, d := range compareShapes(sh[0], sh[1], c.known, what) {
				c.add(Difference{
					OperationID: op, Kind: "shape", Probe: what + ": " + d.message, Message: d.message,
					Mock:   Example{Request: d.mockEx.String(), Behaviour: d.mockSaw},
					Target: Example{Request: d.tgtEx.String(), Behaviour: d.tgtSaw},
				})
			}
			continue
		}
		h := c.headers[key]
		op, what, _ := strings.Cut(key, "\x00")
		ms, ts := slices.Sorted(maps.Keys(h[0])), slices.Sorted(maps.Keys(h[1]))
		if len(ms) == 0 || len(ts) == 0 || strings.Join(ms, "/") == strings.Join(ts, "/") {
			continue
		}
		mr, tr := h[0][ms[0]], h[1][ts[0]]
		for _, t := range ts {
			if _, ok := h[0][t]; !ok {
				tr = h[1][t]
				break
			}
		}
		c.add(Difference{
			OperationID: op, Kind: "header", Probe: what,
			Message: fmt.Sprintf("%s: the mock %s, the target %s", what, strings.Join(ms, " or "), strings.Join(ts, " or ")),
			Mock:    Example{Request: mr.String(), Behaviour: strings.Join(ms, " or ")},
			Target:  Example{Request: tr.String(), Behaviour: strings.Join(ts, " or ")},
		})
	}
}
