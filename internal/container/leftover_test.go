package container

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests hold issue 4's promise that a container left over by a failed
// run is never left running: whatever way a run fails, nothing with its run
// label survives (running or stopped).

// TestFailedStartLeavesNothing: Start fails after the container exists
// (it never becomes ready, the caller gives up, it crashes on start).
func TestFailedStartLeavesNothing(t *testing.T) {
	requireDocker(t)
	ref := shared.get(t)
	tests := []struct {
		name    string
		opts    Options
		cancel  time.Duration // cancel the caller's context after this long
		wantErr []string
	}{
		{
			name:    "never ready",
			opts:    Options{Image: ref, WaitPath: "/never-200", StartupTimeout: 2 * time.Second},
			wantErr: []string{"deadline exceeded", "container log"},
		},
		{
			name:    "caller cancels while waiting",
			opts:    Options{Image: ref, WaitPath: "/never-200"},
			cancel:  2 * time.Second,
			wantErr: []string{"context canceled"},
		},
		{
			name:    "image not built",
			opts:    Options{Image: "members-mock:never-built"},
			wantErr: []string{"make image"},
		},
		{
			name:    "exits at once",
			opts:    Options{Image: ref, Env: map[string]string{"MOCK_SEED": "0"}},
			wantErr: []string{"exited with code 1", "--seed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if tt.cancel > 0 {
				time.AfterFunc(tt.cancel, cancel)
			}
			tgt, err := Start(ctx, tt.opts)
			if err == nil {
				tgt.Terminate(ctx)
				t.Fatal("Start succeeded, want an error")
			}
			t.Logf("Start: %v", err)
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q", want)
				}
			}
			if left := ownContainers(t); len(left) > 0 {
				t.Errorf("containers left by the failed Start: %v", left)
			}
		})
	}
}

// TestTerminateIsIdempotent: a second Terminate (a defer after an explicit
// call) is harmless, and works with a cancelled context.
func TestTerminateIsIdempotent(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tgt, err := Start(ctx, Options{Image: shared.get(t)})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	if err := tgt.Terminate(cancelled); err != nil {
		t.Fatalf("Terminate with a cancelled context: %v", err)
	}
	if err := tgt.Terminate(ctx); err != nil {
		t.Fatalf("second Terminate: %v", err)
	}
	if left := runContainers(t, tgt.RunID); len(left) > 0 {
		t.Errorf("containers left after Terminate: %v", left)
	}
	if _, err := tgt.Logs(ctx); err == nil {
		t.Error("Logs after Terminate succeeded, want an error")
	}
}

// TestKilledRunIsCleanedUp: a process that started a container is killed
// with SIGKILL before it could Terminate (no defer, no signal handler runs).
// The container outlives it; the next Start removes it, and so does an
// explicit RemoveStale.
func TestKilledRunIsCleanedUp(t *testing.T) {
	requireDocker(t)
	ref := shared.get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	orphan := func() (runID, id string) {
		h := startHelper(t, "start-and-hang", imageEnv+"="+ref)
		runID, id = h.awaitRun(t)
		if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = h.cmd.Wait()
		if !containerRunning(t, id) {
			t.Fatalf("container %s of the killed run is not running; the test cannot show its cleanup", shortID(id))
		}
		t.Logf("run %s killed with SIGKILL; its container %s is still running", runID, shortID(id))
		return runID, id
	}

	t.Run("next Start removes it", func(t *testing.T) {
		runID, _ := orphan()
		tgt, err := Start(ctx, Options{Image: ref})
		if err != nil {
			t.Fatal(err)
		}
		defer tgt.Terminate(ctx)
		if left := runContainers(t, runID); len(left) > 0 {
			t.Errorf("killed run's containers still there after the next Start: %v", left)
		}
		if left := runContainers(t, tgt.RunID); len(left) != 1 {
			t.Errorf("the new run has containers %v, want its own one (RemoveStale must spare live runs)", left)
		}
	})

	t.Run("RemoveStale removes it", func(t *testing.T) {
		// A live run of this process must survive the sweep. (Started
		// first: Start itself sweeps.)
		live, err := Start(ctx, Options{Image: ref})
		if err != nil {
			t.Fatal(err)
		}
		defer live.Terminate(ctx)
		runID, id := orphan()

		removed, err := RemoveStale(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(removed, id) {
			t.Errorf("RemoveStale removed %v, want it to include %s", removed, shortID(id))
		}
		if left := runContainers(t, runID); len(left) > 0 {
			t.Errorf("killed run's containers still there after RemoveStale: %v", left)
		}
		if !containerRunning(t, live.ContainerID) {
			t.Error("RemoveStale removed the container of a live run")
		}
	})
}

// TestRunRemovesContainerOnSignal: the conformance command's path. A run
// interrupted by SIGINT or SIGTERM while the suite is going removes its
// container before the process exits, and reports the interruption.
func TestRunRemovesContainerOnSignal(t *testing.T) {
	requireDocker(t)
	ref := shared.get(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			h := startHelper(t, "run-until-signal", imageEnv+"="+ref)
			runID, id := h.awaitRun(t)
			if !containerRunning(t, id) {
				t.Fatalf("container %s not running before the signal", shortID(id))
			}
			if err := h.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := h.cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 130 {
				t.Errorf("helper exit = %v, want status 130 (ErrInterrupted); stderr:\n%s", err, h.stderr)
			}
			if left := runContainers(t, runID); len(left) > 0 {
				t.Errorf("containers left after %v: %v", sig, left)
			}
		})
	}
}
