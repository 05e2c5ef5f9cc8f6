package steps_test

// The suite is only worth something if it fails against an implementation
// that breaks the contract. TestSuiteCatchesDefects runs the default suite
// against broken variants of the mock: each wraps the real mock's handler in
// a test-only middleware that breaks exactly one rule, by rewriting the
// request before the mock sees it or the answer after the mock gave it. For
// each variant the run must fail, and one of the failed scenarios must name
// the broken rule.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/steps"
)

// defect is one broken variant of the mock.
type defect struct {
	name string
	// rule matches the name of a scenario that states the broken rule; at
	// least one failed scenario must match it.
	rule string
	wrap wrapper
}

type wrapper func(inner http.Handler) http.Handler

// defects is the table of broken variants, by kind of rule.
func defects() []defect {
	return []defect{
		// Totals.
		{"totalItems one too many", `totals of .* count|exactly once`, pageBodies(func(r *http.Request, b object) {
			b["totalItems"] = num(intIn(b, "totalItems") + 1)
		})},
		{"totalPages one too many", `totals of .* count`, pageBodies(func(r *http.Request, b object) {
			b["totalPages"] = num(intIn(b, "totalPages") + 1)
		})},
		{"totalPages rounded down", `totals of .* count`, pageBodies(func(r *http.Request, b object) {
			b["totalPages"] = num(intIn(b, "totalItems") / perPageOf(r))
		})},
		{"totalItems counts the page only", `totals of .* count`, pageBodies(func(r *http.Request, b object) {
			b["totalItems"] = num(int64(len(itemsIn(b))))
		})},
		{"an empty list has one page", `no items and no pages`, pageBodies(func(r *http.Request, b object) {
			if intIn(b, "totalItems") == 0 {
				b["totalPages"] = num(1)
			}
		})},
		{"items null instead of [] on an empty page", `empty`, pageBodies(func(r *http.Request, b object) {
			if len(itemsIn(b)) == 0 {
				b["items"] = nil
			}
		})},
		{"page and perPage echoed in the page", `page and perPage are not echoed`, pageBodies(func(r *http.Request, b object) {
			b["page"] = num(int64(pageOf(r)))
			b["perPage"] = num(perPageOf(r))
		})},

		// Items lost or duplicated across pages.
		{"an item lost at each page boundary", `exactly once`, relist(nil, nil, func(all []any, page, perPage int) []any {
			start := page * perPage
			if page > 0 {
				start++
			}
			return window(all, start, start+perPage)
		})},
		{"an item repeated across page boundaries", `exactly once`, relist(nil, nil, func(all []any, page, perPage int) []any {
			start := page * perPage
			if page > 0 {
				start--
			}
			return window(all, start, start+perPage)
		})},
		{"the last item never served", `exactly once`, relist(nil, nil, func(all []any, page, perPage int) []any {
			return window(all[:max(len(all)-1, 0)], page*perPage, (page+1)*perPage)
		})},

		// Ordering.
		{"items of a page in reverse order", `order`, pageBodies(func(r *http.Request, b object) {
			slices.Reverse(itemsIn(b))
		})},
		{"the first two items of a page swapped", `order`, pageBodies(func(r *http.Request, b object) {
			if it := itemsIn(b); len(it) >= 2 {
				it[0], it[1] = it[1], it[0]
			}
		})},
		{"members ordered by id descending", `order|id ascending`, relistOps([]string{"getMembers"}, nil, func(r *http.Request, all []any) []any {
			slices.Reverse(all)
			return all
		}, nil)},
		{"transactions ordered by validFrom ascending", `order|validFrom descending`, relistOps([]string{"getMemberTransactions"}, nil, func(r *http.Request, all []any) []any {
			sortBy(all, "validFrom", false, false)
			return all
		}, nil)},
		{"ties broken by id ascending", `ties broken by id descending`, relist(nil, func(r *http.Request, all []any) []any {
			switch routeOf(r.URL.Path).op {
			case "getMemberTransactions":
				sortBy(all, "validFrom", true, false)
			case "getMemberPointsHistory":
				sortBy(all, "createdAt", true, false)
			}
			return all
		}, nil)},
		// A database's ids need not rise with time: ordering by id alone is wrong.
		{"transactions ordered by id alone", `order of the member.s transactions is validFrom`, relistOps([]string{"getMemberTransactions"}, nil, byIDAlone, nil)},
		{"points history ordered by id alone", `order of the member.s points history is createdAt`, relistOps([]string{"getMemberPointsHistory"}, nil, byIDAlone, nil)},
		{"point periods ordered by id alone", `order of the member.s point periods is startAt`, relistOps([]string{"getMemberPointPeriods"}, nil, byIDAlone, nil)},
		{"suspension periods ordered by id alone", `order of the member.s suspension periods is startAt`, relistOps([]string{"getMemberSuspensionPeriods"}, nil, byIDAlone, nil)},
		{"points history ordered by createdAt ascending", `order|createdAt descending`, relistOps([]string{"getMemberPointsHistory"}, nil, func(r *http.Request, all []any) []any {
			sortBy(all, "createdAt", false, false)
			return all
		}, nil)},
		{"point periods ordered by startAt ascending", `order|startAt descending`, relistOps([]string{"getMemberPointPeriods"}, nil, func(r *http.Request, all []any) []any {
			slices.Reverse(all)
			return all
		}, nil)},

		// Page numbers and page sizes.
		{"page numbers start at 1", `exactly once`, queries(func(rt route, q url.Values) {
			if p, err := strconv.Atoi(q.Get("page")); err == nil && p >= 1 {
				q.Set("page", strconv.Itoa(p-1))
			}
		})},
		{"perPage ignored: always 20", `per page`, queries(func(rt route, q url.Values) {
			if n, err := strconv.Atoi(q.Get("perPage")); err == nil && n >= 1 && n <= 100 {
				q.Set("perPage", "20")
			}
		})},
		{"perPage capped at 50", `100 per page|largest page`, queries(func(rt route, q url.Values) {
			if n, err := strconv.Atoi(q.Get("perPage")); err == nil && n > 50 && n <= 100 {
				q.Set("perPage", "50")
			}
		})},
		{"default page size 10", `Without page or perPage`, queries(func(rt route, q url.Values) {
			if rt.list() && !q.Has("perPage") {
				q.Set("perPage", "10")
			}
		})},
		{"default page size 25", `Without page or perPage`, queries(func(rt route, q url.Values) {
			if rt.list() && !q.Has("perPage") {
				q.Set("perPage", "25")
			}
		})},
		{"a page past the end answers 404", `past the end of .* \(pastLastPage: empty\)`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.list() && a.status == 200 {
				b := a.object()
				if p := int64(pageOf(r)); p > 0 && p >= intIn(b, "totalPages") {
					a.fail(http.StatusNotFound, "There is no such page.")
				}
			}
		})},
		{"a page past the end repeats the last page", `past the end`, relist(nil, nil, func(all []any, page, perPage int) []any {
			pages := (len(all) + perPage - 1) / perPage
			if page >= pages && pages > 0 {
				page = pages - 1
			}
			return window(all, page*perPage, (page+1)*perPage)
		})},
		{"a page past the end has zero totals", `keeps the totals`, pageBodies(func(r *http.Request, b object) {
			if len(itemsIn(b)) == 0 {
				b["totalItems"], b["totalPages"] = num(0), num(0)
			}
		})},
		{"perPage=100 refused", `largest page sizes`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.list() && r.URL.Query().Get("perPage") == "100" {
				a.fail(http.StatusBadRequest, "perPage is too large.", "perPage")
			}
		})},
		{"page=0 refused", `first page is page 0.*firstPage: 0`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.list() && r.URL.Query().Get("page") == "0" {
				a.fail(http.StatusBadRequest, "page starts at 1.", "page")
			}
		})},
		{"perPage=0 accepted as the default", `out of bounds`, queries(func(rt route, q url.Values) {
			if q.Get("perPage") == "0" {
				q.Del("perPage")
			}
		})},
		{"perPage above 100 served as 100", `perPageAboveMax: reject`, queries(func(rt route, q url.Values) {
			if n, err := strconv.Atoi(q.Get("perPage")); err == nil && n > 100 {
				q.Set("perPage", "100")
			}
		})},
		{"a negative page served as page 0", `out of bounds|naming each|both named`, queries(func(rt route, q url.Values) {
			if n, err := strconv.Atoi(q.Get("page")); err == nil && n < 0 {
				q.Set("page", "0")
			}
		})},

		// Filters.
		{"customerId filter ignored", `customer id`, queries(func(rt route, q url.Values) { q.Del("customerId") })},
		{"customerId filter finds the next member", `customer id`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op != "getMembers" || a.status != 200 || !r.URL.Query().Has("customerId") {
				return
			}
			b := a.object()
			items := itemsIn(b)
			if len(items) == 1 {
				next := a.get(r, fmt.Sprintf("/v1/programs/%s/members/%d", rt.program, intIn(items[0].(object), "id")%250+1), nil)
				if next.status == 200 {
					items[0] = next.object()
					a.setObject(b)
				}
			}
		})},
		{"customerId filter is a prefix match", `exact match, not a prefix`, relistOps([]string{"getMembers"},
			func(q url.Values) { q.Del("customerId") },
			func(r *http.Request, all []any) []any {
				q, ok := r.URL.Query()["customerId"]
				if !ok {
					return all
				}
				return keep(all, func(o object) bool { return strings.HasPrefix(strIn(o, "customerId"), q[0]) })
			}, nil)},
		{"customerId filter searches every program", `never finds that membership here`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op != "getMembers" || a.status != 200 || !r.URL.Query().Has("customerId") || len(itemsIn(a.object())) > 0 {
				return
			}
			for _, p := range []int{1, 2, 3} {
				other := a.get(r, fmt.Sprintf("/v1/programs/%d/members", p), r.URL.Query())
				if other.status == 200 && len(itemsIn(other.object())) > 0 {
					a.body = other.body
					return
				}
			}
		})},
		{"orderId filter ignored", `order ids`, queries(func(rt route, q url.Values) { q.Del("orderId") })},
		{"pointDefinitionReference ignored on transactions", `point definition`, queries(func(rt route, q url.Values) {
			if rt.op == "getMemberTransactions" {
				q.Del("pointDefinitionReference")
			}
		})},
		{"pointDefinitionReference ignored on the points history", `point definition`, queries(func(rt route, q url.Values) {
			if rt.op == "getMemberPointsHistory" {
				q.Del("pointDefinitionReference")
			}
		})},
		{"orderId filter is a prefix match", `order id filter is an exact match`, relistOps([]string{"getMemberTransactions"},
			func(q url.Values) { q.Del("orderId") },
			func(r *http.Request, all []any) []any {
				v, ok := r.URL.Query()["orderId"]
				if !ok {
					return all
				}
				return keep(all, func(o object) bool {
					md, _ := o["metadata"].(object)
					s, _ := md["orderId"].(string)
					return strings.HasPrefix(s, v[0])
				})
			}, nil)},
		{"pointDefinitionReference filter ignores letter case", `point definition filter is an exact match`, relistOps([]string{"getMemberTransactions", "getMemberPointsHistory"},
			func(q url.Values) { q.Del("pointDefinitionReference") },
			func(r *http.Request, all []any) []any {
				v, ok := r.URL.Query()["pointDefinitionReference"]
				if !ok {
					return all
				}
				return keep(all, func(o object) bool { return strings.EqualFold(strIn(o, "pointDefinitionReference"), v[0]) })
			}, nil)},
		{"points history pointDefinitionReference is a prefix match", `point definition filter is an exact match`, relistOps([]string{"getMemberPointsHistory"},
			func(q url.Values) { q.Del("pointDefinitionReference") },
			func(r *http.Request, all []any) []any {
				v, ok := r.URL.Query()["pointDefinitionReference"]
				if !ok {
					return all
				}
				return keep(all, func(o object) bool { return strings.HasPrefix(strIn(o, "pointDefinitionReference"), v[0]) })
			}, nil)},
		{"pointEventType ignored", `event type`, queries(func(rt route, q url.Values) {
			if v := q.Get("pointEventType"); v == "EARNED" || v == "CONSUMED" || v == "EXPIRED" || v == "CANCELLED" {
				q.Del("pointEventType")
			}
		})},
		{"createdAfter exclusive", `createdAfter is inclusive`, relistOps([]string{"getMemberPointsHistory"}, nil, func(r *http.Request, all []any) []any {
			after, err := time.Parse(time.RFC3339, r.URL.Query().Get("createdAfter"))
			if err != nil {
				return all
			}
			return keep(all, func(o object) bool { return timeIn(o, "createdAt").After(after) })
		}, nil)},
		{"createdBefore inclusive", `createdBefore is exclusive`, relistOps([]string{"getMemberPointsHistory"},
			func(q url.Values) { q.Del("createdBefore") },
			func(r *http.Request, all []any) []any {
				before, err := time.Parse(time.RFC3339, r.URL.Query().Get("createdBefore"))
				if err != nil {
					return all
				}
				return keep(all, func(o object) bool { return !timeIn(o, "createdAt").After(before) })
			}, nil)},
		{"an empty time window refused", `valid, empty time window`, answers(func(r *http.Request, rt route, a *answer) {
			q := r.URL.Query()
			if rt.op == "getMemberPointsHistory" && q.Has("createdAfter") && q.Get("createdAfter") == q.Get("createdBefore") {
				a.fail(http.StatusBadRequest, "createdAfter must be before createdBefore.", "createdAfter", "createdBefore")
			}
		})},
		{"filters combined with OR", `combine with AND`, relistOps([]string{"getMemberTransactions", "getMemberPointsHistory"},
			func(q url.Values) {
				for _, k := range []string{"orderId", "pointDefinitionReference", "pointEventType", "createdAfter", "createdBefore"} {
					q.Del(k)
				}
			},
			func(r *http.Request, all []any) []any {
				q := r.URL.Query()
				var tests []func(object) bool
				if v, ok := q["orderId"]; ok {
					tests = append(tests, func(o object) bool { md, _ := o["metadata"].(object); return md["orderId"] == v[0] })
				}
				if v, ok := q["pointDefinitionReference"]; ok {
					tests = append(tests, func(o object) bool { return strIn(o, "pointDefinitionReference") == v[0] })
				}
				if v, ok := q["pointEventType"]; ok {
					tests = append(tests, func(o object) bool { return strIn(o, "pointEventType") == v[0] })
				}
				if v, err := time.Parse(time.RFC3339, q.Get("createdAfter")); err == nil {
					tests = append(tests, func(o object) bool { return !timeIn(o, "createdAt").Before(v) })
				}
				if v, err := time.Parse(time.RFC3339, q.Get("createdBefore")); err == nil {
					tests = append(tests, func(o object) bool { return timeIn(o, "createdAt").Before(v) })
				}
				if len(tests) == 0 {
					return all
				}
				return keep(all, func(o object) bool {
					return slices.ContainsFunc(tests, func(t func(object) bool) bool { return t(o) })
				})
			}, nil)},
		{"the totals of a filtered list count the whole list", `order ids|point definition|event type|customer id`, answers(func(r *http.Request, rt route, a *answer) {
			q := r.URL.Query()
			if !rt.list() || a.status != 200 {
				return
			}
			filtered := false
			for _, k := range []string{"customerId", "orderId", "pointDefinitionReference", "pointEventType", "createdAfter", "createdBefore"} {
				if q.Has(k) {
					filtered = true
					q.Del(k)
				}
			}
			if filtered {
				whole := a.get(r, r.URL.Path, q).object()
				b := a.object()
				b["totalItems"], b["totalPages"] = whole["totalItems"], whole["totalPages"]
				a.setObject(b)
			}
		})},
		{"an inverted time window answered with an empty list", `start is after its end`, answers(func(r *http.Request, rt route, a *answer) {
			q := r.URL.Query()
			after, err1 := time.Parse(time.RFC3339, q.Get("createdAfter"))
			before, err2 := time.Parse(time.RFC3339, q.Get("createdBefore"))
			if rt.op == "getMemberPointsHistory" && err1 == nil && err2 == nil && after.After(before) {
				a.status = 200
				a.setObject(object{"items": []any{}, "totalItems": num(0), "totalPages": num(0)})
			}
		})},
		{"a time filter's offset ignored", `\+02:00 offset`, queries(func(rt route, q url.Values) {
			for _, k := range []string{"createdAfter", "createdBefore"} {
				if v := q.Get(k); len(v) > 6 && (v[len(v)-6] == '+' || v[len(v)-6] == '-') {
					q.Set(k, v[:len(v)-6]+"Z")
				}
			}
		})},
		{"an unreadable time filter ignored", `not an RFC 3339 date-time`, queries(func(rt route, q url.Values) {
			for _, k := range []string{"createdAfter", "createdBefore"} {
				if _, err := time.Parse(time.RFC3339, q.Get(k)); q.Has(k) && err != nil {
					q.Del(k)
				}
			}
		})},
		{"an event type in lower case accepted", `event type that does not exist`, queries(func(rt route, q url.Values) {
			if q.Has("pointEventType") {
				q.Set("pointEventType", strings.ToUpper(q.Get("pointEventType")))
			}
		})},
		{"an unknown query parameter refused", `does not know is ignored`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op != "" && r.URL.Query().Has("colour") {
				a.fail(http.StatusBadRequest, "Unknown parameter colour.", "colour")
			}
		})},

		// Status codes.
		{"not found answered 400", `not found`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status == 404 {
				a.recode(400)
			}
		})},
		{"a bad parameter answered 422", `refused`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status == 400 {
				a.recode(422)
			}
		})},
		{"success answered 201", `can be (read|listed)`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op != "" && a.status == 200 {
				a.status = 201
			}
		})},
		{"a bad id answered 404", `not a whole number`, answers(func(r *http.Request, rt route, a *answer) {
			for _, f := range a.errorFields() {
				if f == "programId" || f == "memberId" || f == "pointPeriodId" {
					a.recode(404)
					b := a.object()
					delete(b, "errors")
					a.setObject(b)
					return
				}
			}
		})},
		{"a client that does not name itself answered 401", `does not name itself`, answers(func(r *http.Request, rt route, a *answer) {
			if slices.Contains(a.errorFields(), "ET-Client-Name") {
				a.recode(401)
			}
		})},
		{"an unknown program answered 200", `program that does not exist`, wrapper(func(inner http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rt := routeOf(r.URL.Path)
				if id, err := strconv.Atoi(rt.program); err == nil && id > 3 {
					r = r.Clone(r.Context())
					r.URL.Path = "/v1/programs/1" + strings.TrimPrefix(r.URL.Path, "/v1/programs/"+rt.program)
				}
				inner.ServeHTTP(w, r)
			})
		})},
		{"an unknown path answered 200 with HTML", `not part of the API`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op == "" && a.status == 404 {
				a.status, a.body = 200, []byte("<html><body>Members</body></html>")
				a.header.Set("Content-Type", "text/html; charset=utf-8")
			}
		})},
		{"an unknown path answered 404 in plain text", `not part of the API`, answers(func(r *http.Request, rt route, a *answer) {
			if rt.op == "" && a.status == 404 {
				a.body = []byte("404 page not found\n")
				a.header.Set("Content-Type", "text/plain; charset=utf-8")
			}
		})},
		{"405 without the Error body", `other than GET`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status == 405 {
				a.body = []byte("Method Not Allowed\n")
				a.header.Set("Content-Type", "text/plain; charset=utf-8")
			}
		})},

		// Headers.
		{"ET-Client-Name not required", `does not name itself.*clientName: required`, headers(func(h http.Header) {
			if h.Get("ET-Client-Name") == "" {
				h.Set("ET-Client-Name", "anonymous-client")
			}
		})},
		{"no X-Correlation-Id on answers", `correlation id sent by the client comes back|carries a new one`, answers(func(r *http.Request, rt route, a *answer) {
			a.header.Del("X-Correlation-Id")
		})},
		{"no X-Correlation-Id on error answers", `error answer carries`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status != 200 {
				a.header.Del("X-Correlation-Id")
			}
		})},
		{"the client's correlation id not echoed", `comes back unchanged|carries the correlation id sent`, headers(func(h http.Header) {
			h.Del("X-Correlation-Id")
		})},
		{"the same generated correlation id for every request", `get different ones`, headers(func(h http.Header) {
			if h.Get("X-Correlation-Id") == "" {
				h.Set("X-Correlation-Id", "0f8fad5b-d9cb-469f-a165-70867728950e")
			}
		})},
		{"Content-Type text/plain", `application/json`, answers(func(r *http.Request, rt route, a *answer) {
			a.header.Set("Content-Type", "text/plain; charset=utf-8")
		})},
		{"Content-Type application/problem+json on errors", `application/json`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status >= 400 {
				a.header.Set("Content-Type", "application/problem+json")
			}
		})},

		// Error bodies.
		{"Error title is not the HTTP reason", `carries the Error body, with the HTTP reason as title`, errorBodies(func(b object) { b["title"] = "Error" })},
		{"Error status differs from the answer's", `carries the Error body, with the HTTP reason as title, its status`, errorBodies(func(b object) { b["status"] = num(500) })},
		{"Error correlationId differs from the header", `carries the Error body, .* its correlation id|error body carries the same correlation id`, errorBodies(func(b object) {
			b["correlationId"] = "err-" + fmt.Sprint(b["correlationId"])
		})},
		{"Error message missing", `carries the Error body, with .* a message`, errorBodies(func(b object) { delete(b, "message") })},
		{"Error with an undocumented property", `carries the Error body`, errorBodies(func(b object) { b["timestamp"] = "2026-06-01T12:00:00Z" })},
		{"errors[] missing", `naming|names`, errorBodies(func(b object) { delete(b, "errors") })},
		{"errors[] names the parameter differently", `naming|names`, errorBodies(func(b object) {
			for _, e := range anySlice(b["errors"]) {
				e.(object)["field"] = "query." + strIn(e.(object), "field")
			}
		})},
		{"errors[] names a parameter twice", `once`, errorBodies(func(b object) {
			if errs := anySlice(b["errors"]); len(errs) > 0 {
				b["errors"] = append(errs, errs[0])
			}
		})},

		// Timestamp formats.
		{"timestamps with +00:00", `timestamp in .* UTC with a Z`, timestamps(func(s string) string { return strings.TrimSuffix(s, "Z") + "+00:00" })},
		{"timestamps without a zone", `UTC with a Z`, timestamps(func(s string) string { return strings.TrimSuffix(s, "Z") })},
		{"timestamps in Norwegian local time", `UTC with a Z`, timestamps(func(s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			return t.In(time.FixedZone("CET", 3600)).Format(time.RFC3339)
		})},
		{"cancelledAt without a zone", `timestamp in the member's transactions is RFC 3339 in UTC with a Z`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			if s, ok := o["cancelledAt"].(string); ok {
				o["cancelledAt"] = strings.TrimSuffix(s, "Z")
			}
		})},

		// Missing, null, mistyped and undocumented fields.
		{"a member without customerId", `answer for the members? has the documented shape`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			delete(o, "customerId")
		})},
		{"a transaction with validFrom null", `answer for the member's transactions has the documented shape`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			o["validFrom"] = nil
		})},
		{"member ids as strings", `answer for the members? has the documented shape`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			o["id"] = fmt.Sprint(o["id"])
		})},
		{"transaction amounts as strings", `answer for the member's transactions has the documented shape`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			o["amount"] = fmt.Sprint(o["amount"])
		})},
		{"an undocumented property on point periods", `answer for (the member's|a) point periods? has the documented shape`, entities([]string{"getMemberPointPeriods", "getMemberPointPeriod"}, func(r *http.Request, o object) {
			o["memberId"] = num(int64(atoi(routeOf(r.URL.Path).member)))
		})},
		{"event types in lower case", `answer for the member's points history has the documented shape`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			o["pointEventType"] = strings.ToLower(strIn(o, "pointEventType"))
		})},
		{"a program without organisationId", `answer for the program has the documented shape`, entities([]string{"getProgram"}, func(r *http.Request, o object) {
			delete(o, "organisationId")
		})},
		{"reward ladder levels without a name", `answer for the member's reward ladder has the documented shape`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			for _, l := range anySlice(o["levels"]) {
				delete(l.(object), "name")
			}
		})},
		{"suspension ids as strings", `answer for the member's suspension periods has the documented shape`, entities([]string{"getMemberSuspensionPeriods"}, func(r *http.Request, o object) {
			o["id"] = fmt.Sprint(o["id"])
		})},
		{"totalItems as a string", `answer for the (members|member's \w+( \w+)?) has the documented shape`, pageBodies(func(r *http.Request, b object) {
			b["totalItems"] = fmt.Sprint(b["totalItems"])
		})},

		// Programs are isolated.
		{"a member of another program served", `another program is not found`, wrapper(func(inner http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a := call(inner, r)
				rt := routeOf(r.URL.Path)
				if a.status == 404 && rt.member != "" {
					for _, p := range []string{"1", "2", "3"} {
						other := r.Clone(r.Context())
						other.URL.Path = "/v1/programs/" + p + strings.TrimPrefix(r.URL.Path, "/v1/programs/"+rt.program)
						if b := call(inner, other); b.status == 200 {
							a = b
							break
						}
					}
				}
				a.write(w)
			})
		})},
		{"a point period of another member served", `another member is not found`, pointPeriodLeak(false)},
		{"a point period of a member of another program served", `of a member of another program is not found`, pointPeriodLeak(true)},
		{"the members of another program listed too", `do not include a member of another program`, relistOps([]string{"getMembers"}, nil, func(r *http.Request, all []any) []any {
			if r.URL.Query().Has("customerId") || routeOf(r.URL.Path).program != "1" {
				return all
			}
			other := r.Clone(r.Context())
			other.URL.Path = "/v1/programs/2/members"
			return append(all, fetchAll(innerOf(r), other, url.Values{})...)
		}, nil)},

		// Realistic data.
		{"a transaction outside its point period", `inside that period`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			if p := intIn(o, "pointPeriodId"); p > 0 && intIn(o, "id")%3 == 0 {
				if p%1000 > 0 {
					o["pointPeriodId"] = num(p - 1)
				} else {
					o["pointPeriodId"] = num(p + 1)
				}
			}
		})},
		{"point periods that overlap", `do not overlap`, entities([]string{"getMemberPointPeriods", "getMemberPointPeriod"}, func(r *http.Request, o object) {
			o["endAt"] = timeIn(o, "endAt").Add(24 * time.Hour).Format(time.RFC3339)
		})},
		{"every suspension open", `at most one open suspension`, entities([]string{"getMemberSuspensionPeriods"}, func(r *http.Request, o object) {
			o["endAt"] = nil
		})},
		{"suspensions that overlap", `suspensions do not overlap`, entities([]string{"getMemberSuspensionPeriods"}, func(r *http.Request, o object) {
			if end, ok := o["endAt"].(string); ok {
				t, _ := time.Parse(time.RFC3339, end)
				o["endAt"] = t.AddDate(0, 6, 0).Format(time.RFC3339)
			}
		})},
		{"some EARNED events missing", `agrees with the transactions`, relistOps([]string{"getMemberPointsHistory"}, nil, func(r *http.Request, all []any) []any {
			return keep(all, func(o object) bool { return strIn(o, "pointEventType") != "EARNED" || intIn(o, "id")%4 != 0 })
		}, nil)},
		{"EARNED events with a negative amount", `agrees with the transactions`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			if strIn(o, "pointEventType") == "EARNED" {
				o["amount"] = json.Number("-" + fmt.Sprint(o["amount"]))
			}
		})},
		{"EXPIRED events missing", `agrees with the transactions`, relistOps([]string{"getMemberPointsHistory"}, nil, func(r *http.Request, all []any) []any {
			return keep(all, func(o object) bool { return strIn(o, "pointEventType") != "EXPIRED" })
		}, nil)},
		{"CANCELLED events an hour late", `agrees with the transactions`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			if strIn(o, "pointEventType") == "CANCELLED" {
				o["createdAt"] = timeIn(o, "createdAt").Add(time.Hour).Format(time.RFC3339)
			}
		})},
		{"CONSUMED events with a positive amount", `agrees with the transactions`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			if strIn(o, "pointEventType") == "CONSUMED" {
				o["amount"] = json.Number(strings.TrimPrefix(fmt.Sprint(o["amount"]), "-"))
			}
		})},
		{"points history events with another point definition", `agrees with the transactions`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			if intIn(o, "id")%3 == 0 {
				o["pointDefinitionReference"] = "bonuspoeng"
			}
		})},
		{"points history events of unknown transactions", `refers to one of the member's transactions|agrees with the transactions`, entities([]string{"getMemberPointsHistory"}, func(r *http.Request, o object) {
			if id := intIn(o, "transactionId"); id > 0 {
				o["transactionId"] = num(id + 7_000_000)
			}
		})},
		{"transaction ids restart for every member", `unique across the whole API`, answers(func(r *http.Request, rt route, a *answer) {
			if a.status != 200 || (rt.op != "getMemberTransactions" && rt.op != "getMemberPointsHistory") {
				return
			}
			// Each member's transactions are numbered 1, 2, … in id order, here
			// and in the points history that refers to them.
			q := url.Values{}
			txs := r.Clone(r.Context())
			txs.URL.Path = strings.TrimSuffix(r.URL.Path, "/points-history")
			if !strings.HasSuffix(txs.URL.Path, "/transactions") {
				txs.URL.Path += "/transactions"
			}
			var own []int64
			for _, it := range fetchAll(innerOf(r), txs, q) {
				own = append(own, intIn(it.(object), "id"))
			}
			slices.Sort(own)
			b := a.object()
			for _, it := range itemsIn(b) {
				o := it.(object)
				key := "transactionId"
				if rt.op == "getMemberTransactions" {
					key = "id"
				}
				if i, found := slices.BinarySearch(own, intIn(o, key)); found {
					o[key] = num(int64(i) + 1)
				}
			}
			a.setObject(b)
		})},
		{"stop places without the NSR codespace", `looks? real`, entities([]string{"getMemberTransactions", "getMemberPointPeriods", "getMemberPointPeriod"}, func(r *http.Request, o object) {
			md, _ := o["metadata"].(object)
			if pair, ok := md["stationPair"].(object); ok {
				for _, end := range []string{"from", "to"} {
					pair[end] = strings.TrimPrefix(strIn(pair, end), "NSR:")
				}
			}
		})},
		{"user types in lower case", `looks? real`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			if md, ok := o["metadata"].(object); ok && md["userType"] != nil {
				md["userType"] = strings.ToLower(strIn(md, "userType"))
			}
		})},
		{"discounts above 100 %", `looks? real`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			for _, l := range anySlice(o["levels"]) {
				for _, rw := range anySlice(l.(object)["rewards"]) {
					if rw.(object)["type"] == "DISCOUNT" {
						rw.(object)["value"] = num(150)
					}
				}
			}
		})},
		{"currentLevelId always null", `current level`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			o["currentLevelId"] = nil
		})},
		{"currentLevelId always the top level", `current level`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			levels := anySlice(o["levels"])
			o["currentLevelId"] = levels[len(levels)-1].(object)["levelId"]
		})},
		{"ladder levels in reverse order", `ranked 1 to n`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			slices.Reverse(anySlice(o["levels"]))
		})},
		{"ladder ranks with gaps", `ranked 1 to n`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			for i, l := range anySlice(o["levels"]) {
				l.(object)["rank"] = num(int64(2*i + 1))
			}
		})},
		{"ladder requirements that do not rise", `rising requirements|requires more points`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			levels := anySlice(o["levels"])
			for _, l := range levels {
				l.(object)["requirements"] = levels[0].(object)["requirements"]
			}
		})},
		{"a ladder with one level", `2 (to|and) 5 levels`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			levels := anySlice(o["levels"])
			o["levels"] = levels[:1]
			if o["currentLevelId"] != nil {
				o["currentLevelId"] = levels[0].(object)["levelId"]
			}
		})},
		{"members of one program see different ladders", `same ladder levels`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			if intIn(o, "memberId")%2 == 1 {
				anySlice(o["levels"])[0].(object)["name"] = "Bronse+"
			}
		})},
		{"a member's organisation is not its program's", `organisation`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			o["organisationId"] = num(intIn(o, "organisationId") + 1)
		})},
		{"getMember differs from the list", `looks the same|as it looks on its own`, entities([]string{"getMember"}, func(r *http.Request, o object) {
			o["metadata"] = object{"userType": "CHILD", "source": "detail"}
		})},
		{"a point period read on its own differs from the list", `looks the same`, entities([]string{"getMemberPointPeriod"}, func(r *http.Request, o object) {
			o["metadata"] = object{"userType": "SENIOR", "source": "detail"}
		})},
		{"transactions updated after now", `after now`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			if intIn(o, "id")%4 == 0 {
				o["updatedAt"] = "2030-01-01T00:00:00Z"
			}
		})},
		{"members joined after their activity", `before the member joined`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			o["createdAt"], o["updatedAt"] = "2026-05-31T00:00:00Z", nil
		})},
		{"members updated before they were created", `created no later than`, entities([]string{"getMembers", "getMember"}, func(r *http.Request, o object) {
			o["updatedAt"] = timeIn(o, "createdAt").Add(-24 * time.Hour).Format(time.RFC3339)
		})},
		{"the program updated before it was created", `program was created no later`, entities([]string{"getProgram"}, func(r *http.Request, o object) {
			o["updatedAt"] = timeIn(o, "createdAt").Add(-24 * time.Hour).Format(time.RFC3339)
		})},
		{"transactions of another program", `belongs to the (member's )?program`, entities([]string{"getMemberTransactions"}, func(r *http.Request, o object) {
			o["programId"] = num(intIn(o, "programId") + 1)
		})},
		{"a reward ladder for another member", `belongs to the member`, entities([]string{"getMemberRewardLadder"}, func(r *http.Request, o object) {
			o["memberId"] = num(intIn(o, "memberId") + 1)
		})},
		{"getProgram answers another program", `can be read`, entities([]string{"getProgram"}, func(r *http.Request, o object) {
			o["id"] = num(intIn(o, "id") + 10)
		})},
		{"getMember answers another member", `can be read`, entities([]string{"getMember"}, func(r *http.Request, o object) {
			o["id"] = num(intIn(o, "id") + 1000)
		})},
		{"the program's name changes on every request", `twice`, func() wrapper {
			var n atomic.Int64
			return entities([]string{"getProgram"}, func(r *http.Request, o object) {
				o["name"] = fmt.Sprintf("%s #%d", o["name"], n.Add(1))
			})
		}()},
	}
}

// tolerated are variants that differ from the mock in ways the contract
// allows; the suite must pass against each, or it rejects implementations
// that keep the contract. The first is the unbroken mock itself.
func tolerated() []defect {
	return []defect{
		{"control: the unbroken mock passes", "", answers(func(*http.Request, route, *answer) {})},
		{"tolerated: timestamps with fractional seconds", "", timestamps(func(s string) string { return strings.TrimSuffix(s, "Z") + ".000Z" })},
		{"tolerated: null optional properties omitted", "", answers(func(r *http.Request, rt route, a *answer) {
			if rt.op == "" || a.status != 200 {
				return
			}
			var drop func(v any)
			drop = func(v any) {
				switch t := v.(type) {
				case object:
					for k, e := range t {
						if e == nil {
							delete(t, k)
						} else if k != "metadata" {
							drop(e)
						}
					}
				case []any:
					for _, e := range t {
						drop(e)
					}
				}
			}
			b := a.object()
			drop(b)
			a.setObject(b)
		})},
		{"tolerated: charset in Content-Type, indented JSON, other key order, detail in errors", "", answers(func(r *http.Request, rt route, a *answer) {
			if strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				a.header.Set("Content-Type", "application/json; charset=utf-8")
			}
			b := a.object()
			if b == nil {
				return
			}
			if a.status >= 400 {
				b["detail"] = "See the message."
			}
			out, err := json.MarshalIndent(b, "", "  ")
			if err != nil {
				panic(err)
			}
			a.body = out
		})},
		{"tolerated: another method answered 404 with the Error body, correlation ids not UUIDs", "", func() wrapper {
			var n atomic.Int64
			return func(inner http.Handler) http.Handler {
				return answers(func(r *http.Request, rt route, a *answer) {
					if a.status == 405 {
						a.recode(404)
					}
				})(headers(func(h http.Header) {
					if h.Get("X-Correlation-Id") == "" {
						h.Set("X-Correlation-Id", fmt.Sprintf("members-%d", n.Add(1)))
					}
				})(inner))
			}
		}()},
	}
}

// TestSuiteCatchesDefects runs the default suite against every broken
// variant, and against the tolerated ones (the unbroken mock behind the same
// kind of middleware among them) as controls. The runs go through a few
// workers of their own:
// each run waits on loopback HTTP much of the time, so a few at once keep
// both cores busy.
func TestSuiteCatchesDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite once per broken variant")
	}
	// A hundred runs allocate a lot of short-lived JSON; collecting less
	// often leaves the CPU to the runs.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	v := newValidator(t)
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatalf("building the dataset: %v", err)
	}
	inner, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatalf("building the mock: %v", err)
	}
	controls := tolerated()
	variants := append(slices.Clone(controls), defects()...)
	seen := map[string]bool{}
	for _, d := range variants {
		if seen[d.name] {
			t.Fatalf("two variants are called %q", d.name)
		}
		seen[d.name] = true
		regexp.MustCompile(d.rule)
	}

	type outcome struct {
		res      steps.Result
		err      error
		duration time.Duration
	}
	start := time.Now()
	outcomes := make([]outcome, len(variants))
	work := make(chan int)
	var wg sync.WaitGroup
	for range defectWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				began := time.Now()
				srv := httptest.NewServer(withInner(inner, variants[i].wrap(inner)))
				res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, MaxPages: defectMaxPages, UnsafeMethods: true})
				srv.Close()
				outcomes[i] = outcome{res, err, time.Since(began)}
			}
		}()
	}
	for i := range variants {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)

	var table strings.Builder
	caught := 0
	for i, d := range variants {
		o := outcomes[i]
		t.Run(d.name, func(t *testing.T) {
			if o.err != nil {
				t.Fatalf("Run: %v", o.err)
			}
			if i < len(controls) {
				if !o.res.OK() || o.res.Skipped > 0 {
					report(t, o.res)
					t.Errorf("%s: %d passed, %d failed, %d skipped; the contract allows this, so every scenario must pass", d.name, o.res.Passed, o.res.Failed, o.res.Skipped)
				}
				return
			}
			if o.res.OK() {
				t.Errorf("the suite passed against a mock where %s (%d scenarios passed)", d.name, o.res.Passed)
				return
			}
			rule := regexp.MustCompile(d.rule)
			var names []string
			for _, f := range o.res.Failures {
				if rule.MatchString(f.Scenario) {
					caught++
					fmt.Fprintf(&table, "  %-55s → %s  [%d failed, %s]\n", d.name, f.Scenario, o.res.Failed, o.duration.Round(time.Millisecond))
					return
				}
				if !slices.Contains(names, f.Scenario) {
					names = append(names, f.Scenario)
				}
			}
			t.Errorf("the suite failed against a mock where %s, but no failed scenario names the rule (/%s/); %d failed:\n  %s\nfirst failure: %s: %s",
				d.name, d.rule, len(names), strings.Join(names, "\n  "), o.res.Failures[0].Step, o.res.Failures[0].Message)
		})
	}
	t.Logf("%d of %d broken variants caught, %d runs in %s:\n%s", caught, len(variants)-len(controls), len(variants), elapsed.Round(time.Millisecond), table.String())
}

// defectWorkers is how many runs go at once.
const defectWorkers = 4

// defectMaxPages bounds the walks of the defect runs: the longest lists
// (250 members, 197 points history events at 1 per page) are sampled, their
// first 59 pages and their last, which is where every paging defect shows;
// the rules that need a whole list read it at 100 per page, within bounds.
const defectMaxPages = 60

// The middleware toolkit.

type object = map[string]any

// route is what the path of a request names.
type route struct {
	op                      string // operationId, "" when the path is no operation
	program, member, period string // raw path segments
}

func routeOf(path string) route {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	if len(seg) < 3 || seg[0] != "v1" || seg[1] != "programs" {
		return route{}
	}
	rt := route{program: seg[2]}
	switch {
	case len(seg) == 3:
		rt.op = "getProgram"
	case seg[3] != "members":
	case len(seg) == 4:
		rt.op = "getMembers"
	case len(seg) == 5:
		rt.op, rt.member = "getMember", seg[4]
	case len(seg) == 6:
		rt.member = seg[4]
		rt.op = map[string]string{
			"transactions": "getMemberTransactions", "point-periods": "getMemberPointPeriods",
			"reward-ladder": "getMemberRewardLadder", "points-history": "getMemberPointsHistory",
			"suspension-periods": "getMemberSuspensionPeriods",
		}[seg[5]]
	case len(seg) == 7 && seg[5] == "point-periods":
		rt.op, rt.member, rt.period = "getMemberPointPeriod", seg[4], seg[6]
	}
	if rt.op == "" {
		rt.member = ""
	}
	return rt
}

func (rt route) list() bool {
	switch rt.op {
	case "getMembers", "getMemberTransactions", "getMemberPointPeriods", "getMemberPointsHistory", "getMemberSuspensionPeriods":
		return true
	}
	return false
}

// innerKey carries the unbroken mock in the request context, for variants
// that need to ask it more than the request in hand.
type innerKey struct{}

func withInner(inner, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), innerKey{}, inner)))
	})
}

func innerOf(r *http.Request) http.Handler { return r.Context().Value(innerKey{}).(http.Handler) }

// answer is an answer of the mock, to be changed before it is sent.
type answer struct {
	status int
	header http.Header
	body   []byte
	req    *http.Request
}

func call(h http.Handler, r *http.Request) *answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	res := rec.Result()
	return &answer{status: res.StatusCode, header: res.Header.Clone(), body: rec.Body.Bytes(), req: r}
}

func (a *answer) write(w http.ResponseWriter) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// object decodes the body; numbers stay json.Number.
func (a *answer) object() object {
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	var o object
	_ = dec.Decode(&o)
	return o
}

func (a *answer) setObject(o object) {
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	a.body = b
}

// get asks the unbroken mock for another path, with the same headers.
func (a *answer) get(r *http.Request, path string, q url.Values) *answer {
	other := r.Clone(r.Context())
	other.URL.Path, other.URL.RawPath, other.URL.RawQuery = path, "", q.Encode()
	return call(innerOf(r), other)
}

// fail replaces the answer with an Error body.
func (a *answer) fail(status int, message string, fields ...string) {
	a.status = status
	b := object{"title": http.StatusText(status), "status": num(int64(status)), "message": message, "correlationId": a.header.Get("X-Correlation-Id")}
	var errs []any
	for _, f := range fields {
		errs = append(errs, object{"field": f, "message": f + " is wrong."})
	}
	if len(errs) > 0 {
		b["errors"] = errs
	}
	a.header.Set("Content-Type", "application/json")
	a.setObject(b)
}

// recode changes the status of an error answer and its body with it, so
// that only the status code is wrong.
func (a *answer) recode(status int) {
	b := a.object()
	a.status = status
	if b != nil {
		b["status"], b["title"] = num(int64(status)), http.StatusText(status)
		a.setObject(b)
	}
}

func (a *answer) errorFields() []string {
	if a.status < 400 {
		return nil
	}
	var out []string
	for _, e := range anySlice(a.object()["errors"]) {
		out = append(out, strIn(e.(object), "field"))
	}
	return out
}

// answers rewrites every answer of the mock.
func answers(edit func(r *http.Request, rt route, a *answer)) wrapper {
	return func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := call(inner, r)
			edit(r, routeOf(r.URL.Path), a)
			a.write(w)
		})
	}
}

// queries rewrites the query of every request of an operation.
func queries(edit func(rt route, q url.Values)) wrapper {
	return func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt := routeOf(r.URL.Path)
			if rt.op != "" {
				q := r.URL.Query()
				before := q.Encode()
				edit(rt, q)
				if q.Encode() != before {
					r = r.Clone(r.Context())
					r.URL.RawQuery = q.Encode()
				}
			}
			inner.ServeHTTP(w, r)
		})
	}
}

// headers rewrites the headers of every request.
func headers(edit func(h http.Header)) wrapper {
	return func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r = r.Clone(r.Context())
			edit(r.Header)
			inner.ServeHTTP(w, r)
		})
	}
}

// pageBodies rewrites the body of every page (200 answers of lists).
func pageBodies(edit func(r *http.Request, b object)) wrapper {
	return answers(func(r *http.Request, rt route, a *answer) {
		if rt.list() && a.status == 200 {
			b := a.object()
			edit(r, b)
			a.setObject(b)
		}
	})
}

// entities rewrites every resource of the operations, on its own or as an
// item of a page.
func entities(ops []string, edit func(r *http.Request, o object)) wrapper {
	return answers(func(r *http.Request, rt route, a *answer) {
		if !slices.Contains(ops, rt.op) || a.status != 200 {
			return
		}
		b := a.object()
		if rt.list() {
			for _, it := range itemsIn(b) {
				edit(r, it.(object))
			}
		} else {
			edit(r, b)
		}
		a.setObject(b)
	})
}

// errorBodies rewrites every Error body.
func errorBodies(edit func(b object)) wrapper {
	return answers(func(r *http.Request, rt route, a *answer) {
		if a.status >= 400 {
			b := a.object()
			edit(b)
			a.setObject(b)
		}
	})
}

var timestampKeys = []string{"createdAt", "updatedAt", "validFrom", "expireAt", "cancelledAt", "startAt", "endAt"}

// timestamps rewrites every timestamp of every answer of the API.
func timestamps(format func(string) string) wrapper {
	var rewrite func(v any)
	rewrite = func(v any) {
		switch t := v.(type) {
		case object:
			for k, e := range t {
				if s, ok := e.(string); ok && slices.Contains(timestampKeys, k) {
					t[k] = format(s)
				} else if k != "metadata" {
					rewrite(e)
				}
			}
		case []any:
			for _, e := range t {
				rewrite(e)
			}
		}
	}
	return answers(func(r *http.Request, rt route, a *answer) {
		if rt.op != "" && a.status == 200 {
			b := a.object()
			rewrite(b)
			a.setObject(b)
		}
	})
}

// relistOps serves the lists of the operations (nil: every list) from the
// whole list, as the mock gives it when asked with fetch applied to the
// query, changed by edit, cut into pages by pager (nil: correctly); the
// totals count the whole list after edit.
func relistOps(ops []string, fetch func(q url.Values), edit func(r *http.Request, all []any) []any, pager func(all []any, page, perPage int) []any) wrapper {
	return func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := call(inner, r)
			rt := routeOf(r.URL.Path)
			if a.status != 200 || !rt.list() || (ops != nil && !slices.Contains(ops, rt.op)) {
				a.write(w)
				return
			}
			q := r.URL.Query()
			q.Del("page")
			q.Del("perPage")
			if fetch != nil {
				fetch(q)
			}
			all := fetchAll(inner, r, q)
			if edit != nil {
				all = edit(r, all)
			}
			page, perPage := pageOf(r), int(perPageOf(r))
			items := window(all, page*perPage, (page+1)*perPage)
			if pager != nil {
				items = pager(all, page, perPage)
			}
			if items == nil {
				items = []any{}
			}
			a.setObject(object{"items": items, "totalItems": num(int64(len(all))), "totalPages": num(int64((len(all) + perPage - 1) / perPage))})
			a.write(w)
		})
	}
}

func relist(fetch func(q url.Values), edit func(r *http.Request, all []any) []any, pager func(all []any, page, perPage int) []any) wrapper {
	return relistOps(nil, fetch, edit, pager)
}

// fetchAll reads every page of the list r asks for, with query q, from the
// unbroken mock.
func fetchAll(inner http.Handler, r *http.Request, q url.Values) []any {
	var all []any
	for page := 0; ; page++ {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(page))
		qq.Set("perPage", "100")
		other := r.Clone(r.Context())
		other.URL.RawQuery = qq.Encode()
		a := call(inner, other)
		if a.status != 200 {
			return all
		}
		b := a.object()
		all = append(all, itemsIn(b)...)
		if int64(page+1) >= intIn(b, "totalPages") {
			return all
		}
	}
}

// pointPeriodLeak serves a point period under any member that asks for it:
// another member's of the same program, or a member's of another program.
func pointPeriodLeak(acrossPrograms bool) wrapper {
	return func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := call(inner, r)
			rt := routeOf(r.URL.Path)
			if a.status == 404 && rt.op == "getMemberPointPeriod" {
				// The mock numbers a member's point periods from its id × 1000.
				owner := atoi(rt.period) / 1000
				for _, p := range []string{"1", "2", "3"} {
					if (p != rt.program) != acrossPrograms {
						continue
					}
					if b := a.get(r, fmt.Sprintf("/v1/programs/%s/members/%d/point-periods/%s", p, owner, rt.period), nil); b.status == 200 {
						a = b
						break
					}
				}
			}
			a.write(w)
		})
	}
}

// JSON helpers.

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func intIn(o object, key string) int64 {
	n, _ := o[key].(json.Number)
	i, _ := n.Int64()
	return i
}

func strIn(o object, key string) string {
	s, _ := o[key].(string)
	return s
}

func timeIn(o object, key string) time.Time {
	t, _ := time.Parse(time.RFC3339, strIn(o, key))
	return t
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func itemsIn(b object) []any { return anySlice(b["items"]) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// pageOf and perPageOf read the paging parameters of a request the mock
// accepted.
func pageOf(r *http.Request) int {
	return atoi(r.URL.Query().Get("page"))
}

func perPageOf(r *http.Request) int64 {
	if n := atoi(r.URL.Query().Get("perPage")); n > 0 {
		return int64(n)
	}
	return 20
}

func window(all []any, from, to int) []any {
	from, to = max(from, 0), min(to, len(all))
	if from >= to {
		return []any{}
	}
	return slices.Clone(all[from:to])
}

func keep(all []any, ok func(object) bool) []any {
	out := []any{}
	for _, it := range all {
		if ok(it.(object)) {
			out = append(out, it)
		}
	}
	return out
}

// byIDAlone orders a list by id descending, whatever its timestamps say.
func byIDAlone(_ *http.Request, all []any) []any {
	slices.SortStableFunc(all, func(a, b any) int { return cmp.Compare(intIn(b.(object), "id"), intIn(a.(object), "id")) })
	return all
}

// sortBy sorts items by a date-time key, then by id.
func sortBy(items []any, key string, keyDesc, idDesc bool) {
	slices.SortStableFunc(items, func(a, b any) int {
		ao, bo := a.(object), b.(object)
		c := timeIn(ao, key).Compare(timeIn(bo, key))
		if keyDesc {
			c = -c
		}
		if c != 0 {
			return c
		}
		c = cmp.Compare(intIn(ao, "id"), intIn(bo, "id"))
		if idDesc {
			c = -c
		}
		return c
	})
}
