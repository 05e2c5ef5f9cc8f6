package container

import (
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// TestImageFromDockerfile builds the project's image from docker/ through
// testcontainers (FromDockerfile on the context docker/build-image.sh
// writes) and talks to the mock over the mapped port.
func TestImageFromDockerfile(t *testing.T) {
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	tgt, err := Start(ctx, Options{
		BuildContext: buildContext(t),
		Env:          map[string]string{"MOCK_SEED": "7", "MOCK_PROGRAMS": "2"},
		Logger:       tclog.TestLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := tgt.Terminate(ctx); err != nil {
			t.Error(err)
		}
		if left := runContainers(t, tgt.RunID); len(left) > 0 {
			t.Errorf("containers of run %s left after Terminate: %v", tgt.RunID, left)
		}
	}()
	t.Logf("mock at %s (container %s)", tgt.BaseURL, shortID(tgt.ContainerID))

	if status, body := get(t, tgt.BaseURL+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz = %d %s, want 200", status, body)
	}

	status, body := get(t, tgt.BaseURL+"/__mock/catalog")
	if status != http.StatusOK {
		t.Fatalf("GET /__mock/catalog = %d %s, want 200", status, body)
	}
	var cat struct {
		Seed     int64  `json:"seed"`
		Now      string `json:"now"`
		Programs []struct {
			ID       int64            `json:"id"`
			Members  int64            `json:"members"`
			Personas map[string]int64 `json:"personas"`
		} `json:"programs"`
	}
	if err := json.Unmarshal(body, &cat); err != nil {
		t.Fatalf("catalog is not the documented JSON: %v\n%s", err, body)
	}
	// MOCK_* environment variables reach the binary.
	if cat.Seed != 7 || len(cat.Programs) != 2 {
		t.Errorf("catalog seed %d with %d programs, want seed 7 (MOCK_SEED) and 2 programs (MOCK_PROGRAMS)", cat.Seed, len(cat.Programs))
	}
	for _, p := range cat.Programs {
		for _, persona := range []string{"newcomer", "regular", "frequent", "suspended", "lapsed"} {
			if p.Personas[persona] < 1 {
				t.Errorf("program %d: persona %s has no member id", p.ID, persona)
			}
		}
	}

	inspect, err := tgt.ctr.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u := inspect.Config.User; u != "65532:65532" {
		t.Errorf("container runs as user %q, want the non-root 65532:65532", u)
	}
	if logs, err := tgt.Logs(ctx); err != nil || len(logs) == 0 {
		t.Errorf("Logs = %q, %v; want the mock's banner", logs, err)
	}
}

// The image's budget (issue 14): what a registry stores and a pull
// transfers is the gzipped layers, and a user waits for "healthy".
const (
	maxGzippedImageBytes = 15 << 20
	maxTimeToHealthy     = 2 * time.Second
)

// TestImageBudget checks the image as a user and a scanner see it: its
// layers gzipped (what `docker save | gzip` gives) fit 15 MiB, the
// container is healthy within 2 s of its start by the daemon's own clock
// (the first HEALTHCHECK runs after its 1 s interval; the mock is ready in
// about 0.1 s), and /mockserver is the mock itself, whose module list
// `go version -m` (debug/buildinfo) reads.
func TestImageBudget(t *testing.T) {
	requireDocker(t)
	ref := shared.get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if img.Config == nil || img.Config.Healthcheck == nil || len(img.Config.Healthcheck.Test) == 0 {
		t.Fatal("image has no HEALTHCHECK")
	}
	if test := img.Config.Healthcheck.Test; test[0] != "CMD" {
		t.Errorf("HEALTHCHECK %q runs through a shell; scratch has none", test)
	}
	if ep := img.Config.Entrypoint; len(ep) != 1 || ep[0] != "/mockserver" {
		t.Errorf("ENTRYPOINT %q, want [/mockserver]", ep)
	}
	if u := img.Config.User; u == "" || u == "0" || strings.HasPrefix(u, "0:") || u == "root" {
		t.Errorf("image runs as user %q, want non-root", u)
	}

	gz := gzippedSize(ctx, t, cli, ref)
	t.Logf("image %s: %d bytes unpacked, %d bytes (%.1f MiB) gzipped; budget %d MiB", ref, img.Size, gz, float64(gz)/(1<<20), maxGzippedImageBytes>>20)
	if gz > maxGzippedImageBytes {
		t.Errorf("image gzips to %d bytes, want at most %d (15 MiB)", gz, maxGzippedImageBytes)
	}

	tgt, err := Start(ctx, Options{Image: ref})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Terminate(ctx)

	healthy := timeToHealthy(ctx, t, cli, tgt.ContainerID)
	t.Logf("healthy %v after start (budget %v)", healthy.Round(time.Millisecond), maxTimeToHealthy)
	if healthy < 0 || healthy > maxTimeToHealthy {
		t.Errorf("healthy %v after start, want within %v", healthy, maxTimeToHealthy)
	}

	checkBuildInfo(ctx, t, tgt)
}

// gzippedSize is the length of `docker save ref | gzip -6`.
func gzippedSize(ctx context.Context, t *testing.T, cli *testcontainers.DockerClient, ref string) int64 {
	t.Helper()
	rc, err := cli.ImageSave(ctx, []string{ref})
	if err != nil {
		t.Fatalf("saving image %s: %v", ref, err)
	}
	defer rc.Close()
	var n countingWriter
	zw, err := gzip.NewWriterLevel(&n, 6)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(zw, rc); err != nil {
		t.Fatalf("saving image %s: %v", ref, err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// timeToHealthy waits for Docker to call the container healthy and returns
// the time from its start to the end of the first passing check, both as
// the daemon recorded them.
func timeToHealthy(ctx context.Context, t *testing.T, cli *testcontainers.DockerClient, id string) time.Duration {
	t.Helper()
	var state *container.State
	for {
		res, err := cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		state = res.Container.State
		if state.Health != nil && state.Health.Status == container.Healthy {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container never became healthy: %+v", state.Health)
		case <-time.After(50 * time.Millisecond):
		}
	}
	started, err := time.Parse(time.RFC3339Nano, state.StartedAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range state.Health.Log {
		if r.ExitCode == 0 {
			return r.End.Sub(started)
		}
	}
	t.Fatalf("healthy, but no passing check in the log: %+v", state.Health.Log)
	return 0
}

// checkBuildInfo copies /mockserver out of the running container and reads
// its module list as `go version -m` does: the mock is there, with the
// modules it links and without the MessagePack codec nomsgpack leaves out.
func checkBuildInfo(ctx context.Context, t *testing.T, tgt *Target) {
	t.Helper()
	rc, err := tgt.ctr.CopyFileFromContainer(ctx, "/mockserver")
	if err != nil {
		t.Fatalf("copying /mockserver out of the container: %v", err)
	}
	defer rc.Close()
	path := filepath.Join(t.TempDir(), "mockserver")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		t.Fatalf("copying /mockserver out of the container: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("go version -m /mockserver: %v", err)
	}
	if info.Path != "github.com/membersmock/membersmock/cmd/mockserver" {
		t.Errorf("/mockserver is %q, want the mock (cmd/mockserver)", info.Path)
	}
	deps := map[string]bool{}
	for _, d := range info.Deps {
		deps[d.Path] = true
	}
	t.Logf("/mockserver links %d modules", len(info.Deps))
	for _, want := range []string{"github.com/gin-gonic/gin", "github.com/pb33f/libopenapi-validator", "github.com/brianvoe/gofakeit/v7"} {
		if !deps[want] {
			t.Errorf("go version -m /mockserver does not list %s", want)
		}
	}
	if deps["github.com/ugorji/go/codec"] {
		t.Error("/mockserver links github.com/ugorji/go/codec: build it with -tags nomsgpack")
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, body
}
