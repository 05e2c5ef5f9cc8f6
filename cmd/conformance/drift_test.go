package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/internal/reference"
	"github.com/membersmock/membersmock/spec"
)

// TestDriftCommand runs conformance drift as a user does: its exit status,
// what it prints and the files it writes.
func TestDriftCommand(t *testing.T) {
	mock := startMock(t)
	speaking := spec.Dialect{FirstPage: 1, PerPageAboveMax: "clamp", PastLastPage: "notFound", ClientName: "optional", EmptyFilter: "ignore"}
	other := startMockSpeaking(t, speaking)
	notMock := httptest.NewServer(nil) // answers 404 to /__mock/catalog
	t.Cleanup(notMock.Close)
	dir := t.TempDir()
	ref := httptest.NewServer(reference.New(reference.Config{ClientNameOptional: true}))
	t.Cleanup(ref.Close)
	refProfile := filepath.Join(dir, "reference.yaml")
	var prof bytes.Buffer
	if err := reference.Profile().WriteYAML(&prof); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(refProfile, prof.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"no URLs", []string{"drift"}, 2, "--mock URL and --target URL"},
		{"stray argument", []string{"drift", "--mock", mock, "--target", mock, "extra"}, 2, "unexpected arguments"},
		{"a target without catalog or profile", []string{"drift", "--mock", mock, "--target", notMock.URL}, 2, "profile"},
		{"the mock against itself", []string{"drift", "--mock", mock, "--target", mock}, 0, "No behavioural difference"},
		{"a deployment without catalog, named by its profile", []string{"drift", "--mock", mock, "--target", ref.URL,
			"--target-profile", refProfile}, 1, "clientName: optional"},
		{"a mock in another dialect", []string{"drift", "--mock", mock, "--target", other,
			"--json", filepath.Join(dir, "drift.json"), "--html", filepath.Join(dir, "drift.html"), "--write-dialect", filepath.Join(dir, "dialect.yaml")}, 1, "every one explained by the dialect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, &out, &errOut)
			all := out.String() + errOut.String()
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, all)
			}
			if !strings.Contains(all, tt.out) {
				t.Errorf("output does not say %q:\n%s", tt.out, all)
			}
		})
	}

	t.Run("URLs from the environment", func(t *testing.T) {
		t.Setenv("CONFORMANCE_DRIFT_MOCK", mock)
		t.Setenv("CONFORMANCE_DRIFT_TARGET", mock)
		var out, errOut bytes.Buffer
		if code := run([]string{"drift"}, &out, &errOut); code != 0 {
			t.Errorf("exit %d, want 0\n%s%s", code, out.String(), errOut.String())
		}
	})

	got, err := spec.LoadDialect(filepath.Join(dir, "dialect.yaml"))
	if err != nil {
		t.Fatalf("reading the written dialect: %v", err)
	}
	if !got.Same(speaking) {
		t.Errorf("the written dialect is %s, want %s", got, speaking)
	}
	data, err := os.ReadFile(filepath.Join(dir, "drift.json"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "drift.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "getMemberTransactions", "firstPage: 1", "perPageAboveMax: clamp"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the HTML report does not say %q", want)
		}
	}
	for _, outside := range []string{"<script", "<link", "src="} {
		if strings.Contains(string(page), outside) {
			t.Errorf("the HTML report is not self-contained: it has %q", outside)
		}
	}
	var rep struct {
		Differences []struct {
			OperationID, Kind, Message string
			Mock, Target               struct{ Request string }
			Dialect                    *struct{ Key, Value string }
		}
		Explained bool
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the JSON report: %v\n%s", err, data)
	}
	if len(rep.Differences) == 0 || !rep.Explained {
		t.Fatalf("the JSON report has %d differences, explained %v", len(rep.Differences), rep.Explained)
	}
	for _, d := range rep.Differences {
		if d.OperationID == "" || d.Kind == "" || d.Message == "" || d.Mock.Request == "" || d.Target.Request == "" || d.Dialect == nil {
			t.Errorf("incomplete difference in the JSON report: %+v", d)
		}
	}
}
