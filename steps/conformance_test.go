package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// startMock serves the mock over real HTTP on loopback.
func startMock(t *testing.T, v *spec.Validator, auth string) *httptest.Server {
	t.Helper()
	return startMockWith(t, mockserver.Config{Validator: v, Auth: auth})
}

func startMockWith(t *testing.T, cfg mockserver.Config) *httptest.Server {
	t.Helper()
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatalf("building the dataset: %v", err)
	}
	cfg.Dataset = ds
	h, err := mockserver.New(cfg)
	if err != nil {
		t.Fatalf("building the mock: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newValidator(t *testing.T) *spec.Validator {
	t.Helper()
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatalf("building the validator: %v", err)
	}
	return v
}

func report(t *testing.T, res steps.Result) {
	t.Helper()
	var b bytes.Buffer
	if err := res.WriteSummary(&b); err != nil {
		t.Fatalf("writing the summary: %v", err)
	}
	t.Log("\n" + b.String())
	for _, f := range res.Failures {
		t.Errorf("scenario %q (%s) failed at %q:\n%s", f.Scenario, f.Location, f.Step, f.Message)
	}
}

// TestSuiteAgainstMock runs the whole default suite against the mock and
// checks the reports it writes.
func TestSuiteAgainstMock(t *testing.T) {
	v := newValidator(t)
	srv := startMock(t, v, "")
	dir := t.TempDir()
	junit, cucumber := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cucumber.json")
	var progress bytes.Buffer

	start := time.Now()
	res, err := steps.Run(context.Background(), steps.Config{
		BaseURL:   srv.URL,
		Validator: v,
		Output:    &progress,
		JUnit:     junit,
		Cucumber:  cucumber,
		// The mock is ours: its own behaviour and the method scenarios run too.
		Tags:          steps.MockTags,
		UnsafeMethods: true,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	elapsed := time.Since(start)
	report(t, res)
	if !res.OK() {
		t.Fatalf("the suite failed against the mock")
	}
	if len(res.Skips) > 0 {
		t.Errorf("%d scenarios were skipped against the mock, whose catalog names every trait: %+v", len(res.Skips), res.Skips)
	}
	if res.Passed < 300 {
		t.Errorf("only %d scenarios passed; the default suite has more", res.Passed)
	}
	// How long it takes is for BENCHMARKS.md, not an assertion.
	t.Logf("the suite took %s", elapsed)

	// Every documented status except those that need a special mode.
	for _, op := range res.Coverage.Operations {
		if op.Requests == 0 {
			t.Errorf("operation %s was never called", op.ID)
		}
		for _, s := range op.StatusesMissed {
			if s != 401 && s != 429 && s != 500 {
				t.Errorf("operation %s: status %d was not exercised", op.ID, s)
			}
		}
		if len(op.ParamsMissed) > 0 {
			t.Errorf("operation %s: parameters %v were not exercised", op.ID, op.ParamsMissed)
		}
	}

	scenarios := res.Passed + res.Failed + res.Skipped + res.Undefined
	checkJUnit(t, junit, scenarios)
	checkCucumber(t, cucumber, scenarios)
}

// TestSuiteWithAuth runs the @auth scenarios against the mock with bearer
// authentication on, then the default suite with a token to show that the
// token is sent on every request.
func TestSuiteWithAuth(t *testing.T) {
	v := newValidator(t)
	srv := startMock(t, v, mockserver.AuthBearer)
	res, err := steps.Run(context.Background(), steps.Config{
		BaseURL:   srv.URL,
		Validator: v,
		Token:     "test-token",
		Tags:      "@auth",
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	report(t, res)
	if res.Passed == 0 || !res.OK() || res.Skipped > 0 {
		t.Fatalf("@auth against the mock with auth on: %d passed, %d failed, %d skipped", res.Passed, res.Failed, res.Skipped)
	}
	for _, op := range res.Coverage.Operations {
		if !contains(op.StatusesExercised, 401) {
			t.Errorf("operation %s: 401 was not exercised by @auth", op.ID)
		}
	}

	res, err = steps.Run(context.Background(), steps.Config{
		BaseURL: srv.URL, Validator: v, Token: "test-token", Tags: "@members && ~@auth",
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	report(t, res)
	if res.Passed == 0 || !res.OK() {
		t.Fatalf("@members with a token against the mock with auth on failed")
	}
}

// TestSuiteWithRateLimit runs the @rate-limit scenarios against the mock in
// rate-limit mode.
func TestSuiteWithRateLimit(t *testing.T) {
	v := newValidator(t)
	rl := mockserver.DefaultRateLimit()
	srv := startMockWith(t, mockserver.Config{Validator: v, RateLimit: &rl})
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Tags: "@rate-limit"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	report(t, res)
	if res.Passed == 0 || !res.OK() {
		t.Fatalf("@rate-limit against the mock in rate-limit mode: %d passed, %d failed", res.Passed, res.Failed)
	}
	for _, op := range res.Coverage.Operations {
		if op.ID == "getMemberTransactions" && !contains(op.StatusesExercised, 429) {
			t.Errorf("429 was not exercised")
		}
	}
}

// TestAuthScenariosFailWithoutAuth shows that @auth scenarios do not pass
// by accident against a target that does not check tokens.
func TestAuthScenariosFailWithoutAuth(t *testing.T) {
	v := newValidator(t)
	srv := startMock(t, v, "")
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Tags: "@auth && @errors"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Failed == 0 || res.Passed != 0 {
		t.Fatalf("@auth @errors against a mock without auth: %d passed, %d failed; want every one to fail", res.Passed, res.Failed)
	}
}

// TestSkipsNameTheMissingTrait runs with a profile that lacks traits and
// another program: the scenarios that need them are skipped, with reasons.
func TestSkipsNameTheMissingTrait(t *testing.T) {
	v := newValidator(t)
	srv := startMock(t, v, "")
	full, err := steps.CatalogProfile(context.Background(), nil, srv.URL)
	if err != nil {
		t.Fatalf("reading the catalog: %v", err)
	}
	p := &steps.Profile{
		Source:  "partial",
		Now:     full.Now,
		Program: steps.ProgramProfile{ID: full.Program.ID, Traits: map[steps.Trait]int64{steps.Regular: full.Program.Traits[steps.Regular]}},
	}
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Profile: p, Tags: "@isolation,@profile"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	report(t, res)
	if res.Skipped == 0 {
		t.Fatalf("no scenario was skipped")
	}
	var reasons []string
	for _, s := range res.Skips {
		reasons = append(reasons, s.Reason)
		if s.Reason == "" || s.Scenario == "" {
			t.Errorf("skip without a scenario or reason: %+v", s)
		}
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"otherProgram", `"frequent"`, `"newcomer"`} {
		if !strings.Contains(all, want) {
			t.Errorf("no skip reason names %s:\n%s", want, all)
		}
	}
}

// TestUnreachableTarget is a setup error, not a run of failures.
func TestUnreachableTarget(t *testing.T) {
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close()
	_, err := steps.Run(context.Background(), steps.Config{BaseURL: url, Validator: newValidator(t)})
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Fatalf("Run against a closed port: err = %v, want a setup error naming the target", err)
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func checkJUnit(t *testing.T, path string, scenarios int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the JUnit report: %v", err)
	}
	var suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Error   *struct{} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("the JUnit report is not valid XML: %v", err)
	}
	cases := 0
	for _, s := range suites.Suites {
		cases += len(s.Cases)
		for _, c := range s.Cases {
			if c.Name == "" {
				t.Errorf("JUnit test case without a name in suite %q", s.Name)
			}
		}
	}
	if cases != scenarios {
		t.Errorf("the JUnit report lists %d test cases, the run had %d scenarios", cases, scenarios)
	}
}

func checkCucumber(t *testing.T, path string, scenarios int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the Cucumber report: %v", err)
	}
	var featuresJSON []struct {
		URI      string `json:"uri"`
		Name     string `json:"name"`
		Elements []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Steps []struct {
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(data, &featuresJSON); err != nil {
		t.Fatalf("the Cucumber report is not valid JSON: %v", err)
	}
	n := 0
	for _, f := range featuresJSON {
		for _, e := range f.Elements {
			if e.Type != "scenario" {
				continue
			}
			n++
			if len(e.Steps) == 0 {
				t.Errorf("Cucumber report: scenario %q of %s has no steps", e.Name, f.URI)
			}
		}
	}
	if n != scenarios {
		t.Errorf("the Cucumber report lists %d scenarios, the run had %d", n, scenarios)
	}
}
