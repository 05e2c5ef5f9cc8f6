package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Labels put on every container (and every image built) by Start.
const (
	// RunLabel holds the run id, unique per Start. Its presence marks a
	// resource as this package's.
	RunLabel = "org.membersmock.run"
	// OwnerLabel holds "<hostname>/<pid>" of the process that called Start.
	OwnerLabel = "org.membersmock.owner"
)

// StaleAfter is the age past which RemoveStale removes a labelled container
// even when it cannot tell whether its owner is alive (another host sharing
// the engine). No conformance run takes this long.
const StaleAfter = 6 * time.Hour

func runLabels(runID string) map[string]string {
	return map[string]string{RunLabel: runID, OwnerLabel: ownerHere()}
}

func ownerHere() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

// Cleanup force-removes every container, running or not, and every image
// labelled with run id runID. It returns the ids of what it removed.
func Cleanup(ctx context.Context, runID string) ([]string, error) {
	if runID == "" {
		return nil, errors.New("cleanup: empty run id")
	}
	return removeWhere(ctx, RunLabel+"="+runID, func(map[string]string, time.Time) bool { return true })
}

// RemoveStale force-removes containers and images left by runs whose
// process is gone: those labelled by a process of this host that no longer
// exists (killed with SIGKILL, crashed, or interrupted twice), and any
// labelled resource older than StaleAfter. Resources of live runs, here or
// on another host sharing the engine, are left alone. It returns the ids of
// what it removed.
func RemoveStale(ctx context.Context) ([]string, error) {
	host, _ := os.Hostname()
	now := time.Now()
	return removeWhere(ctx, RunLabel, func(labels map[string]string, created time.Time) bool {
		if !created.IsZero() && now.Sub(created) > StaleAfter {
			return true
		}
		ownerHost, pid, ok := parseOwner(labels[OwnerLabel])
		if !ok || ownerHost != host {
			return false
		}
		return !processAlive(pid)
	})
}

func parseOwner(v string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(v[i+1:])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return v[:i], pid, true
}

// removeWhere removes containers, then images, that match the label filter
// and for which remove says yes. Containers go first: an image in use by a
// container cannot be removed.
func removeWhere(ctx context.Context, labelFilter string, remove func(labels map[string]string, created time.Time) bool) ([]string, error) {
	cli, err := newClient(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()

	var removed []string
	var errs []error
	ctrs, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", labelFilter),
	})
	if err != nil {
		return nil, fmt.Errorf("listing containers labelled %s: %w", labelFilter, err)
	}
	for _, c := range ctrs.Items {
		if !remove(c.Labels, time.Unix(c.Created, 0)) {
			continue
		}
		_, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		switch {
		case err == nil:
			removed = append(removed, c.ID)
		case errdefs.IsNotFound(err), errdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress"):
			// Someone else (Terminate racing a signal) got there first.
		default:
			errs = append(errs, fmt.Errorf("removing container %s: %w", shortID(c.ID), err))
		}
	}

	imgs, err := cli.ImageList(ctx, client.ImageListOptions{
		Filters: make(client.Filters).Add("label", labelFilter),
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("listing images labelled %s: %w", labelFilter, err))
		return removed, errors.Join(errs...)
	}
	for _, img := range imgs.Items {
		if !remove(img.Labels, time.Unix(img.Created, 0)) {
			continue
		}
		_, err := cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		switch {
		case err == nil:
			removed = append(removed, img.ID)
		case errdefs.IsNotFound(err):
		default:
			errs = append(errs, fmt.Errorf("removing image %s: %w", shortID(img.ID), err))
		}
	}
	return removed, errors.Join(errs...)
}
