package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"log/slog"
)

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// send makes a request with an optional body to the mock's own endpoints and checks that an
// error answer carries the Error body.
func (m *mock) send(method, path, body string, headers ...string) response {
	m.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.url+path, rd)
	if err != nil {
		m.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	if resp.StatusCode >= 400 {
		if err := m.v.ValidateErrorBody(b); err != nil {
			m.t.Fatalf("%s %s: %d without the Error body: %v\n%s", method, path, resp.StatusCode, err, b)
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// addRule posts a fault rule and fails unless it is created.
func (m *mock) addRule(rule string) FaultRule {
	m.t.Helper()
	r := m.send(http.MethodPost, "/__mock/faults", rule)
	if r.status != http.StatusCreated {
		m.t.Fatalf("POST /__mock/faults %s: %d\n%s", rule, r.status, r.body)
	}
	var fr FaultRule
	if err := json.Unmarshal(r.body, &fr); err != nil {
		m.t.Fatal(err)
	}
	return fr
}

func (m *mock) journal(query string) JournalList {
	m.t.Helper()
	r := m.send(http.MethodGet, "/__mock/requests"+query, "")
	if r.status != http.StatusOK {
		m.t.Fatalf("GET /__mock/requests%s: %d\n%s", query, r.status, r.body)
	}
	var jl JournalList
	if err := json.Unmarshal(r.body, &jl); err != nil {
		m.t.Fatal(err)
	}
	return jl
}

// opPaths is one concrete path per operation, for the default seed's program 1.
func opPaths(t *testing.T, m *mock) map[string]string {
	t.Helper()
	c := m.catalog()
	reg := c.Programs[0].Personas.Regular
	a, _ := m.data.Activity(1, reg)
	pp := a.PointPeriods[0].ID
	base := fmt.Sprintf("/v1/programs/1/members/%d", reg)
	return map[string]string{
		"getProgram":                 "/v1/programs/1",
		"getMembers":                 "/v1/programs/1/members",
		"getMember":                  base,
		"getMemberTransactions":      base + "/transactions",
		"getMemberPointPeriods":      base + "/point-periods",
		"getMemberPointPeriod":       fmt.Sprintf("%s/point-periods/%d", base, pp),
		"getMemberRewardLadder":      base + "/reward-ladder",
		"getMemberPointsHistory":     base + "/points-history",
		"getMemberSuspensionPeriods": base + "/suspension-periods",
	}
}

// TestPreferEveryDocumentedStatus forces every documented status of every operation: each
// answer validates against the spec (m.get checks), carries the Error body with that
// status, and Retry-After on a 429.
func TestPreferEveryDocumentedStatus(t *testing.T) {
	m := newMock(t, 1)
	paths := opPaths(t, m)
	for _, op := range m.v.Operations() {
		path, ok := paths[op.ID]
		if !ok {
			t.Fatalf("no path for %s", op.ID)
		}
		for _, status := range op.Statuses {
			r := m.get(path, "Prefer", fmt.Sprintf("status=%d", status))
			if r.status != status {
				t.Errorf("%s Prefer: status=%d answered %d\n%s", op.ID, status, r.status, r.body)
				continue
			}
			if status == http.StatusOK {
				continue
			}
			expectError(t, r, status)
			if got := r.header.Get("Preference-Applied"); got != fmt.Sprintf("status=%d", status) {
				t.Errorf("Preference-Applied = %q", got)
			}
			if status == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
				t.Errorf("%s: a forced 429 has no Retry-After", op.ID)
			}
			if status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: a forced 401 has no WWW-Authenticate", op.ID)
			}
		}
	}
}

func TestPreferRefusesWhatIsNotDocumented(t *testing.T) {
	m := newMock(t, 1)
	r := m.get("/v1/programs/1/members/88", "Prefer", "status=418")
	expectError(t, r, http.StatusBadRequest, "Prefer")
	var body apiError
	json.Unmarshal(r.body, &body)
	if msg := body.Errors[0].Message; !strings.Contains(msg, "getMember") || !strings.Contains(msg, "200, 400, 401, 404") {
		t.Errorf("the message does not list the allowed statuses: %q", msg)
	}
	for _, bad := range []string{"status=abc", "status=", "delay=-1", "delay=99999999", "delay=1.5s", "code=9000"} {
		expectError(t, m.get("/v1/programs/1/members/88", "Prefer", bad), http.StatusBadRequest, "Prefer")
	}
}

func TestPreferParsing(t *testing.T) {
	tests := []struct {
		headers []string
		status  int
		delay   time.Duration
	}{
		{[]string{"status=404"}, 404, 0},
		{[]string{"delay=1500"}, 0, 1500 * time.Millisecond},
		{[]string{"status=404, delay=20"}, 404, 20 * time.Millisecond},
		{[]string{"status=404; delay=20"}, 404, 20 * time.Millisecond},
		{[]string{"return=minimal", `Status="429" ;  Delay = 5`}, 429, 5 * time.Millisecond},
		{[]string{"code=500"}, 500, 0},
		{[]string{"status=404", "status=500"}, 404, 0}, // the first instance counts (RFC 7240)
		{[]string{"respond-async, wait=10"}, 0, 0},
	}
	for _, tt := range tests {
		p, err := parsePrefer(tt.headers)
		if err != nil || p.status != tt.status || p.delay != tt.delay {
			t.Errorf("parsePrefer(%q) = %+v, %v; want status %d delay %s", tt.headers, p, err, tt.status, tt.delay)
		}
	}
}

func TestPreferDelay(t *testing.T) {
	m := newMock(t, 1)
	start := time.Now()
	r := m.get("/v1/programs/1/members/88", "Prefer", "delay=300")
	if took := time.Since(start); r.status != http.StatusOK || took < 300*time.Millisecond {
		t.Errorf("Prefer: delay=300 answered %d after %s", r.status, took)
	}
	start = time.Now()
	r = m.get("/v1/programs/1/members/88", "Prefer", "status=503; delay=1")
	expectError(t, r, http.StatusBadRequest, "Prefer")
	r = m.get("/v1/programs/1/members/88", "Prefer", "status=404; delay=150")
	if took := time.Since(start); r.status != http.StatusNotFound || took < 150*time.Millisecond {
		t.Errorf("status=404; delay=150 answered %d after %s", r.status, took)
	}
	if got := r.header.Get("Preference-Applied"); got != "status=404, delay=150" {
		t.Errorf("Preference-Applied = %q", got)
	}
	if r := m.get("/v1/programs/1/members/88", "Prefer", "return=minimal"); r.status != http.StatusOK || r.header.Get("Preference-Applied") != "" {
		t.Errorf("an unknown preference changed the answer: %d %v", r.status, r.header)
	}
}

func TestFaultRulesCRUD(t *testing.T) {
	m := newMock(t, 1)
	a := m.addRule(`{"operationId": "getMember", "status": 500}`)
	b := m.addRule(`{"path": "/v1/programs/*/members/**", "clientName": "acme-app", "delayMs": 10, "delayMaxMs": 20, "every": 2}`)
	if a.ID != 1 || b.ID != 2 || !a.Active || b.Every != 2 {
		t.Fatalf("rules = %+v, %+v", a, b)
	}
	var list FaultList
	json.Unmarshal(m.send(http.MethodGet, "/__mock/faults", "").body, &list)
	if len(list.Rules) != 2 || list.Rules[1].Path != "/v1/programs/*/members/**" {
		t.Fatalf("GET /__mock/faults = %+v", list)
	}
	if r := m.send(http.MethodGet, "/__mock/faults/2", ""); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"clientName":"acme-app"`)) {
		t.Errorf("GET /__mock/faults/2 = %d %s", r.status, r.body)
	}
	if r := m.send(http.MethodDelete, "/__mock/faults/1", ""); r.status != http.StatusNoContent {
		t.Errorf("DELETE /__mock/faults/1 = %d", r.status)
	}
	expectError(t, m.send(http.MethodGet, "/__mock/faults/1", ""), http.StatusNotFound)
	expectError(t, m.send(http.MethodDelete, "/__mock/faults/1", ""), http.StatusNotFound)
	expectError(t, m.send(http.MethodGet, "/__mock/faults/x", ""), http.StatusBadRequest, "id")
	if r := m.send(http.MethodDelete, "/__mock/faults", ""); r.status != http.StatusNoContent {
		t.Errorf("DELETE /__mock/faults = %d", r.status)
	}
	json.Unmarshal(m.send(http.MethodGet, "/__mock/faults", "").body, &list)
	if len(list.Rules) != 0 {
		t.Errorf("rules left after DELETE: %+v", list.Rules)
	}

	for _, tt := range []struct {
		rule   string
		fields []string
	}{
		{`{"status": 500}`, []string{"operationId"}},
		{`{"operationId": "getMembr", "status": 500}`, []string{"operationId"}},
		{`{"operationId": "getMember", "status": 418}`, []string{"status"}},
		{`{"operationId": "getMember", "status": 200}`, []string{"status"}},
		{`{"operationId": "getMember"}`, []string{"status"}},
		{`{"path": "v1/programs", "status": 500}`, []string{"path"}},
		{`{"path": "/v1/**/members", "status": 500}`, []string{"path"}},
		{`{"operationId": "getMember", "status": 500, "drop": true}`, []string{"drop"}},
		{`{"operationId": "getMember", "delayMs": 50, "delayMaxMs": 10}`, []string{"delayMaxMs"}},
		{`{"operationId": "getMember", "delayMs": 60000}`, []string{"delayMs"}},
		{`{"operationId": "getMember", "status": 500, "every": 2, "times": 3}`, []string{"every"}},
		{`{"operationId": "getMember", "status": 500, "probability": 1.5}`, []string{"probability"}},
		{`{"operationId": "getMember", "status": 500, "colour": "red"}`, []string{"colour"}},
		{`{"operationId": "getMember", "status": "500"}`, []string{"status"}},
	} {
		expectError(t, m.send(http.MethodPost, "/__mock/faults", tt.rule), http.StatusBadRequest, tt.fields...)
	}
}

func TestFaultRulesFire(t *testing.T) {
	m := newMock(t, 1)
	const member = "/v1/programs/1/members/88"
	m.addRule(`{"operationId": "getMemberTransactions", "status": 429, "times": 2}`)
	for i, want := range []int{429, 429, 200, 200} {
		r := m.get(member + "/transactions")
		if r.status != want {
			t.Fatalf("request %d answered %d, want %d", i+1, r.status, want)
		}
		if want == 429 {
			expectError(t, r, 429)
			if r.header.Get("Retry-After") != "1" {
				t.Errorf("a 429 from a rule has Retry-After %q", r.header.Get("Retry-After"))
			}
		}
	}
	if r := m.get(member); r.status != http.StatusOK {
		t.Errorf("another operation answered %d", r.status)
	}
	rule, _ := m.rule(1)
	if rule.Matched != 2 || rule.Fired != 2 || rule.Active {
		t.Errorf("after the next 2 requests: %+v", rule)
	}

	// Every third request, only for one client.
	m.send(http.MethodDelete, "/__mock/faults", "")
	expectError(t, m.send(http.MethodPost, "/__mock/faults", `{"operationId": "getMember", "status": 503}`), http.StatusBadRequest, "status")
	m.addRule(`{"path": "/v1/programs/*/members/**", "clientName": "acme-app", "status": 500, "every": 3}`)
	var got []int
	for range 6 {
		got = append(got, m.get(member+"/point-periods", "ET-Client-Name", "acme-app").status)
		if r := m.get(member+"/point-periods", "ET-Client-Name", "other-app"); r.status != http.StatusOK {
			t.Fatalf("another client got %d", r.status)
		}
	}
	if want := []int{200, 200, 500, 200, 200, 500}; !slices.Equal(got, want) {
		t.Errorf("every 3rd: %v, want %v", got, want)
	}
	if r := m.get("/v1/programs/1", "ET-Client-Name", "acme-app"); r.status != http.StatusOK {
		t.Errorf("a path the pattern does not match answered %d", r.status)
	}

	// A delay for every request to one operation.
	m.send(http.MethodDelete, "/__mock/faults", "")
	m.addRule(`{"operationId": "getMemberRewardLadder", "delayMs": 200}`)
	start := time.Now()
	if r := m.get(member + "/reward-ladder"); r.status != http.StatusOK || time.Since(start) < 200*time.Millisecond {
		t.Errorf("delayed answer: %d after %s", r.status, time.Since(start))
	}
}

func (m *mock) rule(id int64) (FaultRule, bool) {
	r := m.send(http.MethodGet, fmt.Sprintf("/__mock/faults/%d", id), "")
	var fr FaultRule
	json.Unmarshal(r.body, &fr)
	return fr, r.status == http.StatusOK
}

func TestFaultRuleDropsTheConnection(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.JournalSize = 10 })
	m.addRule(`{"operationId": "getMember", "drop": true, "times": 1}`)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodGet, m.url+"/v1/programs/1/members/88", nil)
	req.Header.Set("ET-Client-Name", "acme-tests")
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped connection answered %d", resp.StatusCode)
	}
	if r := m.get("/v1/programs/1/members/88"); r.status != http.StatusOK {
		t.Errorf("after the one drop: %d", r.status)
	}
	// The handler records the drop after closing the connection: the client may ask first.
	j := m.journal("?operationId=getMember")
	for deadline := time.Now().Add(2 * time.Second); len(j.Requests) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		j = m.journal("?operationId=getMember")
	}
	i := slices.IndexFunc(j.Requests, func(e JournalEntry) bool { return e.Dropped })
	if len(j.Requests) != 2 || i < 0 || j.Requests[i].Status != 0 || j.Requests[i].ResponseValid != nil ||
		j.Requests[i].Forced != "fault rule 1" || j.Requests[1-i].Status != http.StatusOK {
		t.Errorf("journal of a drop: %+v", j.Requests)
	}
}

// firings returns, for each of n requests, whether a probability rule fired on it.
func firings(t *testing.T, seed int64, n int) []bool {
	m := newMock(t, seed)
	m.addRule(`{"operationId": "getMember", "status": 500, "probability": 0.3, "delayMs": 0, "delayMaxMs": 3}`)
	out := make([]bool, n)
	for i := range out {
		out[i] = m.get("/v1/programs/1/members/88").status == http.StatusInternalServerError
	}
	return out
}

func TestProbabilityRulesRepeatForTheSameSeed(t *testing.T) {
	a, b := firings(t, 7, 60), firings(t, 7, 60)
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed fired differently:\n%v\n%v", a, b)
	}
	fired := 0
	for _, f := range a {
		if f {
			fired++
		}
	}
	if fired == 0 || fired == len(a) {
		t.Errorf("probability 0.3 fired %d of %d times", fired, len(a))
	}
	if c := firings(t, 8, 60); slices.Equal(a, c) {
		t.Error("seeds 7 and 8 fired on exactly the same requests")
	}
	// A reset restarts rule ids, so the same rule fires the same way again.
	m := newMock(t, 7)
	for range 2 {
		m.send(http.MethodPost, "/__mock/reset", "")
		m.addRule(`{"operationId": "getMember", "status": 500, "probability": 0.3, "delayMs": 0, "delayMaxMs": 3}`)
		var got []bool
		for range 60 {
			got = append(got, m.get("/v1/programs/1/members/88").status == http.StatusInternalServerError)
		}
		if !slices.Equal(got, a) {
			t.Fatalf("after a reset the rule fired differently:\n%v\n%v", got, a)
		}
	}
}

func TestJournal(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.JournalSize = 5 })
	m.get("/v1/programs/1/members/88/transactions?perPage=5", "X-Correlation-Id", "corr-1", "ET-Client-Name", "acme-app")
	m.get("/v1/programs/1/members/88/transactions?perPage=0", "ET-Client-Name", "acme-app")
	m.get("/v1/programs/1/members/88", "Prefer", "status=404", "ET-Client-Name", "other")
	m.get("/healthz")
	m.catalog()
	j := m.journal("")
	if j.Size != 5 || j.Recorded != 3 || len(j.Requests) != 3 {
		t.Fatalf("journal = %+v", j)
	}
	e := j.Requests[0]
	if e.Seq != 1 || e.Method != "GET" || e.Path != "/v1/programs/1/members/88/transactions" || e.Query != "perPage=5" ||
		e.Status != 200 || e.CorrelationID != "corr-1" || e.ClientName != "acme-app" || e.OperationID != "getMemberTransactions" ||
		e.LatencyMs <= 0 || e.Time.IsZero() || e.Forced != "" {
		t.Errorf("entry 1 = %+v", e)
	}
	if e.RequestValid == nil || !*e.RequestValid || e.ResponseValid == nil || !*e.ResponseValid {
		t.Errorf("a valid exchange: request %v response %v %v", e.RequestValid, e.ResponseValid, e.ResponseErrors)
	}
	bad := j.Requests[1]
	if bad.Status != 400 || bad.RequestValid == nil || *bad.RequestValid || len(bad.RequestErrors) == 0 ||
		!strings.HasPrefix(bad.RequestErrors[0], "perPage: ") || bad.ResponseValid == nil || !*bad.ResponseValid {
		t.Errorf("an invalid request: %+v", bad)
	}
	forced := j.Requests[2]
	if forced.Status != 404 || forced.Forced != "Prefer: status=404" || forced.ResponseValid == nil || !*forced.ResponseValid {
		t.Errorf("a forced answer: %+v", forced)
	}

	if got := m.journal("?clientName=acme-app&limit=1").Requests; len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("filtered by client, last 1: %+v", got)
	}
	if got := m.journal("?status=404").Requests; len(got) != 1 || got[0].Seq != 3 {
		t.Errorf("filtered by status: %+v", got)
	}
	expectError(t, m.send(http.MethodGet, "/__mock/requests?limit=0", ""), http.StatusBadRequest, "limit")

	// The ring keeps the last 5.
	for range 4 {
		m.get("/v1/programs/1")
	}
	if j := m.journal(""); len(j.Requests) != 5 || j.Requests[0].Seq != 3 || j.Recorded != 7 {
		t.Errorf("after 7 requests: %d kept, first %d, recorded %d", len(j.Requests), j.Requests[0].Seq, j.Recorded)
	}
	// Clearing one client's entries leaves the others.
	m.send(http.MethodDelete, "/__mock/requests?clientName=other", "")
	if j := m.journal(""); len(j.Requests) != 4 {
		t.Errorf("after clearing client other: %d entries", len(j.Requests))
	}
	if r := m.send(http.MethodDelete, "/__mock/requests", ""); r.status != http.StatusNoContent {
		t.Errorf("DELETE /__mock/requests = %d", r.status)
	}
	m.get("/v1/programs/1")
	if j := m.journal(""); len(j.Requests) != 1 || j.Requests[0].Seq != 8 {
		t.Errorf("after clearing: %+v", j.Requests)
	}
}

func TestJournalOff(t *testing.T) {
	m := newMock(t, 1)
	expectError(t, m.send(http.MethodGet, "/__mock/requests", ""), http.StatusNotFound)
}

func TestAdminToken(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.AdminToken = "s3cret"; c.JournalSize = 10 })
	for _, h := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", "s3cret"}} {
		r := m.send(http.MethodGet, "/__mock/faults", "", h...)
		expectError(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without a challenge")
		}
	}
	for _, ep := range []struct{ method, path string }{{"POST", "/__mock/reset"}, {"GET", "/__mock/requests"}, {"POST", "/__mock/fixtures"}, {"DELETE", "/__mock/faults/1"}} {
		expectError(t, m.send(ep.method, ep.path, ""), http.StatusUnauthorized)
	}
	if r := m.send(http.MethodGet, "/__mock/faults", "", "Authorization", "Bearer s3cret"); r.status != http.StatusOK {
		t.Errorf("with the token: %d", r.status)
	}
	if r := m.get("/__mock/catalog"); r.status != http.StatusOK {
		t.Errorf("the catalog needs no token, answered %d", r.status)
	}
}

func TestAdminOff(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.DisableAdmin = true; c.JournalSize = 10 })
	for _, ep := range []struct{ method, path string }{{"POST", "/__mock/reset"}, {"GET", "/__mock/faults"}, {"GET", "/__mock/requests"}, {"POST", "/__mock/fixtures"}} {
		if r := m.send(ep.method, ep.path, ""); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s with admin off: %d", ep.method, ep.path, r.status)
		}
	}
	if c := m.catalog(); len(c.Programs) != 3 {
		t.Errorf("catalog with admin off: %+v", c)
	}
	// Prefer works without the admin endpoints.
	expectError(t, m.get("/v1/programs/1", "Prefer", "status=500"), http.StatusInternalServerError)
}

func TestAdminCORS(t *testing.T) {
	m := newMock(t, 1)
	req, _ := http.NewRequest(http.MethodOptions, m.url+"/__mock/faults", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "POST") || !strings.Contains(got, "DELETE") {
		t.Errorf("preflight of an admin POST allows %q", got)
	}
}

func TestReset(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.JournalSize = 10 })
	m.addRule(`{"operationId": "getMember", "status": 500}`)
	m.get("/v1/programs/1")
	m.send(http.MethodPost, "/__mock/fixtures", "members:\n  - {programId: 1, id: 88, customerId: TEST-1}\n")
	r := m.send(http.MethodPost, "/__mock/reset", "")
	if r.status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if got := m.get("/v1/programs/1/members/88"); got.status != http.StatusOK || bytes.Contains(got.body, []byte("TEST-1")) {
		t.Errorf("after reset: %d %s", got.status, got.body)
	}
	var list FaultList
	json.Unmarshal(m.send(http.MethodGet, "/__mock/faults", "").body, &list)
	if len(list.Rules) != 0 {
		t.Errorf("rules survived the reset: %+v", list.Rules)
	}
	if j := m.journal(""); len(j.Requests) != 1 {
		t.Errorf("the journal after reset holds %d entries, want the one request since", len(j.Requests))
	}

	// A new seed: other data, the catalog says so.
	before := m.get("/v1/programs/1/members/17").body
	r = m.send(http.MethodPost, "/__mock/reset", `{"seed": 42}`)
	var cat Catalog
	json.Unmarshal(r.body, &cat)
	if r.status != http.StatusOK || cat.Seed != 42 || m.catalog().Seed != 42 {
		t.Fatalf("reset to seed 42: %d %s", r.status, r.body)
	}
	if after := m.get("/v1/programs/1/members/17").body; bytes.Equal(before, after) {
		t.Error("member 17 is the same after reseeding")
	}
	want, _ := fixtures.New(42)
	wm, _ := want.Member(1, 17)
	wb, _ := json.Marshal(wm)
	if got := m.get("/v1/programs/1/members/17").body; !bytes.Equal(got, wb) {
		t.Errorf("member 17 after reset to 42 is not seed 42's:\n%s\n%s", got, wb)
	}
	if r := m.send(http.MethodPost, "/__mock/reset?seed=1", ""); r.status != http.StatusOK || m.catalog().Seed != 1 {
		t.Errorf("reset with ?seed=1: %d", r.status)
	}
	expectError(t, m.send(http.MethodPost, "/__mock/reset?seed=0", ""), http.StatusBadRequest, "seed")
	expectError(t, m.send(http.MethodPost, "/__mock/reset", `{"seed": "x"}`), http.StatusBadRequest, "seed")
}

const overlayBody = `programs:
  - id: 9
    name: Testprogram
    organisationId: 99
    pointDefinitions: [{reference: testpoeng}]
    levels:
      - {name: Bronse, requirements: [{pointDefinitionReference: testpoeng, amount: 100}]}
      - {name: Sølv, requirements: [{pointDefinitionReference: testpoeng, amount: 300}]}
  - id: 10
    name: Tomt program
    organisationId: 100
    pointDefinitions: [{reference: tomme}]
    levels:
      - {name: A, requirements: [{pointDefinitionReference: tomme, amount: 1}]}
      - {name: B, requirements: [{pointDefinitionReference: tomme, amount: 2}]}
members:
  - programId: 9
    id: 900001
    customerId: "4700000001"
    createdAt: 2025-01-10T08:00:00Z
    pointPeriods:
      - {id: 900001001, startAt: 2026-05-10T08:00:00Z, endAt: 2026-06-09T08:00:00Z}
    transactions:
      - {amount: 150, validFrom: 2026-05-12T07:30:00Z, pointPeriodId: 900001001}
    suspensionPeriods:
      - {startAt: 2026-05-30T00:00:00Z}
`

func TestPostFixtures(t *testing.T) {
	m := newMock(t, 1)
	r := m.send(http.MethodPost, "/__mock/fixtures", overlayBody, "Content-Type", "application/yaml")
	if r.status != http.StatusOK {
		t.Fatalf("POST /__mock/fixtures: %d %s", r.status, r.body)
	}
	cat := m.catalog()
	if len(cat.Programs) != 5 || cat.Programs[3].ID != 9 || cat.Programs[3].Members != 1 || cat.Programs[4].Members != 0 {
		t.Fatalf("catalog after the overlay: %+v", cat.Programs)
	}
	// Every operation answers for the new member, and validates (m.ok checks).
	base := "/v1/programs/9/members/900001"
	for _, p := range []string{"/v1/programs/9", "/v1/programs/9/members", base, base + "/transactions", base + "/point-periods",
		base + "/point-periods/900001001", base + "/reward-ladder", base + "/points-history", base + "/suspension-periods",
		"/v1/programs/9/members?customerId=4700000001"} {
		m.ok(p)
	}
	if got := m.ok("/v1/programs/10/members"); got["totalItems"] != float64(0) || len(items(t, got)) != 0 {
		t.Errorf("an empty program's members: %v", got)
	}
	if rl := m.ok(base + "/reward-ladder"); rl["currentLevelId"] != float64(901) {
		t.Errorf("reward ladder: %v", rl)
	}

	// A bad overlay is refused with its line and field, and changes nothing.
	before := m.get("/v1/programs/1/members/88").body
	r = m.send(http.MethodPost, "/__mock/fixtures", "members:\n  - {programId: 1, id: 88, customerId: NEW}\n  - programId: 1\n    id: 89\n    createdAt: 2030-01-01T00:00:00Z\n")
	expectError(t, r, http.StatusUnprocessableEntity, "members[1].createdAt", "members[1].updatedAt")
	if !bytes.Contains(r.body, []byte("line 5: ")) || !bytes.Contains(r.body, []byte("after now")) {
		t.Errorf("the error does not say where and why: %s", r.body)
	}
	if after := m.get("/v1/programs/1/members/88").body; !bytes.Equal(before, after) {
		t.Error("a refused overlay changed member 88")
	}
	r = m.send(http.MethodPost, "/__mock/fixtures", "programs: [")
	expectError(t, r, http.StatusUnprocessableEntity, "request body")
	// Overlays stack: a second one overrides the first one's member.
	if r := m.send(http.MethodPost, "/__mock/fixtures", `{"members": [{"programId": 9, "id": 900001, "customerId": "TEST"}]}`); r.status != http.StatusOK {
		t.Fatalf("second overlay: %d %s", r.status, r.body)
	}
	if got := m.ok(base); got["customerId"] != "TEST" {
		t.Errorf("after the second overlay: %v", got)
	}
}

func TestFixturesFileAndWatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "accounts.yaml")
	write := func(text string) {
		t.Helper()
		// Write beside and rename, as editors do, so the watcher never sees half a file.
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	write("members:\n  - {programId: 1, id: 88, customerId: FIRST}\n")
	var logs syncBuffer
	m := newMock(t, 1, func(c *Config) {
		c.FixturesFile = file
		c.WatchFixtures = true
		c.WatchInterval = 20 * time.Millisecond
		c.Context = t.Context()
		c.Logger = slogTo(&logs)
	})
	customer := func() string { return m.ok("/v1/programs/1/members/88")["customerId"].(string) }
	if got := customer(); got != "FIRST" {
		t.Fatalf("at start customerId = %q", got)
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for customer() != want {
			if time.Now().After(deadline) {
				t.Fatalf("customerId is still %q, want %q", customer(), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	write("members:\n  - {programId: 1, id: 88, customerId: SECOND, metadata: {userType: SENIOR}}\n")
	waitFor("SECOND")
	// A bad file leaves the data as it was, and says why in the log.
	write("members:\n  - {programId: 1, id: 88, customerId: THIRD, createdAt: 2099-01-01T00:00:00Z}\n")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "fixtures file not reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("no log line about the bad file:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := customer(); got != "SECOND" {
		t.Errorf("a bad file changed the data: %q", got)
	}
	if !strings.Contains(logs.String(), "accounts.yaml:2: members[0].createdAt") {
		t.Errorf("the log does not name file and line:\n%s", logs.String())
	}
	// Reset reads the file as it is now.
	write("members:\n  - {programId: 1, id: 88, customerId: FOURTH}\n")
	waitFor("FOURTH")
	if r := m.send(http.MethodPost, "/__mock/reset", ""); r.status != http.StatusOK {
		t.Fatalf("reset: %d", r.status)
	}
	if got := customer(); got != "FOURTH" {
		t.Errorf("after reset customerId = %q", got)
	}

	// A bad file at start is refused with its name and line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("members:\n  - {programId: 1, id: 88, organisationId: 5}\n"), 0o600)
	_, err := New(Config{Dataset: m.data, Validator: m.v, FixturesFile: bad})
	var oe *fixtures.OverlayError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "bad.yaml:2") || !strings.Contains(err.Error(), "members[0].organisationId") {
		t.Errorf("New with a bad fixtures file: %v", err)
	}
	if _, err := New(Config{Dataset: m.data, Validator: m.v, WatchFixtures: true}); err == nil {
		t.Error("watching without a file was accepted")
	}
}

// TestSwapsUnderLoad reads while overlays, resets and rules change the state: every answer
// is whole and valid (run with -race).
func TestSwapsUnderLoad(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.JournalSize = 50 })
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, p := range []string{"/v1/programs/1/members/88", "/v1/programs/1/members?perPage=100", "/v1/programs/1/members/88/transactions"} {
					if r := m.get(p); r.status != http.StatusOK && r.status != http.StatusServiceUnavailable && r.status != http.StatusInternalServerError {
						t.Errorf("GET %s: %d", p, r.status)
					}
				}
			}
		}()
	}
	for i := range 10 {
		m.send(http.MethodPost, "/__mock/fixtures", fmt.Sprintf("members:\n  - {programId: 1, id: 88, customerId: LOAD-%d}\n", i))
		m.addRule(`{"operationId": "getMember", "status": 500, "probability": 0.5}`)
		m.journal("")
		if i%3 == 0 {
			m.send(http.MethodPost, "/__mock/reset", "")
		}
	}
	close(stop)
	wg.Wait()
}

// FuzzPrefer: whatever the Prefer header says, the answer is the normal one, a documented
// status with the Error body, or a 400 naming Prefer; never a 5xx the client did not ask for.
func FuzzPrefer(f *testing.F) {
	for _, s := range []string{"status=404", "status=404, delay=0", "code=500;", `status="429"`, "status=418", "delay=abc", ",,;=", "status"} {
		f.Add(s)
	}
	data, err := fixtures.New(1)
	if err != nil {
		f.Fatal(err)
	}
	v := validator(f)
	h, err := New(Config{Dataset: data, Validator: v})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, prefer string) {
		if p, err := parsePrefer([]string{prefer}); err == nil && p.delay > 0 {
			t.Skip("a delay only slows the fuzzer down")
		}
		req, err := http.NewRequest(http.MethodGet, "/v1/programs/1/members/88", nil)
		if err != nil {
			t.Skip()
		}
		req.Header.Set("ET-Client-Name", "acme-fuzz")
		req.Header["Prefer"] = []string{prefer}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Result()
		if err := v.ValidateResponse(req, resp); err != nil {
			t.Fatalf("Prefer %q: %v", prefer, err)
		}
		p, perr := parsePrefer([]string{prefer})
		want := http.StatusOK
		switch {
		case perr != nil:
			want = http.StatusBadRequest
		case p.status != 0:
			want = p.status
			op, _ := v.FindOperation(http.MethodGet, "/v1/programs/1/members/88")
			if !slices.Contains(op.Statuses, p.status) {
				want = http.StatusBadRequest
			}
		}
		if resp.StatusCode != want {
			t.Fatalf("Prefer %q answered %d, want %d", prefer, resp.StatusCode, want)
		}
	})
}
