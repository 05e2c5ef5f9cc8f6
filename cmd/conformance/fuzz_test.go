package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFuzzExitCodes runs `conformance fuzz` against the mock: clean in its
// dialect, failing in another (the mock refuses a request without
// ET-Client-Name, which that dialect answers), and refusing bad usage.
func TestFuzzExitCodes(t *testing.T) {
	url := startMock(t)
	dir := t.TempDir()
	optional := filepath.Join(dir, "dialect.yaml")
	if err := os.WriteFile(optional, []byte("clientName: optional\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	contract := filepath.Join(dir, "contract.yaml")
	if err := os.WriteFile(contract, []byte("clientName: required\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withDialect := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(withDialect, []byte("program:\n  id: 1\ndialect:\n  clientName: optional\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"no base URL", []string{"fuzz"}, 2, "--base-url"},
		{"the profile's dialect", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200", "--profile", withDialect}, 1, "curl -sS"},
		{"--dialect wins over the profile's", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200", "--profile", withDialect, "--dialect", contract}, 0, "No check failed"},
		{"bad flag", []string{"fuzz", "--base-url", url, "--nope"}, 2, "nope"},
		{"no requests", []string{"fuzz", "--base-url", url, "--requests", "0"}, 2, "--requests"},
		{"missing dialect", []string{"fuzz", "--base-url", url, "--dialect", filepath.Join(dir, "nope.yaml")}, 2, "dialect"},
		{"unreachable", []string{"fuzz", "--base-url", "http://127.0.0.1:1"}, 2, "127.0.0.1:1"},
		{"passing", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200"}, 0, "No check failed"},
		{"time bound", []string{"fuzz", "--base-url", url, "--seed", "7", "--time", "1ns"}, 0, "the time bound (--time) ended"},
		{"budget spent", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200", "--max-requests", "60"}, 0, "--max-requests was reached"},
		{"another dialect", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200", "--dialect", optional}, 1, "curl -sS"},
		{"an HTML report", []string{"fuzz", "--base-url", url, "--seed", "7", "--requests", "200", "--dialect", optional, "--html", filepath.Join(dir, "fuzz.html")}, 1, "HTML report: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if i := slices.Index(tt.args, "--html"); i >= 0 {
				page, err := os.ReadFile(tt.args[i+1])
				if err != nil || !strings.Contains(string(page), "curl -sS") || !strings.Contains(string(page), "conformance fuzz (seed 7") {
					t.Errorf("the HTML report (%v) lacks the fuzz run's failures and their curl lines", err)
				}
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.out, stdout.String(), stderr.String())
			}
		})
	}
}

// TestFuzzSeedAndJSON checks that a seed repeats a run exactly, that the
// summary prints it, and that --json lists the same run.
func TestFuzzSeedAndJSON(t *testing.T) {
	url := startMock(t)
	dir := t.TempDir()
	var first []byte
	for i, name := range []string{"a.json", "b.json"} {
		path := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		t.Setenv("CONFORMANCE_SEED", "42") // the environment gives the seed as well as the flag
		if code := run([]string{"fuzz", "--base-url", url, "--requests", "150", "--json", path}, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "--seed 42") {
			t.Errorf("the summary does not say how to repeat the run:\n%s", stdout.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var res struct {
			Seed      uint64         `json:"seed"`
			Generated int            `json:"generated"`
			Statuses  map[string]int `json:"statuses"`
			Failures  []any          `json:"failures"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("--json wrote no JSON: %v\n%s", err, b)
		}
		if res.Seed != 42 || res.Generated != 150 || res.Failures == nil || len(res.Failures) != 0 {
			t.Errorf("--json = %s", b)
		}
		statuses, _ := json.Marshal(res.Statuses)
		if i == 0 {
			first = statuses
		} else if !bytes.Equal(first, statuses) {
			t.Errorf("the same seed met other answers: %s, then %s", first, statuses)
		}
	}
}
