package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestFlagsDefaults(t *testing.T) {
	o, err := parseFlags(nil, envOf())
	if err != nil {
		t.Fatal(err)
	}
	if o.auth != mockserver.AuthNone || o.rateLimit != nil || o.shutdownTimeout != 10*time.Second {
		t.Fatalf("defaults: auth %q, rate limit %v, shutdown %s", o.auth, o.rateLimit, o.shutdownTimeout)
	}
	if o.limits.MaxURLBytes != mockserver.DefaultMaxURLBytes || o.limits.MaxHeaderBytes != mockserver.DefaultMaxHeaderBytes {
		t.Fatalf("default limits %+v", o.limits)
	}
}

func TestFlagsModes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want func(options) bool
	}{
		{"--auth jwt", []string{"--auth", "jwt"}, nil,
			func(o options) bool { return o.auth == mockserver.AuthJWT }},
		{"MOCK_AUTH=jwt", nil, []string{"MOCK_AUTH", "jwt"},
			func(o options) bool { return o.auth == mockserver.AuthJWT }},
		{"--rate-limit alone takes the default budgets", []string{"--rate-limit"}, nil,
			func(o options) bool { return o.rateLimit != nil && *o.rateLimit == mockserver.DefaultRateLimit() }},
		{"--rate-limit with budgets", []string{"--rate-limit", "--rate-limit-anonymous", "0", "--rate-limit-named", "5", "--rate-limit-window", "1m"}, nil,
			func(o options) bool {
				return o.rateLimit != nil && o.rateLimit.Anonymous == 0 && o.rateLimit.Named == 5 && o.rateLimit.Window == time.Minute
			}},
		{"MOCK_RATE_LIMIT and its budgets", nil, []string{"MOCK_RATE_LIMIT", "true", "MOCK_RATE_LIMIT_ANONYMOUS", "2", "MOCK_RATE_LIMIT_NAMED", "20", "MOCK_RATE_LIMIT_WINDOW", "10s"},
			func(o options) bool {
				return o.rateLimit != nil && o.rateLimit.Anonymous == 2 && o.rateLimit.Named == 20 && o.rateLimit.Window == 10*time.Second
			}},
		{"a flag wins over its variable", []string{"--rate-limit-named", "7"}, []string{"MOCK_RATE_LIMIT", "1", "MOCK_RATE_LIMIT_NAMED", "5"},
			func(o options) bool { return o.rateLimit != nil && o.rateLimit.Named == 7 }},
		{"--rate-limit=false over MOCK_RATE_LIMIT", []string{"--rate-limit=false"}, []string{"MOCK_RATE_LIMIT", "true"},
			func(o options) bool { return o.rateLimit == nil }},
		{"budgets without --rate-limit change nothing", []string{"--rate-limit-named", "5"}, nil,
			func(o options) bool { return o.rateLimit == nil }},
		{"limits", []string{"--max-url-bytes", "4096", "--max-header-bytes", "65536"}, nil,
			func(o options) bool { return o.limits.MaxURLBytes == 4096 && o.limits.MaxHeaderBytes == 65536 }},
		{"limits from the environment", nil, []string{"MOCK_MAX_URL_BYTES", "2048", "MOCK_MAX_HEADER_BYTES", "2048"},
			func(o options) bool { return o.limits.MaxURLBytes == 2048 && o.limits.MaxHeaderBytes == 2048 }},
		{"--shutdown-timeout", []string{"--shutdown-timeout", "250ms"}, nil,
			func(o options) bool { return o.shutdownTimeout == 250*time.Millisecond }},
		{"MOCK_SHUTDOWN_TIMEOUT", nil, []string{"MOCK_SHUTDOWN_TIMEOUT", "1m"},
			func(o options) bool { return o.shutdownTimeout == time.Minute }},
		{"--upstream with --record", []string{"--upstream", "https://api.staging.entur.io/personalisation", "--record", "rec.json", "--upstream-timeout", "5s"}, nil,
			func(o options) bool {
				return o.upstream.String() == "https://api.staging.entur.io/personalisation" && o.record == "rec.json" && !o.recordRaw && o.upstreamTimeout == 5*time.Second
			}},
		{"MOCK_UPSTREAM and its companions", nil, []string{"MOCK_UPSTREAM", "http://127.0.0.1:9", "MOCK_UPSTREAM_CA", "ca.pem", "MOCK_RECORD", "r.json", "MOCK_RECORD_RAW", "true", "MOCK_UPSTREAM_TIMEOUT", "2s"},
			func(o options) bool {
				return o.upstream.Host == "127.0.0.1:9" && o.upstreamCA == "ca.pem" && o.record == "r.json" && o.recordRaw && o.upstreamTimeout == 2*time.Second
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, envOf(tc.env...))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(o) {
				t.Fatalf("options %+v (rate limit %+v)", o, o.rateLimit)
			}
		})
	}
}

func TestFlagsRefused(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		want string // in the error
	}{
		{[]string{"--auth", "basic"}, nil, "--auth"},
		{nil, []string{"MOCK_AUTH", "oauth"}, "--auth"},
		{nil, []string{"MOCK_RATE_LIMIT", "maybe"}, "MOCK_RATE_LIMIT"},
		{[]string{"--rate-limit", "--rate-limit-named", "0"}, nil, "--rate-limit-named"},
		{[]string{"--rate-limit", "--rate-limit-anonymous", "-1"}, nil, "--rate-limit-anonymous"},
		{[]string{"--rate-limit", "--rate-limit-window", "0s"}, nil, "--rate-limit-window"},
		{[]string{"--rate-limit", "--rate-limit-window", "soon"}, nil, "--rate-limit-window"},
		{[]string{"--max-url-bytes", "10"}, nil, "--max-url-bytes"},
		{[]string{"--max-header-bytes", "100000000"}, nil, "--max-header-bytes"},
		{[]string{"--shutdown-timeout", "-1s"}, nil, "--shutdown-timeout"},
		{[]string{"--upstream", "api.staging.entur.io"}, nil, "--upstream"},
		{[]string{"--upstream", "http://x", "--upstream-timeout", "0s"}, nil, "--upstream-timeout"},
		{[]string{"--record", "r.json"}, nil, "--upstream URL"},
		{[]string{"--upstream", "http://x", "--fixtures", "f.yaml"}, nil, "--fixtures"},
		{nil, []string{"MOCK_UPSTREAM", "http://x", "MOCK_RECORD_RAW", "yes"}, "MOCK_RECORD_RAW"},
		{[]string{"--programs", "0"}, nil, "give --fixtures FILE too"},
		{[]string{"--programs", "-1"}, nil, "--programs"},
		{[]string{"--state-ca", "ca.pem"}, nil, "give --state rediss://host:port/db too"},
		{[]string{"--state", "redis://127.0.0.1:6379/0", "--state-ca", "ca.pem"}, nil, "--state-ca is for a Redis spoken to over TLS"},
		{nil, []string{"MOCK_STATE", "redis://r:6379/0", "MOCK_STATE_CA", "ca.pem"}, "--state-ca"},
	}
	for _, tc := range cases {
		_, err := parseFlags(tc.args, envOf(tc.env...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("args %v env %v: error %v, want one about %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("a timeout is off: header %s read %s write %s idle %s",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout || srv.ReadTimeout > srv.WriteTimeout {
		t.Fatalf("timeouts out of order: header %s read %s write %s", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout)
	}
}

// TestOversizedRequestsGetTheErrorBody serves the mock through the server
// main builds: its own header limit is far enough above the mock's that a
// 64 KB header or a 16 KB URL gets the mock's JSON 414/431, not net/http's
// plain-text answer.
func TestOversizedRequestsGetTheErrorBody(t *testing.T) {
	data, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h, err := mockserver.New(mockserver.Config{Dataset: data, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = newHTTPServer(h)
	ts.Start()
	defer ts.Close()

	for _, tc := range []struct {
		name   string
		path   string
		header string
		status int
	}{
		{"64 KB header", "/v1/programs/1", strings.Repeat("a", 64<<10), 431},
		{"512 KB header", "/v1/programs/1", strings.Repeat("a", 512<<10), 431},
		{"16 KB query", "/v1/programs/1/members?customerId=" + strings.Repeat("a", 16<<10), "", 414},
		{"256 KB query", "/v1/programs/1/members?customerId=" + strings.Repeat("a", 256<<10), "", 414},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+tc.path, nil)
			req.Header.Set("ET-Client-Name", "acme-tests")
			if tc.header != "" {
				req.Header.Set("X-Large", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.status, body)
			}
			if err := v.ValidateErrorBody(body); err != nil {
				t.Fatalf("%v\n%.200s", err, body)
			}
			var e struct{ CorrelationID string }
			_ = json.Unmarshal(body, &e)
			if e.CorrelationID == "" || e.CorrelationID != resp.Header.Get("X-Correlation-Id") {
				t.Fatalf("correlationId %q, header %q", e.CorrelationID, resp.Header.Get("X-Correlation-Id"))
			}
		})
	}
}

// TestDialectFlag checks --dialect and MOCK_DIALECT, a refused file, and that
// the banner says which dialect is in force, as the README promises.
func TestDialectFlag(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "staging.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("firstPage: 1\npastLastPage: notFound\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("firstPage: 1\nfirst_page: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		args, env []string
	}{
		{"flag", []string{"--dialect", good}, nil},
		{"environment", nil, []string{"MOCK_DIALECT", good}},
	} {
		o, err := parseFlags(tc.args, envOf(tc.env...))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if o.dialect.FirstPage != 1 || !o.dialect.PastLastPageNotFound() {
			t.Fatalf("%s: dialect %+v", tc.name, o.dialect)
		}
		var banner strings.Builder
		printBanner(&banner, "http://localhost:8080", o, mockserver.Catalog{Dialect: o.dialect})
		if want := "dialect firstPage: 1, pastLastPage: notFound (from " + good + ")"; !strings.Contains(banner.String(), want) {
			t.Errorf("%s: the banner does not say %q:\n%s", tc.name, want, banner.String())
		}
	}
	_, err := parseFlags([]string{"--dialect", bad}, envOf())
	if err == nil || !strings.Contains(err.Error(), "--dialect") || !strings.Contains(err.Error(), bad+":2:") ||
		!strings.Contains(err.Error(), "did you mean firstPage?") {
		t.Errorf("a bad dialect file: error %v, want one naming --dialect, the file's line 2 and the key", err)
	}
}

// TestProxyBanner: started with --upstream the banner says where requests go, where the
// verdicts are, and how to replay a recording, without the upstream's credentials.
func TestProxyBanner(t *testing.T) {
	o, err := parseFlags([]string{"--upstream", "https://user:pw@api.example.test/personalisation", "--record", "rec.json"}, envOf())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printBanner(&b, "http://localhost:8080", o, mockserver.Catalog{})
	out := b.String()
	for _, want := range []string{"validating proxy", "api.example.test/personalisation", "/__mock/requests", "/__mock/coverage", "mockserver --fixtures rec.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("the banner does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ":pw@") {
		t.Errorf("the banner shows the upstream's password:\n%s", out)
	}
}

// TestReplayRecordingGeneratesNoPrograms: a recording replays under its own program ids,
// so the mock generates no programs unless --programs (or MOCK_PROGRAMS) asks for some; a
// hand-written overlay keeps the default.
func TestReplayRecordingGeneratesNoPrograms(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	recording := filepath.Join(dir, "rec.json")
	hand := filepath.Join(dir, "hand.yaml")
	if err := os.WriteFile(recording, []byte(`{"recording": {"upstream": "https://members.staging.example"}, "programs": [], "members": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hand, []byte("members: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		env       []string
		programs  int
		replaying bool
	}{
		{[]string{"--fixtures", recording}, nil, 0, true},
		{[]string{"--fixtures", recording, "--programs", "2"}, nil, 2, false},
		{[]string{"--fixtures", recording}, []string{"MOCK_PROGRAMS", "1"}, 1, false},
		{[]string{"--fixtures", hand}, nil, 3, false},
	} {
		o, err := parseFlags(tc.args, envOf(tc.env...))
		if err != nil {
			t.Fatal(err)
		}
		if err := o.replayRecording(v); err != nil {
			t.Fatal(err)
		}
		if o.programs != tc.programs || o.replaying != tc.replaying {
			t.Errorf("%v %v: %d programs, replaying %v; want %d, %v", tc.args, tc.env, o.programs, o.replaying, tc.programs, tc.replaying)
		}
		if !tc.replaying {
			continue
		}
		var b strings.Builder
		printBanner(&b, "http://localhost:8080", o, mockserver.Catalog{})
		if out := b.String(); !strings.Contains(out, "replaying the recording "+recording+" of https://members.staging.example") {
			t.Errorf("the banner does not say it replays the recording:\n%s", out)
		}
	}
}
