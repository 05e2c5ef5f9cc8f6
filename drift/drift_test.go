package drift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/membersmock/membersmock/drift"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/internal/reference"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// startMock serves the mock for seed, speaking dialect d, over real HTTP on loopback.
func startMock(t *testing.T, seed int64, d spec.Dialect) string {
	t.Helper()
	return serve(t, newMock(t, seed, d))
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newMock builds the mock for seed, speaking dialect d.
func newMock(t *testing.T, seed int64, d spec.Dialect) http.Handler {
	t.Helper()
	ds, err := fixtures.New(seed)
	if err != nil {
		t.Fatalf("building the dataset: %v", err)
	}
	v, err := spec.NewValidator(spec.WithDialect(d))
	if err != nil {
		t.Fatalf("building the validator: %v", err)
	}
	h, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatalf("building the mock: %v", err)
	}
	return h
}

// startReference serves the independent reference implementation configured
// as cfg, and returns its URL and its profile.
func startReference(t *testing.T, cfg reference.Config) drift.Side {
	t.Helper()
	srv := httptest.NewServer(reference.New(cfg))
	t.Cleanup(srv.Close)
	var b bytes.Buffer
	if err := reference.Profile().WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	p, err := steps.ParseProfile(b.Bytes())
	if err != nil {
		t.Fatalf("parsing the reference profile: %v", err)
	}
	return drift.Side{BaseURL: srv.URL, Profile: p}
}

func compare(t *testing.T, mock, target drift.Side) *drift.Report {
	t.Helper()
	rep, err := drift.Run(context.Background(), drift.Config{Mock: mock, Target: target})
	if err != nil {
		t.Fatalf("drift: %v", err)
	}
	var b bytes.Buffer
	if err := rep.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if rep.Requests < 100 {
		t.Errorf("only %d requests to each side; the comparison hardly looked", rep.Requests)
	}
	return rep
}

// TestTwoMocksAgree compares the mock with itself, with the same seed and with
// another: different data, the same behaviour.
func TestTwoMocksAgree(t *testing.T) {
	for _, seed := range []int64{1, 7} {
		rep := compare(t, drift.Side{BaseURL: startMock(t, 1, spec.Dialect{})}, drift.Side{BaseURL: startMock(t, seed, spec.Dialect{})})
		for _, d := range rep.Differences {
			t.Errorf("seed 1 vs %d: %s: %s", seed, d.OperationID, d.Message)
		}
	}
}

// knownReferenceDrift are the differences between the mock and the reference,
// both speaking the contract's dialect, that were looked at and are real: the
// contract lets each implementation decide them, and a client may still trip
// over them. They are reported rather than hidden; when one side changes, the
// test says which entry to remove.
var knownReferenceDrift = []string{
	// Transaction.updatedAt is optional: the mock sends it, the reference's
	// transactions never have one and it leaves the field out.
	"getMemberTransactions: the body: the mock sends items[].updatedAt, the target never does",
	// Optional properties "may be omitted or null": the mock sends a reward
	// without a value as null, the reference leaves value out.
	"getMemberRewardLadder: the body levels[].rewards[].value without a value: the mock sends null, the target leaves it out",
	// createdAfter later than createdBefore is a 400; the contract does not
	// say which parameter errors[] names: the mock names both, the reference createdAfter.
	"getMemberPointsHistory: createdAfter later than createdBefore: the mock answers 400, naming createdAfter, createdBefore; the target 400, naming createdAfter",
	// The contract says nothing of CORS; the mock lets browser apps on any
	// origin read its answers, the reference (standard library only) does not.
	"getProgram: a browser app's GET (with Origin): the mock answers 200, a browser app may read it and its X-Correlation-Id; the target 200, no Access-Control-Allow-Origin: a browser app cannot read it",
}

// TestMockAgreesWithReference compares the mock with the independent
// reference implementation, both speaking the contract's dialect: every
// difference is one of them departing from the contract, or a behaviour the
// contract leaves to each (knownReferenceDrift).
func TestMockAgreesWithReference(t *testing.T) {
	rep := compare(t, drift.Side{BaseURL: startMock(t, 1, spec.Dialect{})}, startReference(t, reference.Config{}))
	found := map[string]bool{}
	for _, d := range rep.Differences {
		line := d.OperationID + ": " + d.Message
		found[line] = true
		if !slices.Contains(knownReferenceDrift, line) {
			t.Errorf("%s (%s)\n  mock:   %s → %s\n  target: %s → %s", line, d.Kind,
				d.Mock.Request, d.Mock.Behaviour, d.Target.Request, d.Target.Behaviour)
		}
		if d.Dialect != nil {
			t.Errorf("%s: explained by %s, but both speak the contract's dialect", line, d.Dialect)
		}
	}
	for _, k := range knownReferenceDrift {
		if !found[k] {
			t.Errorf("the known difference %q is gone: remove it from knownReferenceDrift", k)
		}
	}
}

// TestDivergentDeployment compares the mock with the reference departing
// from the contract in every dialect setting and renaming createdAt: every
// setting is named with its value, and the rename on both sides.
func TestDivergentDeployment(t *testing.T) {
	target := startReference(t, reference.Config{
		FirstPage: 1, ClampPerPage: true, PastLastPageNotFound: true, ClientNameOptional: true, EmptyFilterIgnore: true,
		RenameField: map[string]string{"createdAt": "created"},
	})
	rep := compare(t, drift.Side{BaseURL: startMock(t, 1, spec.Dialect{})}, target)
	want := map[string]string{"firstPage": "1", "perPageAboveMax": "clamp", "pastLastPage": "notFound", "clientName": "optional", "emptyFilter": "ignore"}
	for key, value := range want {
		if got := rep.Dialect.Value(key); got != value {
			t.Errorf("suggested dialect: %s is %q, want %q", key, got, value)
		}
		found := false
		for _, d := range rep.Differences {
			if d.Dialect != nil && d.Dialect.Key == key && d.Dialect.Value == value {
				found = true
			}
		}
		if !found {
			t.Errorf("no difference is explained by %s: %s", key, value)
		}
	}
	renamed := false
	for _, d := range rep.Differences {
		if d.Kind == "shape" && strings.Contains(d.Message, "createdAt") && strings.Contains(d.Message, "created ") {
			renamed = true
		}
	}
	if !renamed {
		t.Error("no difference names createdAt on the mock and created on the target")
	}
	if rep.Explained() {
		t.Error("the rename is explained by a dialect setting; no setting renames fields")
	}
}

// unstable wraps a handler so that every second answer of a list holds its
// items in reverse: a deployment without a stable order.
func unstable(h http.Handler) http.Handler {
	var calls atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var page map[string]any
		if calls.Add(1)%2 == 0 && json.Unmarshal(body, &page) == nil {
			if items, ok := page["items"].([]any); ok {
				slices.Reverse(items)
				body, _ = json.Marshal(page)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// TestUnstableOrder compares the mock with a deployment whose order changes
// from one answer to the next: the walk and the first page asked twice say so.
func TestUnstableOrder(t *testing.T) {
	target := serve(t, unstable(newMock(t, 1, spec.Dialect{})))
	rep := compare(t, drift.Side{BaseURL: startMock(t, 1, spec.Dialect{})}, drift.Side{BaseURL: target})
	var twice, order bool
	for _, d := range rep.Differences {
		twice = twice || strings.Contains(d.Message, "other items or another order the second time")
		order = order || strings.Contains(d.Message, "not in the contract's order")
		if d.Dialect != nil {
			t.Errorf("%s: explained by %s; no dialect setting makes an order unstable", d.Message, d.Dialect)
		}
	}
	if !twice || !order {
		t.Errorf("the unstable order is not found: asked twice %v, walk order %v", twice, order)
	}
}
