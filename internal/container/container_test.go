package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// helperEnv selects a helper mode when the test binary re-runs itself as a
// child process (see TestMain): the leftover tests need a process that
// starts a container and then dies or gets a signal.
const helperEnv = "CONTAINER_TEST_HELPER"

// imageEnv hands the shared test image to helper processes.
const imageEnv = "CONTAINER_TEST_IMAGE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	// The Ryuk reaper's image cannot be pulled without a registry, and this
	// package removes its containers itself; respect an explicit setting.
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	code := m.Run()
	shared.remove()
	if sharedCtx.dir != "" {
		os.RemoveAll(sharedCtx.dir)
	}
	os.Exit(code)
}

// requireDocker skips the test when no Docker engine answers, saying how to
// enable one, or fails it when REQUIRE_DOCKER=1 (CI), where a skipped
// container test would hide that the container path was never exercised.
func requireDocker(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := Ping(ctx)
	if err == nil {
		return
	}
	if os.Getenv("REQUIRE_DOCKER") == "1" {
		t.Fatalf("REQUIRE_DOCKER=1 but Docker is not usable: %v", err)
	}
	t.Skipf("skipping container test: %v (bash .ci/docker-up installs and starts Docker on Debian; "+
		"set REQUIRE_DOCKER=1 to make this a failure)", err)
}

// repoRoot is the module root, two levels above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	return root
}

// buildContext returns the mock image's build context (static binaries +
// Dockerfile), written once per test binary by docker/build-image.sh, the
// script `make image` uses. TestMain removes it.
func buildContext(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	sharedCtx.once.Do(func() {
		sharedCtx.dir, sharedCtx.err = os.MkdirTemp("", "members-image-ctx")
		if sharedCtx.err == nil {
			sharedCtx.err = writeBuildContext(root, sharedCtx.dir, "mockserver")
		}
	})
	if sharedCtx.err != nil {
		t.Fatal(sharedCtx.err)
	}
	return sharedCtx.dir
}

var sharedCtx struct {
	once sync.Once
	dir  string
	err  error
}

func writeBuildContext(root, dir, target string) error {
	cmd := exec.Command("bash", filepath.Join(root, "docker", "build-image.sh"), "--context", dir, target)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker/build-image.sh --context %s %s: %w\n%s", dir, target, err, out)
	}
	return nil
}

// shared is the mock's image, built once for the tests that start it by
// name, and removed by TestMain.
var shared sharedImage

type sharedImage struct {
	once sync.Once
	ref  string
	err  error
}

func (s *sharedImage) get(t *testing.T) string {
	t.Helper()
	dir := buildContext(t)
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.TestLogger(t)))
		if err != nil {
			s.err = err
			return
		}
		defer p.Close()
		runID, _ := newRunID()
		s.ref, s.err = p.BuildImage(ctx, &testcontainers.ContainerRequest{
			FromDockerfile: testcontainers.FromDockerfile{
				Context:   dir,
				Repo:      "members-mock-test",
				Tag:       runID,
				KeepImage: true,
			},
		})
	})
	if s.err != nil {
		t.Fatalf("building the mock's image: %v", s.err)
	}
	return s.ref
}

func (s *sharedImage) remove() {
	if s.ref == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	_, _ = cli.ImageRemove(ctx, s.ref, client.ImageRemoveOptions{Force: true, PruneChildren: true})
}

// runContainers lists the containers (running or not) with run label runID.
func runContainers(t *testing.T, runID string) []string {
	t.Helper()
	return listLabelled(t, RunLabel+"="+runID)
}

// ownContainers lists the containers this test process started.
func ownContainers(t *testing.T) []string {
	t.Helper()
	return listLabelled(t, OwnerLabel+"="+ownerHere())
}

func listLabelled(t *testing.T, label string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		t.Fatalf("listing containers labelled %s: %v", label, err)
	}
	var out []string
	for _, c := range res.Items {
		out = append(out, fmt.Sprintf("%s (%s)", shortID(c.ID), c.State))
	}
	return out
}

func containerRunning(t *testing.T, id string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return false
	}
	return res.Container.State != nil && res.Container.State.Running
}

// helperMain is the child-process side of the leftover tests. It reports on
// stdout with lines "RUN <runID> <containerID>" and exits with a code the
// parent checks.
func helperMain(mode string) int {
	ctx := context.Background()
	opts := Options{Image: os.Getenv(imageEnv)}
	switch mode {
	case "start-and-hang":
		// Start, then never Terminate: the parent kills this process with
		// SIGKILL, as a crashed or OOM-killed run would die.
		t, err := Start(ctx, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("RUN %s %s\n", t.RunID, t.ContainerID)
		select {}
	case "run-until-signal":
		// The conformance command's path: Run, with the suite still going
		// when the signal arrives.
		err := Run(ctx, opts, func(ctx context.Context, t *Target) error {
			fmt.Printf("RUN %s %s\n", t.RunID, t.ContainerID)
			<-ctx.Done()
			time.Sleep(500 * time.Millisecond) // a suite that is slow to notice
			return ctx.Err()
		})
		fmt.Fprintln(os.Stderr, "run:", err)
		if errors.Is(err, ErrInterrupted) {
			return 130
		}
		return 1
	case "ping":
		err := Ping(ctx)
		fmt.Println(err)
		if errors.Is(err, ErrNoDocker) {
			return 3
		}
		return 1
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// helper is a running child process in a helper mode.
type helper struct {
	cmd    *exec.Cmd
	lines  *bufio.Scanner
	stderr *strings.Builder
}

func startHelper(t *testing.T, mode string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode}, env...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, lines: bufio.NewScanner(stdout), stderr: &strings.Builder{}}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return h
}

// awaitRun reads the helper's "RUN <runID> <containerID>" line.
func (h *helper) awaitRun(t *testing.T) (runID, containerID string) {
	t.Helper()
	got := make(chan []string, 1)
	go func() {
		for h.lines.Scan() {
			if f := strings.Fields(h.lines.Text()); len(f) == 3 && f[0] == "RUN" {
				got <- f[1:]
				return
			}
		}
		got <- nil
	}()
	select {
	case f := <-got:
		if f == nil {
			_ = h.cmd.Wait()
			t.Fatalf("helper ended without starting a container; stderr:\n%s", h.stderr)
		}
		return f[0], f[1]
	case <-time.After(2 * time.Minute):
		t.Fatalf("helper did not start a container within 2m; stderr:\n%s", h.stderr)
	}
	return "", ""
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name    string
		in      Options
		want    Options
		wantErr string
	}{
		{name: "image", in: Options{Image: "x"}, want: Options{Image: "x", Port: "8080/tcp", WaitPath: "/healthz", StartupTimeout: 30 * time.Second}},
		{name: "build context", in: Options{BuildContext: "d"}, want: Options{BuildContext: "d", Dockerfile: "Dockerfile", Port: "8080/tcp", WaitPath: "/healthz", StartupTimeout: 30 * time.Second}},
		{name: "bare port and path", in: Options{Image: "x", Port: "9000", WaitPath: "ready", StartupTimeout: time.Second}, want: Options{Image: "x", Port: "9000/tcp", WaitPath: "/ready", StartupTimeout: time.Second}},
		{name: "neither", in: Options{}, wantErr: "set Image or BuildContext"},
		{name: "both", in: Options{Image: "x", BuildContext: "d"}, wantErr: "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Logger = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseOwner(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		pid     int
		wantsOK bool
	}{
		{"ci-runner/4242", "ci-runner", 4242, true},
		{"a/b/7", "a/b", 7, true},
		{"host/0", "", 0, false},
		{"host/x", "", 0, false},
		{"nopid", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		host, pid, ok := parseOwner(tt.in)
		if ok != tt.wantsOK || (ok && (host != tt.host || pid != tt.pid)) {
			t.Errorf("parseOwner(%q) = %q, %d, %v; want %q, %d, %v", tt.in, host, pid, ok, tt.host, tt.pid, tt.wantsOK)
		}
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is reported dead")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if processAlive(cmd.Process.Pid) {
		t.Skip("the pid of a reaped child is alive again (reused); cannot check")
	}
}

// TestNoDocker checks the error when no engine answers: ErrNoDocker, with a
// message saying how to enable Docker. testcontainers-go falls back to the
// default socket when DOCKER_HOST does not answer, so the only faithful
// "no Docker" is a process that cannot see any socket: a child in its own
// mount namespace with an empty /run and HOME (root and unshare needed).
func TestNoDocker(t *testing.T) {
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and unshare(1) to hide the Docker socket from a child process")
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs tmpfs /run && exec "$0" -test.run='^$'`, os.Args[0])
	// Not t.TempDir: the helper's Go runtime may leave a process behind that
	// still writes under $HOME/.config/go when the test ends, which made
	// TempDir's cleanup fail the test. Removal is best effort.
	home, err := os.MkdirTemp("", "nodocker-home-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	cmd.Env = append(os.Environ(), helperEnv+"=ping", "HOME="+home, "XDG_RUNTIME_DIR=", "DOCKER_HOST=")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() != 3 && strings.Contains(string(exit.Stderr), "unshare") {
		t.Skipf("cannot make a mount namespace here: %s", exit.Stderr)
	}
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("helper exit = %v, want status 3 (ErrNoDocker); stdout %q", err, out)
	}
	t.Logf("error without Docker: %s", out)
	for _, want := range []string{"DOCKER_HOST", "dockerd", "TESTCONTAINERS_RYUK_DISABLED=true", "TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error does not mention %s", want)
		}
	}
}
