package steps_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/internal/reference"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// startReference serves the independent reference implementation over real
// HTTP on loopback.
func startReference(t *testing.T, cfg reference.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(reference.New(cfg)) // listens on 127.0.0.1:0
	t.Cleanup(srv.Close)
	return srv
}

// referenceProfile is the reference's personas, read back through the
// suite's own profile parser so that the YAML form is checked too.
func referenceProfile(t *testing.T) *steps.Profile {
	t.Helper()
	var b bytes.Buffer
	if err := reference.Profile().WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	p, err := steps.ParseProfile(b.Bytes())
	if err != nil {
		t.Fatalf("parsing the reference profile:\n%s\n%v", b.String(), err)
	}
	return p
}

// TestSuiteAgainstReference runs the default suite against a correct
// implementation of the contract that is not the mock: any failure is a
// false alarm of the suite (or a bug of the reference).
func TestSuiteAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite; not in -short")
	}
	srv := startReference(t, reference.Config{})
	res, err := steps.Run(context.Background(), steps.Config{
		BaseURL: srv.URL,
		Profile: referenceProfile(t),
		// The default run: what the contract states, read-only. The
		// mock's own 414/431 limits are @mock-only and left out.
	})
	if err != nil {
		t.Fatalf("running the suite: %v", err)
	}
	report(t, res)
	if res.Undefined > 0 {
		t.Errorf("%d scenarios have undefined steps", res.Undefined)
	}
	if res.Passed == 0 {
		t.Error("no scenario passed")
	}
}

// departure is one way a correct deployment may decide what the contract
// leaves open: the reference configured so, and the dialect that says so.
type departure struct {
	setting, value string // e.g. "firstPage", "1"
	configure      func(*reference.Config)
}

var departures = []departure{
	{"firstPage", "1", func(c *reference.Config) { c.FirstPage = 1 }},
	{"perPageAboveMax", "clamp", func(c *reference.Config) { c.ClampPerPage = true }},
	{"pastLastPage", "notFound", func(c *reference.Config) { c.PastLastPageNotFound = true }},
	{"clientName", "optional", func(c *reference.Config) { c.ClientNameOptional = true }},
	{"emptyFilter", "ignore", func(c *reference.Config) { c.EmptyFilterIgnore = true }},
}

// TestSuiteFollowsReferenceDialects runs the default suite against the
// reference deciding the contract's open points otherwise, one at a time
// and all at once. Told nothing, the suite must fail, and its failures must
// name each setting the reference departs from (the scenario of the
// contract's choice says "(firstPage: 0)"); told the dialect, it must pass;
// and against the contract's reference, the dialect declared but not
// spoken, it must fail naming each declared setting ("(firstPage: 1)").
func TestSuiteFollowsReferenceDialects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite; not in -short")
	}
	all := departure{setting: "all"}
	for _, c := range append(slices.Clone(departures), all) {
		t.Run(c.setting, func(t *testing.T) {
			var cfg reference.Config
			var yaml strings.Builder
			departing := []departure{c}
			if c.setting == "all" {
				departing = departures
			}
			for _, d := range departing {
				d.configure(&cfg)
				fmt.Fprintf(&yaml, "%s: %s\n", d.setting, d.value)
			}
			dialect, err := spec.ParseDialect("dialect.yaml", []byte(yaml.String()))
			if err != nil {
				t.Fatal(err)
			}
			srv := startReference(t, cfg)

			untold, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Profile: referenceProfile(t)})
			if err != nil {
				t.Fatalf("running the suite without the dialect: %v", err)
			}
			t.Logf("without the dialect, %d scenarios failed: %q", untold.Failed, scenarioNames(untold.Failures))
			for _, d := range departing {
				contractChoice := d.setting + ": " + settingDefault(t, d.setting)
				if !slices.ContainsFunc(untold.Failures, func(f steps.Failure) bool { return strings.Contains(f.Scenario, contractChoice) }) {
					t.Errorf("without the dialect no failed scenario names %q; failures: %v", contractChoice, scenarioNames(untold.Failures))
				}
			}

			// The contract's reference, declared to speak the dialect: it
			// departs from its declaration, and the failures say where.
			plain := startReference(t, reference.Config{})
			misdeclared, err := steps.Run(context.Background(), steps.Config{BaseURL: plain.URL, Profile: referenceProfile(t), Dialect: &dialect})
			if err != nil {
				t.Fatalf("running the suite against the contract's reference with the dialect: %v", err)
			}
			for _, d := range departing {
				declared := d.setting + ": " + d.value
				if !slices.ContainsFunc(misdeclared.Failures, func(f steps.Failure) bool { return strings.Contains(f.Scenario, declared) }) {
					t.Errorf("against a deployment that does not do what its dialect declares, no failed scenario names %q; failures: %v", declared, scenarioNames(misdeclared.Failures))
				}
			}

			told, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Profile: referenceProfile(t), Dialect: &dialect})
			if err != nil {
				t.Fatalf("running the suite with the dialect: %v", err)
			}
			report(t, told)
			if told.Passed == 0 || told.Undefined > 0 {
				t.Errorf("with the dialect: %d passed, %d undefined", told.Passed, told.Undefined)
			}
		})
	}
}

// TestSuiteNoticesDrift: a deployment whose bodies drifted from the
// schema fails, whatever the dialect, so that the clean runs above are no
// runs that cannot fail.
func TestSuiteNoticesDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("runs part of the suite; not in -short")
	}
	srv := startReference(t, reference.Config{RenameField: map[string]string{"createdAt": "created"}})
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Profile: referenceProfile(t), Tags: "@paging,@schema"})
	if err != nil {
		t.Fatalf("running the suite: %v", err)
	}
	if res.Failed == 0 {
		t.Errorf("no scenario failed against a reference that renamed createdAt (%d passed)", res.Passed)
	}
}

func settingDefault(t *testing.T, key string) string {
	t.Helper()
	for _, s := range spec.DialectSettings() {
		if s.Key == key {
			return s.Default()
		}
	}
	t.Fatalf("no dialect setting %q", key)
	return ""
}

func scenarioNames(fs []steps.Failure) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Scenario)
	}
	return out
}
