package reference

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type paging struct{ page, perPage int64 }

// paging reads page and perPage, recording what is wrong with them.
func (rq *request) paging() paging {
	cfg := rq.s.cfg
	pg := paging{page: cfg.FirstPage, perPage: defaultPerPage}
	if rq.q.Has("page") {
		v := rq.q.Get("page")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < cfg.FirstPage {
			rq.bad("page", fmt.Sprintf("page must be a whole number of at least %d (the first page), not %q.", cfg.FirstPage, v))
		}
		pg.page = n
	}
	if rq.q.Has("perPage") {
		v := rq.q.Get("perPage")
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err == nil && n > maxPerPage && cfg.ClampPerPage:
			n = maxPerPage
		case err != nil || n < 1 || n > maxPerPage:
			rq.bad("perPage", fmt.Sprintf("perPage must be a whole number from 1 to %d, not %q.", maxPerPage, v))
		}
		pg.perPage = n
	}
	return pg
}

// filter holds the filters of one request; a nil pointer is an absent one.
type filter struct {
	customerID, orderID, ref, eventType *string
	after, before                       *time.Time
}

var eventTypes = []string{"EARNED", "CONSUMED", "EXPIRED", "CANCELLED"}

// filters reads the filters the operation takes, recording bad ones.
func (rq *request) filters(op string) filter {
	var f filter
	text := func(name string) *string {
		if !rq.q.Has(name) {
			return nil
		}
		v := rq.q.Get(name)
		if v == "" {
			if !rq.s.cfg.EmptyFilterIgnore {
				rq.bad(name, name+" must not be empty; leave it out to list everything.")
			}
			return nil
		}
		return &v
	}
	instant := func(name string) *time.Time {
		if !rq.q.Has(name) {
			return nil
		}
		t, err := parseInstant(rq.q.Get(name))
		if err != nil {
			rq.bad(name, fmt.Sprintf("%s must be an RFC 3339 date-time such as 2025-03-14T08:15:00Z, not %q.", name, rq.q.Get(name)))
			return nil
		}
		return &t
	}
	switch op {
	case "members":
		f.customerID = text("customerId")
	case "transactions":
		f.orderID, f.ref = text("orderId"), text("pointDefinitionReference")
	case "points-history":
		f.ref = text("pointDefinitionReference")
		if rq.q.Has("pointEventType") {
			v := rq.q.Get("pointEventType")
			if !contains(eventTypes, v) {
				rq.bad("pointEventType", fmt.Sprintf("pointEventType must be one of %s, not %q.", strings.Join(eventTypes, ", "), v))
			}
			f.eventType = &v
		}
		f.after, f.before = instant("createdAfter"), instant("createdBefore")
		if f.after != nil && f.before != nil && f.after.After(*f.before) {
			rq.bad("createdAfter", "createdAfter must not be later than createdBefore.")
		}
	}
	return f
}

// parseInstant reads an RFC 3339 date-time; RFC 3339 allows a lower-case t
// and z, which Go's parser does not.
func parseInstant(s string) (time.Time, error) {
	if len(s) > 10 && s[10] == 't' {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	return time.Parse(time.RFC3339Nano, s)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// page answers one page of items, which are in the documented order.
func (rq *request) page(pg paging, items []map[string]any) {
	total := int64(len(items))
	pages := (total + pg.perPage - 1) / pg.perPage
	idx := pg.page - rq.s.cfg.FirstPage // 0-based
	if idx >= pages && rq.s.cfg.PastLastPageNotFound && !(total == 0 && idx == 0) {
		rq.fail(http.StatusNotFound, fmt.Sprintf("Page %d is past the last page: the list has %d pages.", pg.page, pages), nil)
		return
	}
	out := []map[string]any{}
	if idx < pages {
		out = items[idx*pg.perPage : min(total, (idx+1)*pg.perPage)]
	}
	rq.ok(map[string]any{"items": out, "totalItems": total, "totalPages": pages})
}
