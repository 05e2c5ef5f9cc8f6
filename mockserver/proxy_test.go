package mockserver

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// newProxyMock starts the mock as a validating proxy in front of upstream, with a journal.
func newProxyMock(t testing.TB, upstream string, mutate ...func(*Config)) *mock {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	return newMock(t, 1, append([]func(*Config){func(c *Config) {
		c.Upstream = &Upstream{URL: u}
		c.JournalSize = 500
	}}, mutate...)...)
}

// journalOf reads the whole journal of m.
func journalOf(t testing.TB, m *mock) []JournalEntry {
	t.Helper()
	var list JournalList
	if err := json.Unmarshal(m.get("/__mock/requests").body, &list); err != nil {
		t.Fatalf("reading the journal: %v", err)
	}
	return list.Requests
}

// proxyRequests are requests of every kind: every operation, paging, filters, bad
// parameters, unknown ids, a missing header, a path no operation has.
var proxyRequests = []string{
	"/v1/programs/1",
	"/v1/programs/1/members",
	"/v1/programs/1/members?page=1&perPage=7",
	"/v1/programs/1/members?page=999",
	"/v1/programs/1/members?perPage=0",
	"/v1/programs/1/members/3",
	"/v1/programs/1/members/3/transactions?perPage=5",
	"/v1/programs/1/members/3/transactions?perPage=100&page=0",
	"/v1/programs/1/members/3/point-periods",
	"/v1/programs/1/members/3/reward-ladder",
	"/v1/programs/1/members/3/points-history?pointEventType=EARNED",
	"/v1/programs/1/members/3/points-history?pointEventType=NOPE",
	"/v1/programs/1/members/3/suspension-periods",
	"/v1/programs/1/members/999999",
	"/v1/programs/77",
	"/v1/programs/1/nothing-here",
}

// TestProxyInFrontOfACorrectUpstream: the mock with another seed as the upstream. Every
// answer comes back byte for byte as the upstream gives it, and every journal entry says
// the response is valid.
func TestProxyInFrontOfACorrectUpstream(t *testing.T) {
	upstream := newMock(t, 7)
	p := newProxyMock(t, upstream.url)
	for i, path := range proxyRequests {
		id := "proxy-test-" + string(rune('a'+i))
		direct := upstream.get(path, "X-Correlation-Id", id)
		via := p.get(path, "X-Correlation-Id", id)
		if via.status != direct.status || !bytes.Equal(via.body, direct.body) {
			t.Errorf("GET %s: through the proxy %d %s\nwant %d %s", path, via.status, via.body, direct.status, direct.body)
		}
		if got := via.header.Get("X-Correlation-Id"); got != id {
			t.Errorf("GET %s: X-Correlation-Id %q, want the upstream's echo %q", path, got, id)
		}
	}
	// Without ET-Client-Name: the upstream's 400 passes, and the journal says the request
	// was invalid, not the response.
	noName := p.get("/v1/programs/1", "ET-Client-Name", "")
	expectError(t, noName, http.StatusBadRequest, "ET-Client-Name")

	entries := journalOf(t, p)
	if len(entries) != len(proxyRequests)+1 {
		t.Fatalf("the journal has %d entries, want %d", len(entries), len(proxyRequests)+1)
	}
	for _, e := range entries {
		if e.Path == "/v1/programs/1/nothing-here" {
			if e.ResponseValid != nil || e.OperationID != "" {
				t.Errorf("%s: no operation has this path, so nothing to check; got %+v", e.Path, e)
			}
			continue
		}
		if e.ResponseValid == nil || !*e.ResponseValid {
			t.Errorf("%s?%s → %d: the correct upstream's answer is journalled as invalid: %q", e.Path, e.Query, e.Status, e.ResponseErrors)
		}
	}
	last := entries[len(entries)-1]
	if last.RequestValid == nil || *last.RequestValid || !strings.Contains(strings.Join(last.RequestErrors, " "), "ET-Client-Name") {
		t.Errorf("the request without ET-Client-Name is journalled as %v %q, want invalid naming ET-Client-Name", last.RequestValid, last.RequestErrors)
	}

	var cov CoverageReport
	if err := json.Unmarshal(p.get("/__mock/coverage").body, &cov); err != nil {
		t.Fatal(err)
	}
	if cov.Requests != int64(len(entries)) || cov.Unknown != 1 {
		t.Errorf("coverage counts %d requests, %d unknown; want %d and 1", cov.Requests, cov.Unknown, len(entries))
	}
	for _, oc := range cov.Operations {
		if oc.OperationID == "getMembers" {
			if len(oc.Seen) != 2 || oc.Seen[0] != (StatusCoverage{Status: 200, Count: 3, Documented: true}) || oc.Seen[1].Status != 400 {
				t.Errorf("getMembers coverage %+v, want 3 × 200 and 1 × 400", oc.Seen)
			}
			if slices.Contains(oc.Unseen, 200) || !slices.Contains(oc.Unseen, 404) {
				t.Errorf("getMembers: 200 listed as unseen: %v", oc.Unseen)
			}
		}
	}
}

// TestProxyForwardsAuthorization: the upstream checks bearer tokens; the proxy passes the
// app's on, and its access log never shows it.
func TestProxyForwardsAuthorization(t *testing.T) {
	upstream := newMock(t, 7, func(c *Config) { c.Auth = AuthBearer })
	var log syncBuffer
	p := newProxyMock(t, upstream.url, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	if r := p.get("/v1/programs/1/members/3", "Authorization", "Bearer s3cret-app-token"); r.status != http.StatusOK {
		t.Errorf("with a bearer token: %d %s, want 200", r.status, r.body)
	}
	r := p.get("/v1/programs/1/members/3")
	expectError(t, r, http.StatusUnauthorized)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("the upstream's WWW-Authenticate did not come through: %v", r.header)
	}
	if strings.Contains(log.String(), "s3cret-app-token") {
		t.Errorf("the access log shows the Authorization header:\n%s", log.String())
	}
}

// brokenUpstream serves the mock's answers with change applied to every JSON object body.
func brokenUpstream(t testing.TB, change func(path string, body map[string]any)) string {
	t.Helper()
	m := newMock(t, 7)
	return newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(http.MethodGet, m.url+r.URL.RequestURI(), nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var body map[string]any
		if json.Unmarshal(raw, &body) == nil {
			change(r.URL.Path, body)
			raw, _ = json.Marshal(body)
		}
		for k, vs := range resp.Header {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		// The broken deployment does not echo the caller's correlation id either.
		w.Header().Set("X-Correlation-Id", "upstream-own-id")
		w.WriteHeader(resp.StatusCode)
		w.Write(raw)
	}))
}

// TestProxyJournalsABrokenUpstream: an upstream that drops the member's required
// createdAt, miscounts the pages of a list and does not echo X-Correlation-Id. The journal
// marks those responses invalid naming what is wrong, and the access log has a line per
// violation.
func TestProxyJournalsABrokenUpstream(t *testing.T) {
	upstream := brokenUpstream(t, func(path string, body map[string]any) {
		if strings.HasSuffix(path, "/members/3") {
			delete(body, "createdAt")
		}
		if strings.HasSuffix(path, "/transactions") {
			body["totalPages"] = 1
		}
	})
	var log syncBuffer
	p := newProxyMock(t, upstream, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	for _, path := range []string{"/v1/programs/1/members/3", "/v1/programs/1/members/3/transactions?perPage=5"} {
		req, _ := http.NewRequest(http.MethodGet, p.url+path, nil)
		req.Header.Set("ET-Client-Name", "acme-tests")
		req.Header.Set("X-Correlation-Id", "app-id-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Correlation-Id") != "upstream-own-id" {
			t.Fatalf("GET %s: %d, X-Correlation-Id %q; want the upstream's answer as it is", path, resp.StatusCode, resp.Header.Get("X-Correlation-Id"))
		}
	}
	entries := journalOf(t, p)
	if len(entries) != 2 {
		t.Fatalf("journal has %d entries, want 2: %+v", len(entries), entries)
	}
	want := [][]string{
		{"createdAt", "X-Correlation-Id"},
		{"totalPages is 1", "X-Correlation-Id"},
	}
	for i, e := range entries {
		if e.ResponseValid == nil || *e.ResponseValid {
			t.Errorf("%s: journalled as valid (%v), want invalid", e.Path, e.ResponseValid)
			continue
		}
		all := strings.Join(e.ResponseErrors, "\n")
		for _, w := range want[i] {
			if !strings.Contains(all, w) {
				t.Errorf("%s: the errors do not name %q:\n%s", e.Path, w, all)
			}
		}
	}
	// The proxy logs after the app has its answer (the checks add nothing to its wait), so
	// the last request's lines may come a little after its answer.
	lines := 0
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if lines = strings.Count(log.String(), "contract violation"); lines >= 4 || time.Now().After(deadline) {
			break
		}
	}
	if lines < 4 || !strings.Contains(log.String(), "createdAt") {
		t.Errorf("the access log has %d violation lines, want one per violation (at least 4), naming createdAt:\n%s", lines, log.String())
	}
}

// TestProxyUpstreamFailures: an upstream that is gone answers 502, one that takes too long
// 504, both with the Error body; the journal says why.
func TestProxyUpstreamFailures(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	release := make(chan struct{})
	slow := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) })

	for _, tt := range []struct {
		name, upstream string
		status         int
	}{
		{"gone", goneURL, http.StatusBadGateway},
		{"slow", slow, http.StatusGatewayTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, err := NewUpstreamClient("", 50*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			p := newProxyMock(t, tt.upstream, func(c *Config) { c.Upstream.Client = client })
			r := gatewayError(t, p, "/v1/programs/1/members/3", "X-Correlation-Id", "app-id-2")
			expectError(t, r, tt.status)
			if r.header.Get("X-Correlation-Id") != "app-id-2" {
				t.Errorf("X-Correlation-Id %q, want the request's", r.header.Get("X-Correlation-Id"))
			}
			e := journalOf(t, p)[0]
			if e.Status != tt.status || !strings.HasPrefix(e.Forced, "upstream: ") {
				t.Errorf("journal entry %+v, want status %d forced by the upstream", e, tt.status)
			}
		})
	}
}

// TestProxyTLS: TLS verification is on; --upstream-ca makes a private CA trusted.
func TestProxyTLS(t *testing.T) {
	m := newMock(t, 7)
	h, err := New(Config{Dataset: m.data, Validator: m.v})
	if err != nil {
		t.Fatal(err)
	}
	tlsSrv := httptest.NewTLSServer(h)
	t.Cleanup(tlsSrv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	if err := os.WriteFile(ca, cert, 0o600); err != nil {
		t.Fatal(err)
	}
	trusting, err := NewUpstreamClient(ca, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := newProxyMock(t, tlsSrv.URL, func(c *Config) { c.Upstream.Client = trusting }).get("/v1/programs/1"); r.status != http.StatusOK {
		t.Errorf("with the CA: %d %s, want 200", r.status, r.body)
	}
	r := gatewayError(t, newProxyMock(t, tlsSrv.URL), "/v1/programs/1")
	expectError(t, r, http.StatusBadGateway)
	if !strings.Contains(string(r.body), "certificate") {
		t.Errorf("without the CA the 502 does not say the certificate is the problem: %s", r.body)
	}
	if _, err := NewUpstreamClient(filepath.Join(t.TempDir(), "none.pem"), 0); err == nil {
		t.Errorf("a missing CA file was accepted")
	}
}

// gatewayError gets path from the proxy expecting its own answer for an upstream that gave
// none: 502 or 504, which the API's document does not know, with the Error body.
func gatewayError(t testing.TB, p *mock, path string, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("ET-Client-Name", "acme-tests")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.v.ValidateErrorBody(body); err != nil {
		t.Errorf("GET %s: %d is not the Error body: %v", path, resp.StatusCode, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}
