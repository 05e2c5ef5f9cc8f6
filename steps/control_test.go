package steps_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// controlMock serves a mock with its journal on, as cmd/mockserver starts it.
func controlMock(t *testing.T, v *spec.Validator, adminToken string) *httptest.Server {
	t.Helper()
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v, JournalSize: 200, AdminToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestControlScenariosAgainstMock runs the @mock-control scenarios against the mock, one at
// a time (one of them resets the whole mock), with an admin token.
func TestControlScenariosAgainstMock(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	srv := controlMock(t, v, "qa-token")
	res, err := steps.Run(context.Background(), steps.Config{
		BaseURL: srv.URL, Validator: v, Tags: "@mock-control", Concurrency: 1, AdminToken: "qa-token", UnsafeMethods: true,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var b bytes.Buffer
	res.WriteSummary(&b)
	t.Log("\n" + b.String())
	for _, f := range res.Failures {
		t.Errorf("scenario %q (%s) failed at %q:\n%s", f.Scenario, f.Location, f.Step, f.Message)
	}
	if !res.OK() || res.Passed < 10 || res.Skipped > 0 {
		t.Fatalf("@mock-control against the mock: %d passed, %d failed, %d skipped, %d undefined", res.Passed, res.Failed, res.Skipped, res.Undefined)
	}
	// Forced answers exercise the statuses the default run cannot.
	for _, op := range res.Coverage.Operations {
		if op.ID != "getMemberTransactions" {
			continue
		}
		for _, want := range []int{401, 429, 500} {
			found := false
			for _, s := range op.StatusesExercised {
				found = found || s == want
			}
			if !found {
				t.Errorf("getMemberTransactions: %d was not exercised", want)
			}
		}
	}
}

// TestControlScenariosAreNotDefault: the default tag expression, which runs against real
// deployments, leaves the control scenarios out.
func TestControlScenariosAreNotDefault(t *testing.T) {
	if !strings.Contains(steps.DefaultTags, "~@mock-control") {
		t.Errorf("DefaultTags = %q, want it to exclude @mock-control", steps.DefaultTags)
	}
}

// TestControlScenariosSkipAgainstATargetWithoutTheControlPlane: against a mock whose admin
// endpoints are off, the scenarios that need them are skipped with a reason, not failed.
func TestControlScenariosSkipWithoutAdmin(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := fixtures.New(1)
	h, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v, DisableAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Tags: "@mock-control", Concurrency: 1, UnsafeMethods: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Failed != 0 || res.Skipped == 0 {
		t.Errorf("without admin endpoints: %d passed, %d failed, %d skipped", res.Passed, res.Failed, res.Skipped)
	}
	for _, s := range res.Skips {
		if !strings.Contains(s.Reason, "admin endpoints") {
			t.Errorf("skip reason %q does not say what is missing", s.Reason)
		}
	}
}

// TestFaultScenariosAgainstMock: against the mock the @fault scenarios need no profile, the
// catalog's injects the fault with Prefer.
func TestFaultScenariosAgainstMock(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	srv := controlMock(t, v, "")
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Tags: "@fault"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range res.Failures {
		t.Errorf("scenario %q failed at %q:\n%s", f.Scenario, f.Step, f.Message)
	}
	if res.Passed == 0 || !res.OK() || res.Skipped > 0 {
		t.Fatalf("@fault against the mock: %d passed, %d failed, %d skipped", res.Passed, res.Failed, res.Skipped)
	}
}
