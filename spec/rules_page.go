package spec

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// ListOrder is a list operation's documented order: a key, its direction, and the id as
// the tie-break (descending when the key is descending).
type ListOrder struct {
	Key  string // "id" or a date-time property
	Desc bool
}

// listOrders are the orders the document's descriptions give each list operation.
var listOrders = map[string]ListOrder{
	"getMembers":                 {Key: "id"},
	"getMemberTransactions":      {Key: "validFrom", Desc: true},
	"getMemberPointPeriods":      {Key: "startAt", Desc: true},
	"getMemberPointsHistory":     {Key: "createdAt", Desc: true},
	"getMemberSuspensionPeriods": {Key: "startAt", Desc: true},
}

// OrderOf returns the documented order of a list operation; false for one that is no list.
func OrderOf(operationID string) (ListOrder, bool) {
	o, ok := listOrders[operationID]
	return o, ok
}

// PageProblems checks a 200 answer of a list operation (body decoded with DecodeJSON, query
// the request's) against the paging rules one page shows: no more items than the page size
// asked for (the validator's default, or its maximum where the dialect clamps), totalPages
// = ceil(totalItems / perPage), no items past the last page, and the items in the
// documented order. nil for an operation that is no list, or a body that is not a page (the
// schema check says so).
func (v *Validator) PageProblems(operationID string, query url.Values, body any) []string {
	order, ok := listOrders[operationID]
	if !ok {
		return nil
	}
	o, _ := body.(map[string]any)
	items, okItems := o["items"].([]any)
	totalItems, okTotal := JSONInt(o["totalItems"])
	totalPages, okPages := JSONInt(o["totalPages"])
	if !okItems || !okTotal || !okPages {
		return nil
	}
	pg := v.paging
	perPage, page := pg.DefaultPerPage, pg.FirstPage
	if s := query.Get("perPage"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return nil // not a valid request; no page to check
		}
		perPage = n
		if n > pg.MaxPerPage && pg.ClampsPerPage {
			perPage = pg.MaxPerPage
		}
	}
	if s := query.Get("page"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil
		}
		page = n
	}
	var out []string
	if int64(len(items)) > perPage {
		out = append(out, fmt.Sprintf("Paging: the page holds %d items, more than perPage %d", len(items), perPage))
	}
	index := page - pg.FirstPage
	switch want := (totalItems + perPage - 1) / perPage; {
	case totalPages != want:
		// How full the page should be follows from the totals; with totals that do not add
		// up, that would be one finding said twice.
		out = append(out, fmt.Sprintf("Paging: totalPages is %d, want ceil(totalItems %d / perPage %d) = %d", totalPages, totalItems, perPage, want))
	case index >= totalPages && len(items) > 0:
		out = append(out, fmt.Sprintf("Paging: page %d is past the last page (totalPages %d) but holds %d items", page, totalPages, len(items)))
	case index >= 0 && index < totalPages-1 && int64(len(items)) != perPage:
		out = append(out, fmt.Sprintf("Paging: page %d is not the last (totalPages %d) but holds %d items, not perPage %d", page, totalPages, len(items), perPage))
	case index >= 0 && index == totalPages-1 && int64(len(items)) != totalItems-index*perPage:
		out = append(out, fmt.Sprintf("Paging: the last page holds %d items; totalItems %d at %d per page leaves %d", len(items), totalItems, perPage, totalItems-index*perPage))
	}
	if msg := order.check(items); msg != "" {
		out = append(out, msg)
	}
	return out
}

func (o ListOrder) String() string {
	if o.Key == "id" {
		return "id " + direction(o.Desc)
	}
	return o.Key + " " + direction(o.Desc) + ", ties broken by id " + direction(o.Desc)
}

func direction(desc bool) string {
	if desc {
		return "descending"
	}
	return "ascending"
}

// check returns a sentence on the first pair of items out of order, "" when they are in
// order. Items whose key cannot be read are left to the schema check.
func (o ListOrder) check(items []any) string {
	for i := 1; i < len(items); i++ {
		a, _ := items[i-1].(map[string]any)
		b, _ := items[i].(map[string]any)
		c, ok := o.compare(a, b)
		if ok && c >= 0 {
			return fmt.Sprintf("Order: items must be ordered by %s, but item %d (id %v, %s %v) comes before item %d (id %v, %s %v)",
				o, i-1, a["id"], o.Key, a[o.Key], i, b["id"], o.Key, b[o.Key])
		}
	}
	return ""
}

func (o ListOrder) compare(a, b map[string]any) (int, bool) {
	ia, okA := JSONInt(a["id"])
	ib, okB := JSONInt(b["id"])
	if !okA || !okB {
		return 0, false
	}
	c := 0
	if o.Key != "id" {
		sa, _ := a[o.Key].(string)
		sb, _ := b[o.Key].(string)
		ta, errA := time.Parse(time.RFC3339, sa)
		tb, errB := time.Parse(time.RFC3339, sb)
		if errA != nil || errB != nil {
			return 0, false
		}
		c = ta.Compare(tb)
	}
	if c == 0 {
		c = cmp.Compare(ia, ib)
	}
	if o.Desc {
		c = -c
	}
	return c, true
}

// JSONInt reads a whole number from a body decoded with DecodeJSON (a json.Number).
func JSONInt(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}
