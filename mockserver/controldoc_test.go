package mockserver

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	libvalidator "github.com/pb33f/libopenapi-validator"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/membersmock/membersmock/spec"
)

func controlModel(t *testing.T) (*v3.Document, libvalidator.Validator) {
	t.Helper()
	doc, err := libopenapi.NewDocument(spec.ControlDocument())
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	v := libvalidator.NewValidatorFromV3Model(&model.Model)
	v.SetDocument(doc)
	return &model.Model, v
}

var ginParam = regexp.MustCompile(`:([A-Za-z]+)`)

// TestControlDocumentCoversTheAdminRoutes: every route under /__mock/ the engine registers, and
// the health probes, is
// an operation of the control plane's document (HEAD as its GET), and every operation there
// is a route.
func TestControlDocumentCoversTheAdminRoutes(t *testing.T) {
	model, _ := controlModel(t)
	documented := map[string]bool{}
	for path, item := range model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().KeysFromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	data := newMock(t, 1) // for the dataset only
	h, err := New(Config{Dataset: data.data, Validator: validator(t)})
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for _, r := range h.engine.Routes() {
		if !strings.HasPrefix(r.Path, "/__mock/") && r.Path != "/healthz" && r.Path != "/readyz" {
			continue
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		key := method + " " + ginParam.ReplaceAllString(r.Path, "{$1}")
		registered[key] = true
		if !documented[key] {
			t.Errorf("%s %s is served but not in spec/control.yaml", r.Method, r.Path)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("spec/control.yaml documents %s, which the mock does not serve", key)
		}
	}
}

// TestControlResponsesConformToTheDocument sends a request for each documented answer of the
// admin endpoints over HTTP and validates request and response against spec/control.yaml.
func TestControlResponsesConformToTheDocument(t *testing.T) {
	_, cv := controlModel(t)
	m := newMock(t, 1, func(c *Config) { c.JournalSize = 50 })
	token := newMock(t, 1, func(c *Config) { c.AdminToken = "s3cret" })
	off := newMock(t, 1, func(c *Config) { c.JournalSize = 0 })
	// Shared state on a port nobody listens on: a replica that cannot reach Redis.
	down := newMock(t, 1, func(c *Config) { c.JournalSize = 50; c.State = &SharedState{URL: "redis://127.0.0.1:1/0"} })
	m.get("/v1/programs/1") // something in the journal
	tests := []struct {
		base         *mock
		method, path string
		body         string
		status       int
	}{
		{m, "GET", "/__mock/catalog", "", 200},
		{m, "GET", "/__mock/openapi.yaml", "", 200},
		{m, "GET", "/__mock/openapi.json", "", 200},
		{m, "GET", "/__mock/requests?limit=5", "", 200},
		{m, "GET", "/__mock/coverage", "", 200},
		{m, "GET", "/__mock/requests?status=abc", "", 400},
		{off, "GET", "/__mock/requests", "", 404},
		{m, "DELETE", "/__mock/requests?clientName=acme-tests", "", 204},
		{m, "POST", "/__mock/faults", `{"operationId":"getMember","status":500,"times":2}`, 201},
		{m, "POST", "/__mock/faults", `{"operationId":"nope"}`, 400},
		{m, "GET", "/__mock/faults", "", 200},
		{m, "GET", "/__mock/faults/1", "", 200},
		{m, "GET", "/__mock/faults/99", "", 404},
		{m, "GET", "/__mock/faults/x", "", 400},
		{m, "DELETE", "/__mock/faults/1", "", 204},
		{m, "DELETE", "/__mock/faults", "", 204},
		{m, "POST", "/__mock/fixtures", `{"members":[{"programId":1,"id":5,"createdAt":"soon"}]}`, 422},
		{m, "POST", "/__mock/reset", `{"seed":7}`, 200},
		{m, "POST", "/__mock/reset?seed=x", "", 400},
		{token, "GET", "/__mock/faults", "", 401},
		{m, "GET", "/healthz", "", 200},
		{m, "GET", "/readyz", "", 200},
		{down, "GET", "/healthz", "", 200},
		{down, "GET", "/readyz", "", 503},
		{down, "GET", "/__mock/faults", "", 503},
		{down, "POST", "/__mock/faults", `{"operationId":"getMember","status":500}`, 503},
		{down, "POST", "/__mock/reset", "", 503},
		{down, "GET", "/__mock/requests", "", 503},
		{down, "GET", "/__mock/catalog", "", 200},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, tt.base.url+tt.path, strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d\n%s", tt.method, tt.path, resp.StatusCode, tt.status, body)
			continue
		}
		// The request as the validator sees it: its body read again.
		check, _ := http.NewRequest(tt.method, tt.base.url+tt.path, strings.NewReader(tt.body))
		check.Header = req.Header
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		if ok, errs := cv.ValidateHttpResponse(check, resp); !ok {
			for _, e := range errs {
				t.Errorf("%s %s → %d breaks spec/control.yaml: %s: %s %v", tt.method, tt.path, tt.status, e.Message, e.Reason, e.SchemaValidationErrors)
			}
		}
	}
}
