package reference

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// get answers one request to a reference with cfg, decoding the body.
func get(t *testing.T, h http.Handler, target string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("ET-Client-Name", "acme-test")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v", target, err)
	}
	return rec.Code, body
}

func fields(body map[string]any) string {
	var out []string
	errs, _ := body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return strings.Join(out, ",")
}

func TestPagingAndFilters(t *testing.T) {
	pr := Profile()
	members := fmt.Sprintf("/v1/programs/%d/members", pr.Program)
	history := fmt.Sprintf("%s/%d/points-history", members, pr.Members["frequent"])
	tests := []struct {
		name   string
		cfg    Config
		target string
		status int
		items  int    // -1: do not check
		errs   string // fields named by errors[]
	}{
		{"first page", Config{}, members, 200, 20, ""},
		{"last page is partial", Config{}, members + "?page=1&perPage=20", 200, 18, ""},
		{"past the end is empty", Config{}, members + "?page=2", 200, 0, ""},
		{"past the end, notFound dialect", Config{PastLastPageNotFound: true}, members + "?page=2", 404, -1, ""},
		{"empty list's first page, notFound dialect", Config{PastLastPageNotFound: true}, members + "?customerId=nobody", 200, 0, ""},
		{"empty list's second page, notFound dialect", Config{PastLastPageNotFound: true}, members + "?customerId=nobody&page=1", 404, -1, ""},
		{"page 0 with firstPage 1", Config{FirstPage: 1}, members + "?page=0", 400, -1, "page"},
		{"page 1 with firstPage 1 is the first", Config{FirstPage: 1}, members + "?page=1", 200, 20, ""},
		{"perPage 101", Config{}, members + "?perPage=101", 400, -1, "perPage"},
		{"perPage 101 clamped", Config{ClampPerPage: true}, members + "?perPage=101", 200, 38, ""},
		{"both bad", Config{}, members + "?page=-1&perPage=0", 400, -1, "page,perPage"},
		{"huge page", Config{}, members + "?page=9223372036854775807&perPage=100", 200, 0, ""},
		{"empty customerId", Config{}, members + "?customerId=", 400, -1, "customerId"},
		{"empty customerId ignored", Config{EmptyFilterIgnore: true}, members + "?customerId=", 200, 20, ""},
		{"bad event type", Config{}, history + "?pointEventType=earned", 400, -1, "pointEventType"},
		{"after later than before", Config{}, history + "?createdAfter=2026-01-02T00:00:00Z&createdBefore=2026-01-01T00:00:00Z", 400, -1, "createdAfter"},
		{"empty window", Config{}, history + "?createdAfter=2026-01-01T00:00:00Z&createdBefore=2026-01-01T00:00:00Z", 200, 0, ""},
		{"lower case, offset, fraction", Config{}, history + "?createdAfter=2020-01-01t01:00:00.5%2B01:00&createdBefore=2030-01-01t00:00:00z", 200, 20, ""},
		{"no time zone", Config{}, history + "?createdAfter=2026-01-01T00:00:00", 400, -1, "createdAfter"},
		{"bad member id", Config{}, members + "/1.5", 400, -1, "memberId"},
		{"unknown member", Config{}, members + "/1", 404, -1, ""},
		{"unknown path", Config{}, members + "/1/nothing", 404, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, New(tt.cfg), tt.target)
			if status != tt.status {
				t.Fatalf("GET %s: status %d, want %d: %v", tt.target, status, tt.status, body)
			}
			if got := fields(body); got != tt.errs {
				t.Errorf("errors name %q, want %q", got, tt.errs)
			}
			if items, ok := body["items"].([]any); tt.items >= 0 && (!ok || len(items) != tt.items) {
				t.Errorf("%d items, want %d", len(items), tt.items)
			}
		})
	}
}

// TestPersonas checks that the profile's members have their traits, and
// that the data keeps the contract's rules the suite cannot see at once.
func TestPersonas(t *testing.T) {
	ps := build()
	p := ps[0]
	by := map[string]*member{}
	for _, m := range p.members {
		by[m.trait] = m
	}
	if m := by["newcomer"]; len(m.txs)+len(m.periods)+len(m.susps) != 0 {
		t.Errorf("newcomer %d has activity", m.id)
	}
	if m := by["regular"]; len(m.txs) < 21 || len(m.txs) > 100 || len(m.periods) < 2 {
		t.Errorf("regular %d: %d transactions, %d periods", m.id, len(m.txs), len(m.periods))
	}
	if _, ok := p.currentLevel(by["regular"]); !ok {
		t.Errorf("regular %d has no level", by["regular"].id)
	}
	if l, ok := p.currentLevel(by["frequent"]); len(by["frequent"].txs) <= 100 || !ok || l.rank != len(p.levels) {
		t.Errorf("frequent %d: %d transactions, level %v", by["frequent"].id, len(by["frequent"].txs), l)
	}
	open := 0
	for _, s := range by["suspended"].susps {
		if s.end == nil {
			open++
		}
	}
	if open != 1 || len(by["suspended"].susps) < 3 {
		t.Errorf("suspended %d: %d open of %d", by["suspended"].id, open, len(by["suspended"].susps))
	}
	kinds := map[string]bool{}
	for _, e := range by["lapsed"].events {
		kinds[e.typ] = true
	}
	if !kinds["EXPIRED"] || !kinds["CANCELLED"] {
		t.Errorf("lapsed %d has events %v", by["lapsed"].id, kinds)
	}
	if _, ok := Profile().OtherMembers["regular"]; !ok {
		t.Error("the other program has no member")
	}
	for _, prog := range ps {
		for _, m := range prog.members {
			for _, tx := range m.txs {
				if tx.created.After(now) || tx.valid.Before(m.created) {
					t.Errorf("transaction %d of member %d at %v is outside [%v, now]", tx.id, m.id, tx.valid, m.created)
				}
			}
			for i := 1; i < len(m.periods); i++ {
				if m.periods[i].start.Before(m.periods[i-1].end) {
					t.Errorf("member %d: point periods overlap", m.id)
				}
			}
		}
	}
}

// TestSameBytes checks that two references answer the same bytes.
func TestSameBytes(t *testing.T) {
	pr := Profile()
	target := fmt.Sprintf("/v1/programs/%d/members/%d/transactions?perPage=100", pr.Program, pr.Members["frequent"])
	var bodies [2]string
	for i := range bodies {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("ET-Client-Name", "acme-test")
		rec := httptest.NewRecorder()
		New(Config{}).ServeHTTP(rec, req)
		bodies[i] = rec.Body.String()
	}
	if bodies[0] != bodies[1] {
		t.Error("two references answer different bytes")
	}
}

func TestRenameField(t *testing.T) {
	pr := Profile()
	_, body := get(t, New(Config{RenameField: map[string]string{"createdAt": "created"}}), fmt.Sprintf("/v1/programs/%d/members", pr.Program))
	first := body["items"].([]any)[0].(map[string]any)
	if _, ok := first["created"]; !ok || first["createdAt"] != nil {
		t.Errorf("createdAt not renamed: %v", first)
	}
}
