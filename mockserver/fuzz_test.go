package mockserver

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
)

// The fuzz targets send requests straight into the engine (no sockets, so
// millions of them fit in a short run) and hold every answer to the same
// invariants: no 5xx (a panic would be one: the recovery turns it into a
// 500), every 4xx the Error body, every answer to a documented operation
// valid against the spec, and the headers every response carries. Requests
// are made by parsing wire bytes with http.ReadRequest, exactly as
// net/http's server does; what it refuses never reaches the mock (the server
// answers it itself), so the fuzz skips it.
//
// `make fuzz` runs each target for a while; plain `go test` runs the seed
// corpus in testdata/fuzz.

// fuzzClock is a fixed instant, so a fuzz input always meets the same
// expiry decision and rate-limit window.
func fuzzClock() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }

// fuzzTarget is an engine to fuzz, and the ids of real data in it, so that
// inputs reach the handlers' own parsing and not only the 404s.
type fuzzTarget struct {
	h     http.Handler
	m     *mock // for its validator
	paths []string
}

func newFuzzTarget(f *testing.F, mutate ...func(*Config)) *fuzzTarget {
	f.Helper()
	data, err := fixtures.New(1)
	if err != nil {
		f.Fatal(err)
	}
	cfg := Config{Dataset: data, Validator: validator(f), Clock: fuzzClock}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	p := data.Programs()[0]
	ps := data.Personas(p.ID)
	act, _ := data.Activity(p.ID, ps.Regular)
	member := fmt.Sprintf("/v1/programs/%d/members/%d", p.ID, ps.Regular)
	return &fuzzTarget{
		h: h,
		m: &mock{t: f, v: cfg.Validator, data: data},
		paths: []string{
			fmt.Sprintf("/v1/programs/%d", p.ID),
			fmt.Sprintf("/v1/programs/%d/members", p.ID),
			member,
			member + "/transactions",
			member + "/point-periods",
			fmt.Sprintf("%s/point-periods/%d", member, act.PointPeriods[0].ID),
			member + "/reward-ladder",
			member + "/points-history",
			member + "/suspension-periods",
			"/healthz",
			"/__mock/catalog",
		},
	}
}

// serve parses raw as a request off the wire and answers it. ok is false
// when net/http would not have let the request through to a handler.
func (ft *fuzzTarget) serve(raw string) (req *http.Request, resp *http.Response, ok bool) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return nil, nil, false
	}
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	ft.h.ServeHTTP(rec, req)
	return req, rec.Result(), true
}

// check holds one answer to the invariants.
func (ft *fuzzTarget) check(t *testing.T, req *http.Request, resp *http.Response) {
	t.Helper()
	v := ft.m.v
	target := req.Method + " " + req.RequestURI
	if len(target) > 300 {
		target = target[:300] + "…"
	}
	if resp.StatusCode >= 500 {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: status %d\n%s", target, resp.StatusCode, body)
	}
	if resp.Header.Get("X-Correlation-Id") == "" {
		t.Fatalf("%s: no X-Correlation-Id", target)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%s: no X-Content-Type-Options: nosniff", target)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("%s: 429 with Retry-After %q", target, resp.Header.Get("Retry-After"))
		}
	}
	documented := false
	if req.Method == http.MethodGet {
		_, documented = v.FindOperation(req.Method, req.URL.Path)
	}
	if documented {
		if err := v.ValidateResponse(req, resp); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// A HEAD answer keeps its body here: net/http's server is what drops it
	// on the wire (TestBadInput checks that), so it is checked like GET's.
	switch {
	case resp.StatusCode == http.StatusNoContent:
		if len(body) != 0 {
			t.Fatalf("%s: %d answered with a body of %d bytes", target, resp.StatusCode, len(body))
		}
	case resp.StatusCode >= 400:
		if err := v.ValidateErrorBody(body); err != nil {
			t.Fatalf("%s: %d: %v\n%s", target, resp.StatusCode, err, body)
		}
		r := response{status: resp.StatusCode, header: resp.Header, body: body}
		expectError(t, r, resp.StatusCode)
	}
}

// wire writes a GET request for target as a client would, with the header
// lines given.
func wire(method, target string, headers ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: mock.test\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// FuzzQuery fuzzes the query string of every operation: paging, filters,
// repeated and unknown parameters, escapes.
func FuzzQuery(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Add(uint8(1), "page=0&perPage=20")
	f.Fuzz(func(t *testing.T, op uint8, query string) {
		path := ft.paths[int(op)%len(ft.paths)]
		req, resp, ok := ft.serve(wire("GET", path+"?"+query, "ET-Client-Name: acme-fuzz"))
		if !ok {
			t.Skip("net/http refuses this request line")
		}
		ft.check(t, req, resp)
	})
}

// FuzzPathParams fuzzes the values of the path parameters, escaped into
// their segments so the route stays the same.
func FuzzPathParams(f *testing.F) {
	ft := newFuzzTarget(f)
	f.Add(uint8(5), "1", "3", "1")
	f.Fuzz(func(t *testing.T, route uint8, programID, memberID, pointPeriodID string) {
		p, m, pp := url.PathEscape(programID), url.PathEscape(memberID), url.PathEscape(pointPeriodID)
		subs := []string{"", "/members", "/members/" + m, "/members/" + m + "/transactions",
			"/members/" + m + "/point-periods", "/members/" + m + "/point-periods/" + pp,
			"/members/" + m + "/reward-ladder", "/members/" + m + "/points-history",
			"/members/" + m + "/suspension-periods"}
		path := "/v1/programs/" + p + subs[int(route)%len(subs)]
		req, resp, ok := ft.serve(wire("GET", path, "ET-Client-Name: acme-fuzz"))
		if !ok {
			t.Skip("net/http refuses this request line")
		}
		ft.check(t, req, resp)
	})
}

// FuzzRequest fuzzes whole requests: method, target and a header, under
// each auth mode and in rate-limit mode.
func FuzzRequest(f *testing.F) {
	targets := []*fuzzTarget{
		newFuzzTarget(f),
		newFuzzTarget(f, func(c *Config) { c.Auth = AuthBearer }),
		newFuzzTarget(f, func(c *Config) { c.Auth = AuthJWT }),
		newFuzzTarget(f, func(c *Config) {
			c.RateLimit = &RateLimit{Anonymous: 2, Named: 50, Window: time.Second}
			c.Limits = Limits{MaxURLBytes: 512, MaxHeaderBytes: 1024}
		}),
	}
	f.Add(uint8(0), "GET", "/v1/programs/1/members?perPage=5", "X-Correlation-Id", "fuzz-1")
	f.Fuzz(func(t *testing.T, mode uint8, method, target, name, value string) {
		ft := targets[int(mode)%len(targets)]
		headers := []string{name + ": " + value}
		if mode&0x80 == 0 {
			headers = append(headers, "ET-Client-Name: acme-fuzz")
		}
		req, resp, ok := ft.serve(wire(method, target, headers...))
		if !ok {
			t.Skip("net/http refuses this request")
		}
		ft.check(t, req, resp)
	})
}

// FuzzJWT fuzzes the structural JWT check: it never panics, what it accepts
// has the structure, and what it says about a refusal can be put in a
// WWW-Authenticate quoted string and never repeats the token.
func FuzzJWT(f *testing.F) {
	now := fuzzClock()
	f.Add(jwt(`{"alg":"HS256"}`, `{"exp":1}`, "c2ln"))
	f.Fuzz(func(t *testing.T, token string) {
		err := checkJWT(token, now)
		if err == nil {
			if strings.Count(token, ".") != 2 {
				t.Fatalf("accepted %q, which is not three parts", token)
			}
			return
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\"\\\r\n") {
			t.Fatalf("refusal %q cannot be quoted in WWW-Authenticate", msg)
		}
		if len(token) >= 16 && strings.Contains(token, ".") && strings.Contains(msg, token) {
			t.Fatalf("refusal %q repeats the token", msg)
		}
	})
}
