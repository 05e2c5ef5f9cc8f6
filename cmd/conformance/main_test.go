package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

func startMock(t *testing.T) string {
	t.Helper()
	return startMockSpeaking(t, spec.Dialect{})
}

// startMockSpeaking starts the mock in dialect d.
func startMockSpeaking(t *testing.T, d spec.Dialect) string {
	t.Helper()
	v, err := spec.NewValidator(spec.WithDialect(d))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestExitCodes(t *testing.T) {
	url := startMock(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(profile, []byte("now: 2026-06-01T12:00:00Z\nprogram:\n  id: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"no base URL", nil, 2, "--base-url"},
		{"bad format", []string{"--base-url", url, "--format", "html"}, 2, "--format"},
		{"bad flag", []string{"--base-url", url, "--nope"}, 2, "nope"},
		{"bad tags", []string{"--base-url", url, "--tags", "@a &&"}, 2, "is not a tag"},
		{"unreachable", []string{"--base-url", "http://127.0.0.1:1"}, 2, "127.0.0.1:1"},
		{"missing profile", []string{"--base-url", url, "--profile", filepath.Join(dir, "nope.yaml")}, 2, "profile"},
		{"passing", []string{"--base-url", url, "--tags", "@program"}, 0, "Conformance PASSED"},
		{"skips do not fail", []string{"--base-url", url, "--profile", profile, "--tags", "@isolation && @errors"}, 0, "Skipped"},
		{"failing", []string{"--base-url", url, "--tags", "@auth && @errors"}, 1, "Broken rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.out, stdout.String(), stderr.String())
			}
		})
	}
}

func TestCoverageFile(t *testing.T) {
	url := startMock(t)
	path := filepath.Join(t.TempDir(), "coverage.json")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--base-url", url, "--tags", "@headers", "--coverage", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cov struct {
		Operations []struct {
			ID                string `json:"operationId"`
			StatusesExercised []int  `json:"statusesExercised"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(data, &cov); err != nil {
		t.Fatalf("coverage is not JSON: %v", err)
	}
	if len(cov.Operations) != 9 {
		t.Fatalf("coverage lists %d operations, want 9", len(cov.Operations))
	}
	for _, op := range cov.Operations {
		if len(op.StatusesExercised) == 0 {
			t.Errorf("%s: no status exercised by @headers", op.ID)
		}
	}
}

// TestRobustTargets runs the command against targets that are down, slow,
// answer non-JSON or hang up: each ends quickly with a clear message and a
// non-zero exit, never a hang or a panic.
func TestRobustTargets(t *testing.T) {
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(profile, []byte("now: 2026-06-01T12:00:00Z\nprogram:\n  id: 1\n  traits: {regular: 88}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()

	// afterProbe answers the first request (the reachability probe) with a
	// plain 200 and hands the rest to h, so that scenarios meet h.
	afterProbe := func(h http.HandlerFunc) http.HandlerFunc {
		var n atomic.Int64
		return func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				return
			}
			h(w, r)
		}
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	notJSON := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello"))
	}
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		conn.Close()
	}

	tests := []struct {
		name    string
		handler http.HandlerFunc // nil: the target is down
		env     string           // CONFORMANCE_TIMEOUT
		args    []string         // after --base-url
		code    int
		out     []string // all in stdout or stderr
	}{
		{name: "down", args: []string{"--profile", profile}, code: 2, out: []string{down, "unreachable", "connection refused"}},
		{name: "down, catalog", code: 2, out: []string{down, "connection refused"}},
		{name: "not JSON", handler: notJSON, args: []string{"--profile", profile}, code: 1, out: []string{"Conformance FAILED", "Broken rules", "not JSON"}},
		{name: "not JSON, catalog", handler: notJSON, code: 2, out: []string{"catalog"}},
		{name: "slow", handler: afterProbe(slow), args: []string{"--profile", profile, "--timeout", "200ms"}, code: 1, out: []string{"Conformance FAILED", "Timeout exceeded"}},
		{name: "slow, env timeout", handler: afterProbe(slow), env: "200ms", args: []string{"--profile", profile}, code: 1, out: []string{"Conformance FAILED", "Timeout exceeded"}},
		{name: "slow from the start", handler: slow, args: []string{"--profile", profile, "--timeout", "200ms"}, code: 2, out: []string{"unreachable", "Timeout exceeded"}},
		{name: "hangs up", handler: afterProbe(hangUp), args: []string{"--profile", profile}, code: 1, out: []string{"Conformance FAILED", "EOF"}},
		{name: "hangs up from the start", handler: hangUp, args: []string{"--profile", profile}, code: 2, out: []string{"unreachable", "EOF"}},
		{name: "bad timeout", handler: notJSON, args: []string{"--timeout", "0s"}, code: 2, out: []string{"--timeout must be positive"}},
		{name: "bad env timeout", handler: notJSON, env: "soon", code: 2, out: []string{"CONFORMANCE_TIMEOUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONFORMANCE_TIMEOUT", tt.env)
			base := down
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				t.Cleanup(srv.Close)
				base = srv.URL
			}
			args := append([]string{"--base-url", base, "--tags", "@program"}, tt.args...)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := -1
			done := make(chan struct{})
			go func() {
				defer close(done)
				code = run(args, &stdout, &stderr)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("conformance did not end: it hangs")
			}
			took := time.Since(start)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(stdout.String()+stderr.String(), want) {
					t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", want, stdout.String(), stderr.String())
				}
			}
			t.Logf("exit %d in %s; stderr: %s", code, took.Round(time.Millisecond), strings.TrimSpace(stderr.String()))
		})
	}
}

// TestDialectFlag: the suite reads the dialect from --dialect or
// CONFORMANCE_DIALECT, refuses a bad file naming its line and key, and a
// dialect the target does not speak fails the run under scenarios naming
// the setting.
func TestDialectFlag(t *testing.T) {
	url := startMock(t) // the contract's dialect
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	contract := write("contract.yaml", "firstPage: 0\n")
	onePaged := write("one.yaml", "# staging\nfirstPage: 1\n")
	typo := write("typo.yaml", "firstPage: 0\nperPageAboveMaximum: clamp\n")
	badValue := write("value.yaml", "pastLastPage: gone\n")
	profileWithDialect := write("profile.yaml", "program:\n  id: 1\n  traits:\n    frequent: 2\ndialect:\n  clientName: optionl\n")

	tests := []struct {
		name string
		args []string
		env  string
		code int
		out  []string
	}{
		{"contract's dialect", []string{"--base-url", url, "--dialect", contract, "--tags", "@paging"}, "", 0, []string{"Conformance PASSED", "Dialect: the contract's"}},
		{"a dialect the mock does not speak", []string{"--base-url", url, "--dialect", onePaged, "--tags", "@paging"}, "", 1, []string{"Dialect: firstPage: 1", "(firstPage: 1)"}},
		{"from the environment", []string{"--base-url", url, "--tags", "@paging"}, onePaged, 1, []string{"Dialect: firstPage: 1"}},
		{"the flag wins over the environment", []string{"--base-url", url, "--dialect", contract, "--tags", "@paging"}, onePaged, 0, []string{"Conformance PASSED"}},
		{"unknown key", []string{"--base-url", url, "--dialect", typo}, "", 2, []string{"typo.yaml:2", "perPageAboveMaximum", "the settings are"}},
		{"unknown value", []string{"--base-url", url, "--dialect", badValue}, "", 2, []string{"value.yaml:1", "pastLastPage", "empty or notFound"}},
		{"missing file", []string{"--base-url", url, "--dialect", filepath.Join(dir, "nope.yaml")}, "", 2, []string{"nope.yaml"}},
		{"bad dialect block in the profile", []string{"--base-url", url, "--profile", profileWithDialect}, "", 2, []string{"profile.yaml:6", "clientName", "required or optional"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONFORMANCE_DIALECT", tt.env)
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.out {
				if !strings.Contains(stdout.String()+stderr.String(), want) {
					t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", want, stdout.String(), stderr.String())
				}
			}
		})
	}
}

// TestCatalogDialectPointedOut: run without --dialect against a mock that
// speaks another, the suite expects the contract's choices (a dialect is
// stated, not taken from the target) and the summary says what the catalog
// declares and what to do.
func TestCatalogDialectPointedOut(t *testing.T) {
	url := startMockSpeaking(t, spec.Dialect{PastLastPage: "notFound"})
	var stdout, stderr bytes.Buffer
	code := run([]string{"--base-url", url, "--tags", "@paging"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1 (the contract's pastLastPage expected)\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"The target's catalog says it speaks dialect pastLastPage: notFound", "--dialect FILE", "(pastLastPage: empty)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q\n%s", want, stdout.String())
		}
	}
}

// profileWithout writes the mock's own profile (from its catalog) to a
// file, leaving out one trait.
func profileWithout(t *testing.T, url string, trait steps.Trait) string {
	t.Helper()
	p, err := steps.CatalogProfile(context.Background(), nil, url)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	program := func(key string, pp steps.ProgramProfile) {
		fmt.Fprintf(&b, "%s:\n  id: %d\n  traits:\n", key, pp.ID)
		for tr, id := range pp.Traits {
			if tr != trait {
				fmt.Fprintf(&b, "    %s: %d\n", tr, id)
			}
		}
	}
	fmt.Fprintf(&b, "now: %s\n", p.Now.UTC().Format(time.RFC3339))
	program("program", p.Program)
	if p.OtherProgram != nil {
		program("otherProgram", *p.OtherProgram)
	}
	path := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStrictness: a profile without one trait skips the scenarios that
// need it, which passes a run and fails a strict one, naming each skipped
// scenario and why; --fail-under fails a run whose coverage is below it.
func TestStrictness(t *testing.T) {
	url := startMock(t)
	profile := profileWithout(t, url, steps.Suspended)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		out  []string // all in stdout or stderr
		not  []string // none in stdout or stderr
	}{
		{name: "skips do not fail", args: []string{"--profile", profile, "--tags", "@suspensions"}, code: 0,
			out: []string{"Conformance PASSED", "Skipped (they do not fail the run)", "suspended"}, not: []string{"strict"}},
		{name: "strict", args: []string{"--profile", profile, "--tags", "@suspensions", "--strict"}, code: 1,
			out: []string{"Conformance FAILED", "Failed because the run is strict (--strict)", "Skipped, which fails a strict run", "suspensions.feature:", "suspended"}},
		{name: "strict from the environment", env: map[string]string{"CONFORMANCE_STRICT": "1"}, args: []string{"--profile", profile, "--tags", "@suspensions"}, code: 1,
			out: []string{"Skipped, which fails a strict run"}},
		{name: "strict without skips", args: []string{"--base-url", url, "--tags", "@program", "--strict"}, code: 0,
			out: []string{"Conformance PASSED"}},
		{name: "coverage above the threshold", args: []string{"--tags", "@program", "--fail-under", "1"}, code: 0,
			out: []string{"Conformance PASSED", "Contract coverage "}},
		{name: "coverage below the threshold", args: []string{"--tags", "@program", "--fail-under", "99.5"}, code: 1,
			out: []string{"Conformance FAILED", "below the --fail-under 99.5%"}},
		{name: "threshold from the environment", env: map[string]string{"CONFORMANCE_FAIL_UNDER": "99.5"}, args: []string{"--tags", "@program"}, code: 1,
			out: []string{"below the --fail-under 99.5%"}},
		{name: "threshold above 100", args: []string{"--fail-under", "101"}, code: 2, out: []string{"--fail-under must be a percentage from 0 to 100"}},
		{name: "threshold not a number", env: map[string]string{"CONFORMANCE_FAIL_UNDER": "most"}, code: 2, out: []string{"CONFORMANCE_FAIL_UNDER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONFORMANCE_STRICT", "")
			t.Setenv("CONFORMANCE_FAIL_UNDER", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"--base-url", url}, tt.args...), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, out)
			}
			for _, want := range tt.out {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q\n%s", want, out)
				}
			}
			for _, bad := range tt.not {
				if strings.Contains(out, bad) {
					t.Errorf("output has %q\n%s", bad, out)
				}
			}
		})
	}
}

// TestHTMLFlag: --html (or CONFORMANCE_HTML) writes the report of a
// failing run, with the curl command of a failed scenario, and says where.
func TestHTMLFlag(t *testing.T) {
	url := startMock(t)
	for _, viaEnv := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "report.html")
		args := []string{"--base-url", url, "--tags", "@auth && @errors"}
		if viaEnv {
			t.Setenv("CONFORMANCE_HTML", path)
		} else {
			t.Setenv("CONFORMANCE_HTML", "")
			args = append(args, "--html", path)
		}
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 1 {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "HTML report: "+path) {
			t.Errorf("the output does not say where the report is:\n%s", stdout.String())
		}
		page, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"<!DOCTYPE html>", `data-status="failed"`, "curl -sS -i --globoff &#39;" + url + "/v1/programs/"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("env %v: the report lacks %q", viaEnv, want)
			}
		}
	}
}
