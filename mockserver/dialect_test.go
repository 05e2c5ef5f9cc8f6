package mockserver

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/spec"
)

// withDialect builds the mock with a validator for d, as the binary's --dialect does.
func withDialect(t *testing.T, d spec.Dialect) func(*Config) {
	t.Helper()
	v, err := spec.NewValidator(spec.WithDialect(d))
	if err != nil {
		t.Fatalf("NewValidator(%s): %v", d, err)
	}
	return func(c *Config) { c.Validator = v }
}

// TestDialectAnswers checks, over HTTP with every response validated against the dialect's
// document, the answers the dialect issue names for a mock that departs in every setting.
func TestDialectAnswers(t *testing.T) {
	d := spec.Dialect{FirstPage: 1, PerPageAboveMax: "clamp", PastLastPage: "notFound", ClientName: "optional", EmptyFilter: "ignore"}
	m := newMock(t, 1, withDialect(t, d))
	cat := m.catalog()
	if cat.Dialect != m.v.Dialect() {
		t.Errorf("catalog dialect = %+v, want %+v", cat.Dialect, m.v.Dialect())
	}
	frequent := cat.Programs[0].Personas.Frequent
	newcomer := cat.Programs[0].Personas.Newcomer
	tx := "/v1/programs/1/members/" + strconv.FormatInt(frequent, 10) + "/transactions"

	expectError(t, m.get(tx+"?page=0"), http.StatusBadRequest, "page")

	first := m.ok(tx + "?page=1&perPage=7")
	implicit := m.ok(tx + "?perPage=7")
	if id(items(t, first)[0]) != id(items(t, implicit)[0]) {
		t.Errorf("without page the answer must be the first page, page=1")
	}
	second, both := m.ok(tx+"?page=2&perPage=7"), m.ok(tx+"?page=1&perPage=14")
	if id(items(t, second)[0]) != id(items(t, both)[7]) {
		t.Errorf("page=2 at 7 per page must start with the 8th item")
	}

	clamped := m.ok(tx + "?perPage=500")
	if n := len(items(t, clamped)); n != 100 {
		t.Errorf("perPage=500 answered %d items, want 100 (clamped)", n)
	}
	total := int64(clamped["totalItems"].(float64))
	if pages := int64(clamped["totalPages"].(float64)); pages != (total+99)/100 {
		t.Errorf("perPage=500: totalPages %d for %d items, want pages of 100", pages, total)
	}

	past := m.get(tx + "?page=1000&perPage=20")
	expectError(t, past, http.StatusNotFound)
	if !strings.Contains(string(past.body), "past the last page") {
		t.Errorf("404 past the end does not say why: %s", past.body)
	}
	empty := m.ok("/v1/programs/1/members/" + strconv.FormatInt(newcomer, 10) + "/transactions?page=1")
	if len(items(t, empty)) != 0 || empty["totalPages"].(float64) != 0 {
		t.Errorf("the first page of an empty list must be 200 and empty: %v", empty)
	}

	if r := m.get(tx, "ET-Client-Name", ""); r.status != http.StatusOK {
		t.Errorf("without ET-Client-Name: %d, want 200 (optional)", r.status)
	}
	all := m.ok("/v1/programs/1/members?perPage=3")
	ignored := m.ok("/v1/programs/1/members?perPage=3&customerId=")
	if all["totalItems"] != ignored["totalItems"] {
		t.Errorf("an empty customerId must be ignored: %v items, unfiltered %v", ignored["totalItems"], all["totalItems"])
	}

	doc := m.get("/openapi.yaml")
	if string(doc.body) != string(m.v.Document()) || !strings.Contains(string(doc.body), "the first page is `page=1`") {
		t.Errorf("/openapi.yaml is not the dialect's document")
	}
}

// TestDefaultDialectAnswers pins the contract's choices, the counterpart of TestDialectAnswers.
func TestDefaultDialectAnswers(t *testing.T) {
	m := newMock(t, 1)
	frequent := m.catalog().Programs[0].Personas.Frequent
	tx := "/v1/programs/1/members/" + strconv.FormatInt(frequent, 10) + "/transactions"
	m.ok(tx + "?page=0")
	expectError(t, m.get(tx+"?perPage=101"), http.StatusBadRequest, "perPage")
	if past := m.ok(tx + "?page=1000"); len(items(t, past)) != 0 {
		t.Errorf("a page past the end must be empty")
	}
	expectError(t, m.get(tx, "ET-Client-Name", ""), http.StatusBadRequest, "ET-Client-Name")
	expectError(t, m.get("/v1/programs/1/members?customerId="), http.StatusBadRequest, "customerId")
}
