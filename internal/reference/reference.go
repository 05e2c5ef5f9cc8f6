// Package reference is a second, independent implementation of the Members
// API contract (docs: /work/shared/contract/members-api.md), written from the
// contract alone with the standard library. It shares no code or data with
// the mock, so the conformance suite run against it shows whether the suite
// raises false alarms on a correct implementation that is not the mock. Its
// Config can also speak the contract's dialects and rename fields, to play a
// deliberately divergent deployment.
package reference

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Config chooses, for each open decision of the contract (its "Dialects"),
// the reading this deployment makes. The zero Config is the contract's own.
type Config struct {
	// FirstPage is the number of the first page: 0 (default) or 1. A page
	// below it is a 400.
	FirstPage int64
	// ClampPerPage answers a perPage above 100 as 100 instead of a 400.
	ClampPerPage bool
	// PastLastPageNotFound answers a page past the end with 404, except the
	// first page of an empty list.
	PastLastPageNotFound bool
	// ClientNameOptional answers requests without ET-Client-Name.
	ClientNameOptional bool
	// EmptyFilterIgnore treats an empty customerId, orderId or
	// pointDefinitionReference as absent instead of a 400.
	EmptyFilterIgnore bool
	// RenameField renames JSON fields of success bodies (old → new), at any
	// depth, e.g. {"createdAt": "created"}: a deployment that drifted.
	RenameField map[string]string
}

const (
	defaultPerPage = 20
	maxPerPage     = 100
)

// New returns the reference deployment serving the nine GET operations
// under /v1/programs/{programId}.
func New(cfg Config) http.Handler {
	if cfg.FirstPage != 1 {
		cfg.FirstPage = 0
	}
	return &server{cfg: cfg, programs: build()}
}

type server struct {
	cfg      Config
	programs []*program
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// request is one request being answered.
type request struct {
	s    *server
	w    http.ResponseWriter
	r    *http.Request
	cid  string
	q    url.Values
	errs []fieldError
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cid := r.Header.Get("X-Correlation-Id")
	if cid == "" {
		cid = "ref-" + rand.Text()
	}
	w.Header().Set("X-Correlation-Id", cid)
	rq := &request{s: s, w: w, r: r, cid: cid}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		rq.fail(http.StatusMethodNotAllowed, "The Members API is read-only: use GET.", nil)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/programs/")
	if !ok {
		rq.notFound("path")
		return
	}
	seg := strings.Split(rest, "/")
	op := route(seg)
	if op == "" {
		rq.notFound("path")
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		rq.fail(http.StatusBadRequest, "The query string is not valid URL encoding.", []fieldError{{"query", "The query string could not be decoded: " + err.Error() + "."}})
		return
	}
	rq.q = q
	if !s.cfg.ClientNameOptional && strings.TrimSpace(r.Header.Get("ET-Client-Name")) == "" {
		rq.bad("ET-Client-Name", "The header ET-Client-Name is required: name the client as <company>-<application>.")
	}
	pid := rq.id("programId", seg[0])
	var mid, ppid int64
	if len(seg) > 2 {
		mid = rq.id("memberId", seg[2])
	}
	if op == "point-period" {
		ppid = rq.id("pointPeriodId", seg[4])
	}
	list := op == "members" || op == "transactions" || op == "point-periods" || op == "points-history" || op == "suspension-periods"
	var pg paging
	if list {
		pg = rq.paging()
	}
	f := rq.filters(op)
	if len(rq.errs) > 0 {
		rq.fail(http.StatusBadRequest, "The request has invalid parameters; see errors.", rq.errs)
		return
	}
	p := s.program(pid)
	if p == nil {
		rq.notFound("program")
		return
	}
	if op == "program" {
		rq.ok(programJSON(p))
		return
	}
	if op == "members" {
		rq.page(pg, membersOf(p, f))
		return
	}
	m := p.member(mid)
	if m == nil {
		rq.notFound("member")
		return
	}
	switch op {
	case "member":
		rq.ok(memberJSON(p, m))
	case "transactions":
		rq.page(pg, transactionsOf(p, m, f))
	case "point-periods":
		rq.page(pg, periodsOf(m))
	case "point-period":
		for _, pp := range m.periods {
			if pp.id == ppid {
				rq.ok(periodJSON(pp))
				return
			}
		}
		rq.notFound("point period")
	case "reward-ladder":
		rq.ok(ladderJSON(p, m))
	case "points-history":
		rq.page(pg, eventsOf(m, f))
	case "suspension-periods":
		rq.page(pg, suspensionsOf(m))
	}
}

// route names the operation of the path segments after /v1/programs/.
func route(seg []string) string {
	switch {
	case len(seg) == 1:
		return "program"
	case seg[1] != "members":
		return ""
	case len(seg) == 2:
		return "members"
	case len(seg) == 3:
		return "member"
	case len(seg) == 4:
		switch seg[3] {
		case "transactions", "point-periods", "reward-ladder", "points-history", "suspension-periods":
			return seg[3]
		}
	case len(seg) == 5 && seg[3] == "point-periods":
		return "point-period"
	}
	return ""
}

func (s *server) program(id int64) *program {
	for _, p := range s.programs {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (p *program) member(id int64) *member {
	for _, m := range p.members {
		if m.id == id {
			return m
		}
	}
	return nil
}

func (rq *request) bad(field, msg string) { rq.errs = append(rq.errs, fieldError{field, msg}) }

// id parses a path id: a whole number of at least 1.
func (rq *request) id(name, v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		rq.bad(name, fmt.Sprintf("The path parameter %s must be a whole number of at least 1, not %q.", name, v))
		return 0
	}
	return n
}

func (rq *request) notFound(what string) {
	msg := fmt.Sprintf("No %s was found at %s.", what, rq.r.URL.Path)
	if what == "path" {
		msg = fmt.Sprintf("The path %s is not part of the Members API.", rq.r.URL.Path)
	}
	rq.fail(http.StatusNotFound, msg, nil)
}

func (rq *request) fail(status int, msg string, errs []fieldError) {
	body := map[string]any{"title": http.StatusText(status), "status": status, "message": msg, "correlationId": rq.cid}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	rq.write(status, body)
}

func (rq *request) ok(body map[string]any) {
	rq.write(http.StatusOK, rename(body, rq.s.cfg.RenameField))
}

func (rq *request) write(status int, body any) {
	data, err := json.Marshal(body)
	if err != nil { // the bodies are maps of plain values; this cannot happen
		http.Error(rq.w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	rq.w.Header().Set("Content-Type", "application/json")
	rq.w.Header().Set("Content-Length", strconv.Itoa(len(data)+1))
	rq.w.WriteHeader(status)
	if rq.r.Method != http.MethodHead {
		rq.w.Write(append(data, '\n'))
	}
}

// rename applies the configured field renames at every depth.
func rename(v map[string]any, names map[string]string) map[string]any {
	if len(names) == 0 {
		return v
	}
	out := make(map[string]any, len(v))
	for k, x := range v {
		if n, ok := names[k]; ok {
			k = n
		}
		switch x := x.(type) {
		case map[string]any:
			out[k] = rename(x, names)
		case []map[string]any:
			items := make([]map[string]any, len(x))
			for i, it := range x {
				items[i] = rename(it, names)
			}
			out[k] = items
		default:
			out[k] = x
		}
	}
	return out
}
