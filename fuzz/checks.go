package fuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/membersmock/membersmock/spec"
)

// The checks every answer is held to, by name. The names are stable: they
// are what a report and --json say a failure broke.
const (
	checkAnswered      = "answered"              // a response came, within the timeout
	checkNo5xx         = "no-5xx"                // never a 5xx
	checkDocumented    = "documented-status"     // only statuses the document lists for the operation
	checkSchema        = "schema"                // the body validates against the schema of its status
	checkInvalid       = "invalid-refused"       // an invalid parameter is refused, not answered
	checkNamed         = "error-names-parameter" // a 400 names every offending parameter in errors[]
	checkValidAccepted = "valid-accepted"        // a request whose every parameter is valid is not refused with 400
	checkFound         = "found"                 // existing ids are found (200), ids that name nothing are not (404)
	checkPaging        = "paging"                // totals and page sizes keep the paging arithmetic
	checkOrder         = "order"                 // list items in the documented order
	checkFilters       = "filters"               // list items match the filters sent
	checkCorrelation   = "correlation-id"        // X-Correlation-Id sent is echoed
)

// Checks lists every check, in the order they are applied to an answer.
func Checks() []string {
	return []string{checkAnswered, checkNo5xx, checkDocumented, checkSchema, checkInvalid, checkNamed,
		checkValidAccepted, checkFound, checkPaging, checkOrder, checkFilters, checkCorrelation}
}

// finding is one check an answer broke, and why.
type finding struct {
	check   string
	message string
}

// answer is what came back for a request.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error // no answer: the transport's error
}

// listOrder is the documented order of a list: by key, ties by id in the
// same direction (the contract's "Operations" table).
type listOrder struct {
	key  string
	desc bool
}

var listOrders = map[string]listOrder{
	"getMembers":                 {"id", false},
	"getMemberTransactions":      {"validFrom", true},
	"getMemberPointPeriods":      {"startAt", true},
	"getMemberPointsHistory":     {"createdAt", true},
	"getMemberSuspensionPeriods": {"startAt", true},
}

// checker holds an answer to the checks.
type checker struct {
	v       *spec.Validator
	paging  spec.Paging
	dialect spec.Dialect
}

// check returns every check the answer to r breaks, in the order of Checks.
// vreq is the request as the validator sees it (the API path, without the
// deployment's prefix).
func (c *checker) check(r *request, vreq *http.Request, a *answer) []finding {
	if a.err != nil {
		return []finding{{checkAnswered, a.err.Error()}}
	}
	var out []finding
	add := func(check, format string, args ...any) {
		out = append(out, finding{check, fmt.Sprintf(format, args...)})
	}
	if a.status >= 500 {
		add(checkNo5xx, "answered %d %s", a.status, excerpt(a.body))
	}
	if r.method != http.MethodGet {
		// Only GET is documented: another method must not fail, and a
		// refusal carries the Error body.
		if a.status >= 400 && r.method != http.MethodHead {
			if err := c.v.ValidateErrorBody(a.body); err != nil {
				add(checkSchema, "%d to %s: %v", a.status, r.method, err)
			}
		}
		return out
	}
	if !r.op.documents(a.status) {
		add(checkDocumented, "answered %d, which %s does not document (it documents %v)", a.status, r.op.ID, r.op.Statuses)
	}
	resp := &http.Response{StatusCode: a.status, Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)), Request: vreq}
	if err := c.v.ValidateResponse(vreq, resp); err != nil && r.op.documents(a.status) {
		add(checkSchema, "%v", err)
	}
	if sentID, ok := r.first("X-Correlation-Id"); ok && a.header.Get("X-Correlation-Id") != sentID.text {
		add(checkCorrelation, "sent X-Correlation-Id %q, the answer carries %q", sentID.text, a.header.Get("X-Correlation-Id"))
	}
	if a.status == http.StatusUnauthorized || a.status == http.StatusTooManyRequests {
		return out // the target's mode, not the request, decides these
	}
	bad, open := r.names(invalid), r.names(either)
	named := errorFields(a.body)
	switch {
	case len(bad) > 0 || len(r.crossInvalid) > 0:
		if a.status < 400 {
			add(checkInvalid, "answered %d to an invalid %s; want 400 naming it", a.status, strings.Join(append(bad, r.crossInvalid...), ", "))
		}
		if a.status == http.StatusBadRequest {
			c.namesOffender(named, slices.Concat(bad, r.crossInvalid), open, add)
		}
		return out
	case a.status == http.StatusBadRequest:
		var wrong []string
		for _, n := range named {
			if !slices.Contains(open, n) {
				wrong = append(wrong, n)
			}
		}
		if len(wrong) > 0 || len(named) == 0 {
			add(checkValidAccepted, "every parameter is valid, yet the answer is 400 naming %q: %s", named, excerpt(a.body))
		}
		return out
	}
	ids := r.ids()
	switch {
	case ids == missing && a.status == http.StatusOK:
		add(checkFound, "answered 200 for an id that names nothing; want 404")
	case ids == exists && a.status == http.StatusNotFound && !c.mayBePastLastPage(r):
		add(checkFound, "answered 404 for ids that exist: %s", excerpt(a.body))
	}
	if a.status == http.StatusOK && r.op.isList() && len(open) == 0 {
		out = append(out, c.listFindings(r, a.body)...)
	}
	return out
}

// namesOffender checks the errors[] of a 400 to a request with offending
// parameters: it names at least one of them (or of those the contract
// leaves open), and no parameter that was valid. A server may stop at the
// first offender it meets.
func (c *checker) namesOffender(named, offending, open []string, add func(check, format string, args ...any)) {
	hit := false
	var wrong []string
	for _, n := range named {
		switch {
		case slices.Contains(offending, n), slices.Contains(open, n):
			hit = true // a value the contract leaves open may be refused too
		default:
			wrong = append(wrong, n)
		}
	}
	switch {
	case !hit:
		add(checkNamed, "the 400's errors[] names %q, none of the offending %s", named, strings.Join(offending, ", "))
	case len(wrong) > 0:
		add(checkNamed, "the 400's errors[] names %s, which the request sent valid", strings.Join(wrong, ", "))
	}
}

// mayBePastLastPage reports whether a 404 to r may be the dialect's answer
// to a page past the last one; the run does not know where the list ends.
func (c *checker) mayBePastLastPage(r *request) bool {
	return r.op.isList() && c.dialect.PastLastPageNotFound() && c.pageIndex(r) > 0
}

// pageIndex is the 0-based position of the page asked for.
func (c *checker) pageIndex(r *request) int64 {
	if s, ok := r.first("page"); ok {
		var n int64
		fmt.Sscan(s.text, &n)
		return n - c.paging.FirstPage
	}
	return 0
}

// perPage is the page size the answer must have.
func (c *checker) perPage(r *request) int64 {
	n := c.paging.DefaultPerPage
	if s, ok := r.first("perPage"); ok {
		fmt.Sscan(s.text, &n)
	}
	if c.paging.ClampsPerPage && n > c.paging.MaxPerPage {
		n = c.paging.MaxPerPage
	}
	return n
}

// listFindings checks a page: its arithmetic, its order, and that its items
// match the filters sent.
func (c *checker) listFindings(r *request, body []byte) []finding {
	var page struct {
		Items      []map[string]any `json:"items"`
		TotalItems int64            `json:"totalItems"`
		TotalPages int64            `json:"totalPages"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&page); err != nil {
		return nil // the schema check says what is wrong with it
	}
	var out []finding
	add := func(check, format string, args ...any) {
		out = append(out, finding{check, fmt.Sprintf(format, args...)})
	}
	per, idx := c.perPage(r), c.pageIndex(r)
	if want := (page.TotalItems + per - 1) / per; page.TotalPages != want {
		add(checkPaging, "totalPages is %d for %d items of %d per page; want %d", page.TotalPages, page.TotalItems, per, want)
	}
	want := int64(0)
	switch {
	case idx < page.TotalPages-1:
		want = per
	case idx == page.TotalPages-1:
		want = page.TotalItems - idx*per
	case idx > 0 && c.dialect.PastLastPageNotFound():
		add(checkPaging, "page %d of %d answered 200; this dialect answers a page past the last one with 404", idx, page.TotalPages)
	}
	if got := int64(len(page.Items)); got != want && page.TotalPages == (page.TotalItems+per-1)/per {
		add(checkPaging, "%d items on page index %d of %d (%d items, %d per page); want %d", got, idx, page.TotalPages, page.TotalItems, per, want)
	}
	if o, ok := listOrders[r.op.ID]; ok {
		if msg := outOfOrder(page.Items, o); msg != "" {
			add(checkOrder, "%s", msg)
		}
	}
	for _, s := range r.params {
		if s.in != "query" || s.verdict != valid || s.text == "" {
			continue
		}
		for i, it := range page.Items {
			if msg := mismatch(s, it); msg != "" {
				add(checkFilters, "items[%d] %s", i, msg)
				break
			}
		}
	}
	return out
}

// outOfOrder says where items break the order, "" when they keep it.
func outOfOrder(items []map[string]any, o listOrder) string {
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		cmp := compareKey(a[o.key], b[o.key])
		if cmp == 0 && o.key != "id" {
			cmp = compareKey(a["id"], b["id"])
		}
		if o.desc {
			cmp = -cmp
		}
		if cmp > 0 {
			dir := "ascending"
			if o.desc {
				dir = "descending"
			}
			return fmt.Sprintf("items[%d] (%s %v, id %v) comes before items[%d] (%s %v, id %v); the order is %s %s, ties by id",
				i-1, o.key, a[o.key], a["id"], i, o.key, b[o.key], b["id"], o.key, dir)
		}
	}
	return ""
}

// compareKey compares two ids (JSON numbers) or two date-times.
func compareKey(a, b any) int {
	if na, ok := a.(json.Number); ok {
		nb, _ := b.(json.Number)
		x, _ := na.Int64()
		y, _ := nb.Int64()
		return cmpInt(x, y)
	}
	sa, _ := a.(string)
	sb, _ := b.(string)
	ta, errA := time.Parse(time.RFC3339Nano, sa)
	tb, errB := time.Parse(time.RFC3339Nano, sb)
	if errA != nil || errB != nil {
		return 0 // the schema check reports a bad date-time
	}
	return ta.Compare(tb)
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// mismatch says how an item fails the filter s, "" when it matches (or s
// is no filter).
func mismatch(s sent, item map[string]any) string {
	switch s.name {
	case "customerId", "pointDefinitionReference", "pointEventType":
		if got, _ := item[s.name].(string); got != s.text {
			return fmt.Sprintf("has %s %q; the request asked for %q", s.name, got, s.text)
		}
	case "orderId":
		md, _ := item["metadata"].(map[string]any)
		if got, _ := md["orderId"].(string); got != s.text {
			return fmt.Sprintf("has metadata.orderId %q; the request asked for %q", got, s.text)
		}
	case "createdAfter", "createdBefore":
		bound, err := time.Parse(time.RFC3339Nano, s.text)
		created, _ := item["createdAt"].(string)
		at, errAt := time.Parse(time.RFC3339Nano, created)
		if err != nil || errAt != nil {
			return ""
		}
		if s.name == "createdAfter" && at.Before(bound) {
			return fmt.Sprintf("was created at %s, before createdAfter %s (inclusive)", created, s.text)
		}
		if s.name == "createdBefore" && !at.Before(bound) {
			return fmt.Sprintf("was created at %s, not before createdBefore %s (exclusive)", created, s.text)
		}
	}
	return ""
}

// errorFields returns the field of every errors[] entry of an Error body.
func errorFields(body []byte) []string {
	var e struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return nil
	}
	var out []string
	for _, f := range e.Errors {
		out = append(out, f.Field)
	}
	return out
}

// excerpt is the start of a body, for messages.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
