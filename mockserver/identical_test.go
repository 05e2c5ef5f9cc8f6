package mockserver

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
	"gopkg.in/yaml.v3"
)

// identicalSeed is the seed of TestCachesKeepResponsesIdentical; any would do.
const identicalSeed = 3

// probe is one request of the byte-identity test.
type probe struct {
	method string
	path   string
	header http.Header
}

func (p probe) String() string { return fmt.Sprintf("%s %s %v", p.method, p.path, p.header) }

// served is everything a client sees of a response (httptest adds no Date).
type served struct {
	status int
	header http.Header
	body   []byte
}

func serve(h http.Handler, p probe) served {
	r := httptest.NewRequest(p.method, p.path, nil)
	r.Header = p.header.Clone()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return served{w.Code, w.Header(), w.Body.Bytes()}
}

// identicalProbes lists requests over every operation: personas and ordinary members of two
// programs, filters, pages inside and past the end, every kind of 400 and 404, HEAD, a missing
// and another ET-Client-Name. ids shifts the ordinary members, so that two lists share their
// shapes but not their members.
func identicalProbes(t *testing.T, data *fixtures.Dataset, ids int64) []probe {
	t.Helper()
	header := func(kv ...string) http.Header {
		h := http.Header{}
		h.Set("X-Correlation-Id", "identical-test") // error bodies carry it
		h.Set("ET-Client-Name", "acme-identical")
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				h.Del(kv[i])
			} else {
				h.Set(kv[i], kv[i+1])
			}
		}
		return h
	}
	var out []probe
	add := func(method, path string, kv ...string) {
		out = append(out, probe{method, path, header(kv...)})
	}
	n := data.MemberCount(1)
	for _, prog := range []int64{1, 2} {
		ps := data.Personas(prog)
		first := (prog-1)*n + 1
		base := fmt.Sprintf("/v1/programs/%d", prog)
		add("GET", base)
		for _, q := range []string{"", "?perPage=20", "?perPage=100&page=2", "?page=999", "?page=0&perPage=1&unknown=x",
			"?page=-1", "?perPage=0", "?perPage=101", "?page=abc", "?page=1&page=2", "?customerId=", "?customerId=0000000000"} {
			add("GET", base+"/members"+q)
		}
		if m, ok := data.Member(prog, first+ids+7); ok {
			add("GET", base+"/members?customerId="+m.CustomerID)
		}
		members := []int64{ps.Regular, ps.Frequent, ps.Suspended, ps.Lapsed, ps.Newcomer, first + ids, first + n - 1 - ids, first + n/2 + ids}
		for _, mid := range members {
			m := fmt.Sprintf("%s/members/%d", base, mid)
			act, ok := data.Activity(prog, mid)
			if !ok {
				t.Fatalf("member %d of program %d has no activity", mid, prog)
			}
			add("GET", m)
			add("HEAD", m)
			add("GET", m+"/transactions")
			add("GET", m+"/transactions?perPage=100")
			add("GET", m+"/transactions?page=1&perPage=7")
			add("GET", m+"/transactions?pointDefinitionReference=no-such-reference")
			if len(act.Transactions) > 0 {
				tr := act.Transactions[len(act.Transactions)/2]
				if o, ok := tr.Metadata["orderId"].(string); ok {
					add("GET", m+"/transactions?orderId="+o)
				}
				if tr.PointDefinitionReference != nil {
					add("GET", m+"/transactions?perPage=5&pointDefinitionReference="+*tr.PointDefinitionReference)
				}
			}
			add("GET", m+"/point-periods")
			add("GET", m+"/point-periods?page=1&perPage=3")
			if len(act.PointPeriods) > 0 {
				add("GET", fmt.Sprintf("%s/point-periods/%d", m, act.PointPeriods[0].ID))
			}
			add("GET", m+"/point-periods/1") // another member's, or none
			add("GET", m+"/reward-ladder")
			add("GET", m+"/points-history")
			add("GET", m+"/points-history?perPage=100")
			add("GET", m+"/points-history?pointEventType=EARNED&createdAfter=2025-01-01T00:00:00Z")
			add("GET", m+"/points-history?createdBefore=2026-01-01T00:00:00%2B01:00&pointEventType=EXPIRED")
			add("GET", m+"/points-history?createdAfter=2026-01-01T00:00:00Z&createdBefore=2025-01-01T00:00:00Z")
			add("GET", m+"/points-history?createdAfter=yesterday")
			add("GET", m+"/points-history?pointEventType=LOST")
			add("GET", m+"/suspension-periods")
			add("GET", m+"/suspension-periods?perPage=1")
			add("GET", m+"/transactions", "ET-Client-Name", "")
			add("GET", m+"/transactions", "ET-Client-Name", "other-client")
		}
		other := data.Personas(3 - prog).Regular // a member of the other program: 404
		add("GET", fmt.Sprintf("%s/members/%d", base, other))
		add("GET", fmt.Sprintf("%s/members/%d/transactions", base, other))
	}
	for _, bad := range []string{"0", "007", "abc", "9223372036854775807", "9223372036854775808", "-1", "1e3", "%31"} {
		add("GET", "/v1/programs/1/members/"+bad)
		add("GET", "/v1/programs/1/members/"+bad+"/reward-ladder")
		add("GET", "/v1/programs/"+bad+"/members")
	}
	add("GET", "/v1/programs/4")
	add("GET", "/v1/programs/4/members/1")
	add("GET", "/v1/programs/1/members/%00")
	add("GET", "/__mock/catalog")
	add("GET", "/healthz")
	add("GET", "/nope")
	add("POST", "/v1/programs/1/members")
	return out
}

// coldBatches splits probes into groups that share no cache entry — no validation shape, no
// page, no member's activity — so that one fresh engine per group answers every probe with
// cold caches, at a fraction of the cost of an engine per probe.
func coldBatches(probes []probe) [][]probe {
	keys := func(p probe) []string {
		r := httptest.NewRequest(p.method, p.path, nil)
		r.Header = p.header
		method := p.method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		var out []string
		if shape, _, ok := validationKeys(nil, nil, method, r); ok {
			out = append(out, "shape:"+string(shape))
		}
		if page, ok := bodyKey(nil, r); ok {
			out = append(out, "body:"+string(page))
		}
		if seg := strings.Split(r.URL.Path, "/"); len(seg) > 5 {
			out = append(out, "member:"+seg[5])
		}
		return out
	}
	var batches [][]probe
	var used []map[string]bool
next:
	for _, p := range probes {
		ks := keys(p)
		for i := range batches {
			if !slices.ContainsFunc(ks, func(k string) bool { return used[i][k] }) {
				batches[i] = append(batches[i], p)
				for _, k := range ks {
					used[i][k] = true
				}
				continue next
			}
		}
		batches = append(batches, []probe{p})
		used = append(used, map[string]bool{})
		for _, k := range ks {
			used[len(used)-1][k] = true
		}
	}
	return batches
}

// TestCachesKeepResponsesIdentical checks that the caches (validation outcomes by request
// and by shape, encoded pages, activities) change speed only: every response of a warm mock,
// asked in three orders and after other members of the same shapes, is byte for byte the
// response of a mock that never saw any other request of its shape, member or page.
func TestCachesKeepResponsesIdentical(t *testing.T) {
	v := validator(t)
	newEngine := func() (http.Handler, *fixtures.Dataset) {
		data, err := fixtures.New(identicalSeed)
		if err != nil {
			t.Fatal(err)
		}
		h, err := New(Config{Dataset: data, Validator: v})
		if err != nil {
			t.Fatal(err)
		}
		return h, data
	}
	_, data := newEngine()
	probes := identicalProbes(t, data, 11)

	cold := make(map[string]served, len(probes))
	for _, batch := range coldBatches(probes) {
		h, _ := newEngine()
		for _, p := range batch {
			cold[p.String()] = serve(h, p)
		}
	}

	warm, _ := newEngine()
	// Other members of every shape first: the probes' own members are then never seen
	// before, while their shapes are.
	for _, p := range identicalProbes(t, data, 23) {
		serve(warm, p)
	}
	order := slices.Clone(probes)
	for pass := range 3 {
		switch pass {
		case 1:
			slices.Reverse(order)
		case 2:
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for _, p := range order {
			got, want := serve(warm, p), cold[p.String()]
			if got.status != want.status || !maps.EqualFunc(got.header, want.header, slices.Equal) || !bytes.Equal(got.body, want.body) {
				t.Fatalf("pass %d, %s:\nwarm  %d %v\n%s\ncold  %d %v\n%s", pass, p, got.status, got.header, got.body, want.status, want.header, want.body)
			}
		}
	}

	statuses := map[int]int{}
	for _, s := range cold {
		statuses[s.status]++
	}
	for _, st := range []int{200, 400, 404, 405} {
		if statuses[st] == 0 {
			t.Errorf("no probe answered %d (statuses %v): the probes no longer cover it", st, statuses)
		}
	}
}

// TestPathParametersArePlainIds guards the validation cache's shape keys: they assume every
// path parameter of the document is an int64 of at least 1 with no other constraint, and that
// no fixed path segment is a number.
func TestPathParametersArePlainIds(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			Parameters map[string]map[string]any `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(spec.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "integer", "format": "int64", "minimum": 1}
	checked := 0
	for path, item := range doc.Paths {
		for _, seg := range strings.Split(path, "/") {
			if isID(seg) {
				t.Errorf("%s: fixed segment %q reads as an id", path, seg)
			}
		}
		var params []any
		for _, node := range item {
			node, _ := node.(map[string]any)
			if ps, ok := node["parameters"].([]any); ok {
				params = append(params, ps...)
			}
		}
		if ps, ok := item["parameters"].([]any); ok {
			params = append(params, ps...)
		}
		for _, p := range params {
			param, _ := p.(map[string]any)
			if ref, ok := param["$ref"].(string); ok {
				param = doc.Components.Parameters[strings.TrimPrefix(ref, "#/components/parameters/")]
			}
			if param["in"] != "path" {
				continue
			}
			checked++
			schema, _ := param["schema"].(map[string]any)
			if !maps.Equal(schema, want) {
				t.Errorf("%s: path parameter %v has schema %v, want exactly %v (else the validation cache's shape keys are wrong)",
					path, param["name"], schema, want)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d path parameters", checked)
	}
}

func TestIsID(t *testing.T) {
	for s, want := range map[string]bool{
		"1": true, "42": true, "9223372036854775807": true, "1000000000000000000": true,
		"": false, "0": false, "007": false, "-1": false, "+1": false, "1e3": false, "abc": false,
		"9223372036854775808": false, "10000000000000000000": false, "١": false,
	} {
		if got := isID(s); got != want {
			t.Errorf("isID(%q) = %v, want %v", s, got, want)
		}
	}
}
