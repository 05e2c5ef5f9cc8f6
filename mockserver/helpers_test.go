package mockserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// The validator is expensive to build and safe to share.
var sharedValidator = sync.OnceValues(func() (*spec.Validator, error) { return spec.NewValidator() })

func validator(t testing.TB) *spec.Validator {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatalf("building the validator: %v", err)
	}
	return v
}

// mock is a running mock behind a real loopback listener.
type mock struct {
	t    testing.TB
	url  string
	v    *spec.Validator
	data *fixtures.Dataset
}

func newMock(t testing.TB, seed int64, mutate ...func(*Config)) *mock {
	t.Helper()
	data, err := fixtures.New(seed)
	if err != nil {
		t.Fatalf("fixtures.New: %v", err)
	}
	cfg := Config{Dataset: data, Validator: validator(t)}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &mock{t: t, url: newServer(t, h), v: cfg.Validator, data: data}
}

// newServer serves h on a loopback port for the test's lifetime.
func newServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// response is what a test reads back: status, headers and the raw body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode unmarshals the body into a generic value, as an outside client would.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return v
}

// do sends a request with ET-Client-Name (unless headers override it with
// an empty value) and validates the response against the spec: documented
// operations through ValidateResponse, everything else as an Error body.
func (m *mock) do(method, path string, headers ...string) response {
	m.t.Helper()
	req, err := http.NewRequest(method, m.url+path, nil)
	if err != nil {
		m.t.Fatalf("building request %s %s: %v", method, path, err)
	}
	req.Header.Set("ET-Client-Name", "acme-tests")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		m.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if _, documented := m.v.FindOperation(req.Method, req.URL.Path); documented && method == http.MethodGet {
		if err := m.v.ValidateResponse(req, resp); err != nil {
			m.t.Fatalf("%s %s: response breaks the spec: %v", method, path, err)
		}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	if _, documented := m.v.FindOperation(req.Method, req.URL.Path); (!documented || method != http.MethodGet) &&
		resp.StatusCode >= 400 && method != http.MethodHead {
		if err := m.v.ValidateErrorBody(body); err != nil {
			m.t.Fatalf("%s %s: %d body is not the Error body: %v\n%s", method, path, resp.StatusCode, err, body)
		}
	}
	if resp.Header.Get("X-Correlation-Id") == "" {
		m.t.Fatalf("%s %s: no X-Correlation-Id on the response", method, path)
	}
	return r
}

func (m *mock) get(path string, headers ...string) response {
	m.t.Helper()
	return m.do(http.MethodGet, path, headers...)
}

// ok gets path and fails unless it answers 200.
func (m *mock) ok(path string) map[string]any {
	m.t.Helper()
	r := m.get(path)
	if r.status != http.StatusOK {
		m.t.Fatalf("GET %s: status %d, want 200\n%s", path, r.status, r.body)
	}
	return r.json(m.t)
}

// catalog reads the mock's catalog.
func (m *mock) catalog() Catalog {
	m.t.Helper()
	var c Catalog
	r := m.get("/__mock/catalog")
	if err := json.Unmarshal(r.body, &c); err != nil {
		m.t.Fatalf("catalog: %v", err)
	}
	return c
}

// expectError checks an Error body: status, title, correlation id and,
// when fields are given, exactly those parameters in errors[].
func expectError(t testing.TB, r response, status int, fields ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
	body := r.json(t)
	if body["status"] != float64(status) || body["title"] != http.StatusText(status) {
		t.Errorf("Error body status/title = %v/%v, want %d/%q", body["status"], body["title"], status, http.StatusText(status))
	}
	if body["correlationId"] != r.header.Get("X-Correlation-Id") {
		t.Errorf("correlationId %v differs from header %q", body["correlationId"], r.header.Get("X-Correlation-Id"))
	}
	if msg, _ := body["message"].(string); strings.TrimSpace(msg) == "" {
		t.Errorf("Error body has no message")
	}
	if len(fields) == 0 {
		return
	}
	var got []string
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		got = append(got, fmt.Sprint(e.(map[string]any)["field"]))
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Errorf("errors[].field = %v, want %v\n%s", got, fields, r.body)
	}
}

func items(t testing.TB, page map[string]any) []map[string]any {
	t.Helper()
	raw, ok := page["items"].([]any)
	if !ok {
		t.Fatalf("page has no items array: %v", page)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

func id(item map[string]any) int64 { return int64(item["id"].(float64)) }
