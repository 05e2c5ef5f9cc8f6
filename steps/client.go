package steps

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/membersmock/membersmock/spec"
)

// maxBody bounds how much of a response the client reads; a page of 100
// items is a few tens of kilobytes.
const maxBody = 32 << 20

// client talks to the target. It is shared by all scenarios of a run and
// holds no per-scenario state.
type client struct {
	base       *url.URL // scheme, host and the deployment's own path prefix
	http       *http.Client
	token      string
	clientName string
	validator  *spec.Validator
	coverage   *coverageRecorder
	readOnly   bool // only GET, HEAD and OPTIONS are sent (see guard.go)
	requests   *requestCounter
}

func newClient(baseURL string, hc *http.Client, token, clientName string, v *spec.Validator, cov *coverageRecorder) (*client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("parsing the base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port][/prefix]", baseURL)
	}
	u.RawQuery, u.Fragment = "", ""
	return &client{base: u, http: hc, token: token, clientName: clientName, validator: v, coverage: cov}, nil
}

// correlation says what the client sends as X-Correlation-Id.
type correlation int

const (
	correlationFresh correlation = iota // a new random id per request (the default)
	correlationNone                     // no header
	correlationFixed                    // call.correlationID
)

// credentials says what the client sends as Authorization.
type credentials int

const (
	credentialsConfigured credentials = iota // "Bearer <token>" when a token is configured
	credentialsNone                          // no header
	credentialsRaw                           // call.authorization as it is
)

// call is one request to make.
type call struct {
	method        string // GET when empty
	path          string // API path, e.g. /v1/programs/1/members
	query         url.Values
	noClientName  bool
	correlation   correlation
	correlationID string
	credentials   credentials
	authorization string
	header        http.Header // extra headers
}

// exchange is a request and its response.
type exchange struct {
	method     string
	path       string // API path
	query      url.Values
	sentID     string // X-Correlation-Id sent, "" when none
	status     int
	header     http.Header
	body       []byte
	url        string      // the request's URL, as sent
	sent       http.Header // the request's headers, as sent
	op         spec.Operation
	documented bool
	date       time.Time // the Date header, zero when absent
	decoded    any       // the body, once decoded
	problems   []problem // the rules for every response that it breaks
}

// problem is one way a response breaks a rule that holds for every
// response, by the kind of rule.
type problem struct {
	kind problemKind
	text string
}

type problemKind int

const (
	problemSchema      problemKind = iota // status, headers or body against the OpenAPI document
	problemCorrelation                    // X-Correlation-Id
	problemContentType                    // application/json, and a body that is JSON
	problemErrorBody                      // the Error body agreeing with its response
	problemTimestamps                     // RFC 3339 in UTC with a Z
)

// problemsOf returns the texts of the problems of some kinds.
func (e *exchange) problemsOf(kinds ...problemKind) []string {
	var out []string
	for _, p := range e.problems {
		if slices.Contains(kinds, p.kind) {
			out = append(out, p.text)
		}
	}
	return out
}

// contractError is the error of a response that breaks rules that hold for
// every response; the exchange says which.
type contractError struct {
	ex *exchange
}

func (e *contractError) Error() string {
	texts := make([]string, len(e.ex.problems))
	for i, p := range e.ex.problems {
		texts[i] = p.text
	}
	return fmt.Sprintf("%s answered %d, which breaks the contract:\n%s", e.ex.target(), e.ex.status, strings.Join(texts, "\n"))
}

// target names the request for messages, e.g. "GET /v1/programs/1/members?page=2".
func (e *exchange) target() string {
	s := e.method + " " + e.path
	if len(e.query) > 0 {
		s += "?" + e.query.Encode()
	}
	return s
}

// json decodes the body, numbers as json.Number so that int64 ids survive.
func (e *exchange) json() (any, error) {
	if e.decoded != nil {
		return e.decoded, nil
	}
	v, err := decodeJSON(e.body)
	if err != nil {
		return nil, fmt.Errorf("%s: decoding the body: %w", e.target(), err)
	}
	e.decoded = v
	return v, nil
}

func decodeJSON(b []byte) (any, error) { return spec.DecodeJSON(b) }

// object decodes a JSON object body.
func (e *exchange) object() (object, error) {
	v, err := e.json()
	if err != nil {
		return nil, err
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the body is not a JSON object", e.target())
	}
	return o, nil
}

// do sends the call, records coverage and checks the response against the
// spec and the contract. The exchange is returned even when the check
// fails, so that callers can still describe it.
func (c *client) do(ctx context.Context, cl call) (*exchange, error) {
	u := *c.base
	u.Path = c.base.Path + cl.path
	u.RawPath = ""
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	method := cl.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, cl.path, err)
	}
	req.Header.Set("Accept", "application/json")
	if !cl.noClientName && c.clientName != "" {
		req.Header.Set("ET-Client-Name", c.clientName)
	}
	ex := &exchange{method: method, path: cl.path, query: cl.query}
	switch cl.correlation {
	case correlationFresh:
		ex.sentID = newCorrelationID()
	case correlationFixed:
		ex.sentID = cl.correlationID
	}
	if ex.sentID != "" {
		req.Header.Set("X-Correlation-Id", ex.sentID)
	}
	switch cl.credentials {
	case credentialsConfigured:
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
	case credentialsRaw:
		req.Header.Set("Authorization", cl.authorization)
	}
	for k, vs := range cl.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	ex.url, ex.sent = req.URL.String(), req.Header.Clone()
	resp, err := c.send(req)
	if err != nil {
		return nil, sendError(ex, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the response: %w", ex.target(), err)
	}
	ex.status, ex.header, ex.body = resp.StatusCode, resp.Header, body
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		ex.date = d.UTC()
	}

	// The validator and the coverage see the API path, without the
	// deployment's own prefix (e.g. /personalisation).
	vreq := req.Clone(ctx)
	vreq.URL.Path, vreq.URL.RawPath = cl.path, ""
	ex.op, ex.documented = c.coverage.record(vreq, cl.path, ex.status)

	if ex.documented {
		verdict := verdicts.judge(c.validator, vreq, resp, body, func() string {
			vresp := &http.Response{
				StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header,
				Body: io.NopCloser(bytes.NewReader(body)), Request: vreq,
			}
			if err := c.validator.ValidateResponse(vreq, vresp); err != nil {
				return err.Error()
			}
			return ""
		})
		if verdict != "" {
			ex.problems = append(ex.problems, problem{problemSchema, verdict})
		}
	} else if ex.status >= 400 {
		if err := c.validator.ValidateErrorBody(body); err != nil {
			ex.problems = append(ex.problems, problem{problemErrorBody, err.Error()})
		}
	}
	ex.problems = append(ex.problems, c.contractProblems(ex)...)
	if len(ex.problems) > 0 {
		return ex, &contractError{ex}
	}
	return ex, nil
}

// contractProblems checks the rules of the contract that hold for every
// response and that a schema cannot express (spec.ResponseProblems, which
// the mock's journal applies too).
func (c *client) contractProblems(ex *exchange) []problem {
	found, v := spec.ResponseProblems(ex.sentID, ex.status, ex.header, ex.body)
	if v != nil {
		ex.decoded = v
	}
	out := make([]problem, len(found))
	for i, p := range found {
		out[i] = problem{ruleKinds[p.Kind], p.Text}
	}
	return out
}

// ruleKinds maps the spec's rule groups to the client's problem kinds.
var ruleKinds = map[spec.RuleKind]problemKind{
	spec.RuleCorrelation: problemCorrelation,
	spec.RuleContentType: problemContentType,
	spec.RuleErrorBody:   problemErrorBody,
	spec.RuleTimestamps:  problemTimestamps,
}

func newCorrelationID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "conformance-" + hex.EncodeToString(b[:])
}

// errNotOK builds the error for an exchange that should have been a 200.
func errNotOK(ex *exchange) error {
	msg := string(ex.body)
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return fmt.Errorf("%s answered %d, want 200: %s", ex.target(), ex.status, msg)
}

var errNoResponse = errors.New("no request has been made in this scenario yet")

// verdicts remembers what the spec validator said of responses it has
// judged before. Its verdict is a pure function of the validator, the
// request's method and path, and the response's status, headers and body,
// so a response seen again (the same page read by many scenarios, or by many
// runs in one process) is not validated again. X-Correlation-Id and Date
// differ on every response: the document requires X-Correlation-Id to be a
// string and nothing more, so only its presence is part of the key (the
// client checks its value itself, on every response).
var verdicts = &verdictCache{entries: map[[sha256.Size]byte]string{}}

type verdictCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]string
}

// verdictCacheSize bounds the cache; when full it starts over.
const verdictCacheSize = 1 << 16

func (vc *verdictCache) judge(v *spec.Validator, req *http.Request, resp *http.Response, body []byte, validate func() string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%p\n%s %s\n%d\n", v, req.Method, req.URL.Path, resp.StatusCode)
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch k {
		case "Date", "Content-Length":
			continue
		case "X-Correlation-Id":
			fmt.Fprintf(h, "%s: (%d values)\n", k, len(resp.Header[k]))
		default:
			fmt.Fprintf(h, "%s: %q\n", k, resp.Header[k])
		}
	}
	fmt.Fprintf(h, "\n")
	h.Write(body)
	var key [sha256.Size]byte
	h.Sum(key[:0])

	vc.mu.Lock()
	verdict, ok := vc.entries[key]
	vc.mu.Unlock()
	if ok {
		return verdict
	}
	verdict = validate()
	vc.mu.Lock()
	if len(vc.entries) >= verdictCacheSize {
		clear(vc.entries)
	}
	vc.entries[key] = verdict
	vc.mu.Unlock()
	return verdict
}
