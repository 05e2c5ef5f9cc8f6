package steps_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/steps"
)

// methodRecorder counts the methods that reach the wrapped handler.
type methodRecorder struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]int
}

func (m *methodRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.seen[r.Method]++
	m.mu.Unlock()
	m.next.ServeHTTP(w, r)
}

func (m *methodRecorder) methods() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(m.seen))
	for k, n := range m.seen {
		out[k] = n
	}
	return out
}

func recordingMock(t *testing.T) *methodRecorder {
	t.Helper()
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: newValidator(t)})
	if err != nil {
		t.Fatal(err)
	}
	return &methodRecorder{next: inner, seen: map[string]int{}}
}

// TestDefaultRunIsReadOnly: without UnsafeMethods the target sees only GET,
// HEAD and OPTIONS, even for the features holding the method scenarios;
// with it, the method scenarios run and reach the target.
func TestDefaultRunIsReadOnly(t *testing.T) {
	v := newValidator(t)
	for _, unsafe := range []bool{false, true} {
		rec := recordingMock(t)
		srv := httptest.NewServer(rec)
		res, err := steps.Run(context.Background(), steps.Config{
			BaseURL: srv.URL, Validator: v, Tags: steps.DefaultTags + " && @errors", UnsafeMethods: unsafe,
		})
		srv.Close()
		if err != nil {
			t.Fatalf("Run(unsafe=%v): %v", unsafe, err)
		}
		report(t, res)
		seen := rec.methods()
		var other []string
		for m := range seen {
			if m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions {
				other = append(other, m)
			}
		}
		if !unsafe && len(other) > 0 {
			t.Errorf("a default run sent %v to the target (all methods: %v)", other, seen)
		}
		if unsafe && len(other) == 0 {
			t.Errorf("with UnsafeMethods the method scenarios sent nothing but %v: the test cannot tell the guard works", seen)
		}
		if seen[http.MethodGet] == 0 {
			t.Errorf("unsafe=%v: no GET reached the target; did anything run? %v", unsafe, seen)
		}
	}
}

// TestReadOnlyClientRefuses: a scenario that sends DELETE without its
// @unsafe-methods tag fails with a message saying what to do, and nothing
// reaches the target, not even with retries on: the guard refuses before
// the request budget could send it again.
func TestReadOnlyClientRefuses(t *testing.T) {
	dir := t.TempDir()
	feature := `Feature: untagged
  Scenario: a DELETE without its tag
    Given a member with between 21 and 100 transactions
    When the client sends a DELETE request for the member
    Then the request is refused with a client error
`
	if err := os.WriteFile(filepath.Join(dir, "untagged.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := recordingMock(t)
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: newValidator(t), Paths: []string{dir}, Retries: 3})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Failed != 1 || len(res.Failures) != 1 {
		t.Fatalf("want the one scenario to fail, got %+v", res)
	}
	if msg := res.Failures[0].Message; !strings.Contains(msg, "--unsafe-methods") {
		t.Errorf("failure message %q does not say to pass --unsafe-methods", msg)
	}
	if n := rec.methods()[http.MethodDelete]; n != 0 || res.Budget.Retried != 0 {
		t.Errorf("the target received %d DELETE requests, and %d requests were retried", n, res.Budget.Retried)
	}
}
