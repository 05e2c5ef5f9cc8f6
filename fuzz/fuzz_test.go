package fuzz_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/fuzz"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
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
