package main

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The Compose profile "scale" (docker/compose.yaml) puts three replicas sharing one Redis
// behind haproxy (docker/haproxy.cfg). No image can be pulled here, so these tests run the
// same haproxy.cfg with a real haproxy in front of three real mock processes and a real
// redis-server on loopback, and hold compose.yaml to what the config expects. Without
// haproxy they skip, unless REQUIRE_HAPROXY=1 (CI), where a skip is a failure.

const (
	haproxyConfig = "../../docker/haproxy.cfg"
	composeFile   = "../../docker/compose.yaml"
)

// replicaNames are the servers haproxy.cfg balances over, which compose.yaml must define.
var replicaNames = []string{"mock-a", "mock-b", "mock-c"}

type balancer struct {
	url, stats string
	out        *lockedBuffer
}

// startHAProxy runs docker/haproxy.cfg with the replicas' addresses and loopback ports in
// place of Compose's names and published ports; nothing else of the file changes.
func startHAProxy(t *testing.T, replicas ...*running) *balancer {
	t.Helper()
	bin := lookTool(t, "haproxy", "REQUIRE_HAPROXY")
	raw, err := os.ReadFile(haproxyConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	lb, stats := freePort(t), freePort(t)
	for from, to := range map[string]string{
		"bind :8080": fmt.Sprintf("bind 127.0.0.1:%d", lb),
		"bind :8404": fmt.Sprintf("bind 127.0.0.1:%d", stats),
	} {
		if strings.Count(cfg, from) != 1 {
			t.Fatalf("haproxy.cfg has %d %q lines, want 1", strings.Count(cfg, from), from)
		}
		cfg = strings.Replace(cfg, from, to, 1)
	}
	for i, name := range replicaNames {
		from := " " + name + ":8080 "
		if strings.Count(cfg, from) != 2 {
			t.Fatalf("haproxy.cfg names %s %d times, want once in each backend", name, strings.Count(cfg, from))
		}
		cfg = strings.ReplaceAll(cfg, from, " "+strings.TrimPrefix(replicas[i].url, "http://")+" ")
	}
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &balancer{url: fmt.Sprintf("http://127.0.0.1:%d", lb), stats: fmt.Sprintf("http://127.0.0.1:%d/;csv", stats), out: &lockedBuffer{}}
	cmd := exec.Command(bin, "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = b.out, b.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("haproxy:\n%s", b.out.String())
		}
	})
	return b
}

// up is how many servers of a backend haproxy's health checks hold UP.
func (b *balancer) up(t *testing.T, backend string) int {
	t.Helper()
	resp, err := http.Get(b.stats)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) == 0 {
		return -1
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimPrefix(h, "# ")] = i
	}
	n := 0
	for _, r := range rows[1:] {
		if r[col["pxname"]] == backend && r[col["svname"]] != "BACKEND" && strings.HasPrefix(r[col["status"]], "UP") {
			n++
		}
	}
	return n
}

// TestThreeReplicasBehindHAProxy is the Compose profile's promise: one mock behind one
// address, whose fault counts hold across replicas, and which goes on answering when
// Redis goes away.
func TestThreeReplicasBehindHAProxy(t *testing.T) {
	port := freePort(t)
	redis := startRedis(t, port)
	state := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	var replicas []*running
	for range replicaNames {
		replicas = append(replicas, startMock(t, "--state", state))
	}
	lb := startHAProxy(t, replicas...)
	// Health checks run every second; allow a few rounds on a loaded machine.
	within(t, 15*time.Second, "haproxy holds the three replicas in step", func() bool {
		return lb.up(t, "in_step") == 3
	})

	status, body := call(t, "POST", lb.url+"/__mock/faults", "test", []byte(`{"operationId":"getProgram","status":500,"times":3}`))
	if status != http.StatusCreated {
		t.Fatalf("posting the rule through haproxy: %d %s", status, body)
	}
	inStep(t, "the rule", replicas...)
	failed := 0
	for range 9 {
		s, _ := call(t, "GET", lb.url+"/v1/programs/1", "test", nil)
		if s == http.StatusInternalServerError {
			failed++
		} else if s != http.StatusOK {
			t.Errorf("getProgram through haproxy answered %d", s)
		}
	}
	if failed != 3 {
		t.Errorf("the rule \"next 3 answer 500\" fired %d times over 9 requests through haproxy; want exactly 3", failed)
	}
	for i, r := range replicas {
		// Coverage is each process's own: it shows the balancer reached every replica.
		if _, body := call(t, "GET", r.url+"/__mock/coverage", "test", nil); !strings.Contains(string(body), "getProgram") {
			t.Errorf("%s got no getProgram request through round robin: %s", replicaNames[i], body)
		}
	}

	// Redis goes away: every replica degrades at once (/readyz 503). haproxy then sends the
	// API to replicas that merely answer, rather than answering 503 itself.
	redis.kill()
	within(t, 15*time.Second, "haproxy takes the degraded replicas out of in_step", func() bool {
		return lb.up(t, "in_step") == 0 && lb.up(t, "answering") == 3
	})
	for range 6 {
		if s, body := call(t, "GET", lb.url+"/v1/programs/1", "test", nil); s != http.StatusOK {
			t.Errorf("the API through haproxy with Redis away answered %d %s; want 200", s, body)
		}
	}
	if s, body := call(t, "GET", lb.url+"/__mock/faults", "test", nil); s != http.StatusServiceUnavailable || !strings.Contains(string(body), "cannot be reached") {
		t.Errorf("admin through haproxy with Redis away: %d %s; want the mock's 503", s, body)
	}

	// Redis back on the same address: the replicas are in step again, admin works.
	startRedis(t, port)
	within(t, 15*time.Second, "haproxy holds the replicas in step again", func() bool {
		return lb.up(t, "in_step") == 3
	})
	if s, body := call(t, "GET", lb.url+"/__mock/faults", "test", nil); s != http.StatusOK {
		t.Errorf("admin through haproxy with Redis back: %d %s", s, body)
	}
}

// TestComposeScaleProfile holds compose.yaml's profile to haproxy.cfg and to the chart's
// rule: the replicas haproxy balances over exist, share one Redis and serve the same data.
func TestComposeScaleProfile(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Profiles    []string          `yaml:"profiles"`
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	env := map[string]string{}
	for _, name := range replicaNames {
		s, ok := compose.Services[name]
		if !ok {
			t.Fatalf("haproxy.cfg balances over %s, which compose.yaml does not define", name)
		}
		if fmt.Sprint(s.Profiles) != "[scale]" {
			t.Errorf("%s: profiles %v, want [scale]", name, s.Profiles)
		}
		if _, ok := s.DependsOn["redis"]; !ok {
			t.Errorf("%s does not depend on the profile's Redis: %v", name, s.DependsOn)
		}
		if s.Environment["MOCK_STATE"] != "redis://redis:6379/0" {
			t.Errorf("%s: MOCK_STATE %q, want the profile's Redis", name, s.Environment["MOCK_STATE"])
		}
		if got := fmt.Sprint(s.Environment); len(env) > 0 && got != fmt.Sprint(env) {
			t.Errorf("%s's environment %s differs from the other replicas' %v: they would serve different data", name, got, env)
		}
		env = s.Environment
	}
	if _, ok := compose.Services["redis"]; !ok {
		t.Error("the scale profile has no redis service")
	}
	lb, ok := compose.Services["lb"]
	if !ok {
		t.Fatal("the scale profile has no load balancer")
	}
	for _, name := range replicaNames {
		if lb.DependsOn[name].Condition != "service_healthy" {
			t.Errorf("the load balancer does not wait for %s to be healthy: depends_on %v", name, lb.DependsOn)
		}
	}
	if len(lb.Volumes) != 1 || !strings.HasPrefix(lb.Volumes[0], "./haproxy.cfg:") {
		t.Errorf("the load balancer mounts %v, want ./haproxy.cfg", lb.Volumes)
	}
	if _, ok := compose.Services["mock"]; !ok || len(compose.Services["mock"].Profiles) != 0 {
		t.Error("the default service mock should stay without a profile (docker compose up mock)")
	}
}
