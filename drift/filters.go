package drift

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/membersmock/membersmock/steps"
)

// filterProbes ask each list's filters, with values from the side's own data.
func (c *comparison) filterProbes() []probe {
	var out []probe
	byOp := map[string]list{}
	for _, l := range lists {
		byOp[l.op] = l
	}
	// filter asks the side's richest list of op with the query q gives.
	filter := func(op, kind, category, setting string, q func(s *side, path string) ([]string, bool), judge func(*side, *exchange) behaviour) probe {
		return probe{op: op, kind: kind, category: category, setting: setting, judge: judge,
			req: func(s *side) (request, bool) {
				p, ok := s.subject(byOp[op])
				if !ok {
					return request{}, false
				}
				kv, ok := q(s, p)
				return request{path: withQuery(p, kv...)}, ok
			}}
	}
	fixed := func(kv ...string) func(*side, string) ([]string, bool) {
		return func(*side, string) ([]string, bool) { return kv, true }
	}
	learned := func(name string, value func(s *side, path string) string) func(*side, string) ([]string, bool) {
		return func(s *side, p string) ([]string, bool) {
			v := value(s, p)
			return []string{name, v}, v != ""
		}
	}
	pointDef := func(s *side, p string) string { return s.pointDef[p] }
	out = append(out,
		filter("getMembers", "customerId of a member", "status", "", learned("customerId", func(s *side, _ string) string { return s.customerID }),
			matching(func(it map[string]any) any { return it["customerId"] }, func(s *side) string { return s.customerID })),
		filter("getMembers", "customerId of nobody", "status", "", fixed("customerId", "drift-nobody-0"), pastEndJudge),
		filter("getMembers", "customerId= (empty)", "error", "emptyFilter", fixed("customerId", ""), nil),
		filter("getMembers", "an unknown query parameter", "status", "", fixed("driftUnknown", "1"), nil),

		filter("getMemberTransactions", "orderId of a transaction", "status", "", learned("orderId", func(s *side, p string) string { return s.orderID[p] }),
			matchingIn(func(it map[string]any) any { md, _ := it["metadata"].(map[string]any); return md["orderId"] })),
		filter("getMemberTransactions", "orderId= (empty)", "error", "emptyFilter", fixed("orderId", ""), nil),
		filter("getMemberTransactions", "pointDefinitionReference of a transaction", "status", "", learned("pointDefinitionReference", pointDef),
			matchingIn(func(it map[string]any) any { return it["pointDefinitionReference"] })),
		filter("getMemberTransactions", "pointDefinitionReference= (empty)", "error", "emptyFilter", fixed("pointDefinitionReference", ""), nil),

		filter("getMemberPointsHistory", "pointEventType=EARNED", "status", "", fixed("pointEventType", "EARNED"),
			matchingIn(func(it map[string]any) any { return it["pointEventType"] })),
		filter("getMemberPointsHistory", "pointEventType=BOGUS", "error", "", fixed("pointEventType", "BOGUS"), nil),
		filter("getMemberPointsHistory", "createdAfter=yesterday (not a date-time)", "error", "", fixed("createdAfter", "yesterday"), nil),
		filter("getMemberPointsHistory", "createdAfter later than createdBefore", "error", "",
			fixed("createdAfter", "2030-01-01T00:00:00Z", "createdBefore", "2020-01-01T00:00:00Z"), nil),
		filter("getMemberPointsHistory", "createdAfter and createdBefore around everything", "status", "",
			fixed("createdAfter", "2000-01-01T00:00:00Z", "createdBefore", "2100-01-01T00:00:00Z"), nil),
		filter("getMemberPointsHistory", "pointDefinitionReference of an event", "status", "", learned("pointDefinitionReference", pointDef),
			matchingIn(func(it map[string]any) any { return it["pointDefinitionReference"] })),
		filter("getMemberPointsHistory", "pointDefinitionReference= (empty)", "error", "emptyFilter", fixed("pointDefinitionReference", ""), nil),
	)
	if contains(traitNames(c.traits), string(steps.Newcomer)) {
		for _, l := range lists[1:] {
			out = append(out, probe{op: l.op, kind: "the first page of an empty list (the newcomer)", category: "paging", judge: pastEndJudge,
				req: func(s *side) (request, bool) {
					p, ok := s.memberPath(steps.Newcomer)
					return request{path: withQuery(p+l.suffix, "page", fmt.Sprint(s.firstPage))}, ok
				}})
		}
	}
	return out
}

func traitNames(ts []steps.Trait) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// matching tells whether a filtered page holds exactly the one item whose
// field is the side's value.
func matching(field func(map[string]any) any, want func(*side) string) func(*side, *exchange) behaviour {
	return func(s *side, e *exchange) behaviour {
		items, t, ok := page(e)
		if !ok {
			return statusJudge(s, e)
		}
		if len(items) == 1 && t.items == 1 {
			if it, _ := items[0].(map[string]any); fmt.Sprint(field(it)) == want(s) {
				return behaviour{status: 200, detail: "the one matching item"}
			}
		}
		return behaviour{status: 200, detail: fmt.Sprintf("%d items, not the one that matches", len(items))}
	}
}

// matchingIn tells whether every item of a filtered page has the value the
// request asked for (read back from the request).
func matchingIn(field func(map[string]any) any) func(*side, *exchange) behaviour {
	return func(s *side, e *exchange) behaviour {
		items, _, ok := page(e)
		if !ok {
			return statusJudge(s, e)
		}
		want := queryValue(e.req.path)
		for _, x := range items {
			it, _ := x.(map[string]any)
			if fmt.Sprint(field(it)) != want {
				return behaviour{status: 200, detail: "items that do not match the filter"}
			}
		}
		if len(items) == 0 {
			return behaviour{status: 200, detail: "no items"}
		}
		return behaviour{status: 200, detail: "only matching items"}
	}
}

// queryValue is the value of the first query parameter of a path.
func queryValue(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(u.RawQuery, "&")
	_, v, _ := strings.Cut(first, "=")
	v, _ = url.QueryUnescape(v)
	return v
}
