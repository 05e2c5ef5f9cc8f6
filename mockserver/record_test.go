package mockserver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
)

// TestRecordThenReplay records through the proxy in front of a mock with another seed,
// then replays the recording with --fixtures in a mock of its own: the members fetched
// through the proxy answer with the upstream's ids, timestamps, amounts, totals and order.
// The upstream has three programs; the replaying mock generates one, so the recorded
// program 3 is one it does not hold, as a real deployment's programs are.
func TestRecordThenReplay(t *testing.T) {
	upstream := newMock(t, 7)
	program := upstream.catalog().Programs[2]
	members := []int64{program.Personas.Regular, program.Personas.Frequent, program.Personas.Suspended}
	file := filepath.Join(t.TempDir(), "recording.json")
	rec, err := NewRecorder(file, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxyMock(t, upstream.url, func(c *Config) { c.Upstream.Record = rec })

	base := fmt.Sprintf("/v1/programs/%d", program.ID)
	p.ok(base)
	p.ok(base + "/members?perPage=3")
	// What the comparison reads: each member, every page of its lists, its ladder.
	lists := []string{"/transactions", "/point-periods", "/suspension-periods"}
	var compared []string
	for _, id := range members {
		mp := fmt.Sprintf("%s/members/%d", base, id)
		p.ok(mp)
		p.ok(mp + "/reward-ladder")
		compared = append(compared, mp, mp+"/reward-ladder")
		for _, l := range lists {
			for page := 0; ; page++ {
				path := fmt.Sprintf("%s%s?perPage=7&page=%d", mp, l, page)
				body := p.ok(path)
				compared = append(compared, path)
				if float64(page+1) >= body["totalPages"].(float64) {
					break
				}
			}
		}
		// The points history is not compared: the mock derives it, with ids of its own.
		compared = append(compared, mp+"/transactions?perPage=100")
	}
	for _, e := range journalOf(t, p) {
		if e.ResponseValid == nil || !*e.ResponseValid {
			t.Fatalf("%s: the upstream's answer is journalled invalid: %q", e.Path, e.ResponseErrors)
		}
	}

	data, err := fixtures.New(1, fixtures.WithPrograms(1))
	if err != nil {
		t.Fatal(err)
	}
	replay := newMockOf(t, Config{Dataset: data, Validator: validator(t), FixturesFile: file})
	for _, path := range compared {
		want, got := upstream.ok(path), replay.ok(path)
		if strings.Count(path, "/") == 5 { // the member itself: its customer id is a pseudonym
			cid, _ := got["customerId"].(string)
			if !strings.HasPrefix(cid, "rec-") || cid == want["customerId"] {
				t.Errorf("%s: customerId %q, want a pseudonym of %q", path, cid, want["customerId"])
			}
			found := replay.ok(base + "/members?customerId=" + url.QueryEscape(cid))
			if found["totalItems"] != 1.0 {
				t.Errorf("%s: the member is not found by its pseudonym: %v", path, found)
			}
			delete(want, "customerId")
			delete(got, "customerId")
		}
		if !reflect.DeepEqual(want, got) {
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			t.Errorf("%s: replayed\n%s\nwant the upstream's\n%s", path, g, w)
		}
	}
}

// TestRecordRaw keeps customer ids as the upstream sent them.
func TestRecordRaw(t *testing.T) {
	upstream := newMock(t, 7)
	file := filepath.Join(t.TempDir(), "raw.json")
	rec, err := NewRecorder(file, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxyMock(t, upstream.url, func(c *Config) { c.Upstream.Record = rec })
	want := p.ok("/v1/programs/1/members/3")["customerId"]
	o, err := fixtures.LoadOverlay(file, validator(t))
	if err != nil {
		t.Fatal(err)
	}
	data, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	if data, err = data.WithOverlay(o); err != nil {
		t.Fatalf("the recording does not load over a dataset that holds its program: %v", err)
	}
	m, ok := data.Member(1, 3)
	if !ok || m.CustomerID != want {
		t.Errorf("replayed customerId %q, want the upstream's %v", m.CustomerID, want)
	}
}

// newMockOf serves a mock built from cfg.
func newMockOf(t testing.TB, cfg Config) *mock {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &mock{t: t, url: newServer(t, h), v: cfg.Validator, data: cfg.Dataset}
}
