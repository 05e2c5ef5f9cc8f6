package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestEveryOperationAnswers(t *testing.T) {
	m := newMock(t, 1)
	for _, p := range m.catalog().Programs {
		reg := p.Personas.Regular
		base := fmt.Sprintf("/v1/programs/%d", p.ID)
		periods := items(t, m.ok(fmt.Sprintf("%s/members/%d/point-periods", base, reg)))
		if len(periods) == 0 {
			t.Fatalf("program %d: the regular persona has no point periods", p.ID)
		}
		paths := []string{
			base,
			base + "/members",
			fmt.Sprintf("%s/members/%d", base, reg),
			fmt.Sprintf("%s/members/%d/transactions", base, reg),
			fmt.Sprintf("%s/members/%d/point-periods", base, reg),
			fmt.Sprintf("%s/members/%d/point-periods/%d", base, reg, id(periods[0])),
			fmt.Sprintf("%s/members/%d/reward-ladder", base, reg),
			fmt.Sprintf("%s/members/%d/points-history", base, reg),
			fmt.Sprintf("%s/members/%d/suspension-periods", base, p.Personas.Suspended),
		}
		for _, path := range paths {
			m.ok(path) // validated against the spec inside
		}
	}
}

func TestProgramAndMemberAgree(t *testing.T) {
	m := newMock(t, 1)
	for _, p := range m.catalog().Programs {
		base := fmt.Sprintf("/v1/programs/%d", p.ID)
		prog := m.ok(base)
		if id(prog) != p.ID || prog["name"] != p.Name {
			t.Errorf("program %d: getProgram = %v, catalog says %q", p.ID, prog["id"], p.Name)
		}
		for _, it := range items(t, m.ok(base+"/members?perPage=100")) {
			detail := m.ok(fmt.Sprintf("%s/members/%d", base, id(it)))
			a, _ := json.Marshal(it)
			b, _ := json.Marshal(detail)
			if !bytes.Equal(a, b) {
				t.Fatalf("member %d differs between list and detail:\nlist   %s\ndetail %s", id(it), a, b)
			}
			if it["organisationId"] != prog["organisationId"] {
				t.Errorf("member %d: organisationId %v, program's is %v", id(it), it["organisationId"], prog["organisationId"])
			}
		}
	}
}

// listCase is one list operation and the order the contract gives it.
type listCase struct {
	name    string
	path    string
	sortKey string // "" for id only
	idAsc   bool   // members sort by id ascending, everything else descending
}

func listCases(t *testing.T, m *mock) []listCase {
	p := m.catalog().Programs[1]
	base := fmt.Sprintf("/v1/programs/%d", p.ID)
	ps := p.Personas
	return []listCase{
		{"members", base + "/members", "", true},
		{"transactions", fmt.Sprintf("%s/members/%d/transactions", base, ps.Frequent), "validFrom", false},
		{"point periods", fmt.Sprintf("%s/members/%d/point-periods", base, ps.Frequent), "startAt", false},
		{"points history", fmt.Sprintf("%s/members/%d/points-history", base, ps.Lapsed), "createdAt", false},
		{"suspensions", fmt.Sprintf("%s/members/%d/suspension-periods", base, ps.Suspended), "startAt", false},
	}
}

func TestPagingWalksEveryItemOnceInOrder(t *testing.T) {
	m := newMock(t, 1)
	for _, lc := range listCases(t, m) {
		for _, perPage := range []int64{1, 7, 20, 100} {
			t.Run(fmt.Sprintf("%s/perPage=%d", lc.name, perPage), func(t *testing.T) {
				first := m.ok(fmt.Sprintf("%s?perPage=%d", lc.path, perPage))
				total := int64(first["totalItems"].(float64))
				pages := int64(first["totalPages"].(float64))
				if want := (total + perPage - 1) / perPage; pages != want {
					t.Fatalf("totalPages = %d, want ceil(%d/%d) = %d", pages, total, perPage, want)
				}
				if total == 0 {
					t.Fatalf("the list is empty; the case needs a persona with data")
				}
				seen := map[int64]bool{}
				var all []map[string]any
				for page := int64(0); page < pages; page++ {
					body := m.ok(fmt.Sprintf("%s?perPage=%d&page=%d", lc.path, perPage, page))
					if body["totalItems"] != first["totalItems"] || body["totalPages"] != first["totalPages"] {
						t.Fatalf("page %d: totals changed to %v/%v", page, body["totalItems"], body["totalPages"])
					}
					got := items(t, body)
					wantLen := min(perPage, total-page*perPage)
					if int64(len(got)) != wantLen {
						t.Fatalf("page %d has %d items, want %d", page, len(got), wantLen)
					}
					for _, it := range got {
						if seen[id(it)] {
							t.Fatalf("item %d appears twice", id(it))
						}
						seen[id(it)] = true
					}
					all = append(all, got...)
				}
				if int64(len(seen)) != total {
					t.Fatalf("walked %d distinct items, totalItems says %d", len(seen), total)
				}
				checkOrder(t, all, lc)
				past := m.ok(fmt.Sprintf("%s?perPage=%d&page=%d", lc.path, perPage, pages))
				if len(items(t, past)) != 0 || past["totalItems"] != first["totalItems"] || past["totalPages"] != first["totalPages"] {
					t.Fatalf("past the end: %v", past)
				}
			})
		}
	}
}

func checkOrder(t *testing.T, all []map[string]any, lc listCase) {
	t.Helper()
	ordered := sort.SliceIsSorted(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if lc.sortKey != "" {
			ka, kb := timeOf(t, a[lc.sortKey]), timeOf(t, b[lc.sortKey])
			if !ka.Equal(kb) {
				return ka.After(kb)
			}
		}
		if lc.idAsc {
			return id(a) < id(b)
		}
		return id(a) > id(b)
	})
	if !ordered {
		t.Fatalf("items are not ordered by %s (tie-break id)", lc.sortKey)
	}
}

func timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("not a timestamp: %v", v)
	}
	return ts
}

func TestPagingDefaults(t *testing.T) {
	m := newMock(t, 1)
	p := m.catalog().Programs[0]
	path := fmt.Sprintf("/v1/programs/%d/members/%d/transactions", p.ID, p.Personas.Regular)
	def := m.ok(path)
	explicit := m.ok(path + "?page=0&perPage=20")
	a, _ := json.Marshal(def)
	b, _ := json.Marshal(explicit)
	if !bytes.Equal(a, b) {
		t.Fatalf("no paging parameters differs from page=0&perPage=20")
	}
	if n := len(items(t, def)); n != 20 {
		t.Fatalf("default page of the regular persona has %d items, want 20 (it has more than 20)", n)
	}
	if _, echoed := def["page"]; echoed {
		t.Errorf("page is echoed in the body; the contract says it is not")
	}
	none := m.ok(fmt.Sprintf("/v1/programs/%d/members/%d/transactions", p.ID, p.Personas.Newcomer))
	if none["totalItems"] != 0.0 || none["totalPages"] != 0.0 || len(items(t, none)) != 0 {
		t.Fatalf("newcomer's transactions: %v, want an empty page with zero totals", none)
	}
}

func TestFilters(t *testing.T) {
	m := newMock(t, 1)
	p := m.catalog().Programs[0]
	base := fmt.Sprintf("/v1/programs/%d", p.ID)
	freq := fmt.Sprintf("%s/members/%d", base, p.Personas.Frequent)
	lapsed := fmt.Sprintf("%s/members/%d", base, p.Personas.Lapsed)

	t.Run("customerId finds exactly the member", func(t *testing.T) {
		member := m.ok(freq)
		page := m.ok(base + "/members?customerId=" + url.QueryEscape(member["customerId"].(string)))
		got := items(t, page)
		if len(got) != 1 || id(got[0]) != p.Personas.Frequent || page["totalItems"] != 1.0 || page["totalPages"] != 1.0 {
			t.Fatalf("customerId filter: %v", page)
		}
		none := m.ok(base + "/members?customerId=no-such-customer")
		if len(items(t, none)) != 0 || none["totalItems"] != 0.0 || none["totalPages"] != 0.0 {
			t.Fatalf("unknown customerId: %v", none)
		}
		other := m.catalog().Programs[1]
		if page := m.ok(fmt.Sprintf("/v1/programs/%d/members?customerId=%s", other.ID, member["customerId"])); len(items(t, page)) != 0 {
			t.Fatalf("a customer of program %d is found in program %d", p.ID, other.ID)
		}
	})

	all := items(t, m.ok(freq+"/transactions?perPage=100"))
	t.Run("orderId matches metadata.orderId", func(t *testing.T) {
		counts := map[string]int{}
		all := walk(t, m, freq+"/transactions")
		for _, tx := range all {
			if md, ok := tx["metadata"].(map[string]any); ok {
				if o, ok := md["orderId"].(string); ok {
					counts[o]++
				}
			}
		}
		multi := ""
		for o, n := range counts {
			if n > 1 {
				multi = o
			}
		}
		if multi == "" {
			t.Fatalf("no order of the frequent persona has two lines; the filter cannot be shown to keep both")
		}
		got := items(t, m.ok(freq+"/transactions?orderId="+url.QueryEscape(multi)))
		if len(got) != counts[multi] {
			t.Fatalf("orderId=%s: %d items, want %d", multi, len(got), counts[multi])
		}
		for _, tx := range got {
			if tx["metadata"].(map[string]any)["orderId"] != multi {
				t.Fatalf("orderId filter let through %v", tx)
			}
		}
	})
	t.Run("pointDefinitionReference on transactions and history", func(t *testing.T) {
		ref := all[0]["pointDefinitionReference"].(string)
		for _, path := range []string{freq + "/transactions", freq + "/points-history"} {
			want := 0
			for _, it := range walk(t, m, path) {
				if it["pointDefinitionReference"] == ref {
					want++
				}
			}
			page := m.ok(path + "?perPage=100&pointDefinitionReference=" + url.QueryEscape(ref))
			if page["totalItems"] != float64(want) {
				t.Fatalf("%s: totalItems %v, want %d", path, page["totalItems"], want)
			}
			for _, it := range items(t, page) {
				if it["pointDefinitionReference"] != ref {
					t.Fatalf("%s: filter let through %v", path, it)
				}
			}
		}
	})
	t.Run("pointEventType", func(t *testing.T) {
		for _, typ := range []string{"EARNED", "CONSUMED", "EXPIRED", "CANCELLED"} {
			for _, it := range walk(t, m, lapsed+"/points-history?pointEventType="+typ) {
				if it["pointEventType"] != typ {
					t.Fatalf("%s filter let through %v", typ, it)
				}
			}
		}
		for _, typ := range []string{"EXPIRED", "CANCELLED"} {
			if len(walk(t, m, lapsed+"/points-history?pointEventType="+typ)) == 0 {
				t.Fatalf("lapsed persona has no %s events", typ)
			}
		}
	})
	t.Run("createdAfter is inclusive, createdBefore exclusive", func(t *testing.T) {
		events := walk(t, m, freq+"/points-history")
		pivot := events[len(events)/2]["createdAt"].(string)
		pt := timeOf(t, pivot)
		var after, before int
		for _, e := range events {
			if !timeOf(t, e["createdAt"]).Before(pt) {
				after++
			} else {
				before++
			}
		}
		q := url.QueryEscape(pivot)
		if got := m.ok(freq + "/points-history?createdAfter=" + q)["totalItems"]; got != float64(after) {
			t.Fatalf("createdAfter=%s: %v items, want %d (inclusive)", pivot, got, after)
		}
		if got := m.ok(freq + "/points-history?createdBefore=" + q)["totalItems"]; got != float64(before) {
			t.Fatalf("createdBefore=%s: %v items, want %d (exclusive)", pivot, got, before)
		}
		if got := m.ok(freq + "/points-history?createdAfter=" + q + "&createdBefore=" + q)["totalItems"]; got != 0.0 {
			t.Fatalf("createdAfter = createdBefore: %v items, want 0", got)
		}
		// The same instant written with an offset selects the same events.
		offset := pt.In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339)
		if got := m.ok(freq + "/points-history?createdAfter=" + url.QueryEscape(offset))["totalItems"]; got != float64(after) {
			t.Fatalf("createdAfter=%s: %v items, want %d", offset, got, after)
		}
		first, last := timeOf(t, events[len(events)-1]["createdAt"]), timeOf(t, events[0]["createdAt"])
		window := m.ok(fmt.Sprintf("%s/points-history?perPage=100&createdAfter=%s&createdBefore=%s", freq,
			url.QueryEscape(first.Format(time.RFC3339)), url.QueryEscape(last.Format(time.RFC3339))))
		for _, e := range items(t, window) {
			ts := timeOf(t, e["createdAt"])
			if ts.Before(first) || !ts.Before(last) {
				t.Fatalf("combined window let through %v", e)
			}
		}
	})
}

// walk reads every page of a list at perPage=100.
func walk(t *testing.T, m *mock, path string) []map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var all []map[string]any
	for page := 0; ; page++ {
		body := m.ok(fmt.Sprintf("%s%sperPage=100&page=%d", path, sep, page))
		all = append(all, items(t, body)...)
		if float64(page+1) >= body["totalPages"].(float64) {
			return all
		}
	}
}

func TestBadInputGetsTheErrorBody(t *testing.T) {
	m := newMock(t, 1)
	p := m.catalog().Programs[0]
	base := fmt.Sprintf("/v1/programs/%d", p.ID)
	member := fmt.Sprintf("%s/members/%d", base, p.Personas.Frequent)
	cases := []struct {
		name   string
		path   string
		status int
		fields []string
	}{
		{"page below zero", base + "/members?page=-1", 400, []string{"page"}},
		{"page not a number", base + "/members?page=abc", 400, []string{"page"}},
		{"page a float", base + "/members?page=1.5", 400, []string{"page"}},
		{"perPage zero", base + "/members?perPage=0", 400, []string{"perPage"}},
		{"perPage over 100", base + "/members?perPage=101", 400, []string{"perPage"}},
		{"perPage not a number", member + "/transactions?perPage=ten", 400, []string{"perPage"}},
		{"perPage empty", member + "/point-periods?perPage=", 400, []string{"perPage"}},
		{"perPage given twice", base + "/members?perPage=1&perPage=2", 400, []string{"perPage"}},
		{"two bad parameters", member + "/suspension-periods?page=-1&perPage=0", 400, []string{"page", "perPage"}},
		{"unknown event type", member + "/points-history?pointEventType=GIFTED", 400, []string{"pointEventType"}},
		{"unparsable createdAfter", member + "/points-history?createdAfter=yesterday", 400, []string{"createdAfter"}},
		{"createdBefore without zone", member + "/points-history?createdBefore=2025-01-01T00:00:00", 400, []string{"createdBefore"}},
		{"inverted dates", member + "/points-history?createdAfter=2025-02-01T00:00:00Z&createdBefore=2025-01-01T00:00:00Z", 400, []string{"createdAfter", "createdBefore"}},
		{"program id not a number", "/v1/programs/abc", 400, []string{"programId"}},
		{"program id zero", "/v1/programs/0/members", 400, []string{"programId"}},
		{"member id not a number", base + "/members/abc", 400, []string{"memberId"}},
		{"member id negative", base + "/members/-5/transactions", 400, []string{"memberId"}},
		{"member id past int64", base + "/members/99999999999999999999", 400, []string{"memberId"}},
		{"point period id not a number", member + "/point-periods/x", 400, []string{"pointPeriodId"}},
		{"unknown program", "/v1/programs/999999", 404, nil},
		{"unknown member", base + "/members/999999999", 404, nil},
		{"unknown point period", member + "/point-periods/1", 404, nil},
		{"unknown route", "/v1/programs/1/teams", 404, nil},
		{"trailing slash", base + "/members/", 404, nil},
		{"root", "/", 404, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, m.get(tc.path), tc.status, tc.fields...)
		})
	}
	t.Run("missing ET-Client-Name", func(t *testing.T) {
		expectError(t, m.get(base+"/members", "ET-Client-Name", ""), 400, "ET-Client-Name")
	})
	t.Run("wrong method", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			expectError(t, m.do(method, base+"/members"), 405)
		}
	})
}

func TestProgramIsolation(t *testing.T) {
	m := newMock(t, 1)
	cat := m.catalog()
	here, there := cat.Programs[0], cat.Programs[1]
	ps := there.Personas
	for _, memberID := range []int64{ps.Newcomer, ps.Regular, ps.Frequent, ps.Suspended, ps.Lapsed} {
		for _, sub := range []string{"", "/transactions", "/point-periods", "/reward-ladder", "/points-history", "/suspension-periods"} {
			expectError(t, m.get(fmt.Sprintf("/v1/programs/%d/members/%d%s", here.ID, memberID, sub)), 404)
		}
	}
	// A point period belongs to its member only.
	regPeriods := items(t, m.ok(fmt.Sprintf("/v1/programs/%d/members/%d/point-periods", there.ID, ps.Regular)))
	expectError(t, m.get(fmt.Sprintf("/v1/programs/%d/members/%d/point-periods/%d", there.ID, ps.Frequent, id(regPeriods[0]))), 404)
	expectError(t, m.get(fmt.Sprintf("/v1/programs/%d/members/%d/point-periods/%d", here.ID, ps.Regular, id(regPeriods[0]))), 404)
}

func TestCorrelationID(t *testing.T) {
	m := newMock(t, 1)
	r := m.get("/v1/programs/1", "X-Correlation-Id", "qa-run-42")
	if got := r.header.Get("X-Correlation-Id"); got != "qa-run-42" {
		t.Fatalf("echoed X-Correlation-Id = %q", got)
	}
	r = m.get("/v1/programs/999", "X-Correlation-Id", "qa-run-43")
	expectError(t, r, 404)
	if r.json(t)["correlationId"] != "qa-run-43" {
		t.Fatalf("Error body correlationId = %v", r.json(t)["correlationId"])
	}
	a, b := m.get("/v1/programs/1"), m.get("/v1/programs/1")
	if a.header.Get("X-Correlation-Id") == b.header.Get("X-Correlation-Id") {
		t.Fatalf("generated correlation ids repeat")
	}
}

func TestBearerAuth(t *testing.T) {
	m := newMock(t, 1, func(c *Config) { c.Auth = AuthBearer })
	for _, h := range []string{"", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "} {
		r := m.get("/v1/programs/1/members", "Authorization", h)
		expectError(t, r, 401)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: WWW-Authenticate = %q", h, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := m.get("/v1/programs/1/members", "Authorization", "Bearer dev-token"); r.status != 200 {
		t.Fatalf("with a bearer token: status %d", r.status)
	}
	if r := m.get("/healthz"); r.status != 200 {
		t.Fatalf("healthz needs no token, got %d", r.status)
	}
	if _, err := New(Config{Dataset: m.data, Validator: m.v, Auth: "basic"}); err == nil {
		t.Fatalf("an unknown auth mode is accepted")
	}
}

func TestCORS(t *testing.T) {
	m := newMock(t, 1)
	for _, path := range []string{"/v1/programs/1/members", "/v1/programs/1/members/3/transactions", "/nowhere"} {
		r := m.do(http.MethodOptions, path, "Origin", "http://localhost:5173",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "et-client-name, x-correlation-id")
		if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "et-client-name") {
			t.Fatalf("preflight %s: %d %v", path, r.status, r.header)
		}
	}
	r := m.get("/v1/programs/1", "Origin", "http://localhost:5173")
	if !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Correlation-Id") {
		t.Fatalf("X-Correlation-Id is not exposed to browsers: %v", r.header)
	}
}

func TestHeadAnswersLikeGet(t *testing.T) {
	m := newMock(t, 1)
	r := m.do(http.MethodHead, "/v1/programs/1/members")
	if r.status != 200 || len(r.body) != 0 {
		t.Fatalf("HEAD: %d with %d body bytes", r.status, len(r.body))
	}
	if r := m.do(http.MethodHead, "/v1/programs/1/members?perPage=0"); r.status != 400 {
		t.Fatalf("HEAD with a bad parameter: %d", r.status)
	}
}

func TestPanicBecomesErrorBody(t *testing.T) {
	m := newMock(t, 1)
	h, err := New(Config{Dataset: m.data, Validator: m.v})
	if err != nil {
		t.Fatal(err)
	}
	h.engine.GET("/boom", func(*gin.Context) { panic("boom") })
	srv := newServer(t, h)
	resp, err := http.Get(srv + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("500 body is not JSON: %v", err)
	}
	raw, _ := json.Marshal(body)
	if resp.StatusCode != 500 || body["status"] != 500.0 || strings.Contains(string(raw), "goroutine") {
		t.Fatalf("panic answered %d %s", resp.StatusCode, raw)
	}
	if err := m.v.ValidateErrorBody(raw); err != nil {
		t.Fatalf("500 body: %v", err)
	}
}

func TestMockEndpoints(t *testing.T) {
	m := newMock(t, 1)
	if r := m.get("/healthz"); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := m.get("/openapi.yaml"); r.status != 200 || !bytes.Contains(r.body, []byte("getMemberPointsHistory")) {
		t.Fatalf("openapi.yaml: %d", r.status)
	}
	if r := m.get("/openapi.json"); r.status != 200 || !json.Valid(r.body) {
		t.Fatalf("openapi.json: %d", r.status)
	}
	// The catalog's shape is a promise to tools: exactly these keys.
	var cat struct {
		Seed     json.RawMessage   `json:"seed"`
		Now      string            `json:"now"`
		Programs []json.RawMessage `json:"programs"`
	}
	r := m.get("/__mock/catalog")
	if err := json.Unmarshal(r.body, &cat); err != nil {
		t.Fatal(err)
	}
	if string(cat.Seed) != "1" || len(cat.Programs) != 3 {
		t.Fatalf("catalog: %s", r.body)
	}
	if _, err := time.Parse(time.RFC3339, cat.Now); err != nil || !strings.HasSuffix(cat.Now, "Z") {
		t.Fatalf("catalog now %q", cat.Now)
	}
	var prog map[string]json.RawMessage
	_ = json.Unmarshal(cat.Programs[0], &prog)
	keys := []string{}
	for k := range prog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.Join(keys, ",") != "id,members,name,personas" {
		t.Fatalf("catalog program keys %v", keys)
	}
	var personas map[string]int64
	_ = json.Unmarshal(prog["personas"], &personas)
	if len(personas) != 5 || personas["newcomer"] == 0 || personas["lapsed"] == 0 {
		t.Fatalf("personas %v", personas)
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b, other := newMock(t, 7), newMock(t, 7), newMock(t, 8)
	p := a.catalog().Programs[2]
	var paths []string
	for _, mid := range []int64{p.Personas.Regular, p.Personas.Frequent, p.Personas.Lapsed, p.Personas.Suspended, p.ID*250 - 17} {
		for _, sub := range []string{"", "/transactions?perPage=100", "/point-periods", "/reward-ladder", "/points-history?perPage=100", "/suspension-periods"} {
			paths = append(paths, fmt.Sprintf("/v1/programs/%d/members/%d%s", p.ID, mid, sub))
		}
	}
	paths = append(paths, fmt.Sprintf("/v1/programs/%d", p.ID), fmt.Sprintf("/v1/programs/%d/members?page=3&perPage=13", p.ID), "/__mock/catalog")
	differs := 0
	for _, path := range paths {
		ra, rb := a.get(path), b.get(path)
		if !bytes.Equal(ra.body, rb.body) {
			t.Fatalf("%s differs between two mocks with seed 7", path)
		}
		if !bytes.Equal(ra.body, a.get(path).body) {
			t.Fatalf("%s differs between two requests", path)
		}
		if !bytes.Equal(ra.body, other.get(path).body) {
			differs++
		}
	}
	if differs < len(paths)/2 {
		t.Fatalf("seed 8 differs from seed 7 on only %d of %d resources", differs, len(paths))
	}
}
