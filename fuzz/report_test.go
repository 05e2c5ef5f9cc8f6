package fuzz

import (
	"bytes"
	"html"
	"net/http"
	"strings"
	"testing"
)

// TestReportListsFailures: the suite's HTML report, given a fuzz run, names
// each failure's operation and check and holds its curl line.
func TestReportListsFailures(t *testing.T) {
	r := Result{Target: "http://127.0.0.1:1", Seed: 7, Generated: 3000, Duration: "2.5s", Failures: []Failure{{
		Check: checkNo5xx, Operation: "getMemberPointsHistory", Message: "the answer is 500",
		Method: http.MethodGet, URL: "http://127.0.0.1:1/v1/programs/1/members/2/points-history?createdAfter=2025-03-14T08:15:00.5Z",
		Headers: http.Header{"Et-Client-Name": {"membersmock-conformance"}}, Status: 500, Body: `{"title":"Internal Server Error"}`,
	}}}
	rep := r.Report()
	if rep.OK() || rep.Failed != 1 || len(rep.Scenarios) != 1 {
		t.Fatalf("report: ok %v, %d failed, %d scenarios; want one failure", rep.OK(), rep.Failed, len(rep.Scenarios))
	}
	var b bytes.Buffer
	if err := rep.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(b.String())
	for _, want := range []string{"getMemberPointsHistory: no-5xx", "the answer is 500", "curl -sS", "createdAfter=2025-03-14T08:15:00.5Z", "seed 7"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}
