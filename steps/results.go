package steps

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// resultRecorder collects the outcome of every scenario from the step hooks
// of concurrent scenarios.
type resultRecorder struct {
	mu        sync.Mutex
	scenarios map[string]*scenarioOutcome // by pickle id
}

type scenarioOutcome struct {
	name      string
	uri       string
	line      int64
	failed    bool
	undefined bool
	skipped   bool
	step      string
	message   string
	retries   []string // why requests were sent again (see budget.go)
	tags      []string
	exchange  *Exchange // the failed scenario's latest exchange
}

func newResultRecorder() *resultRecorder {
	return &resultRecorder{scenarios: make(map[string]*scenarioOutcome)}
}

func (r *resultRecorder) start(p *godog.Scenario) {
	o := &scenarioOutcome{name: p.Name, uri: p.Uri}
	if p.Location != nil {
		o.line = p.Location.Line
	}
	for _, t := range p.Tags {
		o.tags = append(o.tags, t.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scenarios[p.Id] = o
}

// step records one step's outcome; the first failure, skip or undefined
// step decides the scenario's outcome.
func (r *resultRecorder) step(p *godog.Scenario, st *godog.Step, status godog.StepResultStatus, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.scenarios[p.Id]
	if o == nil || o.failed || o.undefined || o.skipped {
		return
	}
	switch status {
	case godog.StepFailed, godog.StepAmbiguous, godog.StepPending:
		o.failed, o.step = true, st.Text
		if err != nil {
			o.message = err.Error()
		} else {
			o.message = status.String()
		}
	case godog.StepUndefined:
		o.undefined, o.step, o.message = true, st.Text, "no step definition matches this step"
	case godog.StepSkipped:
		if err != nil && errors.Is(err, godog.ErrSkip) {
			o.skipped, o.step = true, st.Text
			o.message = strings.TrimPrefix(err.Error(), godog.ErrSkip.Error()+": ")
		}
	}
}

// exchange records what a failed scenario last sent and got back, for the
// reports; only the exchange at the first failure counts.
func (r *resultRecorder) exchange(p *godog.Scenario, ex *Exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.scenarios[p.Id]; o != nil && o.failed && o.exchange == nil {
		o.exchange = ex
	}
}

func (r *resultRecorder) result() Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := make([]*scenarioOutcome, 0, len(r.scenarios))
	for _, o := range r.scenarios {
		all = append(all, o)
	}
	slices.SortFunc(all, func(a, b *scenarioOutcome) int {
		return cmp.Or(cmp.Compare(a.uri, b.uri), cmp.Compare(a.line, b.line), cmp.Compare(a.name, b.name))
	})
	var res Result
	for _, o := range all {
		loc := fmt.Sprintf("%s:%d", o.uri, o.line)
		sr := ScenarioResult{Scenario: o.name, Location: loc, Tags: o.tags}
		switch {
		case o.failed:
			res.Failed++
			res.Failures = append(res.Failures, Failure{Scenario: o.name, Location: loc, Step: o.step, Message: o.message, Exchange: o.exchange})
			sr.Status = StatusFailed
		case o.undefined:
			res.Undefined++
			res.Failures = append(res.Failures, Failure{Scenario: o.name, Location: loc, Step: o.step, Message: o.message})
			sr.Status = StatusUndefined
		case o.skipped:
			res.Skipped++
			res.Skips = append(res.Skips, Skip{Scenario: o.name, Location: loc, Reason: o.message})
			sr.Status = StatusSkipped
		default:
			res.Passed++
			if len(o.retries) > 0 {
				res.Flaky = append(res.Flaky, Flake{Scenario: o.name, Location: loc, Retries: len(o.retries), Reasons: o.retries})
			}
			sr.Status = StatusPassed
		}
		res.Scenarios = append(res.Scenarios, sr)
	}
	return res
}

// WriteSummary prints the one-screen summary of a run: the counts, every
// failed scenario (its name is the broken rule) with the first lines of
// why, the reasons scenarios were skipped, and the contract coverage.
func (r Result) WriteSummary(w io.Writer) error {
	var b strings.Builder
	verdict := "PASSED"
	if !r.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "Conformance %s against %s (%s, tags %q) in %s\n", verdict, r.Target, r.Profile, r.Tags, r.Duration.Round(10e6))
	fmt.Fprintf(&b, "Scenarios: %d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
	if r.Undefined > 0 {
		fmt.Fprintf(&b, ", %d undefined", r.Undefined)
	}
	b.WriteString("\n")
	r.Shard.writeLine(&b)
	if r.Dialect.IsDefault() {
		b.WriteString("Dialect: the contract's choices (a deployment that decides otherwise needs --dialect FILE)\n")
	} else {
		fmt.Fprintf(&b, "Dialect: %s; scenarios written for other dialects were left out\n", r.Dialect)
	}
	if r.Declared != nil && !r.Declared.Same(r.Dialect) {
		fmt.Fprintf(&b, "The target's catalog says it speaks dialect %s, not the one this run expected: save it as a dialect file and pass --dialect FILE\n", r.Declared)
	}
	if len(r.LeftOut) > 0 {
		total := 0
		var parts []string
		for _, l := range r.LeftOut {
			total += l.Scenarios
			parts = append(parts, fmt.Sprintf("%d %s", l.Scenarios, l.Tag))
		}
		fmt.Fprintf(&b, "Left out by tag (not run, not counted above): %d scenarios: %s; --tags chooses them (with --unsafe-methods for %s; those of other dialects follow --dialect)\n",
			total, strings.Join(parts, ", "), UnsafeMethodsTag)
	}
	r.writePolicy(&b)

	if len(r.Failures) > 0 {
		b.WriteString("\nBroken rules:\n")
		const most = 25
		for i, f := range r.Failures {
			if i == most {
				fmt.Fprintf(&b, "  … and %d more failed scenarios (see the reports)\n", len(r.Failures)-most)
				break
			}
			fmt.Fprintf(&b, "  ✗ %s  (%s)\n", f.Scenario, f.Location)
			fmt.Fprintf(&b, "      step: %s\n", f.Step)
			for _, line := range firstLines(f.Message, 3) {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
	}

	r.writeBudget(&b)

	if len(r.Skips) > 0 && r.Strict {
		r.writeStrictSkips(&b)
	} else if len(r.Skips) > 0 {
		b.WriteString("\nSkipped (they do not fail the run), by reason:\n")
		reasons := map[string][]Skip{}
		var order []string
		for _, s := range r.Skips {
			if _, ok := reasons[s.Reason]; !ok {
				order = append(order, s.Reason)
			}
			reasons[s.Reason] = append(reasons[s.Reason], s)
		}
		for _, reason := range order {
			ss := reasons[reason]
			fmt.Fprintf(&b, "  - %d scenario(s): %s (e.g. %s)\n", len(ss), reason, ss[0].Location)
		}
	}

	fmt.Fprintf(&b, "\nContract coverage %s; per operation ([x] = not exercised):\n", r.Coverage.percentText())
	type row struct{ id, statuses, params string }
	var rows []row
	idWidth, statusWidth := 0, 0
	for _, op := range r.Coverage.Operations {
		var statuses []string
		for _, s := range op.StatusesExercised {
			statuses = append(statuses, fmt.Sprint(s))
		}
		for _, s := range op.StatusesMissed {
			statuses = append(statuses, fmt.Sprintf("[%d]", s))
		}
		slices.SortFunc(statuses, func(a, b string) int { return cmp.Compare(strings.Trim(a, "[]"), strings.Trim(b, "[]")) })
		params := "all parameters"
		if len(op.ParamsMissed) > 0 {
			params = "not: " + strings.Join(op.ParamsMissed, ", ")
		}
		rw := row{op.ID, strings.Join(statuses, " "), params}
		idWidth, statusWidth = max(idWidth, len(rw.id)), max(statusWidth, len(rw.statuses))
		rows = append(rows, rw)
	}
	for i, rw := range rows {
		fmt.Fprintf(&b, "  %-*s %5d req  %-*s  %s\n", idWidth, rw.id, r.Coverage.Operations[i].Requests, statusWidth, rw.statuses, rw.params)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func firstLines(s string, n int) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("… (%d more lines)", len(lines)-n))
	}
	for i, l := range lines {
		if len(l) > 200 {
			lines[i] = l[:200] + "…"
		}
	}
	return lines
}
