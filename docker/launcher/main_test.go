//go:build linux

package main

import (
	"compress/gzip"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestAddr(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", ":8080"},
		{nil, ":9000", ":9000"},
		{[]string{"--addr", "127.0.0.1:7000"}, ":9000", "127.0.0.1:7000"},
		{[]string{"-addr=:7001", "--healthcheck"}, "", ":7001"},
		{[]string{"--healthcheck"}, ":7002", ":7002"},
	}
	for _, tt := range tests {
		if got := addr(tt.args, tt.env); got != tt.want {
			t.Errorf("addr(%q, %q) = %q, want %q", tt.args, tt.env, got, tt.want)
		}
	}
}

func TestHasFlag(t *testing.T) {
	for args, want := range map[string]bool{
		"--healthcheck":       true,
		"-healthcheck":        true,
		"--healthcheck=true":  true,
		"--healthcheck=false": false,
		"--seed 7":            false,
		"":                    false,
	} {
		if got := hasFlag(strings.Fields(args), "healthcheck"); got != want {
			t.Errorf("hasFlag(%q) = %v, want %v", args, got, want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	if err := healthcheck(":" + port); err != nil {
		t.Errorf("healthy server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := healthcheck(":" + port); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("unhealthy server: err = %v, want one naming 503", err)
	}
	srv.Close()
	if err := healthcheck(":" + port); err == nil {
		t.Error("no server: err = nil")
	}
}

// TestLaunch builds the launcher, gives it a gzipped program (the test
// binary itself, in helper mode) and checks that the program runs with the
// launcher's arguments and environment.
func TestLaunch(t *testing.T) {
	if os.Getenv("LAUNCHER_TEST_CHILD") == "1" {
		return // running as the launched program: TestMain-less helper
	}
	dir := t.TempDir()
	launcher := filepath.Join(dir, "prog")
	if out, err := exec.Command("go", "build", "-o", launcher, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the launcher: %v\n%s", err, out)
	}
	payload, err := os.Create(launcher + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(payload)
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(self); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	payload.Close()

	cmd := exec.Command(launcher, "-test.run=^TestLaunch$", "-test.v")
	cmd.Env = append(os.Environ(), "LAUNCHER_TEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("launched program failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestLaunch") {
		t.Errorf("the launched program did not run with the launcher's arguments:\n%s", out)
	}
}
