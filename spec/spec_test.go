package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// sharedValidator is built once: NewValidator is the expensive part, and sharing one across
// tests is also how callers use it.
var sharedValidator = sync.OnceValues(func() (*Validator, error) { return NewValidator() })

func newTestValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := sharedValidator()
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

func buildModel(t *testing.T, src []byte) *v3.Document {
	t.Helper()
	doc, err := libopenapi.NewDocument(src)
	if err != nil {
		t.Fatalf("NewDocument: %v", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("BuildV3Model: %v", err)
	}
	return &model.Model
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	v := newTestValidator(t)
	if ok, errs := v.openapi.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("document: %v", e)
			for _, f := range e.SchemaValidationErrors {
				t.Errorf("  %s: %s", f.FieldPath, f.Reason)
			}
		}
	}
	m := buildModel(t, Document())
	if m.Version != "3.1.1" {
		t.Errorf("openapi = %q, want 3.1.1", m.Version)
	}
	if m.Info.Version != "2026.05.1" {
		t.Errorf("info.version = %q, want 2026.05.1", m.Info.Version)
	}
	var servers []string
	for _, s := range m.Servers {
		servers = append(servers, s.URL)
	}
	if !slices.Contains(servers, "https://api.staging.entur.io/personalisation") {
		t.Errorf("servers = %v, want Entur staging among them", servers)
	}
	if bytes.Contains(Document(), []byte("nullable:")) {
		t.Error("document uses nullable:, want 3.1 type arrays with \"null\"")
	}

	jwt := m.Components.SecuritySchemes.GetOrZero("jwt")
	if jwt == nil || jwt.Type != "http" || jwt.Scheme != "bearer" || jwt.BearerFormat != "JWT" {
		t.Errorf("security scheme jwt = %+v, want http bearer JWT", jwt)
	}
	if len(m.Security) != 1 || !slices.Contains(slices.Collect(m.Security[0].Requirements.KeysFromOldest()), "jwt") {
		t.Error("jwt is not applied globally")
	}
}

func TestDocumentJSON(t *testing.T) {
	js, err := DocumentJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(js) {
		t.Fatal("DocumentJSON is not valid JSON")
	}
	if !bytes.HasPrefix(bytes.TrimSpace(js), []byte(`{
  "openapi": "3.1.1"`)) {
		t.Errorf("DocumentJSON does not start with the openapi key: %.40s", js)
	}
	// The JSON document describes the same API.
	fromYAML, fromJSON := buildModel(t, Document()), buildModel(t, js)
	if a, b := fromYAML.Paths.PathItems.Len(), fromJSON.Paths.PathItems.Len(); a != b {
		t.Errorf("JSON has %d paths, YAML %d", b, a)
	}
	if a, b := fromYAML.Components.Schemas.Len(), fromJSON.Components.Schemas.Len(); a != b {
		t.Errorf("JSON has %d schemas, YAML %d", b, a)
	}
}

func TestOperations(t *testing.T) {
	const prefix = "/v1/programs/{programId}"
	statuses := []int{200, 400, 401, 404, 414, 429, 431, 500}
	headers := []string{"ET-Client-Name", "X-Correlation-Id"}
	params := func(p ...string) []string { return append(p, headers...) }
	want := []Operation{
		{"getProgram", "GET", prefix, statuses, params("programId")},
		{"getMembers", "GET", prefix + "/members", statuses, params("programId", "customerId", "page", "perPage")},
		{"getMember", "GET", prefix + "/members/{memberId}", statuses, params("programId", "memberId")},
		{"getMemberTransactions", "GET", prefix + "/members/{memberId}/transactions", statuses,
			params("programId", "memberId", "orderId", "pointDefinitionReference", "page", "perPage")},
		{"getMemberPointPeriods", "GET", prefix + "/members/{memberId}/point-periods", statuses,
			params("programId", "memberId", "page", "perPage")},
		{"getMemberPointPeriod", "GET", prefix + "/members/{memberId}/point-periods/{pointPeriodId}", statuses,
			params("programId", "memberId", "pointPeriodId")},
		{"getMemberRewardLadder", "GET", prefix + "/members/{memberId}/reward-ladder", statuses,
			params("programId", "memberId")},
		{"getMemberPointsHistory", "GET", prefix + "/members/{memberId}/points-history", statuses,
			params("programId", "memberId", "pointDefinitionReference", "pointEventType", "createdAfter", "createdBefore", "page", "perPage")},
		{"getMemberSuspensionPeriods", "GET", prefix + "/members/{memberId}/suspension-periods", statuses,
			params("programId", "memberId", "page", "perPage")},
	}
	got := newTestValidator(t).Operations()
	if len(got) != len(want) {
		t.Fatalf("got %d operations, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Method != w.Method || g.Path != w.Path ||
			!slices.Equal(g.Statuses, w.Statuses) || !slices.Equal(g.Params, w.Params) {
			t.Errorf("operation %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestParameterSchemas(t *testing.T) {
	m := buildModel(t, Document())
	type want struct {
		in       string
		required bool
		typ      string
		format   string
		min, max *float64
		def      string
	}
	f := func(x float64) *float64 { return &x }
	wants := map[string]want{
		"programId":                {"path", true, "integer", "int64", f(1), nil, ""},
		"memberId":                 {"path", true, "integer", "int64", f(1), nil, ""},
		"pointPeriodId":            {"path", true, "integer", "int64", f(1), nil, ""},
		"page":                     {"query", false, "integer", "int32", f(0), nil, "0"},
		"perPage":                  {"query", false, "integer", "int32", f(1), f(100), "20"},
		"customerId":               {"query", false, "string", "", nil, nil, ""},
		"orderId":                  {"query", false, "string", "", nil, nil, ""},
		"pointDefinitionReference": {"query", false, "string", "", nil, nil, ""},
		"pointEventType":           {"query", false, "string", "", nil, nil, ""},
		"createdAfter":             {"query", false, "string", "date-time", nil, nil, ""},
		"createdBefore":            {"query", false, "string", "date-time", nil, nil, ""},
		"ET-Client-Name":           {"header", true, "string", "", nil, nil, ""},
		"X-Correlation-Id":         {"header", false, "string", "", nil, nil, ""},
	}
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	for path, item := range m.Paths.PathItems.FromOldest() {
		for _, p := range item.Get.Parameters {
			w, ok := wants[p.Name]
			if !ok {
				t.Errorf("%s: unexpected parameter %s", path, p.Name)
				continue
			}
			s := p.Schema.Schema()
			req := p.Required != nil && *p.Required
			var def string
			if s.Default != nil {
				def = s.Default.Value
			}
			if p.In != w.in || req != w.required || !slices.Equal(s.Type, []string{w.typ}) || s.Format != w.format ||
				!eq(s.Minimum, w.min) || !eq(s.Maximum, w.max) || def != w.def {
				t.Errorf("%s: parameter %s: in=%s required=%v type=%v format=%q default=%q, want %+v",
					path, p.Name, p.In, req, s.Type, s.Format, def, w)
			}
			// An empty filter or client name is refused, so the document says so.
			minLen1 := map[string]bool{"customerId": true, "orderId": true, "pointDefinitionReference": true, "ET-Client-Name": true}
			if minLen1[p.Name] && (s.MinLength == nil || *s.MinLength != 1) {
				t.Errorf("%s: parameter %s: minLength = %v, want 1", path, p.Name, s.MinLength)
			}
			if p.Name == "pointEventType" {
				var enum []string
				for _, e := range s.Enum {
					enum = append(enum, e.Value)
				}
				if !slices.Equal(enum, []string{"EARNED", "CONSUMED", "EXPIRED", "CANCELLED"}) {
					t.Errorf("pointEventType enum = %v", enum)
				}
			}
		}
	}
}

func TestResponseDeclarations(t *testing.T) {
	m := buildModel(t, Document())
	for path, item := range m.Paths.PathItems.FromOldest() {
		for code, resp := range item.Get.Responses.Codes.FromOldest() {
			media := resp.Content.GetOrZero("application/json")
			if media == nil || media.Schema == nil {
				t.Errorf("%s %s: no application/json schema", path, code)
			} else if ref := media.Schema.GetReference(); code != "200" && ref != "#/components/schemas/Error" {
				t.Errorf("%s %s: schema %q, want Error", path, code, ref)
			}
			wantHeaders := []string{"X-Correlation-Id"}
			if code == "429" {
				wantHeaders = append(wantHeaders, "Retry-After")
			}
			for _, name := range wantHeaders {
				h := resp.Headers.GetOrZero(name)
				if h == nil || !h.Required {
					t.Errorf("%s %s: header %s not declared required", path, code, name)
				}
			}
		}
	}
}

// TestSchemas encodes the contract's schema section: which properties each schema has, which
// are required (not marked ?), and that exactly the optional ones are nullable.
func TestSchemas(t *testing.T) {
	schemas := buildModel(t, Document()).Components.Schemas
	contract := map[string]struct{ required, optional string }{
		"Error":   {"title status message correlationId", "detail errors"},
		"Program": {"id organisationId preset name organisationsWithAccess administratorOrganisations active createdAt programVersionId", "reference infoLink updatedAt"},
		"Member":  {"id createdAt customerId organisationId", "metadata updatedAt"},
		"Transaction": {"id amount createdAt programId validFrom pointDefinitionId",
			"pointDefinitionReference pointPeriodId expireAt cancelledAt metadata updatedAt"},
		"PointPeriod":          {"id startAt endAt", "metadata"},
		"SuspensionPeriod":     {"id startAt", "endAt referenceId metadata"},
		"PointEvent":           {"id pointEventType amount pointDefinitionReference createdAt", "transactionId pointPeriodId"},
		"RewardLadder":         {"programId memberId levels", "currentLevelId"},
		"Level":                {"levelId name rank requirements rewards", ""},
		"Requirement":          {"pointDefinitionReference amount", ""},
		"Reward":               {"rewardId reference name type", "value"},
		"PageMember":           {"items totalItems totalPages", ""},
		"PageTransaction":      {"items totalItems totalPages", ""},
		"PagePointPeriod":      {"items totalItems totalPages", ""},
		"PageSuspensionPeriod": {"items totalItems totalPages", ""},
		"PagePointEvent":       {"items totalItems totalPages", ""},
	}
	// The open objects: metadata of each kind, free-form (any other key is allowed) but with
	// the keys the data uses typed, so that generated client types can read them.
	open := map[string]string{
		"MemberMetadata":      "userType homeStopPlace",
		"TransactionMetadata": "orderId orderLineId productName fareProductRef discountedProduct userType stationPair",
		"PointPeriodMetadata": "userType stationPair",
		"SuspensionMetadata":  "reason inspectionStopPlace",
		"StationPair":         "from to",
	}
	metadataOf := map[string]string{
		"Member": "MemberMetadata", "Transaction": "TransactionMetadata",
		"PointPeriod": "PointPeriodMetadata", "SuspensionPeriod": "SuspensionMetadata",
	}
	if schemas.Len() != len(contract)+len(open) {
		t.Errorf("document has %d schemas, contract %d and %d open ones", schemas.Len(), len(contract), len(open))
	}
	for name, props := range open {
		proxy := schemas.GetOrZero(name)
		if proxy == nil {
			t.Errorf("schema %s missing", name)
			continue
		}
		s := proxy.Schema()
		if !slices.Equal(s.Type, []string{"object"}) || s.AdditionalProperties == nil || !s.AdditionalProperties.IsB() || !s.AdditionalProperties.B {
			t.Errorf("%s: want an object with additionalProperties: true", name)
		}
		if len(s.Required) > 0 {
			t.Errorf("%s: required = %v, want every key optional", name, s.Required)
		}
		if got := slices.Collect(s.Properties.KeysFromOldest()); !sameSet(got, strings.Fields(props)) {
			t.Errorf("%s: properties = %v, want %s", name, got, props)
		}
	}
	for name, c := range contract {
		proxy := schemas.GetOrZero(name)
		if proxy == nil {
			t.Errorf("schema %s missing", name)
			continue
		}
		s := proxy.Schema()
		if s.AdditionalProperties == nil || !s.AdditionalProperties.IsB() || s.AdditionalProperties.B {
			t.Errorf("%s: additionalProperties is not false", name)
		}
		required, optional := strings.Fields(c.required), strings.Fields(c.optional)
		if !slices.Equal(s.Required, required) {
			t.Errorf("%s: required = %v, want %v", name, s.Required, required)
		}
		props := slices.Collect(s.Properties.KeysFromOldest())
		if all := append(slices.Clone(required), optional...); !sameSet(props, all) {
			t.Errorf("%s: properties = %v, want %v", name, props, all)
		}
		for prop, p := range s.Properties.FromOldest() {
			ps := p.Schema()
			nullable := slices.Contains(ps.Type, "null")
			if prop == "metadata" {
				// anyOf: [{$ref: <Kind>Metadata}, {type: 'null'}]
				var refs, types []string
				for _, alt := range ps.AnyOf {
					refs = append(refs, alt.GetReference())
					types = append(types, alt.Schema().Type...)
				}
				want := "#/components/schemas/" + metadataOf[name]
				if len(ps.Type) > 0 || !slices.Equal(refs, []string{want, ""}) || !slices.Equal(types, []string{"object", "null"}) {
					t.Errorf("%s.metadata: want anyOf %s or null, got refs %q types %v", name, want, refs, types)
				}
				nullable = slices.Contains(types, "null")
			}
			if nullable != slices.Contains(optional, prop) {
				t.Errorf("%s.%s: nullable = %v, want it nullable exactly when optional", name, prop, nullable)
			}
			if (prop == "id" || strings.HasSuffix(prop, "Id")) && slices.Contains(ps.Type, "integer") {
				if ps.Format != "int64" || ps.Minimum == nil || *ps.Minimum != 1 {
					t.Errorf("%s.%s: id is not an int64 >= 1", name, prop)
				}
			}
		}
	}
	level := schemas.GetOrZero("RewardLadder").Schema().Properties.GetOrZero("levels").Schema()
	if level.MinItems == nil || *level.MinItems != 1 {
		t.Error("RewardLadder.levels: minItems is not 1")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func request(path string, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

var client = []string{"ET-Client-Name", "acme-travelapp"}

func TestValidateRequest(t *testing.T) {
	v := newTestValidator(t)
	const history = "/v1/programs/1/members/7/points-history"
	tests := []struct {
		name   string
		path   string
		header []string
		fields []string // fields of the expected errors, in order; nil = valid
		found  bool
	}{
		{"valid program", "/v1/programs/1", client, nil, true},
		{"valid members page", "/v1/programs/1/members?page=0&perPage=100&customerId=c-1", client, nil, true},
		{"valid with correlation id", "/v1/programs/1/members/7", append([]string{"X-Correlation-Id", "abc"}, client...), nil, true},
		{"valid point period", "/v1/programs/1/members/7/point-periods/99", client, nil, true},
		{"valid history filters", history + "?pointEventType=EARNED&createdAfter=2025-01-01T00:00:00Z&createdBefore=2025-02-01T00:00:00Z&pointDefinitionReference=trips", client, nil, true},
		{"offset date-time", history + "?createdAfter=2025-01-01T00:00:00%2B02:00", client, nil, true},
		{"Entur base path", "/personalisation/v1/programs/1/members", client, nil, true},
		{"unknown query parameter ignored", "/v1/programs/1/members?sort=name", client, nil, true},
		{"reserved characters unencoded", "/v1/programs/1/members/7/transactions?orderId=A/B:C@D", client, nil, true},

		{"page=-1", "/v1/programs/1/members?page=-1", client, []string{"page"}, true},
		{"page=abc", "/v1/programs/1/members?page=abc", client, []string{"page"}, true},
		{"page empty", "/v1/programs/1/members?page=", client, []string{"page"}, true},
		{"perPage=0", "/v1/programs/1/members?perPage=0", client, []string{"perPage"}, true},
		{"perPage=101", "/v1/programs/1/members?perPage=101", client, []string{"perPage"}, true},
		{"memberId=abc", "/v1/programs/1/members/abc", client, []string{"memberId"}, true},
		{"memberId=0", "/v1/programs/1/members/0", client, []string{"memberId"}, true},
		{"programId=abc", "/v1/programs/abc", client, []string{"programId"}, true},
		{"pointPeriodId=-3", "/v1/programs/1/members/7/point-periods/-3", client, []string{"pointPeriodId"}, true},
		{"pointEventType=FOO", history + "?pointEventType=FOO", client, []string{"pointEventType"}, true},
		{"createdAfter=not-a-date", history + "?createdAfter=not-a-date", client, []string{"createdAfter"}, true},
		{"createdAfter without zone", history + "?createdAfter=2025-01-01T00:00:00", client, []string{"createdAfter"}, true},
		{"createdBefore with unencoded +", history + "?createdBefore=2025-01-01T00:00:00+02:00", client, []string{"createdBefore"}, true},
		{"missing ET-Client-Name", "/v1/programs/1/members", nil, []string{"ET-Client-Name"}, true},
		{"two bad parameters", "/v1/programs/1/members?perPage=101&page=-1", client, []string{"page", "perPage"}, true},
		{"bad everything, spec order", history + "?perPage=x&createdBefore=y&pointEventType=z", nil,
			[]string{"pointEventType", "createdBefore", "perPage", "ET-Client-Name"}, true},
		{"repeated parameter reported once", "/v1/programs/1/members?page=-1&page=-2", client, []string{"page"}, true},

		{"undocumented path", "/v1/programs/1/nope", client, nil, false},
		{"undocumented root", "/", client, nil, false},
		{"trailing slash", "/v1/programs/1/members/", client, nil, false},
		{"empty path segment", "/v1/programs//members/7", client, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, found := v.ValidateRequest(request(tt.path, tt.header...))
			if found != tt.found {
				t.Fatalf("found = %v, want %v", found, tt.found)
			}
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
				if e.Message == "" || !strings.HasPrefix(e.Message, e.Field) && !strings.Contains(e.Message, e.Field) {
					t.Errorf("message %q does not name %s", e.Message, e.Field)
				}
				t.Logf("%s: %s", e.Field, e.Message)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %v, want %v (%+v)", fields, tt.fields, errs)
			}
		})
	}
	t.Run("HEAD is not documented", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodHead, "/v1/programs/abc", nil)
		if _, found := v.ValidateRequest(r); found {
			t.Error("found = true")
		}
	})
	t.Run("POST is not documented", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/v1/programs/1", nil)
		if _, found := v.ValidateRequest(r); found {
			t.Error("found = true")
		}
	})
}

// TestValidateRequestNamesEveryIntegerNotInDigits: the validator reads a
// query integer as a JSON number; "1e3" is no whole number as written, and
// it is named alongside the validator's own findings.
func TestValidateRequestNamesEveryIntegerNotInDigits(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		query string
		want  []string // the fields named, in the document's order
	}{
		{"page=1e3", []string{"page"}},
		{"page=1.0&perPage=20", []string{"page"}},
		{"page=1e3&perPage=abc", []string{"page", "perPage"}},
		{"perPage=2e1", []string{"perPage"}},
		{"page=01&perPage=020", nil},
	}
	for _, tt := range tests {
		errs, found := v.ValidateRequest(request("/v1/programs/1/members?"+tt.query, client...))
		var got []string
		for _, e := range errs {
			got = append(got, e.Field)
			if !strings.Contains(e.Message, e.Field+" must be an integer") {
				t.Errorf("%s: %s: message %q is not the sentence of the other integer errors", tt.query, e.Field, e.Message)
			}
		}
		if !found || !slices.Equal(got, tt.want) {
			t.Errorf("%s: named %v (found %v), want %v", tt.query, got, found, tt.want)
		}
	}
}

func TestValidateRequestMessages(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct{ path, want string }{
		{"/v1/programs/1/members?perPage=101", `perPage must be an integer from 1 to 100, got "101"`},
		{"/v1/programs/1/members?page=abc", `page must be an integer of at least 0, got "abc"`},
		{"/v1/programs/1/members?customerId=", `customerId must be a non-empty string, got ""`},
		{"/v1/programs/1/members/1/transactions?orderId=", `orderId must be a non-empty string, got ""`},
		{"/v1/programs/1/members/0", `memberId must be an integer of at least 1, got "0"`},
		{"/v1/programs/1/members/1/points-history?pointEventType=FOO", `pointEventType must be one of EARNED, CONSUMED, EXPIRED, CANCELLED, got "FOO"`},
		{"/v1/programs/1/members/1/points-history?createdAfter=2025-01-01T00:00:00", `createdAfter must be an RFC 3339 date-time with a zone, e.g. 2025-03-14T08:15:00Z, got "2025-01-01T00:00:00"`},
		{"/v1/programs/1/members/1/points-history?createdAfter=2025-01-01T00:00:00+02:00", `(send the + of an offset as %2B)`},
	}
	for _, tt := range tests {
		errs, _ := v.ValidateRequest(request(tt.path, client...))
		if len(errs) != 1 || !strings.Contains(errs[0].Message, tt.want) {
			t.Errorf("%s: got %+v, want a message containing %q", tt.path, errs, tt.want)
		}
	}
	errs, _ := v.ValidateRequest(request("/v1/programs/1"))
	if want := "header ET-Client-Name is required"; len(errs) != 1 || errs[0].Message != want {
		t.Errorf("missing header: got %+v, want %q", errs, want)
	}
}

func TestValidateRequestLeavesRequestAlone(t *testing.T) {
	v := newTestValidator(t)
	r := request("/v1/programs/1/members?page=-1", client...)
	ctx := r.Context()
	before := r.URL.String()
	v.ValidateRequest(r)
	if r.Context() != ctx || r.URL.String() != before {
		t.Error("ValidateRequest changed the caller's request")
	}
}

func TestFindOperation(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/v1/programs/1", "getProgram"},
		{"GET", "/v1/programs/1/members", "getMembers"},
		{"GET", "/v1/programs/1/members/42", "getMember"},
		{"GET", "/v1/programs/1/members/42/transactions?page=2", "getMemberTransactions"},
		{"GET", "/v1/programs/1/members/42/point-periods", "getMemberPointPeriods"},
		{"GET", "/v1/programs/1/members/42/point-periods/7", "getMemberPointPeriod"},
		{"GET", "/v1/programs/1/members/42/reward-ladder", "getMemberRewardLadder"},
		{"GET", "/v1/programs/1/members/42/points-history", "getMemberPointsHistory"},
		{"GET", "/v1/programs/1/members/42/suspension-periods", "getMemberSuspensionPeriods"},
		{"GET", "/personalisation/v1/programs/1/members/42", "getMember"},
		{"POST", "/v1/programs/1", ""},
		{"GET", "/v1/programs/1/members/42/unknown", ""},
		{"GET", "/v1/programs", ""},
		{"GET", "/healthz", ""},
		{"HEAD", "/v1/programs/1", ""},
		{"GET", "/v1/programs/1/", ""},
		{"GET", "/v1/programs/1/members/", ""},
		{"GET", "/v1/programs//members", ""},
	}
	for _, tt := range tests {
		op, ok := v.FindOperation(tt.method, tt.path)
		if ok != (tt.want != "") || op.ID != tt.want {
			t.Errorf("FindOperation(%s, %s) = %q, %v; want %q", tt.method, tt.path, op.ID, ok, tt.want)
		}
	}
}

const (
	member      = `{"id":1001,"createdAt":"2025-03-14T08:15:00Z","customerId":"c-1","organisationId":20,"metadata":{"userType":"ADULT"},"updatedAt":null}`
	transaction = `{"id":5001,"amount":12.5,"createdAt":"2025-03-14T08:15:00Z","programId":1,"validFrom":"2025-03-14T08:15:00Z","pointDefinitionId":7,` +
		`"pointDefinitionReference":"trips","pointPeriodId":9001,"expireAt":null,"cancelledAt":null,"metadata":{"orderId":"ABC12345"},"updatedAt":null}`
	pointPeriod = `{"id":9001,"startAt":"2025-03-01T00:00:00Z","endAt":"2025-04-01T00:00:00Z",` +
		`"metadata":{"userType":"ADULT","stationPair":{"from":"NSR:StopPlace:11","to":"NSR:StopPlace:337"}}}`
	suspension = `{"id":7001,"startAt":"2025-05-01T00:00:00Z","endAt":null,"referenceId":"case-1","metadata":null}`
	pointEvent = `{"id":8001,"pointEventType":"EARNED","amount":12.5,"pointDefinitionReference":"trips","createdAt":"2025-03-14T08:15:00Z","transactionId":5001,"pointPeriodId":9001}`
	program    = `{"id":1,"organisationId":20,"preset":"CUSTOM","name":"Reis mer","reference":"reis-mer","infoLink":null,` +
		`"organisationsWithAccess":[20],"administratorOrganisations":[20],"active":true,"createdAt":"2024-01-01T00:00:00Z","updatedAt":null,"programVersionId":3}`
	ladder = `{"programId":1,"memberId":1001,"currentLevelId":11,"levels":[{"levelId":11,"name":"Bronse","rank":1,` +
		`"requirements":[{"pointDefinitionReference":"trips","amount":0}],"rewards":[{"rewardId":21,"reference":"bronze-10","name":"10 % rabatt","type":"DISCOUNT","value":10}]}]}`
	errorBody = `{"title":"Bad Request","status":400,"message":"perPage must be an integer from 1 to 100","correlationId":"c0ffee",` +
		`"detail":null,"errors":[{"field":"perPage","message":"perPage must be an integer from 1 to 100"}]}`
)

func page(item string) string {
	return `{"items":[` + item + `],"totalItems":1,"totalPages":1}`
}

type response struct {
	status int
	header []string // name, value, ...; Content-Type application/json and X-Correlation-Id are set unless listed
	body   string
}

func (r response) http() *http.Response {
	w := httptest.NewRecorder()
	h := map[string]string{"Content-Type": "application/json", "X-Correlation-Id": "c0ffee"}
	for i := 0; i+1 < len(r.header); i += 2 {
		h[r.header[i]] = r.header[i+1]
	}
	for k, val := range h {
		if val != "" {
			w.Header().Set(k, val)
		}
	}
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
	return w.Result()
}

func TestValidateResponse(t *testing.T) {
	v := newTestValidator(t)
	const members = "/v1/programs/1/members"
	badMember := func(old, new string) string { return page(strings.Replace(member, old, new, 1)) }
	tests := []struct {
		name string
		path string
		resp response
		want []string // substrings of the error; nil = valid
	}{
		{"program", "/v1/programs/1", response{200, nil, program}, nil},
		{"members page", members, response{200, nil, page(member)}, nil},
		{"empty page", members + "?page=9", response{200, nil, `{"items":[],"totalItems":0,"totalPages":0}`}, nil},
		{"member", "/v1/programs/1/members/1001", response{200, nil, member}, nil},
		{"transactions", "/v1/programs/1/members/1001/transactions", response{200, nil, page(transaction)}, nil},
		{"point periods", "/v1/programs/1/members/1001/point-periods", response{200, nil, page(pointPeriod)}, nil},
		{"point period", "/v1/programs/1/members/1001/point-periods/9001", response{200, nil, pointPeriod}, nil},
		{"reward ladder", "/v1/programs/1/members/1001/reward-ladder", response{200, nil, ladder}, nil},
		{"points history", "/v1/programs/1/members/1001/points-history", response{200, nil, page(pointEvent)}, nil},
		{"suspension periods", "/v1/programs/1/members/1001/suspension-periods", response{200, nil, page(suspension)}, nil},
		{"400", members, response{400, nil, errorBody}, nil},
		{"404 minimal error", "/v1/programs/9", response{404, nil, `{"title":"Not Found","status":404,"message":"No program 9.","correlationId":"c0ffee"}`}, nil},
		{"429", members, response{429, []string{"Retry-After", "3"}, errorBody}, nil},
		{"json with charset", members, response{200, []string{"Content-Type", "application/json; charset=utf-8"}, page(member)}, nil},

		{"missing required field", members, response{200, nil, badMember(`"customerId":"c-1",`, ``)}, []string{"customerId"}},
		{"null in required field", members, response{200, nil, badMember(`"customerId":"c-1"`, `"customerId":null`)}, []string{"$.items[0].customerId"}},
		{"wrong type", members, response{200, nil, badMember(`"id":1001`, `"id":"1001"`)}, []string{"$.items[0].id"}},
		{"id below 1", members, response{200, nil, badMember(`"id":1001`, `"id":0`)}, []string{"$.items[0].id"}},
		{"extra property", members, response{200, nil, badMember(`"customerId"`, `"customerID":"x","customerId"`)}, []string{"customerID"}},
		{"timestamp without Z", members, response{200, nil, badMember(`08:15:00Z`, `08:15:00`)}, []string{"$.items[0].createdAt"}},
		{"timestamp with offset", members, response{200, nil, badMember(`08:15:00Z`, `08:15:00+02:00`)}, []string{"$.items[0].createdAt"}},
		{"invalid date-time", members, response{200, nil, badMember(`2025-03-14T`, `2025-13-14T`)}, []string{"$.items[0].createdAt", "date-time"}},
		{"negative total", members, response{200, nil, `{"items":[],"totalItems":-1,"totalPages":0}`}, []string{"totalItems"}},
		{"missing totals", members, response{200, nil, `{"items":[]}`}, []string{"totalItems", "totalPages"}},
		{"bad enum", "/v1/programs/1/members/1/points-history", response{200, nil, page(strings.Replace(pointEvent, "EARNED", "GAINED", 1))}, []string{"pointEventType"}},
		{"no levels", "/v1/programs/1/members/1/reward-ladder", response{200, nil, `{"programId":1,"memberId":1001,"currentLevelId":null,"levels":[]}`}, []string{"levels"}},
		{"undocumented status", members, response{418, nil, errorBody}, []string{"418"}},
		{"missing X-Correlation-Id", members, response{200, []string{"X-Correlation-Id", ""}, page(member)}, []string{"X-Correlation-Id"}},
		{"error without X-Correlation-Id", members, response{404, []string{"X-Correlation-Id", ""}, errorBody}, []string{"X-Correlation-Id"}},
		{"429 without Retry-After", members, response{429, nil, errorBody}, []string{"Retry-After"}},
		{"429 with Retry-After not a number", members, response{429, []string{"Retry-After", "soon"}, errorBody}, []string{"retry-after"}},
		{"wrong content type", members, response{200, []string{"Content-Type", "text/plain"}, page(member)}, []string{"text/plain"}},
		{"not JSON", members, response{200, nil, `{"items":`}, []string{"cannot be decoded"}},
		{"empty body", members, response{200, nil, ``}, []string{"empty"}},
		{"null body", members, response{200, nil, `null`}, []string{"null"}},
		{"error body on 404 with extra field", "/v1/programs/9", response{404, nil, `{"title":"Not Found","status":404,"message":"x","correlationId":"c","code":7}`}, []string{"code"}},
		{"undocumented operation", "/v1/nope", response{200, nil, `{}`}, []string{"not a documented operation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.resp.http()
			err := v.ValidateResponse(request(tt.path, client...), resp)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
			} else {
				if err == nil {
					t.Fatal("no error")
				}
				t.Log(err)
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error does not mention %q:\n%v", w, err)
					}
				}
			}
			// The body can be read again, unchanged.
			if got, _ := io.ReadAll(resp.Body); string(got) != tt.resp.body {
				t.Errorf("body after validation = %q, want %q", got, tt.resp.body)
			}
		})
	}
}

func TestValidateErrorBody(t *testing.T) {
	v := newTestValidator(t)
	tests := []struct {
		name, body string
		want       string // substring of the error; "" = valid
	}{
		{"full", errorBody, ""},
		{"minimal", `{"title":"Method Not Allowed","status":405,"message":"POST is not allowed.","correlationId":"c"}`, ""},
		{"null errors", `{"title":"Not Found","status":404,"message":"m","correlationId":"c","errors":null}`, ""},
		{"missing correlationId", `{"title":"Not Found","status":404,"message":"m"}`, "correlationId"},
		{"status as string", `{"title":"Not Found","status":"404","message":"m","correlationId":"c"}`, "status"},
		{"bad errors item", `{"title":"Bad Request","status":400,"message":"m","correlationId":"c","errors":[{"name":"page"}]}`, "errors[0]"},
		{"extra field", `{"title":"Not Found","status":404,"message":"m","correlationId":"c","error":"x"}`, "error"},
		{"not JSON", `Not Found`, "not JSON"},
		{"null", `null`, "null"},
		{"empty", ``, "not JSON"},
	}
	for _, tt := range tests {
		err := v.ValidateErrorBody([]byte(tt.body))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error: %v", tt.name, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: no error", tt.name)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: error does not mention %q: %v", tt.name, tt.want, err)
		}
	}
}

// TestLoopback validates a request as a server receives it (no scheme or host in its URL,
// Host 127.0.0.1:port) and the response as a client receives it.
func TestLoopback(t *testing.T) {
	v := newTestValidator(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Correlation-Id", "c0ffee")
		w.Header().Set("Content-Type", "application/json")
		if errs, found := v.ValidateRequest(r); !found || errs != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"title":"Bad Request","status":400,"message":"%v %v","correlationId":"c0ffee"}`, found, errs)
			return
		}
		io.WriteString(w, member)
	}))
	defer srv.Close()

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/programs/1/members/1001", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("ET-Client-Name", "acme-travelapp")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := v.ValidateResponse(resp.Request, resp); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if string(body) != member {
		t.Errorf("body = %s", body)
	}
}

// TestConcurrentUse shares one Validator between goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	v := newTestValidator(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				bad := (g+i)%2 == 1
				path := "/v1/programs/1/members?perPage=10"
				if bad {
					path = "/v1/programs/1/members?perPage=0"
				}
				errs, found := v.ValidateRequest(request(path, client...))
				if !found || (len(errs) == 1) != bad {
					t.Errorf("ValidateRequest(%s) = %v, %v", path, errs, found)
				}
				body := page(member)
				if bad {
					body = page(strings.Replace(member, `"id":1001`, `"id":"x"`, 1))
				}
				err := v.ValidateResponse(request(path, client...), response{200, nil, body}.http())
				if (err != nil) != bad {
					t.Errorf("ValidateResponse: %v", err)
				}
				if err := v.ValidateErrorBody([]byte(errorBody)); err != nil {
					t.Errorf("ValidateErrorBody: %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkValidateRequest(b *testing.B) {
	v := newTestValidator(b)
	r := request("/v1/programs/1/members/42/points-history?page=1&perPage=50&pointEventType=EARNED&createdAfter=2025-01-01T00:00:00Z", client...)
	b.ReportAllocs()
	for b.Loop() {
		if errs, found := v.ValidateRequest(r); !found || errs != nil {
			b.Fatal(errs)
		}
	}
}

func BenchmarkValidateRequestInvalid(b *testing.B) {
	v := newTestValidator(b)
	r := request("/v1/programs/1/members?page=-1&perPage=101")
	b.ReportAllocs()
	for b.Loop() {
		if errs, _ := v.ValidateRequest(r); len(errs) != 3 {
			b.Fatal(errs)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v := newTestValidator(b)
	items := make([]string, 20)
	for i := range items {
		items[i] = member
	}
	body := `{"items":[` + strings.Join(items, ",") + `],"totalItems":250,"totalPages":13}`
	r := request("/v1/programs/1/members", client...)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(r, response{200, nil, body}.http()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNewValidatorConcurrently builds validators in parallel, as parallel tests of other
// packages do; run with -race.
func TestNewValidatorConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			v, err := NewValidator()
			if err != nil {
				t.Error(err)
				return
			}
			if errs, _ := v.ValidateRequest(request("/v1/programs/1/members?page=-1", client...)); len(errs) != 1 {
				t.Errorf("ValidateRequest = %v", errs)
			}
		})
	}
	wg.Wait()
}

func BenchmarkNewValidator(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewValidator(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestControlDocument: the control plane's document is valid OpenAPI 3.1, its JSON form
// describes the same endpoints, and its Error schema is the API's, so one reader serves both.
func TestControlDocument(t *testing.T) {
	doc, err := libopenapi.NewDocument(ControlDocument())
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	cv := validator.NewValidatorFromV3Model(&model.Model)
	cv.SetDocument(doc)
	if ok, errs := cv.ValidateDocument(); !ok {
		for _, e := range errs {
			t.Errorf("control document: %v", e)
		}
	}
	js, err := ControlDocumentJSON()
	if err != nil || !json.Valid(js) {
		t.Fatalf("ControlDocumentJSON: %v", err)
	}
	if a, b := model.Model.Paths.PathItems.Len(), buildModel(t, js).Paths.PathItems.Len(); a != b {
		t.Errorf("JSON has %d paths, YAML %d", b, a)
	}
	render := func(m *v3.Document) string {
		out, err := m.Components.Schemas.GetOrZero("Error").Schema().Render()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if a, b := render(buildModel(t, Document())), render(&model.Model); a != b {
		t.Errorf("the control document's Error schema differs from the API's:\n%s\nwant\n%s", b, a)
	}
}
