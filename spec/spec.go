// Package spec holds the OpenAPI 3.1 document of the Members API, the single source of truth
// for the mock server and the conformance suite, and validates HTTP requests and responses
// against it. The document is embedded; [NewValidator] parses it once and builds a
// [Validator] that checks request parameters, for the mock to answer 400 with the offending
// parameter named, and whole responses (status code, headers, content type and body, with
// format assertions on), for the conformance suite to say exactly what a server got wrong.
package spec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	openapijson "github.com/pb33f/libopenapi/json"

	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/router"
	"github.com/pb33f/libopenapi-validator/schema_validation"
)

//go:embed openapi.yaml
var document []byte

// Document returns the embedded OpenAPI 3.1 document (YAML bytes, do not modify): the
// contract's dialect. A Validator's Document is the one rewritten for its dialect.
func Document() []byte { return document }

// DocumentJSON returns the embedded document converted to JSON, keys in document order.
func DocumentJSON() ([]byte, error) { return toJSON(document) }

func toJSON(doc []byte) ([]byte, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(doc, &node); err != nil {
		return nil, fmt.Errorf("parsing the OpenAPI document: %w", err)
	}
	out, err := openapijson.YAMLNodeToJSON(&node, "  ")
	if err != nil {
		return nil, fmt.Errorf("converting the OpenAPI document to JSON: %w", err)
	}
	return out, nil
}

// Validator validates requests and responses against the embedded document.
// Build one with NewValidator and share it; it is safe for concurrent use.
type Validator struct {
	openapi     validator.Validator
	router      router.Router
	schemas     schema_validation.SchemaValidator
	errorSchema *base.Schema
	ops         []Operation
	byOperation map[*v3.Operation]*operationInfo
	dialect     Dialect
	doc         []byte // the document for dialect
	paging      Paging
}

// Paging is what the document says of the paging parameters, in the validator's dialect.
type Paging struct {
	FirstPage      int64 // the number of the first page, and the default of page
	DefaultPerPage int64 // perPage when not given
	MaxPerPage     int64 // the largest page size; above it, ClampsPerPage decides
	ClampsPerPage  bool  // a larger perPage is answered as MaxPerPage instead of refused
}

// Option configures NewValidator.
type Option func(*options)

type options struct{ dialect Dialect }

// WithDialect makes the validator validate with the document rewritten for d, and say so
// through Dialect, Document and Paging.
func WithDialect(d Dialect) Option { return func(o *options) { o.dialect = d.normal() } }

// Dialect returns the dialect the validator validates with.
func (v *Validator) Dialect() Dialect { return v.dialect }

// Document returns the OpenAPI document the validator validates with, as YAML: the embedded
// one, rewritten for the validator's dialect. Do not modify.
func (v *Validator) Document() []byte { return v.doc }

// DocumentJSON returns Document converted to JSON, keys in document order.
func (v *Validator) DocumentJSON() ([]byte, error) { return toJSON(v.doc) }

// Paging returns the paging bounds of the validator's document.
func (v *Validator) Paging() Paging { return v.paging }

// operationInfo is what request validation needs to know about one operation beyond the model.
type operationInfo struct {
	Operation
	params map[string]*v3.Parameter // by name
	order  map[string]int           // position of each parameter in the operation
}

// FieldError is one offending request parameter.
type FieldError struct {
	Field   string // parameter name exactly as in the spec: "page", "memberId", "ET-Client-Name", ...
	Message string // human sentence, from the validator's own message/reason
}

// Operation describes one documented operation, for coverage reports.
type Operation struct {
	ID       string   // operationId, e.g. "getMemberTransactions"
	Method   string   // "GET"
	Path     string   // templated path, e.g. "/v1/programs/{programId}/members/{memberId}/transactions"
	Statuses []int    // documented status codes, ascending
	Params   []string // documented parameter names (path, query, header), spec order
}

// NewValidator parses the embedded document and builds everything validation needs, so that
// each later call only matches and checks.
func NewValidator(opts ...Option) (*Validator, error) {
	o := options{dialect: Dialect{}.normal()}
	for _, opt := range opts {
		opt(&o)
	}
	text, err := documentFor(o.dialect)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(text)
	if err != nil {
		return nil, fmt.Errorf("parsing the embedded OpenAPI document: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("building the OpenAPI model: %w", err)
	}
	// One validator serves requests and responses: security validation only concerns requests,
	// and the mock checks the bearer token itself.
	vopts := []config.Option{
		// Without a cache, path parameter validation compiles a regexp per path segment on
		// every request; that was half the cost of a ValidateRequest.
		config.WithRegexCache(new(sync.Map)),
		config.WithFormatAssertions(),
		config.WithContentAssertions(),
		config.WithoutSecurityValidation(),
	}
	openapi := validator.NewValidatorFromV3Model(&model.Model, vopts...)
	openapi.SetDocument(doc)

	v := &Validator{
		openapi: openapi,
		// Path-only matching, as the validator itself does: a server's base path is removed
		// when the request path starts with it, so both /v1/... (the mock) and
		// /personalisation/v1/... (Entur) match.
		router:      router.NewRouter(&model.Model, router.WithPathOnlyMatching()),
		schemas:     schema_validation.NewSchemaValidatorWithLogger(slog.New(slog.DiscardHandler), vopts...),
		byOperation: make(map[*v3.Operation]*operationInfo),
		dialect:     o.dialect,
		doc:         text,
	}
	if err := v.indexOperations(&model.Model); err != nil {
		return nil, err
	}
	if v.paging, err = readPaging(text, o.dialect); err != nil {
		return nil, err
	}
	if model.Model.Components == nil || model.Model.Components.Schemas == nil {
		return nil, errors.New("building the validator: the document has no components/schemas")
	}
	proxy := model.Model.Components.Schemas.GetOrZero("Error")
	if proxy == nil || proxy.Schema() == nil {
		return nil, errors.New("building the validator: the document has no components/schemas/Error")
	}
	v.errorSchema = proxy.Schema()
	// Compile the Error schema now rather than on the first call.
	warm := `{"title":"Not Found","status":404,"message":"warm-up","correlationId":"x"}`
	if err := v.ValidateErrorBody([]byte(warm)); err != nil {
		return nil, fmt.Errorf("building the validator: compiling the Error schema: %w", err)
	}
	return v, nil
}

func (v *Validator) indexOperations(doc *v3.Document) error {
	if doc.Paths == nil || doc.Paths.PathItems == nil {
		return errors.New("building the validator: the document has no paths")
	}
	for path, item := range doc.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			info := &operationInfo{
				Operation: Operation{ID: op.OperationId, Method: strings.ToUpper(method), Path: path},
				params:    make(map[string]*v3.Parameter),
				order:     make(map[string]int),
			}
			// Path-item parameters come first, then the operation's, as OpenAPI merges them.
			for _, p := range slices.Concat(item.Parameters, op.Parameters) {
				if p == nil {
					continue
				}
				if _, dup := info.params[p.Name]; !dup {
					info.order[p.Name] = len(info.Params)
					info.Params = append(info.Params, p.Name)
				}
				info.params[p.Name] = p
			}
			if op.Responses != nil && op.Responses.Codes != nil {
				for code := range op.Responses.Codes.KeysFromOldest() {
					status, err := strconv.Atoi(code)
					if err != nil {
						return fmt.Errorf("building the validator: %s %s: response code %q is not a number", info.Method, path, code)
					}
					info.Statuses = append(info.Statuses, status)
				}
			}
			sort.Ints(info.Statuses)
			v.ops = append(v.ops, info.Operation)
			v.byOperation[op] = info
		}
	}
	return nil
}

// Operations returns the documented operations, in document order.
func (v *Validator) Operations() []Operation {
	out := make([]Operation, len(v.ops))
	for i, op := range v.ops {
		op.Statuses = slices.Clone(op.Statuses)
		op.Params = slices.Clone(op.Params)
		out[i] = op
	}
	return out
}

// FindOperation returns the documented operation a request with this method and concrete path
// (e.g. "/v1/programs/1/members/42") is routed to.
func (v *Validator) FindOperation(method, path string) (Operation, bool) {
	u, err := url.Parse(path)
	if err != nil {
		return Operation{}, false
	}
	info, _ := v.route(&http.Request{Method: method, URL: u, Header: http.Header{}})
	if info == nil {
		return Operation{}, false
	}
	op := info.Operation
	op.Statuses = slices.Clone(op.Statuses)
	op.Params = slices.Clone(op.Params)
	return op, true
}

func (v *Validator) route(r *http.Request) (*operationInfo, *router.Route) {
	route, err := v.router.FindRoute(r)
	if err != nil || route == nil || route.Operation == nil {
		return nil, nil
	}
	info := v.byOperation[route.Operation]
	// The router also answers HEAD with the GET operation, and matches "/v1/programs/1/" or
	// "/v1/programs//members" to a template with fewer segments; none of these is documented.
	// An empty segment would make the validator report every path parameter as missing.
	if info == nil || info.Method != r.Method ||
		strings.Count(route.RequestPath, "/") != strings.Count(route.Path, "/") ||
		strings.Contains(route.RequestPath, "//") {
		return nil, nil
	}
	return info, route
}

// ValidateRequest checks path, query and header parameters of a request to a documented operation.
// It ignores security (the mock implements auth itself). Returns nil when valid; at most one
// FieldError per parameter, in a stable order (order of the parameters in the spec).
// The second result is false when the path/method is not a documented operation.
func (v *Validator) ValidateRequest(r *http.Request) (errs []FieldError, found bool) {
	info, route := v.route(r)
	if info == nil {
		return nil, false
	}
	// The validator briefly rewrites *request while it runs; give it a copy so the caller's
	// request is never touched.
	rc := *r
	ok, verrs := v.openapi.ValidateHttpRequestSyncWithPathItem(&rc, route.PathItem, route.Path)
	if ok {
		return notDecimal(info, r, nil), true
	}
	seen := make(map[string]bool)
	for _, ve := range verrs {
		if reservedCharacters(ve) {
			// RFC 3986 allows ':' and friends unencoded in a query; a timestamp such as
			// createdAfter=2025-03-14T08:15:00Z is a valid request.
			continue
		}
		field := parameterName(ve)
		if seen[field] {
			continue
		}
		seen[field] = true
		errs = append(errs, FieldError{Field: field, Message: fieldMessage(info.params[field], ve, r, route)})
	}
	errs = append(errs, notDecimal(info, r, seen)...)
	sort.SliceStable(errs, func(i, j int) bool {
		return position(info, errs[i].Field) < position(info, errs[j].Field)
	})
	return errs, true
}

// notDecimal names the integer query parameters, not already in seen, whose value is not
// written in decimal digits. The validator reads a query integer as a JSON number, so it
// lets "1e3" and "1.0" through; the contract's integers are whole numbers as written, and a
// request with several bad parameters must name them all at once.
func notDecimal(info *operationInfo, r *http.Request, seen map[string]bool) []FieldError {
	var errs []FieldError
	query := r.URL.Query()
	for name, p := range info.params {
		vals, ok := query[name]
		if !ok || p.In != helpers.Query || seen[name] || !integerParameter(p) {
			continue
		}
		for _, val := range vals {
			if !decimal(val) {
				errs = append(errs, FieldError{Field: name, Message: fmt.Sprintf("%s must be %s, got %q", name, expectation(p), val)})
				break
			}
		}
	}
	return errs
}

func integerParameter(p *v3.Parameter) bool {
	if p.Schema == nil {
		return false
	}
	s := p.Schema.Schema()
	return s != nil && slices.Contains(s.Type, helpers.Integer)
}

// decimal reports whether s is an integer written in decimal digits, with an optional minus.
func decimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// position orders parameters as the document lists them; anything unattributed goes last.
func position(info *operationInfo, field string) int {
	if i, ok := info.order[field]; ok {
		return i
	}
	return len(info.order)
}

func reservedCharacters(ve *valerrors.ValidationError) bool {
	for _, f := range ve.SchemaValidationErrors {
		if strings.HasSuffix(f.KeywordLocation, "/allowReserved") {
			return true
		}
	}
	return false
}

var quotedName = regexp.MustCompile(`'([^']+)'`)

// parameterName returns the name of the parameter a validation error is about. The validator
// sets ParameterName on parameter errors; the fallback reads it from the message, which names
// it in quotes ("Query parameter 'page' is not a valid integer").
func parameterName(ve *valerrors.ValidationError) string {
	if ve.ParameterName != "" {
		return ve.ParameterName
	}
	if m := quotedName.FindStringSubmatch(ve.Message); m != nil {
		return m[1]
	}
	return ""
}

// fieldMessage turns a validator error about one parameter into a sentence a client
// developer can act on: what the parameter must be, and what was sent. The validator's own
// classification (missing, not an integer, schema failure) decides the wording; its message
// and reasons are used as they are when the parameter's schema is not one described here.
func fieldMessage(p *v3.Parameter, ve *valerrors.ValidationError, r *http.Request, route *router.Route) string {
	if p == nil {
		return validatorSentence(ve)
	}
	if strings.HasSuffix(ve.Message, " is missing") {
		switch p.In {
		case helpers.Header:
			return fmt.Sprintf("header %s is required", p.Name)
		case helpers.Path:
			return fmt.Sprintf("path parameter %s is required", p.Name)
		default:
			return fmt.Sprintf("query parameter %s is required", p.Name)
		}
	}
	want := expectation(p)
	if want == "" {
		return validatorSentence(ve)
	}
	var got string
	switch p.In {
	case helpers.Path:
		got = route.PathParams[p.Name]
	case helpers.Header:
		got = r.Header.Get(p.Name)
	default:
		got = r.URL.Query().Get(p.Name)
	}
	if len(got) > 64 {
		got = got[:64] + "..."
	}
	msg := fmt.Sprintf("%s must be %s, got %q", p.Name, want, got)
	if p.In == helpers.Query && strings.Contains(got, " ") && strings.Contains(want, "date-time") {
		// A '+' in a query string reads as a space; the offset of a date-time needs %2B.
		msg += " (send the + of an offset as %2B)"
	}
	return msg
}

// expectation describes, from the parameter's schema, the values the parameter accepts.
func expectation(p *v3.Parameter) string {
	if p.Schema == nil {
		return ""
	}
	s := p.Schema.Schema()
	if s == nil {
		return ""
	}
	if len(s.Enum) > 0 {
		values := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			values[i] = e.Value
		}
		return "one of " + strings.Join(values, ", ")
	}
	switch {
	case slices.Contains(s.Type, helpers.Integer):
		switch {
		case s.Minimum != nil && s.Maximum != nil:
			return fmt.Sprintf("an integer from %v to %v", *s.Minimum, *s.Maximum)
		case s.Minimum != nil:
			return fmt.Sprintf("an integer of at least %v", *s.Minimum)
		case s.Maximum != nil:
			return fmt.Sprintf("an integer of at most %v", *s.Maximum)
		}
		return "an integer"
	case slices.Contains(s.Type, helpers.String) && s.Format == "date-time":
		return "an RFC 3339 date-time with a zone, e.g. 2025-03-14T08:15:00Z"
	case slices.Contains(s.Type, helpers.String) && s.MinLength != nil && s.MaxLength != nil:
		return fmt.Sprintf("a string of %d to %d characters", *s.MinLength, *s.MaxLength)
	case slices.Contains(s.Type, helpers.String) && s.MinLength != nil && *s.MinLength == 1:
		return "a non-empty string"
	case slices.Contains(s.Type, helpers.String) && s.MinLength != nil:
		return fmt.Sprintf("a string of at least %d characters", *s.MinLength)
	}
	return ""
}

// validatorSentence is the validator's message with the reasons it gives, as one sentence.
func validatorSentence(ve *valerrors.ValidationError) string {
	var b strings.Builder
	b.WriteString(ve.Message)
	for _, f := range ve.SchemaValidationErrors {
		if f.Reason != "" {
			b.WriteString(": ")
			b.WriteString(f.Reason)
		}
	}
	return b.String()
}

// ValidateResponse checks a response to r: status code documented for the operation, headers,
// content type, body against the schema with format assertions on. It reads resp.Body and
// replaces it with an equivalent reader so callers can read it again. nil when valid; otherwise an
// error whose message carries the validator's own messages (all of them).
func (v *Validator) ValidateResponse(r *http.Request, resp *http.Response) error {
	info, route := v.route(r)
	if info == nil {
		return fmt.Errorf("%s %s is not a documented operation", r.Method, r.URL.Path)
	}
	var body []byte
	if resp.Body != nil && resp.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(resp.Body); err != nil {
			return fmt.Errorf("reading the response body to %s %s: %w", r.Method, r.URL.Path, err)
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	rc := *r
	_, verrs := v.openapi.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(&rc, resp, route.PathItem, route.Path)
	if missing := missingBody(route.Operation, resp.StatusCode, body); missing != nil {
		verrs = append(verrs, missing)
	}
	if len(verrs) == 0 {
		return nil
	}
	return &conformanceError{
		subject: fmt.Sprintf("response %d to %s %s (%s)", resp.StatusCode, r.Method, r.URL.Path, info.ID),
		errs:    verrs,
	}
}

// missingBody reports an empty or null body where the operation documents content for the
// status. The validator lets both pass: it has "nothing to validate" without a decoded value.
func missingBody(op *v3.Operation, status int, body []byte) *valerrors.ValidationError {
	if op.Responses == nil || op.Responses.Codes == nil {
		return nil
	}
	documented := op.Responses.Codes.GetOrZero(strconv.Itoa(status))
	if documented == nil || documented.Content == nil || documented.Content.Len() == 0 {
		return nil
	}
	switch trimmed := bytes.TrimSpace(body); {
	case len(trimmed) == 0:
		return &valerrors.ValidationError{
			Message: fmt.Sprintf("%d response body is empty", status),
			Reason:  "the operation documents a JSON body for this status",
		}
	case string(trimmed) == "null":
		return &valerrors.ValidationError{
			Message: fmt.Sprintf("%d response body is null", status),
			Reason:  "the operation documents a JSON object for this status",
		}
	}
	return nil
}

// ValidateErrorBody validates a JSON body against components/schemas/Error (for responses on
// routes that are not documented operations, e.g. 404 unknown route, 405).
func (v *Validator) ValidateErrorBody(body []byte) error {
	const subject = "error body"
	var decoded any
	if err := json.Unmarshal(body, &decoded); err != nil {
		return fmt.Errorf("%s is not JSON: %w", subject, err)
	}
	if decoded == nil {
		// The schema validator skips a JSON null instead of failing it.
		return fmt.Errorf("%s is null, want an Error object", subject)
	}
	ok, verrs := v.schemas.ValidateSchemaObject(v.errorSchema, decoded)
	if ok {
		return nil
	}
	return &conformanceError{subject: subject, errs: verrs}
}

// conformanceError lists every finding of the validator, each with the field it is about.
type conformanceError struct {
	subject string
	errs    []*valerrors.ValidationError
}

func (e *conformanceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s does not conform to the OpenAPI document:", e.subject)
	for _, ve := range e.errs {
		b.WriteString("\n  - ")
		b.WriteString(ve.Message)
		if ve.Reason != "" {
			b.WriteString(": ")
			b.WriteString(ve.Reason)
		}
		for _, f := range ve.SchemaValidationErrors {
			b.WriteString("\n      ")
			if f.FieldPath != "" {
				b.WriteString(f.FieldPath)
				b.WriteString(": ")
			} else if f.FieldName != "" {
				b.WriteString(f.FieldName)
				b.WriteString(": ")
			}
			b.WriteString(f.Reason)
		}
	}
	return b.String()
}
