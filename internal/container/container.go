package container

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Defaults applied by Start to zero Options fields.
const (
	DefaultPort           = "8080/tcp"
	DefaultWaitPath       = "/healthz"
	DefaultStartupTimeout = 30 * time.Second
	DefaultDockerfile     = "Dockerfile"
)

// How long removal may take once a run is over; it gets a fresh context so
// that a cancelled run (Ctrl-C, a test deadline) still cleans up.
const cleanupTimeout = 30 * time.Second

// stopTimeout is the grace period between SIGTERM and SIGKILL on Terminate.
// The mock shuts down in milliseconds; a slow implementation is killed.
const stopTimeout = 5 * time.Second

// ErrNoDocker is wrapped by the error Start returns when no Docker engine
// answers. Its message says how to enable one.
var ErrNoDocker = errors.New("no Docker engine is reachable: start one (Linux: `sudo dockerd &` or " +
	"`bash .ci/docker-up`; elsewhere: Docker Desktop, Colima or Podman) or point DOCKER_HOST at one; " +
	"where no registry is reachable (as in this project's sandbox and CI) also set " +
	"TESTCONTAINERS_RYUK_DISABLED=true, and TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 when mapped ports " +
	"are only reachable on loopback")

// Logger receives testcontainers-go's progress messages (creating, starting,
// waiting). *log.Logger satisfies it.
type Logger interface {
	Printf(format string, v ...any)
}

// Options say what to start and how to tell that it is ready. Exactly one of
// Image and BuildContext must be set.
type Options struct {
	// Image is a local (or pullable) image reference, e.g. "members-mock:dev".
	Image string
	// BuildContext is a directory to build the image from instead, with
	// Dockerfile (relative to it, default "Dockerfile"). The built image is
	// removed again by Terminate.
	BuildContext string
	Dockerfile   string

	// Env is passed to the container (for the mock: MOCK_SEED, MOCK_AUTH, ...).
	Env map[string]string
	// Port is the container port the API listens on (default "8080/tcp");
	// it is published on a random host port.
	Port string
	// WaitPath is polled on Port until it answers 200 (default "/healthz").
	WaitPath string
	// StartupTimeout bounds the wait for WaitPath (default 30s).
	StartupTimeout time.Duration

	// Logger receives testcontainers-go's progress messages; nil discards them.
	Logger Logger
}

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Image == "" && o.BuildContext == "":
		return o, errors.New("container options: set Image or BuildContext")
	case o.Image != "" && o.BuildContext != "":
		return o, errors.New("container options: set Image or BuildContext, not both")
	}
	if o.Port == "" {
		o.Port = DefaultPort
	}
	if !strings.Contains(o.Port, "/") {
		o.Port += "/tcp"
	}
	if o.WaitPath == "" {
		o.WaitPath = DefaultWaitPath
	}
	if !strings.HasPrefix(o.WaitPath, "/") {
		o.WaitPath = "/" + o.WaitPath
	}
	if o.StartupTimeout <= 0 {
		o.StartupTimeout = DefaultStartupTimeout
	}
	if o.BuildContext != "" && o.Dockerfile == "" {
		o.Dockerfile = DefaultDockerfile
	}
	if o.Logger == nil {
		o.Logger = tclog.NewNoopLogger()
	}
	return o, nil
}

// what names the thing being started, for error messages.
func (o Options) what() string {
	if o.Image != "" {
		return "image " + o.Image
	}
	return fmt.Sprintf("image built from %s (%s)", o.BuildContext, o.Dockerfile)
}

// Target is a started container. Its methods are safe for concurrent use.
type Target struct {
	// BaseURL is where the API answers, e.g. "http://127.0.0.1:32768".
	BaseURL string
	// ContainerID is Docker's id of the container.
	ContainerID string
	// RunID is the value of the RunLabel on the container (and on the image,
	// when it was built).
	RunID string

	ctr testcontainers.Container

	mu         sync.Mutex
	terminated bool
}

// Start starts a container from opts, waits until WaitPath answers 200 on
// the mapped port, and returns its Target. The caller must call Terminate
// (defer it right away). On any error the container and any image built for
// it are already removed, and the error carries the tail of the container's
// log when there was one.
//
// Before starting, Start removes containers that earlier runs on this host
// left behind when their process died (see RemoveStale); failures of that
// best-effort sweep are ignored.
func Start(ctx context.Context, opts Options) (*Target, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := Ping(ctx); err != nil {
		return nil, err
	}
	_, _ = RemoveStale(ctx)

	runID, err := newRunID()
	if err != nil {
		return nil, err
	}
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        opts.Image,
			Env:          opts.Env,
			ExposedPorts: []string{opts.Port},
			Labels:       runLabels(runID),
			WaitingFor: wait.ForHTTP(opts.WaitPath).
				WithPort(opts.Port).
				WithStartupTimeout(opts.StartupTimeout).
				WithPollInterval(100 * time.Millisecond),
		},
		Started: true,
		Logger:  opts.Logger,
	}
	if opts.BuildContext != "" {
		req.FromDockerfile = testcontainers.FromDockerfile{
			Context:    opts.BuildContext,
			Dockerfile: opts.Dockerfile,
			Repo:       "members-conformance-build",
			Tag:        runID,
		}
	}

	ctr, err := testcontainers.GenericContainer(ctx, req)
	t := &Target{RunID: runID, ctr: ctr}
	if ctr != nil {
		t.ContainerID = ctr.GetContainerID()
	}
	if err != nil {
		// GenericContainer may return a created container with the error, and
		// a cancelled ctx may leave one it never heard of: remove by label.
		detail := t.logTail(ctx, 40)
		switch {
		case detail != "":
		case strings.Contains(err.Error(), "reaper"):
			detail = "\n(testcontainers' Ryuk reaper could not start, usually because its image cannot be pulled: " +
				"set TESTCONTAINERS_RYUK_DISABLED=true; this package removes its containers itself)"
		case opts.Image != "" && !imagePresent(ctx, opts.Image):
			detail = fmt.Sprintf("\n(%s is not on this Docker engine and could not be pulled: build it first, e.g. `make image IMAGE=%s`)", opts.Image, opts.Image)
		}
		return nil, errors.Join(
			fmt.Errorf("starting %s: %w%s", opts.what(), err, detail),
			t.Terminate(ctx),
		)
	}

	t.BaseURL, err = ctr.PortEndpoint(ctx, opts.Port, "http")
	if err != nil {
		return nil, errors.Join(
			fmt.Errorf("finding the host port mapped to %s of %s: %w", opts.Port, opts.what(), err),
			t.Terminate(ctx),
		)
	}
	return t, nil
}

// Logs returns everything the container wrote to stdout and stderr so far.
func (t *Target) Logs(ctx context.Context) (string, error) {
	t.mu.Lock()
	gone := t.terminated
	t.mu.Unlock()
	if gone || t.ctr == nil {
		return "", errors.New("reading container logs: the container was already removed")
	}
	rc, err := t.ctr.Logs(ctx)
	if err != nil {
		return "", fmt.Errorf("reading logs of container %s: %w", shortID(t.ContainerID), err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil && !errors.Is(err, io.EOF) {
		return string(b), fmt.Errorf("reading logs of container %s: %w", shortID(t.ContainerID), err)
	}
	return string(b), nil
}

// logTail is the last n lines of the log, formatted to end an error message,
// or "" when there is no log to show.
func (t *Target) logTail(ctx context.Context, n int) string {
	if t.ctr == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	logs, err := t.Logs(ctx)
	logs = strings.TrimRight(logs, "\n")
	if err != nil || logs == "" {
		return ""
	}
	lines := strings.Split(logs, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("\ncontainer log (last %d lines):\n  %s", len(lines), strings.Join(lines, "\n  "))
}

// Terminate stops and removes the container, and the image when Start built
// it. It removes by run label as well, so nothing of the run survives even
// when stopping fails. It works when ctx is already cancelled (it uses a
// fresh deadline), and calling it again after it succeeded does nothing.
func (t *Target) Terminate(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.terminated {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()

	// testcontainers' Terminate stops gracefully first and removes the built
	// image; its error is not final because removal by label follows.
	var tcErr error
	if t.ctr != nil {
		tcErr = testcontainers.TerminateContainer(t.ctr,
			testcontainers.StopContext(ctx), testcontainers.StopTimeout(stopTimeout))
	}
	if _, err := Cleanup(ctx, t.RunID); err != nil {
		if tcErr != nil {
			err = errors.Join(tcErr, err)
		}
		return fmt.Errorf("removing container %s of run %s: %w", shortID(t.ContainerID), t.RunID, err)
	}
	t.terminated = true
	return nil
}

// imagePresent reports whether ref is on the engine; errors count as yes
// (they say nothing about the image).
func imagePresent(ctx context.Context, ref string) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return true
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, ref)
	return !errdefs.IsNotFound(err)
}

// Ping reports whether a Docker engine answers, through the same host
// resolution testcontainers-go uses (DOCKER_HOST, ~/.testcontainers.properties,
// the default and rootless sockets). Its error wraps ErrNoDocker.
func Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		if cerr := context.Cause(ctx); cerr != nil && !errors.Is(cerr, context.DeadlineExceeded) {
			return fmt.Errorf("pinging Docker at %s: %w", cli.DaemonHost(), cerr)
		}
		return fmt.Errorf("%w (pinging %s: %v)", ErrNoDocker, cli.DaemonHost(), err)
	}
	return nil
}

// newClient returns a Docker client for the engine testcontainers-go uses.
func newClient(ctx context.Context) (cli *testcontainers.DockerClient, err error) {
	// testcontainers-go panics in some discovery paths when no socket exists.
	defer func() {
		if r := recover(); r != nil {
			cli, err = nil, fmt.Errorf("%w (%v)", ErrNoDocker, r)
		}
	}()
	cli, err = testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoDocker, err)
	}
	return cli, nil
}

func newRunID() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a run id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	if id == "" {
		return "(not created)"
	}
	return id
}
