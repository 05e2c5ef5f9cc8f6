package steps

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

// godogJUnit and godogCucumber are reports as godog v0.16.0 writes them for
// a feature with a plain scenario and an outline of two rows.
const godogJUnit = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="conformance" tests="3" skipped="0" failures="0" errors="0" time="0.1">
  <testsuite name="Paging" tests="3" skipped="0" failures="0" errors="0" time="0.1">
    <testcase name="The first page is page 0" status="passed" time="0.01"></testcase>
    <testcase name="perPage out of range is rejected #1" status="passed" time="0.01"></testcase>
    <testcase name="perPage out of range is rejected #2" status="passed" time="0.01">
      <error message="Step x" type="skipped"></error>
    </testcase>
  </testsuite>
  <testsuite name="Members" tests="1" skipped="0" failures="0" errors="0" time="0.1">
    <testcase name="perPage out of range is rejected #2" status="passed" time="0.01"></testcase>
  </testsuite>
</testsuites>`

const godogCucumber = `[
    {
        "uri": "paging.feature",
        "id": "paging",
        "keyword": "Feature",
        "name": "Paging",
        "description": "",
        "line": 2,
        "tags": [{"name": "@paging", "line": 1}],
        "elements": [
            {"id": "paging;the-first-page", "keyword": "Scenario", "name": "The first page is page 0", "description": "", "line": 5, "type": "scenario", "steps": [{"keyword": "Given ", "name": "x", "line": 6, "match": {"location": "a.go:1"}, "result": {"status": "passed"}}]},
            {"id": "paging;perpage;;2", "keyword": "Scenario Outline", "name": "perPage out of range is rejected", "description": "", "line": 12, "type": "scenario", "tags": [{"name": "@errors", "line": 8}], "steps": [{"keyword": "When ", "name": "y", "line": 9, "match": {"location": "a.go:2"}, "result": {"status": "passed"}}]},
            {"id": "paging;perpage;;3", "keyword": "Scenario Outline", "name": "perPage out of range is rejected", "description": "", "line": 13, "type": "scenario", "tags": [{"name": "@errors", "line": 8}], "steps": [{"keyword": "When ", "name": "y", "line": 9, "match": {"location": "a.go:2"}, "result": {"status": "passed"}}]}
        ]
    }
]`

// The second row of the outline is flaky: its JUnit test case is the one
// numbered #2 in its own feature's suite, its Cucumber element the one on
// its row's line.
func TestFlakyReportsNameTheRightScenario(t *testing.T) {
	rec := newResultRecorder()
	for id, o := range map[string]*scenarioOutcome{
		"4":  {name: "The first page is page 0", uri: "paging.feature", line: 5},
		"9":  {name: "perPage out of range is rejected", uri: "paging.feature", line: 12},
		"10": {name: "perPage out of range is rejected", uri: "paging.feature", line: 13},
		"30": {name: "perPage out of range is rejected", uri: "members.feature", line: 7, failed: true},
	} {
		rec.scenarios[id] = o
	}
	rec.retried("10", "GET /v1/programs/1/members?perPage=0 answered 503; sent again after 200ms")
	rec.retried("10", "GET /v1/programs/1/members?perPage=101 answered 429; sent again after 1s")
	rec.retried("30", "GET /v1/programs/1 answered 503; sent again after 200ms") // failed anyway: not flaky

	cases := rec.flakyCases()
	if len(cases) != 1 || cases[0].junitName != "perPage out of range is rejected #2" || cases[0].flake.Location != "paging.feature:13" || cases[0].flake.Retries != 2 {
		t.Fatalf("flaky cases %+v, want the outline's second row with 2 retries", cases)
	}
	if res := rec.result(); len(res.Flaky) != 1 || res.Flaky[0].Location != "paging.feature:13" {
		t.Errorf("Result.Flaky %+v, want the outline's second row only", res.Flaky)
	}

	out, err := flakyJUnit([]byte(godogJUnit), cases, map[string]string{"paging.feature": "Paging"})
	if err != nil {
		t.Fatalf("flakyJUnit: %v", err)
	}
	var doc struct {
		Name   string `xml:"name,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name   string `xml:"name,attr"`
				Errors []struct {
					Type string `xml:"type,attr"`
				} `xml:"error"`
				Flaky []struct {
					Message string `xml:"message,attr"`
					Trace   string `xml:"stackTrace"`
				} `xml:"flakyFailure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("the rewritten JUnit is not XML: %v\n%s", err, out)
	}
	if doc.Name != "conformance" || len(doc.Suites) != 2 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("the rewritten JUnit lost parts of the report:\n%s", out)
	}
	for si, s := range doc.Suites {
		for _, c := range s.Cases {
			want := si == 0 && c.Name == "perPage out of range is rejected #2"
			if got := len(c.Flaky) == 2 && c.Flaky[1].Message == cases[0].flake.Reasons[1] && c.Flaky[1].Trace != ""; got != want {
				t.Errorf("suite %s, test case %q: flakyFailure %+v, want flaky %v", s.Name, c.Name, c.Flaky, want)
			}
			if want && len(c.Errors) != 1 {
				t.Errorf("test case %q lost its error element: %v", c.Name, c.Errors)
			}
		}
	}
	if !strings.Contains(string(out), `<property name="retries" value="2"></property>`) {
		t.Errorf("the flaky test case has no retries property:\n%s", out)
	}

	cout, err := flakyCucumber([]byte(godogCucumber), cases)
	if err != nil {
		t.Fatalf("flakyCucumber: %v", err)
	}
	var features []struct {
		Tags     []cukeTag `json:"tags"`
		Elements []struct {
			Line        int               `json:"line"`
			Description string            `json:"description"`
			Tags        []cukeTag         `json:"tags"`
			Steps       []json.RawMessage `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(cout, &features); err != nil {
		t.Fatalf("the rewritten Cucumber report is not JSON: %v", err)
	}
	if len(features) != 1 || len(features[0].Tags) != 1 || len(features[0].Elements) != 3 {
		t.Fatalf("the rewritten Cucumber report lost parts:\n%s", cout)
	}
	for _, e := range features[0].Elements {
		flaky := len(e.Tags) > 0 && e.Tags[len(e.Tags)-1].Name == FlakyTag
		if flaky != (e.Line == 13) || len(e.Steps) != 1 {
			t.Errorf("element on line %d: tags %v, %d steps", e.Line, e.Tags, len(e.Steps))
		}
		if e.Line == 13 && !strings.Contains(e.Description, "2 retries:\n  - GET /v1/programs/1/members?perPage=0 answered 503") {
			t.Errorf("element on line %d: description %q does not name its retries", e.Line, e.Description)
		}
	}
}

// A flaky scenario the report does not hold is an error, not a silent pass.
func TestFlakyReportsMissingScenario(t *testing.T) {
	cases := []flakyCase{{uri: "paging.feature", line: 99, junitName: "Nowhere", flake: Flake{Location: "paging.feature:99"}}}
	if _, err := flakyJUnit([]byte(godogJUnit), cases, nil); err == nil {
		t.Error("flakyJUnit accepted a scenario the report does not hold")
	}
	if _, err := flakyCucumber([]byte(godogCucumber), cases); err == nil {
		t.Error("flakyCucumber accepted a scenario the report does not hold")
	}
}
