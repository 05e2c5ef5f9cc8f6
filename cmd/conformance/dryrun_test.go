package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

// countingTarget is the mock behind a door that counts every request by
// path.
type countingTarget struct {
	mu     sync.Mutex
	byPath map[string]int
}

func (c *countingTarget) total(except string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, k := range c.byPath {
		if p != except {
			n += k
		}
	}
	return n
}

func startCountingMock(t *testing.T, opts ...fixtures.Option) (*countingTarget, string) {
	t.Helper()
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fixtures.New(7, opts...)
	if err != nil {
		t.Fatal(err)
	}
	h, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	c := &countingTarget{byPath: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.byPath[r.URL.Path]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
}

var dryTotal = regexp.MustCompile(`total, (\d+) scenarios +(\d+)`)

// TestDryRun: a dry run against the mock sends it no request of the suite,
// only one read of its catalog, and the requests it counts are those the
// real run then sends. With a profile it sends nothing at all and says the
// counts are an estimate.
func TestDryRun(t *testing.T) {
	// Another seed and size than the default, so that a twin built with
	// the defaults would count wrong.
	target, url := startCountingMock(t, fixtures.WithMembers(40), fixtures.WithPrograms(2))
	const tags = "@members,@paging"
	var stdout, stderr bytes.Buffer
	t.Setenv("CONFORMANCE_DRY_RUN", "1") // the env equivalent of --dry-run
	if code := run([]string{"--base-url", url, "--tags", tags}, &stdout, &stderr); code != 0 {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	t.Setenv("CONFORMANCE_DRY_RUN", "")
	out := stdout.String()
	t.Log("\n" + out)
	if n := target.total("/__mock/catalog"); n != 0 {
		t.Errorf("the dry run sent %d requests to the target other than its catalog: %v", n, target.byPath)
	}
	if n := target.byPath["/__mock/catalog"]; n != 1 {
		t.Errorf("the dry run read the catalog %d times, want once", n)
	}
	for _, want := range []string{"no request of the suite was sent", "exact", "seed 7, 2 programs × 40 members", "members.feature", "paging.feature"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run's output lacks %q", want)
		}
	}
	m := dryTotal.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no total line in:\n%s", out)
	}
	counted, _ := strconv.Atoi(m[2])

	stdout.Reset()
	if code := run([]string{"--base-url", url, "--tags", tags}, &stdout, &stderr); code != 0 {
		t.Fatalf("real run: exit %d\n%s", code, stdout.String())
	}
	// The real run reads the catalog once more, outside the scenarios.
	if sent := target.total("/__mock/catalog"); sent != counted || counted == 0 {
		t.Errorf("the dry run counted %d requests; the real run sent %d", counted, sent)
	}

	profile := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profile, []byte("now: 2026-06-01T12:00:00Z\nprogram:\n  id: 1\n  traits: {regular: 9}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := target.total("")
	stdout.Reset()
	if code := run([]string{"--base-url", url, "--tags", tags, "--profile", profile, "--dry-run", "--shard", "1/2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("dry run with a profile: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	out = stdout.String()
	if after := target.total(""); after != before {
		t.Errorf("the dry run with a profile sent %d requests to the target", after-before)
	}
	for _, want := range []string{"nothing was sent", "an estimate", "shard 1/2", "skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run with a profile lacks %q:\n%s", want, out)
		}
	}
}

// TestTwinSaysHowLikeItIs: a twin whose catalog differs from the target's
// (an overlay moved a persona) says its counts are an estimate.
func TestTwinSaysHowLikeItIs(t *testing.T) {
	ds, err := fixtures.New(3, fixtures.WithMembers(20))
	if err != nil {
		t.Fatal(err)
	}
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	cat := m.Catalog()
	if _, how, err := newTwin(&cat, spec.Dialect{}); err != nil || !strings.HasPrefix(how, "exact") {
		t.Errorf("a twin of the same catalog: %q, %v", how, err)
	}
	cat.Programs[0].Personas.Regular++
	if _, how, err := newTwin(&cat, spec.Dialect{}); err != nil || !strings.HasPrefix(how, "an estimate") {
		t.Errorf("a twin of a catalog an overlay changed: %q, %v", how, err)
	}
}
