package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// These tests run real redis-server processes (Debian's redis-server; .ci/run installs
// it) and real mock processes on loopback. Without redis-server they skip, unless
// REQUIRE_REDIS=1 (CI), where a skip is a failure.

type redisServer struct {
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// freePort finds a loopback port nobody listens on, so that Redis can come back on it.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lookTool finds a real component's binary (a Debian package of the same name). Without
// it the test skips, unless the variable require is 1 (CI), where a skip is a failure.
func lookTool(t *testing.T, name, require string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(require) == "1" {
			t.Fatalf("%s is not installed and %s=1: apt-get install -y %s", name, require, name)
		}
		t.Skipf("%s is not installed (apt-get install -y %s); %s=1 makes this a failure", name, name, require)
	}
	return bin
}

func startRedis(t *testing.T, port int) *redisServer {
	t.Helper()
	bin := lookTool(t, "redis-server", "REQUIRE_REDIS")
	r := &redisServer{port: port, done: make(chan struct{})}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(r.kill)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if redisPing(port) {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("redis-server on port %d did not answer PING", port)
	return nil
}

func (r *redisServer) kill() {
	select {
	case <-r.done:
	default:
		r.cmd.Process.Kill()
		<-r.done
	}
}

func redisPing(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// call sends a request with ET-Client-Name and returns the status and body.
func call(t *testing.T, method, url, client string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("ET-Client-Name", client)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// stateVersion is the version of the shared state a replica serves, from /readyz.
func stateVersion(t *testing.T, base string) int64 {
	t.Helper()
	status, body := call(t, "GET", base+"/readyz", "test", nil)
	if status != http.StatusOK {
		return -1
	}
	var r struct {
		StateVersion int64 `json:"stateVersion"`
	}
	json.Unmarshal(body, &r)
	return r.StateVersion
}

// within polls cond until it holds or d has passed: the acceptance's "within 1 s".
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// inStep waits until every replica serves the version the first one does.
func inStep(t *testing.T, what string, replicas ...*running) {
	t.Helper()
	want := stateVersion(t, replicas[0].url)
	within(t, time.Second, what+": every replica serves state version "+strconv.FormatInt(want, 10), func() bool {
		for _, r := range replicas[1:] {
			if stateVersion(t, r.url) != want {
				return false
			}
		}
		return true
	})
}

// TestThreeReplicasAreOneMock is issue 15's acceptance, with three mock processes on one
// real Redis.
func TestThreeReplicasAreOneMock(t *testing.T) {
	port := freePort(t)
	redis := startRedis(t, port)
	state := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	a := startMock(t, "--state", state, "--journal", "100")
	b := startMock(t, "--state", state, "--journal", "100")
	c := startMock(t, "--state", state, "--journal", "100")
	all := []*running{a, b, c}

	// "Next 3 requests of getProgram answer 500", posted to A, fires exactly 3 times over 9
	// requests spread across the three: the first three, one on each replica.
	status, body := call(t, "POST", a.url+"/__mock/faults", "test", []byte(`{"operationId":"getProgram","status":500,"times":3}`))
	if status != http.StatusCreated {
		t.Fatalf("posting the rule: %d %s", status, body)
	}
	inStep(t, "the rule", a, b, c)
	var got []int
	for i := range 9 {
		s, _ := call(t, "GET", []*running{c, b, a}[i%3].url+"/v1/programs/1", "test", nil)
		got = append(got, s)
	}
	if want := []int{500, 500, 500, 200, 200, 200, 200, 200, 200}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("getProgram over C, B, A, … answered %v; want %v", got, want)
	}
	_, body = call(t, "GET", b.url+"/__mock/faults", "test", nil)
	// As with one process, a spent rule no longer matches: 3 matched, 3 fired, over all three.
	if !strings.Contains(string(body), `"matched":3,"fired":3,"active":false`) {
		t.Errorf("B shows the rule's counts as %s; want matched 3, fired 3, inactive (every replica's requests)", body)
	}

	// A request sent to A appears in B's journal within 1 s.
	call(t, "GET", a.url+"/v1/programs/2", "journal-probe", nil)
	within(t, time.Second, "A's request in B's journal", func() bool {
		_, body := call(t, "GET", b.url+"/__mock/requests?clientName=journal-probe", "test", nil)
		var list struct {
			Requests []struct {
				Path          string `json:"path"`
				ResponseValid *bool  `json:"responseValid"`
			} `json:"requests"`
		}
		json.Unmarshal(body, &list)
		return len(list.Requests) == 1 && list.Requests[0].Path == "/v1/programs/2" &&
			list.Requests[0].ResponseValid != nil && *list.Requests[0].ResponseValid
	})

	// A reset on C removes the rules everywhere.
	status, _ = call(t, "POST", a.url+"/__mock/faults", "test", []byte(`{"operationId":"getMember","status":500}`))
	if status != http.StatusCreated {
		t.Fatalf("posting the second rule: %d", status)
	}
	inStep(t, "the second rule", a, b, c)
	for _, r := range all {
		if s, _ := call(t, "GET", r.url+"/v1/programs/1/members/3", "test", nil); s != http.StatusInternalServerError {
			t.Errorf("%s: getMember answered %d before the reset; want the rule's 500", r.url, s)
		}
	}
	if status, body := call(t, "POST", c.url+"/__mock/reset", "test", nil); status != http.StatusOK {
		t.Fatalf("reset on C: %d %s", status, body)
	}
	inStep(t, "the reset", c, a, b)
	for _, r := range all {
		if s, _ := call(t, "GET", r.url+"/v1/programs/1/members/3", "test", nil); s != http.StatusOK {
			t.Errorf("%s: getMember answered %d after the reset on C; want 200", r.url, s)
		}
		if _, body := call(t, "GET", r.url+"/__mock/faults", "test", nil); string(body) != `{"rules":[]}` {
			t.Errorf("%s: rules after the reset on C: %s", r.url, body)
		}
	}

	// An overlay posted to A is served by C within 1 s.
	overlay := []byte(`{"members":[{"programId":1,"id":3,"customerId":"SHARED-TEST-1"}]}`)
	if status, body := call(t, "POST", a.url+"/__mock/fixtures", "test", overlay); status != http.StatusOK {
		t.Fatalf("posting the overlay to A: %d %s", status, body)
	}
	within(t, time.Second, "A's overlay served by C", func() bool {
		_, body := call(t, "GET", c.url+"/v1/programs/1/members/3", "test", nil)
		return strings.Contains(string(body), `"customerId":"SHARED-TEST-1"`)
	})

	// With Redis killed, the API still answers 200 and admin calls answer 503; a replica
	// started now starts, degraded.
	redis.kill()
	d := startMock(t, "--state", state)
	for _, r := range append(all, d) {
		if s, _ := call(t, "GET", r.url+"/v1/programs/1", "test", nil); s != http.StatusOK {
			t.Errorf("%s: the API answered %d with Redis down; want 200", r.url, s)
		}
		if s, _ := call(t, "GET", r.url+"/healthz", "test", nil); s != http.StatusOK {
			t.Errorf("%s: /healthz answered %d with Redis down; want 200", r.url, s)
		}
	}
	for _, r := range all {
		within(t, 2*time.Second, r.url+" noticing that Redis is down", func() bool {
			s, _ := call(t, "GET", r.url+"/readyz", "test", nil)
			return s == http.StatusServiceUnavailable
		})
		s, body := call(t, "GET", r.url+"/__mock/faults", "test", nil)
		if s != http.StatusServiceUnavailable || !strings.Contains(string(body), "shared state") || !strings.Contains(string(body), `"message"`) {
			t.Errorf("%s: an admin call with Redis down answered %d %s; want 503 with the Error body saying why", r.url, s, body)
		}
	}
	if s, _ := call(t, "GET", d.url+"/readyz", "test", nil); s != http.StatusServiceUnavailable {
		t.Errorf("a replica started with Redis down: /readyz %d, want 503", s)
	}
	// The overlay stays served from the last known state.
	if _, body := call(t, "GET", b.url+"/v1/programs/1/members/3", "test", nil); !strings.Contains(string(body), "SHARED-TEST-1") {
		t.Errorf("with Redis down, B no longer serves the overlay: %s", body)
	}

	// With Redis back, admin calls work again without restarting anything.
	startRedis(t, port)
	for _, r := range append(all, d) {
		within(t, 3*time.Second, r.url+" taking admin calls again", func() bool {
			s, _ := call(t, "GET", r.url+"/__mock/faults", "test", nil)
			return s == http.StatusOK
		})
		if s, _ := call(t, "GET", r.url+"/readyz", "test", nil); s != http.StatusOK {
			t.Errorf("%s: /readyz %d with Redis back", r.url, s)
		}
	}
	status, _ = call(t, "POST", d.url+"/__mock/faults", "test", []byte(`{"operationId":"getProgram","status":500,"times":1}`))
	if status != http.StatusCreated {
		t.Fatalf("posting a rule to D after Redis came back: %d", status)
	}
	inStep(t, "a rule posted to D", d, a, b, c)
	fired := 0
	for _, r := range append(all, d) {
		if s, _ := call(t, "GET", r.url+"/v1/programs/1", "test", nil); s == http.StatusInternalServerError {
			fired++
		}
	}
	if fired != 1 {
		t.Errorf("a rule \"next 1\" fired %d times over 4 replicas, want 1", fired)
	}
}

// TestRateLimitAcrossReplicas: a client's budget is counted over every replica's requests.
func TestRateLimitAcrossReplicas(t *testing.T) {
	port := freePort(t)
	startRedis(t, port)
	state := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	// An hour's window: the test does not straddle a window's end (it takes milliseconds).
	args := []string{"--state", state, "--rate-limit", "--rate-limit-named", "5", "--rate-limit-window", "1h"}
	replicas := []*running{startMock(t, args...), startMock(t, args...), startMock(t, args...)}
	var got []int
	for i := range 7 {
		s, _ := call(t, "GET", replicas[i%3].url+"/v1/programs/1", "budget-probe", nil)
		got = append(got, s)
	}
	if want := []int{200, 200, 200, 200, 200, 429, 429}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("7 requests of one client over 3 replicas with a budget of 5: %v, want %v", got, want)
	}
}

// TestStateFlag checks --state's values.
func TestStateFlag(t *testing.T) {
	o, err := parseFlags([]string{"--state", "redis://:secret@127.0.0.1:6379/2"}, envOf("MOCK_STATE_PASSWORD", "other"))
	if err != nil {
		t.Fatal(err)
	}
	if o.state == nil || o.state.URL != "redis://:secret@127.0.0.1:6379/2" || o.state.Password != "other" {
		t.Errorf("state = %+v", o.state)
	}
	if o, err := parseFlags(nil, envOf("MOCK_STATE", "memory")); err != nil || o.state != nil {
		t.Errorf("MOCK_STATE=memory: %+v, %v", o.state, err)
	}
	_, err = parseFlags([]string{"--state", "mongodb://u:pw@x"}, envOf())
	if err == nil || !strings.Contains(err.Error(), "--state") || strings.Contains(err.Error(), "pw") {
		t.Errorf("--state mongodb://…: %v; want an error naming --state, without the password", err)
	}
	_, err = parseFlags([]string{"--state", "redis://x:6379", "--upstream", "http://x"}, envOf())
	if err == nil || !strings.Contains(err.Error(), "--upstream") {
		t.Errorf("--state with --upstream: %v", err)
	}
}

// TestSharedJournalStoresEachBodyOnce: a load test asks for the same page over and over;
// the shared journal keeps the page once for all the entries that answered with it, and
// lets a body go when no entry left in the stream refers to it.
func TestSharedJournalStoresEachBodyOnce(t *testing.T) {
	port := freePort(t)
	startRedis(t, port)
	state := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	a := startMock(t, "--state", state, "--journal", "5")
	b := startMock(t, "--state", state, "--journal", "5")
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()

	type listed struct {
		Requests []struct {
			Path          string `json:"path"`
			ResponseValid *bool  `json:"responseValid"`
		} `json:"requests"`
	}
	journal := func() listed {
		var l listed
		_, body := call(t, "GET", b.url+"/__mock/requests?clientName=dedupe", "test", nil)
		json.Unmarshal(body, &l)
		return l
	}
	for range 12 {
		if s, _ := call(t, "GET", a.url+"/v1/programs/1/members?perPage=20", "dedupe", nil); s != http.StatusOK {
			t.Fatalf("members page: %d", s)
		}
	}
	within(t, 2*time.Second, "A's 12 requests in B's journal (the last 5)", func() bool {
		l := journal()
		return len(l.Requests) == 5
	})
	for _, e := range journal().Requests {
		if e.ResponseValid == nil || !*e.ResponseValid {
			t.Errorf("%s: journalled without a checked body (%v): the shared body is not found", e.Path, e.ResponseValid)
		}
	}
	if n := rdb.HLen(ctx, "membersmock:journal-bodies").Val(); n != 1 {
		t.Errorf("12 answers with the same page: %d bodies stored, want 1", n)
	}

	// Five other answers push the page's entries out of the stream: its body goes too.
	for i := range 5 {
		call(t, "GET", fmt.Sprintf("%s/v1/programs/1/members/%d", a.url, 10+i), "dedupe", nil)
	}
	within(t, 2*time.Second, "the five members in B's journal", func() bool {
		l := journal()
		return len(l.Requests) == 5 && l.Requests[0].Path == "/v1/programs/1/members/10"
	})
	if n := rdb.HLen(ctx, "membersmock:journal-bodies").Val(); n != 5 {
		t.Errorf("after the page's entries left the stream: %d bodies stored, want the five members'", n)
	}
	if n := rdb.ZCard(ctx, "membersmock:journal-refs").Val(); n != 5 {
		t.Errorf("%d body references kept, want 5", n)
	}
}

// TestStateOverTLS: a Redis spoken to over TLS (rediss://) whose certificate a private CA
// signed. With --state-ca the replica trusts it and shares the state; without, TLS
// verification stays on and the replica starts degraded, saying why.
func TestStateOverTLS(t *testing.T) {
	bin := lookTool(t, "redis-server", "REQUIRE_REDIS")
	dir := t.TempDir()
	certFile, keyFile := selfSignedCert(t, dir)
	port := freePort(t)
	redis := exec.Command(bin, "--port", "0", "--tls-port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", certFile,
		"--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", dir)
	var out lockedBuffer
	redis.Stdout, redis.Stderr = &out, &out
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { redis.Process.Kill(); redis.Wait() })
	within(t, 10*time.Second, "redis-server listening on its TLS port", func() bool {
		return strings.Contains(out.String(), "Ready to accept connections")
	})

	state := fmt.Sprintf("rediss://127.0.0.1:%d/0", port)
	a := startMock(t, "--state", state, "--state-ca", certFile)
	b := startMock(t, "--state", state, "--state-ca", certFile)
	if status, body := call(t, "POST", a.url+"/__mock/faults", "test", []byte(`{"operationId":"getProgram","status":500,"times":1}`)); status != http.StatusCreated {
		t.Fatalf("posting a rule over TLS: %d %s", status, body)
	}
	inStep(t, "the rule over TLS", a, b)
	if s, _ := call(t, "GET", b.url+"/v1/programs/1", "test", nil); s != http.StatusInternalServerError {
		t.Errorf("B answered %d; want the rule posted to A (500)", s)
	}

	untrusting := startMock(t, "--state", state)
	status, body := call(t, "GET", untrusting.url+"/readyz", "test", nil)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "cannot be reached") {
		t.Errorf("a replica that does not trust the CA: /readyz %d %s; want 503, degraded", status, body)
	}
	if !strings.Contains(untrusting.stderr.String(), "certificate") {
		t.Errorf("the replica's log does not say the certificate is not trusted:\n%s", untrusting.stderr.String())
	}
}

// selfSignedCert writes a CA certificate for 127.0.0.1 and its key, in PEM.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "members-mock test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "ca.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
