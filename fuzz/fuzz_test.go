package fuzz_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/fuzz"
	"github.com/membersmock/membersmock/internal/reference"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// startMock serves the mock in dialect d over real HTTP on loopback, its
// handler wrapped by wrap when one is given, and returns its URL and the
// validator for d.
func startMock(t *testing.T, d spec.Dialect, wrap func(http.Handler) http.Handler) (string, *spec.Validator) {
	t.Helper()
	v, err := spec.NewValidator(spec.WithDialect(d))
	if err != nil {
		t.Fatalf("building the validator: %v", err)
	}
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatalf("building the dataset: %v", err)
	}
	mock, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatalf("building the mock: %v", err)
	}
	var h http.Handler = mock
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, v
}

func summary(t *testing.T, res fuzz.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := res.WriteSummary(&b); err != nil {
		t.Fatalf("writing the summary: %v", err)
	}
	return b.String()
}

// TestMockPassesEveryDialect runs the fuzzer against the mock speaking each
// dialect, with a fixed seed and a small budget: a correct implementation
// breaks no check.
func TestMockPassesEveryDialect(t *testing.T) {
	dialects := []spec.Dialect{
		{},
		{FirstPage: 1},
		{PerPageAboveMax: "clamp"},
		{PastLastPage: "notFound"},
		{ClientName: "optional"},
		{EmptyFilter: "ignore"},
	}
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			base, v := startMock(t, d, nil)
			res, err := fuzz.Run(context.Background(), fuzz.Config{BaseURL: base, Validator: v, Seed: 1, Requests: 600, UnsafeMethods: true})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Generated != 600 {
				t.Errorf("against the mock in dialect %s:\n%s", d, summary(t, res))
			}
			if res.Statuses[200] == 0 || res.Statuses[400] == 0 || res.Statuses[404] == 0 {
				t.Errorf("the run should meet 200, 400 and 404 answers, got %v", res.Statuses)
			}
		})
	}
}

// errorBody answers status with an Error body, as a broken deployment
// might when it fails; it echoes the correlation id, as it should.
func errorBody(w http.ResponseWriter, r *http.Request, status int) {
	id := r.Header.Get("X-Correlation-Id")
	if id == "" {
		id = "broken-" + strconv.Itoa(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Correlation-Id", id)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"title":%q,"status":%d,"message":"Something went wrong.","correlationId":%q}`, http.StatusText(status), status, id)
}

// breakWhen answers status instead of the mock when the request's query
// matches.
func breakWhen(status int, match func(q url.Values) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r.URL.Query()) {
				errorBody(w, r, status)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// anyOf reports whether a value of one of the parameters matches.
func anyOf(q url.Values, names []string, match func(string) bool) bool {
	for _, n := range names {
		for _, v := range q[n] {
			if match(v) {
				return true
			}
		}
	}
	return false
}

var (
	dates   = []string{"createdAfter", "createdBefore"}
	filters = []string{"customerId", "orderId", "pointDefinitionReference"}
)

// TestFindsDefects runs the fuzzer with the default budget and a fixed seed
// against broken variants of the mock, each failing only for inputs no
// scenario sends. Each must be found, and shrunk to a request that sends
// the offending parameter and no other query parameter.
func TestFindsDefects(t *testing.T) {
	fraction := regexp.MustCompile(`(?i)t\d\d:\d\d:\d\d\.\d`)
	halfHour := regexp.MustCompile(`[+-]\d\d:30$`)
	tests := []struct {
		name  string
		wrap  func(http.Handler) http.Handler
		check string
		// minimal says whether the one query parameter the shrunk
		// request sends is the offending value, and small.
		minimal func(name, value string) bool
	}{
		{"500 for fractional-second dates", breakWhen(500, func(q url.Values) bool {
			return anyOf(q, dates, fraction.MatchString)
		}), "no-5xx", func(name, v string) bool {
			return strings.HasPrefix(name, "created") && fraction.MatchString(v) && len(v) <= len("2020-01-01T00:00:00.0Z")
		}},
		{"500 for half-hour offsets", breakWhen(500, func(q url.Values) bool {
			return anyOf(q, dates, halfHour.MatchString)
		}), "no-5xx", func(name, v string) bool {
			return strings.HasPrefix(name, "created") && halfHour.MatchString(v) && !strings.Contains(v, ".")
		}},
		{"500 for a non-ASCII filter", breakWhen(500, func(q url.Values) bool {
			return anyOf(q, filters, func(v string) bool { return strings.ContainsFunc(v, func(r rune) bool { return r > 127 }) })
		}), "no-5xx", func(name, v string) bool {
			return strings.Contains(strings.Join(filters, " "), name) && len([]rune(v)) == 1 && []rune(v)[0] > 127
		}},
		{"500 for filters longer than 40 characters", breakWhen(500, func(q url.Values) bool {
			return anyOf(q, filters, func(v string) bool { return len(v) > 40 })
		}), "no-5xx", func(name, v string) bool {
			return strings.Contains(strings.Join(filters, " "), name) && len(v) == 41
		}},
		{"an undocumented 422 for pages beyond 50,000", breakWhen(422, func(q url.Values) bool {
			n, err := strconv.Atoi(q.Get("page"))
			return err == nil && n > 50000
		}), "documented-status", func(name, v string) bool {
			return name == "page" && v == "50001"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, v := startMock(t, spec.Dialect{}, tt.wrap)
			res, err := fuzz.Run(context.Background(), fuzz.Config{BaseURL: base, Validator: v, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, f := range res.Failures {
				if f.Check != tt.check {
					t.Errorf("failure of another check: %s — %s: %s\n%s", f.Check, f.Operation, f.Message, f.Curl)
					continue
				}
				found++
				u, err := url.Parse(f.URL)
				if err != nil {
					t.Fatalf("the failure's URL %q: %v", f.URL, err)
				}
				q := u.Query()
				if len(q) != 1 {
					t.Errorf("%s: the shrunk request sends %d query parameters, want only the offending one:\n%s", f.Operation, len(q), f.Curl)
					continue
				}
				for name, vs := range q {
					if len(vs) != 1 || !tt.minimal(name, vs[0]) {
						t.Errorf("%s: the shrunk request sends %s=%q, not a minimal offending value:\n%s", f.Operation, name, vs, f.Curl)
					}
				}
				if !strings.HasPrefix(f.Curl, "curl ") || !strings.Contains(f.Curl, "'"+f.URL+"'") {
					t.Errorf("the curl line %q does not request %s", f.Curl, f.URL)
				}
			}
			if found == 0 {
				t.Errorf("the defect was not found:\n%s", summary(t, res))
			}
		})
	}
}

// rewrite lets the mock answer, then hands its answer to edit before it
// goes out: a deployment that breaks one rule in what it says.
func rewrite(edit func(r *http.Request, rec *httptest.ResponseRecorder) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := edit(r, rec)
			for k, vs := range rec.Header() {
				w.Header()[k] = vs
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	}
}

// editJSON rewrites the mock's JSON bodies of one status.
func editJSON(status int, edit func(r *http.Request, body map[string]any)) func(http.Handler) http.Handler {
	return rewrite(func(r *http.Request, rec *httptest.ResponseRecorder) []byte {
		var body map[string]any
		if rec.Code != status || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			return rec.Body.Bytes()
		}
		edit(r, body)
		b, _ := json.Marshal(body)
		return b
	})
}

// editRequest changes the request before the mock sees it.
func editRequest(edit func(r *http.Request)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			edit(r)
			next.ServeHTTP(w, r)
		})
	}
}

// TestEveryCheckCanFail runs the fuzzer with a small budget against broken
// variants of the mock, one for each check the defects above do not reach:
// each must fail under that check.
func TestEveryCheckCanFail(t *testing.T) {
	setQuery := func(r *http.Request, q url.Values) { r.URL.RawQuery = q.Encode() }
	tests := []struct {
		name  string
		check string
		wrap  func(http.Handler) http.Handler
	}{
		{"totalItems missing from pages", "schema", editJSON(200, func(r *http.Request, b map[string]any) {
			if _, ok := b["items"]; ok {
				delete(b, "totalItems")
			}
		})},
		{"totalPages one too many", "paging", editJSON(200, func(r *http.Request, b map[string]any) {
			if n, ok := b["totalPages"].(float64); ok {
				b["totalPages"] = n + 1
			}
		})},
		{"items of a page reversed", "order", editJSON(200, func(r *http.Request, b map[string]any) {
			if items, ok := b["items"].([]any); ok {
				slices.Reverse(items)
			}
		})},
		{"customerId ignored", "filters", editRequest(func(r *http.Request) {
			q := r.URL.Query()
			q.Del("customerId")
			setQuery(r, q)
		})},
		{"perPage below 1 answered as 1", "invalid-refused", editRequest(func(r *http.Request) {
			q := r.URL.Query()
			if n, err := strconv.Atoi(q.Get("perPage")); err == nil && n < 1 {
				q.Set("perPage", "1")
				setQuery(r, q)
			}
		})},
		{"perPage above 50 refused", "valid-accepted", breakWhen(400, func(q url.Values) bool {
			n, err := strconv.Atoi(q.Get("perPage"))
			return err == nil && n > 50 && n <= 100
		})},
		{"errors[] names page for perPage", "error-names-parameter", editJSON(400, func(r *http.Request, b map[string]any) {
			errs, _ := b["errors"].([]any)
			for _, e := range errs {
				if e, ok := e.(map[string]any); ok && e["field"] == "perPage" {
					e["field"] = "page"
				}
			}
		})},
		{"an unknown program answered as program 1", "found", editRequest(func(r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, "/v1/programs/9007199254740991", "/v1/programs/1", 1)
		})},
		{"the correlation id not echoed", "correlation-id", rewrite(func(r *http.Request, rec *httptest.ResponseRecorder) []byte {
			if r.Header.Get("X-Correlation-Id") != "" {
				rec.Header().Set("X-Correlation-Id", "another")
			}
			return rec.Body.Bytes()
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, v := startMock(t, spec.Dialect{}, tt.wrap)
			res, err := fuzz.Run(context.Background(), fuzz.Config{BaseURL: base, Validator: v, Seed: 1, Requests: 900, ShrinkTime: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(res.Failures, func(f fuzz.Failure) bool { return f.Check == tt.check }) {
				t.Errorf("no %s failure:\n%s", tt.check, summary(t, res))
			}
		})
	}
}

// TestReferencePasses runs the fuzzer against the independent reference
// implementation of the contract (internal/reference), in the contract's
// dialect and in every other reading at once: a correct implementation
// that is not the mock breaks no check either.
func TestReferencePasses(t *testing.T) {
	var b bytes.Buffer
	if err := reference.Profile().WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	profile, err := steps.ParseProfile(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cfg     reference.Config
		dialect spec.Dialect
	}{
		{reference.Config{}, spec.Dialect{}},
		{
			reference.Config{FirstPage: 1, ClampPerPage: true, PastLastPageNotFound: true, ClientNameOptional: true, EmptyFilterIgnore: true},
			spec.Dialect{FirstPage: 1, PerPageAboveMax: "clamp", PastLastPage: "notFound", ClientName: "optional", EmptyFilter: "ignore"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.dialect.String(), func(t *testing.T) {
			v, err := spec.NewValidator(spec.WithDialect(tt.dialect))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(reference.New(tt.cfg))
			t.Cleanup(srv.Close)
			res, err := fuzz.Run(context.Background(), fuzz.Config{BaseURL: srv.URL, Validator: v, Profile: profile, Seed: 1, Requests: 600})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() {
				t.Errorf("against the reference:\n%s", summary(t, res))
			}
		})
	}
}

// TestSummarySaysWhenAuthIsMissing runs against the mock with auth on and
// no token: every answer is a 401, which no check can judge, and the
// summary says what to do instead of reporting a clean run as if it were
// one.
func TestSummarySaysWhenAuthIsMissing(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	mock, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v, Auth: "bearer"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	res, err := fuzz.Run(context.Background(), fuzz.Config{BaseURL: srv.URL, Validator: v, Seed: 1, Requests: 90})
	if err != nil {
		t.Fatal(err)
	}
	if out := summary(t, res); !strings.Contains(out, "--token") || res.Statuses[401] == 0 {
		t.Errorf("the summary does not say the token is missing:\n%s", out)
	}
	res, err = fuzz.Run(context.Background(), fuzz.Config{BaseURL: srv.URL, Validator: v, Seed: 1, Requests: 90, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	// Not the text "401": the server's port may contain it.
	if out := summary(t, res); res.Statuses[401] != 0 || strings.Contains(out, "--token") || !res.OK() {
		t.Errorf("with a token:\n%s", out)
	}
}
