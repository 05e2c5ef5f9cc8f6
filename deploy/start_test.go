package deploy

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// mockBinary builds cmd/mockserver of the enclosing module once per run, into binDir.
var (
	binDir     string
	mockBinary = sync.OnceValues(func() (string, error) {
		bin := filepath.Join(binDir, "mockserver")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/mockserver")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building the mock: %w\n%s", err, out)
		}
		return bin, nil
	})
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "deploy-mock-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs the real mock the way the kubelet would run the rendered pod: its
// environment, its ConfigMap as files where the pod mounts it, its probes. Only the listen
// address is this machine's (loopback, a free port), and each mount point is a temporary
// directory.
func start(t *testing.T, r rendered) string {
	t.Helper()
	bin, err := mockBinary()
	if err != nil {
		t.Fatal(err)
	}
	c := r.container(t)
	// Where the pod mounts the ConfigMap, read from the rendered volumes, not assumed.
	mounts := map[string]string{} // mount path in the pod -> directory here
	for _, vm := range c.VolumeMounts {
		for _, v := range r.deployment.Spec.Template.Spec.Volumes {
			if v.Name != vm.Name {
				continue
			}
			if v.ConfigMap == nil || r.configMap == nil || v.ConfigMap.Name != r.configMap.Name {
				t.Fatalf("volume %s is not the chart's ConfigMap, which this test cannot provide", v.Name)
			}
			dir := t.TempDir()
			for name, data := range r.configMap.Data {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			mounts[vm.MountPath] = dir
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	env := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range r.env(t) {
		switch {
		case k == "MOCK_ADDR":
			v = addr
		case k == "GOMEMLIMIT":
			v = fmt.Sprint(c.Resources.Limits.Memory().Value())
		case strings.HasPrefix(v, "<"):
			t.Fatalf("%s comes from %s, which this test cannot resolve", k, v)
		}
		for in, here := range mounts {
			if rest, ok := strings.CutPrefix(v, in+"/"); ok {
				v = filepath.Join(here, rest)
			}
		}
		env = append(env, k+"="+v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, c.Args...)
	cmd.Env = env
	var out strings.Builder // read only once the process has exited
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("mock output:\n%s", out.String())
		}
	})
	base := "http://" + addr
	deadline := time.After(time.Minute)
	for {
		if resp, err := http.Get(base + c.StartupProbe.HTTPGet.Path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-exited:
			t.Fatalf("the rendered pod's mock exited before its startup probe passed: %v (its output follows)", cmd.ProcessState)
		case <-deadline:
			t.Fatal("the rendered pod's mock never passed its startup probe")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRenderedPodStartsTheMock holds the chart to the mock's real flags: a
// misspelt variable or a value the mock refuses fails here, not in a cluster.
func TestRenderedPodStartsTheMock(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the mock")
	}
	t.Run("defaults", func(t *testing.T) {
		r := mustRender(t, valuesFile(t, "values.yaml", ""))
		base := start(t, r)
		c := r.container(t)
		for _, p := range []string{c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path} {
			if code, body := get(t, base+p); code != http.StatusOK {
				t.Errorf("probe %s: %d %s", p, code, body)
			}
		}
		if code, body := get(t, base+"/v1/programs/1", "ET-Client-Name", "chart-test"); code != http.StatusOK {
			t.Errorf("GET /v1/programs/1: %d %s", code, body)
		}
	})
	t.Run("replicas with a dialect, fixtures, a token and Redis away", func(t *testing.T) {
		// Redis on a port nothing listens on: the replica must start degraded.
		r := mustRender(t, valuesFile(t, "values.yaml", `
replicaCount: 3
state: {redisURL: "redis://127.0.0.1:1/0"}
admin: {token: s3cret}
dialect: {firstPage: 1}
fixtures: |
  members:
    - {programId: 1, id: 88, customerId: frontend-test-1}
`))
		base := start(t, r)
		code, body := get(t, base+"/v1/programs/1/members?customerId=frontend-test-1", "ET-Client-Name", "chart-test")
		if code != http.StatusOK || !strings.Contains(body, `"id":88`) {
			t.Errorf("the fixtures from the ConfigMap are not served: %d %s", code, body)
		}
		if code, body := get(t, base+"/__mock/catalog"); code != http.StatusOK || !strings.Contains(body, `"firstPage":1`) {
			t.Errorf("the dialect from the ConfigMap is not in force: %d %s", code, body)
		}
		if code, _ := get(t, base+"/__mock/requests"); code != http.StatusUnauthorized {
			t.Errorf("admin without the token from the Secret: %d, want 401", code)
		}
		code, body = get(t, base+"/__mock/requests", "Authorization", "Bearer s3cret")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "127.0.0.1:1") {
			t.Errorf("admin with Redis away: %d %s, want 503 naming the Redis", code, body)
		}
		if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with Redis away: %d %s, want 503", code, body)
		}
		if code, _ := get(t, base+r.container(t).ReadinessProbe.HTTPGet.Path); code != http.StatusOK {
			t.Errorf("the readiness probe fails with Redis away: the Service would lose every replica at once")
		}
	})
}
