package steps_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/membersmock/membersmock/internal/reference"
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

// TestSuiteNoticesReferenceDialects runs the paging scenarios against the
// reference speaking another dialect than the contract's: the suite, told
// nothing of it, must fail them, so that the clean run above is no run that
// cannot fail. (EmptyFilterIgnore is not among them: no scenario sends an
// empty customerId, orderId or pointDefinitionReference yet.)
func TestSuiteNoticesReferenceDialects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs part of the suite; not in -short")
	}
	for name, cfg := range map[string]reference.Config{
		"firstPage 1":         {FirstPage: 1},
		"pastLastPage 404":    {PastLastPageNotFound: true},
		"createdAt renamed":   {RenameField: map[string]string{"createdAt": "created"}},
		"clientName optional": {ClientNameOptional: true},
	} {
		t.Run(name, func(t *testing.T) {
			srv := startReference(t, cfg)
			res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Profile: referenceProfile(t), Tags: "@paging,@headers,@filters,@schema"})
			if err != nil {
				t.Fatalf("running the suite: %v", err)
			}
			if res.Failed == 0 {
				t.Errorf("no scenario failed against the reference with %s (%d passed)", name, res.Passed)
			}
		})
	}
}
