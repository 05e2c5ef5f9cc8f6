package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// walked is one list walked page by page at perPage=100 on one side.
type walked struct {
	first    *exchange // the first page's answer
	items    []map[string]any
	total    total
	complete bool      // every page was visited
	failed   behaviour // a page that did not answer 200; status 0 when none
	broken   []string  // the paging rules the walk saw broken
}

// walkAll walks every list of every persona both sides have, learning the
// shapes of the items and the values later requests need, and compares the
// paging rules each walk shows.
func (c *comparison) walkAll(ctx context.Context) error {
	for _, l := range lists {
		subjects := []steps.Trait{""}
		if l.member {
			subjects = c.traits
		}
		for _, t := range subjects {
			var ws [2]*walked
			var paths [2]string
			for i, s := range []*side{c.mock, c.target} {
				base := s.programPath()
				if t != "" {
					base, _ = s.memberPath(t)
				}
				paths[i] = base + l.suffix
				w, err := c.walk(ctx, i, s, l, paths[i])
				if err != nil {
					return err
				}
				ws[i] = w
				s.learn(l, paths[i], w)
			}
			mb, tb := ws[0].behaviour(), ws[1].behaviour()
			if mb != tb {
				c.add(Difference{
					OperationID: l.op, Kind: "paging", Probe: "walked page by page at perPage=100",
					Message: fmt.Sprintf("walking the pages at perPage=100: the mock answers %s; the target %s", mb, tb),
					Mock:    Example{Request: ws[0].first.req.String(), Status: ws[0].first.status, Behaviour: mb.String()},
					Target:  Example{Request: ws[1].first.req.String(), Status: ws[1].first.status, Behaviour: tb.String()},
				})
			}
		}
	}
	return nil
}

func (c *comparison) walk(ctx context.Context, i int, s *side, l list, path string) (*walked, error) {
	w := &walked{}
	ids := map[string]bool{}
	maxPages := c.maxPages
	for n := int64(0); ; n++ {
		e, err := s.get(ctx, request{path: withQuery(path, "page", fmt.Sprint(s.firstPage+n), "perPage", fmt.Sprint(maxPerPage))})
		if err != nil {
			return nil, err
		}
		c.recordOne(l.op, i, e)
		if n == 0 {
			w.first = e
		}
		if e.status != 200 {
			w.failed = behaviour{status: e.status, detail: fmt.Sprintf("on page %d of the walk", n+1)}
			return w, nil
		}
		body := e.object()
		items, _ := body["items"].([]any)
		ti, _ := spec.JSONInt(body["totalItems"])
		tp, _ := spec.JSONInt(body["totalPages"])
		if n == 0 {
			w.total = total{items: ti, pages: tp}
			if want := (ti + maxPerPage - 1) / maxPerPage; tp != want {
				w.breaks("totalPages is not ceil(totalItems / perPage)")
			}
		} else if (total{items: ti, pages: tp}) != w.total {
			w.breaks("the totals change from page to page")
		}
		if want := min(maxPerPage, max(0, w.total.items-n*maxPerPage)); int64(len(items)) != want {
			w.breaks("a page holds another number of items than perPage and totalItems give")
		}
		for _, x := range items {
			m, _ := x.(map[string]any)
			w.items = append(w.items, m)
			id := fmt.Sprint(m["id"])
			if ids[id] {
				w.breaks("an item comes on two pages")
			}
			ids[id] = true
		}
		if n+1 >= w.total.pages || len(items) == 0 {
			w.complete = true
			break
		}
		if int(n+1) >= maxPages {
			break
		}
	}
	if w.complete && int64(len(w.items)) != w.total.items {
		w.breaks("the pages hold another number of items than totalItems")
	}
	if !ordered(w.items, l) {
		w.breaks(fmt.Sprintf("the items are not in the contract's order (%s)", orderName(l)))
	}
	return w, nil
}

func (w *walked) breaks(rule string) {
	if !contains(w.broken, rule) {
		w.broken = append(w.broken, rule)
	}
}

func (w *walked) behaviour() behaviour {
	if w.failed.status != 0 {
		return w.failed
	}
	if len(w.broken) == 0 {
		return behaviour{status: 200, detail: "pages consistent with the totals, in order"}
	}
	return behaviour{status: 200, detail: strings.Join(w.broken, "; ")}
}

// learn keeps what later requests need from a side's walk.
func (s *side) learn(l list, path string, w *walked) {
	if w.failed.status != 0 {
		return
	}
	s.totals[path] = w.total
	if cur, ok := s.richest[l.op]; !ok || w.total.items > s.totals[cur].items {
		s.richest[l.op] = path
	}
	for _, it := range w.items {
		member := strings.TrimSuffix(path, l.suffix)
		if id, ok := spec.JSONInt(it["id"]); ok && l.op == "getMemberPointPeriods" && s.pointPeriod[member] == 0 {
			s.pointPeriod[member] = id
		}
		if c, ok := it["customerId"].(string); ok && s.customerID == "" {
			s.customerID = c
		}
		if r, ok := it["pointDefinitionReference"].(string); ok && r != "" && s.pointDef[path] == "" {
			s.pointDef[path] = r
		}
		if md, ok := it["metadata"].(map[string]any); ok && l.op == "getMemberTransactions" && s.orderID[path] == "" {
			if o, ok := md["orderId"].(string); ok && o != "" {
				s.orderID[path] = o
			}
		}
	}
}

// ordered reports whether items are in the list's documented order; a list
// whose items lack the sort key (a renamed field) shows nothing here.
func ordered(items []map[string]any, l list) bool {
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		ka, oka := sortKey(a[l.key])
		kb, okb := sortKey(b[l.key])
		ia, oki := spec.JSONInt(a["id"])
		ib, okj := spec.JSONInt(b["id"])
		if !oka || !okb || !oki || !okj {
			return true
		}
		if l.desc {
			ka, kb, ia, ib = kb, ka, ib, ia
		}
		if ka > kb || (ka == kb && ia > ib) {
			return false
		}
	}
	return true
}

func orderName(l list) string {
	if !l.desc {
		return l.key + " ascending"
	}
	return l.key + " descending, ties by id descending"
}

// sortKey makes a sort key comparable as a string: a timestamp in RFC 3339 UTC
// as it is, an id zero-padded.
func sortKey(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return fmt.Sprintf("%020d", n), true
		}
	}
	return "", false
}

// askTwice asks each list's first page twice on both sides: a deployment
// whose order is not stable answers other items or another order the second
// time, which no single answer shows.
func (c *comparison) askTwice(ctx context.Context) error {
lists:
	for _, l := range lists {
		var bs [2]behaviour
		var reqs [2]request
		for i, s := range []*side{c.mock, c.target} {
			p, ok := s.subject(l)
			if !ok {
				continue lists
			}
			reqs[i] = request{path: withQuery(p, "page", fmt.Sprint(s.firstPage), "perPage", fmt.Sprint(maxPerPage))}
			var ids [2]string
			for n := range ids {
				e, err := s.get(ctx, reqs[i])
				if err != nil {
					return err
				}
				c.recordOne(l.op, i, e)
				bs[i].status = e.status
				items, _, _ := page(e)
				for _, x := range items {
					it, _ := x.(map[string]any)
					ids[n] += fmt.Sprint(it["id"]) + ","
				}
			}
			bs[i].detail = "the same items in the same order twice"
			if ids[0] != ids[1] {
				bs[i].detail = "other items or another order the second time"
			}
		}
		if bs[0] != bs[1] {
			c.add(Difference{
				OperationID: l.op, Kind: "paging", Probe: "the first page asked twice",
				Message: fmt.Sprintf("the first page asked twice: the mock answers %s; the target %s", bs[0], bs[1]),
				Mock:    Example{Request: reqs[0].String(), Status: bs[0].status, Behaviour: bs[0].String()},
				Target:  Example{Request: reqs[1].String(), Status: bs[1].status, Behaviour: bs[1].String()},
			})
		}
	}
	return nil
}
