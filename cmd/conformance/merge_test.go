package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/steps"
)

// junitCases reads a JUnit report: its total and its test cases as
// "suite / case", sorted.
func junitCases(t *testing.T, path string) (int, []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not XML: %v", path, err)
	}
	var cases []string
	for _, s := range doc.Suites {
		if s.Tests != len(s.Cases) {
			t.Errorf("%s: suite %q says %d tests, holds %d", path, s.Name, s.Tests, len(s.Cases))
		}
		for _, c := range s.Cases {
			cases = append(cases, s.Name+" / "+c.Name)
		}
	}
	slices.Sort(cases)
	return doc.Tests, cases
}

func readResult(t *testing.T, path string) steps.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := steps.ReadResult(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// TestMergeReports runs a part of the suite whole and as three shards
// through the command, merges the shards' --json and --junit files with
// merge-reports, and compares: the same totals, the same test cases, the
// same coverage. Then the ways a merge is refused or incomplete.
func TestMergeReports(t *testing.T) {
	url := startMock(t)
	dir := t.TempDir()
	const tags = "@paging,@members"
	runOK := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"--base-url", url, "--tags", tags}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("conformance %q: exit %d\n%s\n%s", args, code, stdout.String(), stderr.String())
		}
	}
	runOK("--json", filepath.Join(dir, "whole.json"), "--junit", filepath.Join(dir, "whole.xml"))
	for i := 1; i <= 3; i++ {
		sub := filepath.Join(dir, fmt.Sprintf("shard-%d", i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("CONFORMANCE_SHARD", fmt.Sprintf("%d/3", i)) // the env equivalent of --shard
		runOK("--json", filepath.Join(sub, "result.json"), "--junit", filepath.Join(sub, "junit.xml"))
	}
	t.Setenv("CONFORMANCE_SHARD", "")

	merge := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"merge-reports"}, args...), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	mergedJSON, mergedXML, mergedHTML := filepath.Join(dir, "merged.json"), filepath.Join(dir, "merged.xml"), filepath.Join(dir, "merged.html")
	code, out := merge("--junit", mergedXML, "--json", mergedJSON, "--html", mergedHTML, filepath.Join(dir, "shard-*", "*"))
	if code != 0 {
		t.Fatalf("merge-reports: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "Merged from shards 1/3, 2/3, 3/3") || !strings.Contains(out, "Conformance PASSED") {
		t.Errorf("the merge's summary does not say what it merged:\n%s", out)
	}

	whole, merged := readResult(t, filepath.Join(dir, "whole.json")), readResult(t, mergedJSON)
	if whole.Passed == 0 || merged.Passed != whole.Passed || merged.Failed != whole.Failed || merged.Skipped != whole.Skipped {
		t.Errorf("merged %d passed, %d failed, %d skipped; the whole run %d, %d, %d", merged.Passed, merged.Failed, merged.Skipped, whole.Passed, whole.Failed, whole.Skipped)
	}
	if merged.Shard.Scenarios != merged.Shard.Of || merged.Shard.Of != whole.Passed+whole.Failed+whole.Skipped {
		t.Errorf("merged shards hold %d of %d scenarios; the whole run had %d", merged.Shard.Scenarios, merged.Shard.Of, whole.Passed+whole.Failed+whole.Skipped)
	}
	for i, op := range whole.Coverage.Operations {
		m := merged.Coverage.Operations[i]
		if m.ID != op.ID || m.Requests != op.Requests || !slices.Equal(m.StatusesExercised, op.StatusesExercised) || !slices.Equal(m.ParamsMissed, op.ParamsMissed) {
			t.Errorf("coverage of %s: merged %+v, whole run %+v", op.ID, m, op)
		}
	}
	if page, err := os.ReadFile(mergedHTML); err != nil {
		t.Error(err)
	} else if rows, want := strings.Count(string(page), `class="scenario `), merged.Shard.Of; rows != want || len(merged.Scenarios) != want {
		t.Errorf("the merged HTML report shows %d scenarios and the merged result holds %d; the shards ran %d", rows, len(merged.Scenarios), want)
	}
	wholeTests, wholeCases := junitCases(t, filepath.Join(dir, "whole.xml"))
	mergedTests, mergedCases := junitCases(t, mergedXML)
	if mergedTests != wholeTests || !slices.Equal(mergedCases, wholeCases) {
		t.Errorf("the merged JUnit report has %d tests, the whole run's %d; cases differ: %v",
			mergedTests, wholeTests, diff(mergedCases, wholeCases))
	}

	shard := func(i int, name string) string { return filepath.Join(dir, fmt.Sprintf("shard-%d", i), name) }
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"a missing shard", []string{shard(1, "result.json"), shard(3, "result.json")}, 1, "Missing shards 2/3"},
		{"a shard twice", []string{shard(1, "result.json"), shard(1, "result.json")}, 2, "given twice"},
		{"a whole run", []string{shard(1, "result.json"), filepath.Join(dir, "whole.json")}, 2, "is not one shard"},
		{"JUnit without --junit", []string{shard(1, "result.json"), shard(1, "junit.xml")}, 2, "no --junit file"},
		{"a JUnit report missing", []string{"--junit", filepath.Join(dir, "x.xml"), shard(1, "result.json"), shard(2, "result.json"), shard(3, "result.json"), shard(1, "junit.xml")}, 2, "a JUnit report is missing"},
		{"no inputs", nil, 2, "give the shards' --json results"},
		{"a pattern matching nothing", []string{filepath.Join(dir, "nope-*.json")}, 2, "no file matches"},
		{"only JUnit reports", []string{"--junit", filepath.Join(dir, "x.xml"), shard(1, "junit.xml")}, 2, "no result among the inputs"},
		{"a foreign JSON file", []string{writeFile(t, dir, "coverage.json", `{"operations": []}`)}, 2, "not a result written by conformance --json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := merge(tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Errorf("merge-reports %q: exit %d, want %d with %q:\n%s", tt.args, code, tt.code, tt.out, out)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// diff lists what is in one sorted list and not the other.
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "+"+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "-"+x)
		}
	}
	return out
}

// TestShardFlag: bad values of --shard and CONFORMANCE_SHARD are usage
// errors that say what a good one looks like.
func TestShardFlag(t *testing.T) {
	for _, tt := range []struct{ value, out string }{
		{"0/3", "the part must be from 1 to 3"},
		{"4/3", "the part must be from 1 to 3"},
		{"x", "is not of the form i/n"},
		{"1/0", "at least 1"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{"--base-url", "http://127.0.0.1:1", "--shard", tt.value}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.out) {
			t.Errorf("--shard %s: exit %d, want 2 with %q\n%s", tt.value, code, tt.out, stderr.String())
		}
	}
	t.Setenv("CONFORMANCE_SHARD", "5/3")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--base-url", "http://127.0.0.1:1"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "CONFORMANCE_SHARD") {
		t.Errorf("CONFORMANCE_SHARD=5/3: exit %d, want 2 naming the variable\n%s", code, stderr.String())
	}
}
