package steps

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// reportTemplateText is the HTML report: one file with its styles and its
// script inline, so that it opens from disk and needs nothing else.
//
//go:embed report.html.tmpl
var reportTemplateText string

var reportTemplate = template.Must(template.New("report").Parse(reportTemplateText))

// WriteHTML writes the run as one self-contained HTML page for people: the
// target, dialect, time and totals; every feature and scenario with its
// outcome, filtered by status and tag (also from the URL's fragment, e.g.
// report.html#status=failed,flaky&tag=@paging); for each failed scenario
// the failed step, why, what came back and a curl command that sends the
// request again; the flaky scenarios; the contract coverage.
func (r Result) WriteHTML(w io.Writer) error {
	var b bytes.Buffer
	if err := reportTemplate.Execute(&b, newHTMLReport(r)); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// htmlReport is what the template shows, computed once here so that the
// template only lays it out.
type htmlReport struct {
	Verdict         string // "passed" or "failed"
	Target, Profile string
	Tags            string
	Excluded        []string
	Dialect         string
	DialectYAML     string
	Started         string
	Duration        string
	Totals          []htmlCount
	CoveragePercent string
	CoverageShort   string // e.g. 72.5%
	Policy          []string
	Features        []htmlFeature
	AllTags         []htmlCount
	Flaky           []Flake
	Coverage        []htmlCoverage
	Undocumented    int
}

// htmlCount is a status or a tag and how many scenarios have it.
type htmlCount struct {
	Name string
	N    int
}

type htmlFeature struct {
	Name, File string
	Counts     []htmlCount // only the statuses some scenario has
	Scenarios  []htmlScenario
}

type htmlScenario struct {
	Name, Location string
	Status         string // a Status constant, StatusFlaky included
	Tags           []string
	TagList        string // Tags, space-separated, for the filter
	Failure        *htmlFailure
	SkipReason     string
	Flake          *Flake
}

type htmlFailure struct {
	Step, Message string
	Exchange      *htmlExchange
}

type htmlExchange struct {
	Method, URL     string
	Status          int
	StatusText      string
	RequestHeaders  []htmlHeader
	ResponseHeaders []htmlHeader
	Body            string
	Curl            string
	NeedsToken      bool // the curl command reads $CONFORMANCE_TOKEN
}

type htmlHeader struct{ Name, Value string }

type htmlCoverage struct {
	ID, Method, Path string
	Requests         int
	Statuses         []htmlStatus
	ParamsMissed     []string
	ParamsExercised  []string
}

// htmlStatus is one status code of an operation: "hit" (exercised), "miss"
// (documented, not exercised) or "undocumented" (answered, not documented).
type htmlStatus struct {
	Code int
	Kind string
}

// statusOrder is the order statuses are counted and offered as filters.
var statusOrder = []string{StatusFailed, StatusUndefined, StatusFlaky, StatusSkipped, StatusPassed}

func newHTMLReport(r Result) htmlReport {
	v := htmlReport{
		Verdict: "passed", Target: r.Target, Profile: r.Profile, Tags: r.Tags,
		Excluded: ExcludedTags(r.Tags), Dialect: r.Dialect.String(), DialectYAML: string(r.Dialect.YAML()),
		Started: "not recorded", Duration: r.Duration.Round(10 * time.Millisecond).String(),
		CoveragePercent: r.Coverage.percentText(), CoverageShort: fmt.Sprintf("%.1f%%", r.Coverage.floorPercent()), Policy: r.policyFailures(),
		Flaky: r.Flaky, Undocumented: r.Coverage.Undocumented,
	}
	if !r.OK() {
		v.Verdict = "failed"
	}
	if !r.Started.IsZero() {
		v.Started = r.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}

	key := func(scenario, location string) string { return location + "\x00" + scenario }
	failures := map[string]*Failure{}
	for i, f := range r.Failures {
		failures[key(f.Scenario, f.Location)] = &r.Failures[i]
	}
	skips := map[string]string{}
	for _, s := range r.Skips {
		skips[key(s.Scenario, s.Location)] = s.Reason
	}
	flakes := map[string]*Flake{}
	for i, f := range r.Flaky {
		flakes[key(f.Scenario, f.Location)] = &r.Flaky[i]
	}

	// A failure of no scenario (godog's own, or of a Result put together
	// by hand) is shown as a scenario of its own, never left out.
	scenarios := slices.Clone(r.Scenarios)
	listed := map[string]bool{}
	for _, sc := range scenarios {
		listed[key(sc.Scenario, sc.Location)] = true
	}
	for _, f := range r.Failures {
		if !listed[key(f.Scenario, f.Location)] {
			scenarios = append(scenarios, ScenarioResult{Feature: "Not in a feature", Scenario: f.Scenario, Location: f.Location, Status: StatusFailed})
		}
	}

	totals, tags := map[string]int{}, map[string]int{}
	for _, sc := range scenarios {
		k := key(sc.Scenario, sc.Location)
		hs := htmlScenario{
			Name: sc.Scenario, Location: sc.Location, Status: sc.Status,
			Tags: sc.Tags, TagList: strings.Join(sc.Tags, " "),
			SkipReason: skips[k], Flake: flakes[k],
		}
		if hs.Flake != nil && hs.Status == StatusPassed {
			hs.Status = StatusFlaky
		}
		if f := failures[k]; f != nil {
			hs.Failure = &htmlFailure{Step: f.Step, Message: f.Message, Exchange: newHTMLExchange(f.Exchange)}
		}
		file, _, _ := strings.Cut(sc.Location, ":")
		if n := len(v.Features); n == 0 || v.Features[n-1].File != file || v.Features[n-1].Name != sc.Feature {
			v.Features = append(v.Features, htmlFeature{Name: sc.Feature, File: file})
		}
		feat := &v.Features[len(v.Features)-1]
		feat.Scenarios = append(feat.Scenarios, hs)
		totals[hs.Status]++
		for _, t := range sc.Tags {
			tags[t]++
		}
	}
	for i := range v.Features {
		counts := map[string]int{}
		for _, sc := range v.Features[i].Scenarios {
			counts[sc.Status]++
		}
		v.Features[i].Counts = orderedCounts(counts, false)
	}
	v.Totals = orderedCounts(totals, true)
	for name, n := range tags {
		v.AllTags = append(v.AllTags, htmlCount{name, n})
	}
	slices.SortFunc(v.AllTags, func(a, b htmlCount) int { return strings.Compare(a.Name, b.Name) })

	for _, op := range r.Coverage.Operations {
		c := htmlCoverage{ID: op.ID, Method: op.Method, Path: op.Path, Requests: op.Requests, ParamsMissed: op.ParamsMissed, ParamsExercised: op.ParamsExercised}
		for _, s := range op.StatusesExercised {
			c.Statuses = append(c.Statuses, htmlStatus{s, "hit"})
		}
		for _, s := range op.StatusesMissed {
			c.Statuses = append(c.Statuses, htmlStatus{s, "miss"})
		}
		for _, s := range op.Undocumented {
			c.Statuses = append(c.Statuses, htmlStatus{s, "undocumented"})
		}
		slices.SortFunc(c.Statuses, func(a, b htmlStatus) int { return a.Code - b.Code })
		v.Coverage = append(v.Coverage, c)
	}
	return v
}

// orderedCounts returns the counts in statusOrder; with all, the four
// everyday statuses are there even when zero, so the totals always read
// the same way.
func orderedCounts(counts map[string]int, all bool) []htmlCount {
	var out []htmlCount
	for _, s := range statusOrder {
		if counts[s] > 0 || all && s != StatusUndefined {
			out = append(out, htmlCount{s, counts[s]})
		}
	}
	return out
}

func newHTMLExchange(e *Exchange) *htmlExchange {
	if e == nil {
		return nil
	}
	curl := e.Curl()
	return &htmlExchange{
		Method: e.Method, URL: e.URL, Status: e.Status, StatusText: http.StatusText(e.Status),
		RequestHeaders: htmlHeaders(e.RequestHeaders), ResponseHeaders: htmlHeaders(e.ResponseHeaders),
		Body: e.BodyExcerpt, Curl: curl, NeedsToken: strings.Contains(curl, "$"+TokenVariable),
	}
}

func htmlHeaders(h http.Header) []htmlHeader {
	var out []htmlHeader
	for name, vs := range h {
		for _, v := range vs {
			out = append(out, htmlHeader{name, v})
		}
	}
	slices.SortStableFunc(out, func(a, b htmlHeader) int { return strings.Compare(a.Name, b.Name) })
	return out
}
