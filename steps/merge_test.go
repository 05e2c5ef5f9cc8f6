package steps

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/spec"
)

func shardResult(i int, mutate func(*Result)) Result {
	r := Result{
		Target: "http://staging", Profile: "staging.yaml", Tags: DefaultTags,
		Shard:   ShardRun{Shard: Shard{Index: i, Count: 3}, Scenarios: 10, Of: 30},
		Started: time.Date(2026, 6, 1, 2, 0, i, 0, time.UTC), Duration: time.Duration(i) * time.Minute,
		Passed: 8, Failed: 1, Skipped: 1,
		Requests: map[string]int{"paging.feature": 100 * i, "members.feature": 1},
	}
	r.Failures = []Failure{{Scenario: "rule", Location: "paging.feature:" + []string{"", "100", "9", "20"}[i]}}
	r.Skips = []Skip{{Scenario: "needs a trait", Location: "members.feature:" + []string{"", "7", "30", "8"}[i], Reason: "no lapsed member"}}
	if mutate != nil {
		mutate(&r)
	}
	return r
}

func TestMergeResults(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ops := v.Operations()
	// Shard 1 saw getProgram answer 200 with no parameter but the path's;
	// shard 2 saw it answer 404 with ET-Client-Name.
	cov := func(statuses []int, params []string) Coverage {
		return Coverage{Undocumented: 1, Operations: []OperationCoverage{{ID: ops[0].ID, Requests: 5, StatusesExercised: statuses, ParamsExercised: params}}}
	}
	r1 := shardResult(1, func(r *Result) { r.Coverage = cov([]int{200}, []string{"programId"}) })
	r2 := shardResult(2, func(r *Result) { r.Coverage = cov([]int{404}, []string{"ET-Client-Name"}) })
	r3 := shardResult(3, nil)

	m, err := MergeResults(r3, r1, r2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Passed != 24 || m.Failed != 3 || m.Skipped != 3 || m.Shard.Scenarios != 30 || m.Shard.Of != 30 || !slices.Equal(m.Shard.Merged, []int{1, 2, 3}) || len(m.Shard.Missing()) != 0 {
		t.Errorf("totals: %d passed, %d failed, %d skipped, shards %+v", m.Passed, m.Failed, m.Skipped, m.Shard)
	}
	var locs []string
	for _, f := range m.Failures {
		locs = append(locs, f.Location)
	}
	if want := []string{"paging.feature:9", "paging.feature:20", "paging.feature:100"}; !slices.Equal(locs, want) {
		t.Errorf("failures in order %v, want %v (lines as numbers)", locs, want)
	}
	if m.Requests["paging.feature"] != 600 || m.Requests["members.feature"] != 3 {
		t.Errorf("requests %v", m.Requests)
	}
	if want := 3*time.Minute + 2*time.Second; m.Duration != want || !m.Started.Equal(r1.Started) {
		t.Errorf("merged run started %s and took %s; want %s and %s (first start to last end)", m.Started, m.Duration, r1.Started, want)
	}
	op := m.Coverage.Operations[0]
	if len(m.Coverage.Operations) != len(ops) || op.ID != ops[0].ID || op.Requests != 10 || m.Coverage.Undocumented != 2 ||
		!slices.Contains(op.StatusesExercised, 200) || !slices.Contains(op.StatusesExercised, 404) || slices.Contains(op.StatusesMissed, 404) ||
		!slices.Contains(op.ParamsExercised, "programId") || !slices.Contains(op.ParamsExercised, "ET-Client-Name") || slices.Contains(op.ParamsMissed, "programId") {
		t.Errorf("merged coverage of %s: %+v", ops[0].ID, op)
	}
	var b bytes.Buffer
	if err := m.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Merged from shards 1/3, 2/3, 3/3: 30 of 30 scenarios") {
		t.Errorf("summary:\n%s", b.String())
	}

	partial, err := MergeResults(r1, r3)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	partial.WriteSummary(&b)
	if !slices.Equal(partial.Shard.Missing(), []int{2}) || !strings.Contains(b.String(), "Missing shards 2/3") {
		t.Errorf("a merge without shard 2: missing %v, summary:\n%s", partial.Shard.Missing(), b.String())
	}

	refused := []struct {
		name string
		rs   []Result
		want string
	}{
		{"none", nil, "no result"},
		{"twice", []Result{r1, r1}, "shard 1/3 is given twice"},
		{"whole run", []Result{r1, shardResult(2, func(r *Result) { r.Shard = ShardRun{} })}, "is not one shard"},
		{"merged already", []Result{m}, "merged already"},
		{"other count", []Result{r1, shardResult(2, func(r *Result) { r.Shard.Count = 4 })}, "number of shards"},
		{"other target", []Result{r1, shardResult(2, func(r *Result) { r.Target = "http://prod" })}, "target"},
		{"other profile", []Result{r1, shardResult(2, func(r *Result) { r.Profile = "other.yaml" })}, "profile"},
		{"other tags", []Result{r1, shardResult(2, func(r *Result) { r.Tags = "@paging" })}, "tags"},
		{"other dialect", []Result{r1, shardResult(2, func(r *Result) { r.Dialect = spec.Dialect{FirstPage: 1} })}, "dialect"},
		{"other scenarios", []Result{r1, shardResult(2, func(r *Result) { r.Shard.Of = 31 })}, "number of scenarios cut"},
	}
	for _, tt := range refused {
		if _, err := MergeResults(tt.rs...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
}

func TestResultJSON(t *testing.T) {
	r := shardResult(2, func(r *Result) {
		r.Failures[0].Exchange = &Exchange{Method: "GET", URL: "http://staging/v1/programs/1", Status: 503}
		r.Flaky = []Flake{{Scenario: "s", Location: "a.feature:3", Retries: 1, Reasons: []string{"answered 503"}}}
		r.Dialect = spec.Dialect{FirstPage: 1}
	})
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	got, err := ReadResult(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Target != r.Target || got.Shard.Shard != r.Shard.Shard || got.Failures[0].Exchange.Status != 503 || got.Flaky[0].Retries != 1 ||
		got.Dialect.String() != r.Dialect.String() || !got.Started.Equal(r.Started) || got.Duration != r.Duration || got.Requests["paging.feature"] != 200 {
		t.Errorf("round trip: got %+v, want %+v", got, r)
	}
	for _, bad := range []struct{ in, want string }{
		{`[{"uri": "paging.feature"}]`, "not a result"},
		{`{"operations": []}`, "not a result"},
		{`{"kind": "membersmock conformance result", "version": 9, "result": {}}`, "version 9"},
	} {
		if _, err := ReadResult(strings.NewReader(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ReadResult(%s): %v, want an error saying %q", bad.in, err, bad.want)
		}
	}
}

func TestMergeJUnit(t *testing.T) {
	a := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="conformance" tests="3" skipped="0" failures="1" errors="0" time="1.5">
  <testsuite name="Paging" tests="2" skipped="0" failures="1" errors="0" time="1">
    <testcase name="row #1" status="passed" time="0.5"></testcase>
    <testcase name="row #2" status="failed" time="0.5"><failure message="Step x: broke"></failure></testcase>
  </testsuite>
  <testsuite name="Members" tests="1" skipped="0" failures="0" errors="0" time="0.5">
    <properties><property name="flaky" value="1"></property></properties>
    <testcase name="plain" status="passed" time="0.5"><flakyFailure message="503"></flakyFailure></testcase>
  </testsuite>
</testsuites>`
	b := `<testsuites name="conformance" tests="2" skipped="0" failures="0" errors="1" time="2">
  <testsuite name="Paging" tests="2" skipped="0" failures="0" errors="1" time="2">
    <testcase name="row" status="undefined" time="1"><error message="Step y" type="undefined"></error></testcase>
    <testcase name="ends in #2" status="passed" time="1"></testcase>
  </testsuite>
</testsuites>`
	var out bytes.Buffer
	n, err := MergeJUnit(&out, []string{"a", "b"}, strings.NewReader(a), strings.NewReader(b))
	if err != nil || n != 5 {
		t.Fatalf("MergeJUnit: %d cases, %v", n, err)
	}
	var doc struct {
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Time     string `xml:"time,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name  string    `xml:"name,attr"`
				Flaky *struct{} `xml:"flakyFailure"`
			} `xml:"testcase"`
			Props []struct {
				Name string `xml:"name,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("the merge is not XML: %v\n%s", err, out.String())
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || doc.Time != "3.5" || len(doc.Suites) != 2 {
		t.Fatalf("merged totals wrong:\n%s", out.String())
	}
	paging, members := doc.Suites[0], doc.Suites[1]
	var names []string
	for _, c := range paging.Cases {
		names = append(names, c.Name)
	}
	if paging.Name != "Paging" || paging.Tests != 4 || paging.Time != "3" || !slices.Equal(names, []string{"row #1", "row #2", "row #3", "ends in #2"}) {
		t.Errorf("merged Paging: %d tests, time %s, cases %q", paging.Tests, paging.Time, names)
	}
	if len(members.Props) != 1 || members.Cases[0].Flaky == nil {
		t.Errorf("the merge lost elements it does not know: %s", out.String())
	}

	bad := `<testsuites tests="1"><testsuite name="P" tests="2"><testcase name="x"></testcase></testsuite></testsuites>`
	if _, err := MergeJUnit(&out, []string{"bad"}, strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "counts 2 tests but holds 1") {
		t.Errorf("a suite whose count is wrong: %v", err)
	}
	if _, err := MergeJUnit(&out, []string{"bad.xml"}, strings.NewReader("{}")); err == nil || !strings.Contains(err.Error(), "bad.xml") {
		t.Errorf("not XML: %v", err)
	}
}
