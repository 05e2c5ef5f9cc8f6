package mockserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// raw sends exactly the bytes of a request over a fresh connection and
// reads the answer, so that a test can send what http.Client would clean up
// or refuse: dot segments, raw non-UTF-8 bytes, repeated slashes. The
// request is parsed the way the server parses it, to validate the answer
// against the spec like every other test does, and every answer is held to
// the hardening rules: X-Correlation-Id, nosniff, no version banner, and the
// Error body on every 4xx.
func (m *mock) raw(method, target string, headers ...string) response {
	m.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target)
	named := true
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "ET-Client-Name" {
			named = false
			if headers[i+1] == "" {
				continue
			}
		}
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	if named {
		b.WriteString("ET-Client-Name: acme-tests\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	wire := b.String()

	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
	if err != nil {
		m.t.Fatalf("%s %s is not a request net/http lets through: %v", method, target, err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(m.url, "http://"))
	if err != nil {
		m.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, wire); err != nil {
		m.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		m.t.Fatalf("%s %s: reading the response: %v", method, clipTarget(target), err)
	}
	defer resp.Body.Close()
	if _, documented := m.v.FindOperation(req.Method, req.URL.Path); documented && method == http.MethodGet {
		if err := m.v.ValidateResponse(req, resp); err != nil {
			m.t.Fatalf("%s %s: response breaks the spec: %v", method, clipTarget(target), err)
		}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	checkHardening(m.t, method+" "+clipTarget(target), r)
	if resp.StatusCode >= 400 && method != http.MethodHead {
		if err := m.v.ValidateErrorBody(body); err != nil {
			m.t.Fatalf("%s %s: %d body is not the Error body: %v\n%s", method, clipTarget(target), resp.StatusCode, err, body)
		}
	}
	return r
}

func clipTarget(s string) string {
	if len(s) > 120 {
		return s[:120] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}

// checkHardening holds any answer to what every response must carry and
// must not: nosniff and a correlation id; no Server or X-Powered-By banner.
func checkHardening(t testing.TB, what string, r response) {
	t.Helper()
	if r.header.Get("X-Correlation-Id") == "" {
		t.Fatalf("%s: no X-Correlation-Id", what)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Fatalf("%s: X-Content-Type-Options = %q, want nosniff", what, got)
	}
	for _, banner := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "Via"} {
		if v := r.header.Get(banner); v != "" {
			t.Fatalf("%s: version banner %s: %s", what, banner, v)
		}
	}
}

// TestBadInput is the table of hostile and odd input of issue 6, over real
// HTTP: each gets the right status and, unless it is HEAD or a preflight,
// the Error body naming the offending parameter.
func TestBadInput(t *testing.T) {
	m := newMock(t, 1)
	p := m.catalog().Programs[0]
	base := fmt.Sprintf("/v1/programs/%d", p.ID)
	member := fmt.Sprintf("%s/members/%d", base, p.Personas.Frequent)
	periods := items(t, m.ok(member+"/point-periods"))
	period := fmt.Sprintf("%s/point-periods/%d", member, id(periods[0]))
	long := func(n int) string { return strings.Repeat("a", n) }

	type tc struct {
		name    string
		method  string
		target  string
		headers []string
		status  int
		fields  []string
	}
	get := func(name, target string, status int, fields ...string) tc {
		return tc{name: name, method: http.MethodGet, target: target, status: status, fields: fields}
	}
	cases := []tc{
		// Integers past int32 and int64.
		get("page past int32", base+"/members?page=2147483648", 400, "page"),
		get("page at int32 max", base+"/members?page=2147483647", 200),
		get("perPage past int32", base+"/members?perPage=2147483648", 400, "perPage"),
		get("page past int64", member+"/transactions?page=9223372036854775808", 400, "page"),
		get("memberId past int64", base+"/members/99999999999999999999", 400, "memberId"),
		get("memberId past int64 under a sub-resource", base+"/members/99999999999999999999/points-history", 400, "memberId"),
		get("programId past int64", "/v1/programs/99999999999999999999/members", 400, "programId"),
		get("pointPeriodId past int64", member+"/point-periods/99999999999999999999", 400, "pointPeriodId"),
		get("memberId at int64 max", base+"/members/9223372036854775807", 404),
		// Negative and zero ids.
		get("programId zero", "/v1/programs/0", 400, "programId"),
		get("programId negative", "/v1/programs/-1/members", 400, "programId"),
		get("memberId zero", base+"/members/0", 400, "memberId"),
		get("memberId negative", base+"/members/-3/reward-ladder", 400, "memberId"),
		get("pointPeriodId zero", member+"/point-periods/0", 400, "pointPeriodId"),
		get("pointPeriodId negative", member+"/point-periods/-1", 400, "pointPeriodId"),
		// Floats and other non-integers.
		get("perPage a float", base+"/members?perPage=1.5", 400, "perPage"),
		get("page a whole float", base+"/members?page=1.0", 400, "page"),
		get("perPage in exponent form", member+"/point-periods?perPage=1e1", 400, "perPage"),
		get("memberId a float", base+"/members/3.0", 400, "memberId"),
		get("memberId hexadecimal", base+"/members/0x10", 400, "memberId"),
		// Repeated parameters.
		get("perPage twice", base+"/members?perPage=1&perPage=2", 400, "perPage"),
		get("page twice, the same value", member+"/transactions?page=0&page=0", 400, "page"),
		get("customerId twice", base+"/members?customerId=a&customerId=b", 400, "customerId"),
		get("createdAfter twice", member+"/points-history?createdAfter=2025-01-01T00:00:00Z&createdAfter=2025-01-01T00:00:00Z", 400, "createdAfter"),
		// Empty values.
		get("customerId empty", base+"/members?customerId=", 400, "customerId"),
		get("orderId empty", member+"/transactions?orderId=", 400, "orderId"),
		get("pointDefinitionReference empty", member+"/points-history?pointDefinitionReference=", 400, "pointDefinitionReference"),
		get("pointEventType empty", member+"/points-history?pointEventType=", 400, "pointEventType"),
		get("createdBefore empty", member+"/points-history?createdBefore=", 400, "createdBefore"),
		get("page empty", base+"/members?page=", 400, "page"),
		get("unknown parameter empty", base+"/members?foo=", 200),
		// Percent-encoded and invalid UTF-8 bytes.
		get("customerId percent-encoded UTF-8", base+"/members?customerId=%C3%A6%C3%B8%C3%A5", 200),
		get("customerId percent-encoded, not UTF-8", base+"/members?customerId=%FF%FE", 400, "customerId"),
		get("orderId a truncated UTF-8 sequence", member+"/transactions?orderId=%C3", 400, "orderId"),
		get("pointDefinitionReference raw bytes, not UTF-8", member+"/transactions?pointDefinitionReference=\xff", 400, "pointDefinitionReference"),
		get("two parameters not UTF-8", member+"/transactions?orderId=%FF&pointDefinitionReference=%FF", 400, "orderId", "pointDefinitionReference"),
		get("unknown parameter not UTF-8 is ignored", base+"/members?foo=%FF", 200),
		get("customerId a NUL byte", base+"/members?customerId=%00", 200),
		get("broken percent escape", base+"/members?customerId=%ZZ", 200),
		get("programId percent-encoded digit", "/v1/programs/%31", 200),
		get("programId percent-encoded, not UTF-8", "/v1/programs/%FF", 400, "programId"),
		get("memberId raw UTF-8 letters", base+"/members/\xc3\xa6", 400, "memberId"),
		get("memberId with a NUL", base+"/members/3%00", 400, "memberId"),
		get("unknown path not UTF-8", "/v1/%FF%FE", 404),
		// Path traversal: never normalized into another resource.
		get("dot-dot segment", base+"/../1/members", 404),
		get("encoded dot-dot segment", base+"/%2e%2e/1/members", 404),
		get("dot-dot out of a member", member+"/../../../2/members", 404),
		get("dot-dot as the memberId", base+"/members/..", 400, "memberId"),
		get("dot as the memberId", base+"/members/.", 400, "memberId"),
		get("encoded slash in memberId", base+"/members/3%2F..%2F4", 404),
		get("dot-dot past the root", "/../../etc/passwd", 404),
		// Double and trailing slashes.
		get("double slash at the start", "/"+base, 404),
		get("double slash inside", "/v1//programs/1", 404),
		get("empty programId", "/v1/programs//members", 400, "programId"),
		get("empty memberId", base+"/members//transactions", 400, "memberId"),
		get("trailing slash on the program", base+"/", 404),
		get("trailing slash on a member", member+"/", 404),
		get("trailing slash on a list", member+"/transactions/", 404),
		get("trailing slash on healthz", "/healthz/", 404),
		// Sizes.
		get("16 KB query string", base+"/members?customerId="+long(16<<10), 414),
		get("16 KB path", base+"/members/"+long(16<<10), 414),
		get("query just under the limit", base+"/members?x="+long(DefaultMaxURLBytes-len(base+"/members?x=")), 200),
		get("query just over the limit", base+"/members?x="+long(DefaultMaxURLBytes-len(base+"/members?x=")+1), 414),
		{"64 KB header", http.MethodGet, base, []string{"X-Large", long(64 << 10)}, 431, nil},
		{"64 KB of small headers", http.MethodGet, base, manyHeaders(64, 1<<10), 431, nil},
		{"16 KB header is fine", http.MethodGet, base, []string{"X-Large", long(16 << 10)}, 200, nil},
		{"64 KB cookie on healthz", http.MethodGet, "/healthz", []string{"Cookie", "a=" + long(64<<10)}, 431, nil},
		{"64 KB ET-Client-Name", http.MethodGet, base, []string{"ET-Client-Name", long(64 << 10)}, 431, nil},
		// Date-times.
		get("createdAfter with +02:00", member+"/points-history?createdAfter=2025-03-14T10:15:00%2B02:00", 200),
		get("createdBefore with -05:30", member+"/points-history?createdBefore=2025-03-14T02:45:00-05:30", 200),
		get("createdAfter with fractional seconds", member+"/points-history?createdAfter=2025-03-14T08:15:00.123Z", 200),
		get("createdAfter without zone", member+"/points-history?createdAfter=2025-03-14T08:15:00", 400, "createdAfter"),
		get("createdBefore a date only", member+"/points-history?createdBefore=2025-03-14", 400, "createdBefore"),
		get("createdAfter with an unencoded +", member+"/points-history?createdAfter=2025-03-14T10:15:00+02:00", 400, "createdAfter"),
		get("createdAfter with an offset past 24h", member+"/points-history?createdAfter=2025-03-14T10:15:00%2B25:00", 400, "createdAfter"),
		get("createdAfter in Unix seconds", member+"/points-history?createdAfter=1741940100", 400, "createdAfter"),
		// Methods.
		{"HEAD", http.MethodHead, member + "/transactions", nil, 200, nil},
		{"HEAD with a bad parameter", http.MethodHead, member + "/transactions?perPage=0", nil, 400, nil},
		{"HEAD of an unknown member", http.MethodHead, base + "/members/999999999", nil, 404, nil},
		{"OPTIONS", http.MethodOptions, member + "/transactions", nil, 204, nil},
		{"OPTIONS preflight", http.MethodOptions, period, []string{"Origin", "http://localhost:5173", "Access-Control-Request-Method", "GET"}, 204, nil},
		{"POST", http.MethodPost, base + "/members", nil, 405, nil},
		{"POST with a body", http.MethodPost, base + "/members", []string{"Content-Type", "application/json", "Content-Length", "2"}, 405, nil},
		{"PUT", http.MethodPut, member, nil, 405, nil},
		{"DELETE", http.MethodDelete, member, nil, 405, nil},
		{"PATCH", http.MethodPatch, period, nil, 405, nil},
		{"TRACE", http.MethodTrace, base, nil, 405, nil},
		{"an invented method", "BREW", base, nil, 405, nil},
		{"POST to an unknown path", http.MethodPost, "/v1/teams", nil, 404, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := m.raw(c.method, c.target, c.headers...)
			switch {
			case c.method == http.MethodHead || c.status == http.StatusNoContent:
				if r.status != c.status || len(r.body) != 0 {
					t.Fatalf("status %d with %d body bytes, want %d and none", r.status, len(r.body), c.status)
				}
			case c.status >= 400:
				expectError(t, r, c.status, c.fields...)
			default:
				if r.status != c.status {
					t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
				}
			}
			if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") != "GET, HEAD, OPTIONS" {
				t.Errorf("405 with Allow %q", r.header.Get("Allow"))
			}
		})
	}
}

// manyHeaders makes n headers of size bytes each, as name/value pairs.
func manyHeaders(n, size int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("X-Filler-%d", i), strings.Repeat("b", size))
	}
	return out
}

// TestOffsetsSelectLikeUTC: a date-time with an offset names the same
// instant as its UTC form and selects exactly the same events.
func TestOffsetsSelectLikeUTC(t *testing.T) {
	m := newMock(t, 1)
	p := m.catalog().Programs[0]
	member := fmt.Sprintf("/v1/programs/%d/members/%d", p.ID, p.Personas.Frequent)
	events := walk(t, m, member+"/points-history")
	after, before := timeOf(t, events[len(events)*3/4]["createdAt"]), timeOf(t, events[len(events)/4]["createdAt"])
	utc := fmt.Sprintf("%s/points-history?perPage=100&createdAfter=%s&createdBefore=%s", member,
		after.Format(time.RFC3339), before.Format(time.RFC3339))
	want := m.raw(http.MethodGet, utc)
	if want.status != 200 || len(items(t, want.json(t))) == 0 {
		t.Fatalf("the UTC window selects nothing: %d %s", want.status, want.body)
	}
	for _, zone := range []*time.Location{
		time.FixedZone("CEST", 2*3600),
		time.FixedZone("", -5*3600-30*60),
		time.FixedZone("", 14*3600),
	} {
		q := fmt.Sprintf("%s/points-history?perPage=100&createdAfter=%s&createdBefore=%s", member,
			url.QueryEscape(after.In(zone).Format(time.RFC3339)), url.QueryEscape(before.In(zone).Format(time.RFC3339)))
		got := m.raw(http.MethodGet, q)
		if got.status != 200 || !bytes.Equal(got.body, want.body) {
			t.Fatalf("%s: %d, not the same page as the UTC window", q, got.status)
		}
	}
}

// TestHardeningHeaders: every kind of answer, from every layer of the mock,
// carries nosniff and a correlation id and no version banner.
func TestHardeningHeaders(t *testing.T) {
	clock := newFakeClock(windowStart)
	m := newMock(t, 1, func(c *Config) {
		c.Auth = AuthBearer
		c.RateLimit = &RateLimit{Anonymous: 0, Named: 100, Window: time.Second}
		c.Clock = clock.Now
	})
	bearer := []string{"Authorization", "Bearer t"}
	for _, tc := range []struct {
		method, target string
		headers        []string
		status         int
	}{
		{"GET", "/v1/programs/1", bearer, 200},
		{"GET", "/v1/programs/1", nil, 401},
		{"GET", "/v1/programs/1", []string{"ET-Client-Name", ""}, 429},
		{"GET", "/v1/programs/1?x=" + strings.Repeat("a", 9000), bearer, 414},
		{"GET", "/v1/programs/1", append([]string{"X-Large", strings.Repeat("a", 40000)}, bearer...), 431},
		{"GET", "/v1/programs/abc", bearer, 400},
		{"GET", "/v1/programs/999", bearer, 404},
		{"GET", "/nowhere", nil, 404},
		{"DELETE", "/v1/programs/1", nil, 405},
		{"OPTIONS", "/v1/programs/1", []string{"Origin", "http://localhost"}, 204},
		{"HEAD", "/v1/programs/1", bearer, 200},
		{"GET", "/healthz", nil, 200},
		{"GET", "/openapi.yaml", nil, 200},
		{"GET", "/openapi.json", nil, 200},
		{"GET", "/__mock/catalog", nil, 200},
	} {
		r := m.raw(tc.method, tc.target, tc.headers...) // checks the headers
		if r.status != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, clipTarget(tc.target), r.status, tc.status)
		}
	}
}

// TestCorrelationIDIsEchoedOnlyWhenSafe: an id that could not come back
// byte for byte in both the header and the JSON body is replaced.
func TestCorrelationIDIsEchoedOnlyWhenSafe(t *testing.T) {
	m := newMock(t, 1)
	for _, tc := range []struct {
		id   string
		echo bool
	}{
		{"qa-run-42", true},
		{"a b:c/d=e", true},
		{strings.Repeat("x", 200), true},
		{strings.Repeat("x", 201), false},
		{"caf\xc3\xa9", false},
		{"\xff\xfe", false},
	} {
		r := m.raw(http.MethodGet, "/v1/programs/999", "X-Correlation-Id", tc.id)
		expectError(t, r, 404) // the body's correlationId equals the header
		if got := r.header.Get("X-Correlation-Id"); (got == tc.id) != tc.echo {
			t.Errorf("X-Correlation-Id %q answered with %q, echo want %v", clipTarget(tc.id), clipTarget(got), tc.echo)
		}
	}
}

// TestOversizedAnswersAreReadableByBrowsers: a 414 or 431 to a page's fetch
// carries the CORS headers, so the app sees the status and the Error body
// instead of an opaque network error.
func TestOversizedAnswersAreReadableByBrowsers(t *testing.T) {
	m := newMock(t, 1)
	origin := []string{"Origin", "http://localhost:5173"}
	for _, r := range []response{
		m.raw(http.MethodGet, "/v1/programs/1/members?customerId="+strings.Repeat("a", 16<<10), origin...),
		m.raw(http.MethodGet, "/v1/programs/1", append([]string{"X-Large", strings.Repeat("a", 64<<10)}, origin...)...),
	} {
		if r.status != 414 && r.status != 431 {
			t.Fatalf("status %d, want 414 or 431", r.status)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("%d without Access-Control-Allow-Origin: %v", r.status, r.header)
		}
	}
}
