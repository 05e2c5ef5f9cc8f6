package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The shutdown tests build the real binary, with -tags testhooks for its
// /__test/slow endpoint, run it, and send it SIGTERM while a request is in
// flight.

var buildOnce struct {
	sync.Once
	path string
	err  error
	out  []byte
}

// mockBinary builds the mock once per test run.
func mockBinary(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM is not sent on Windows")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mockserver-shutdown-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "mockserver")
		cmd := exec.Command("go", "build", "-tags", "testhooks", "-o", buildOnce.path, ".")
		buildOnce.out, buildOnce.err = cmd.CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("building the mock: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildOnce.path != "" {
		os.RemoveAll(filepath.Dir(buildOnce.path))
	}
	os.Exit(code)
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running is a started mock process.
type running struct {
	cmd    *exec.Cmd
	url    string
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, once done is closed
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startMock(t *testing.T, args ...string) *running {
	t.Helper()
	r := &running{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	r.cmd = exec.Command(mockBinary(t), append([]string{"--addr", "127.0.0.1:0", "--log", "off"}, args...)...)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(r.stdout.String()); m != nil {
			r.url = m[1]
			return r
		}
		select {
		case <-r.done:
			t.Fatalf("the mock exited before listening: %v\n%s", r.err, r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the mock did not start listening:\n%s\n%s", r.stdout.String(), r.stderr.String())
	return nil
}

// wait waits up to limit for the process to exit and returns its exit code.
func (r *running) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(limit):
		t.Fatalf("the mock has not exited %s after SIGTERM\nstdout:\n%s\nstderr:\n%s", limit, r.stdout.String(), r.stderr.String())
	}
	var exit *exec.ExitError
	if errors.As(r.err, &exit) {
		return exit.ExitCode()
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return 0
}

// startSlow sends a request that takes d and returns once the mock has
// begun answering it: it is in flight.
func startSlow(t *testing.T, client *http.Client, base string, d time.Duration) (*http.Response, *bufio.Reader) {
	t.Helper()
	resp, err := client.Get(base + "/__test/slow?ms=" + strconv.FormatInt(d.Milliseconds(), 10))
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "started\n" {
		t.Fatalf("slow request: %q, %v", line, err)
	}
	return resp, br
}

func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	r := startMock(t)
	client := &http.Client{Timeout: 15 * time.Second}

	// An idle keep-alive connection must not hold the shutdown up.
	resp, err := client.Get(r.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	slow, body := startSlow(t, &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{}}, r.url, 1500*time.Millisecond)
	defer slow.Body.Close()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// New connections are refused while the slow request is still running.
	addr := strings.TrimPrefix(r.url, "http://")
	// Event order, not a clock: the refusal must come while the 1.5 s
	// request is still in flight (its body is read only afterwards).
	refused := false
	for range 40 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Errorf("the mock still accepts new connections after SIGTERM, with a request in flight")
	}

	rest, err := io.ReadAll(body)
	if err != nil || string(rest) != "slept 1500ms\n" {
		t.Fatalf("the in-flight request was not answered in full: %q, %v", rest, err)
	}
	if code := r.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit code %d, want 0\n%s", code, r.stderr.String())
	}
	if !strings.Contains(r.stdout.String(), "mockserver: stopped") {
		t.Errorf("stdout does not say it stopped:\n%s", r.stdout.String())
	}
}

func TestShutdownIsBounded(t *testing.T) {
	r := startMock(t, "--shutdown-timeout", "300ms")
	slow, body := startSlow(t, &http.Client{Timeout: 30 * time.Second}, r.url, 20*time.Second)
	defer slow.Body.Close()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The 20 s request is cut off: the mock exits long before it could end
	// (wait fails the test after 5 s).
	code := r.wait(t, 5*time.Second)
	if code == 0 {
		t.Errorf("exit code 0 after cutting a request off; want non-zero")
	}
	if !strings.Contains(r.stderr.String(), "cut off") {
		t.Errorf("stderr does not say requests were cut off:\n%s", r.stderr.String())
	}
	if rest, err := io.ReadAll(body); err == nil && strings.Contains(string(rest), "slept") {
		t.Errorf("the 20s request was answered in full: %q", rest)
	}
}
