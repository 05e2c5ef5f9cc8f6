package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

func startMock(t *testing.T) string {
	t.Helper()
	v, err := spec.NewValidator()
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
