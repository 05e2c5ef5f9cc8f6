package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
)

// TestRecordThenReplay records through the proxy in front of a mock with another seed,
// then replays the recording with --fixtures in a mock of its own: the members fetched
// through the proxy answer with the upstream's ids, timestamps, amounts, totals and order.
// The replaying mock generates no programs, as cmd/mockserver does for a recording: the
// recorded program 1 keeps its id.
func TestRecordThenReplay(t *testing.T) {
	upstream := newMock(t, 7)
	program := upstream.catalog().Programs[0]
	members := []int64{program.Personas.Regular, program.Personas.Frequent, program.Personas.Suspended}
	file := filepath.Join(t.TempDir(), "recording.json")
	rec, err := NewRecorder(file, mustURL(t, upstream.url), false, nil)
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

	data, err := fixtures.New(1, fixtures.WithPrograms(0))
	if err != nil {
		t.Fatal(err)
	}
	replay := newMockOf(t, Config{Dataset: data, Validator: validator(t), FixturesFile: file})
	if ids := replay.catalog().Programs; len(ids) != 1 || ids[0].ID != program.ID {
		t.Errorf("the replaying mock serves programs %+v, want the recorded program %d alone", ids, program.ID)
	}
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

// TestReplayServesWhatBreaksRules records an upstream whose "now" is three months after the
// replaying mock's: its members have transactions after the replay's now, which generated
// data never has. The replay warns of each and answers them as the upstream did.
func TestReplayServesWhatBreaksRules(t *testing.T) {
	later := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	upData, err := fixtures.New(7, fixtures.WithPrograms(1), fixtures.WithNow(later))
	if err != nil {
		t.Fatal(err)
	}
	upstream := newMockOf(t, Config{Dataset: upData, Validator: validator(t)})
	frequent := upstream.catalog().Programs[0].Personas.Frequent
	file := filepath.Join(t.TempDir(), "recording.json")
	rec, err := NewRecorder(file, mustURL(t, upstream.url), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newProxyMock(t, upstream.url, func(c *Config) { c.Upstream.Record = rec })
	mp := fmt.Sprintf("/v1/programs/1/members/%d", frequent)
	p.ok("/v1/programs/1")
	p.ok(mp)
	p.ok(mp + "/reward-ladder")
	// Every page, so that the recording holds the whole list.
	var pages []string
	wants := map[string]map[string]any{}
	recent := 0
	for page := 0; ; page++ {
		path := fmt.Sprintf("%s/transactions?perPage=100&page=%d", mp, page)
		body := p.ok(path)
		pages, wants[path] = append(pages, path), body
		for _, it := range body["items"].([]any) {
			if it.(map[string]any)["validFrom"].(string) > fixtures.DefaultNow.Format(time.RFC3339) {
				recent++
			}
		}
		if float64(page+1) >= body["totalPages"].(float64) {
			break
		}
	}
	if recent == 0 {
		t.Fatalf("the upstream's frequent member has no transaction after %s; the test needs one", fixtures.DefaultNow)
	}

	var logged bytes.Buffer
	data, err := fixtures.New(1, fixtures.WithPrograms(0))
	if err != nil {
		t.Fatal(err)
	}
	replay := newMockOf(t, Config{Dataset: data, Validator: validator(t), FixturesFile: file,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, path := range pages {
		if got, want := replay.ok(path), wants[path]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the replayed page differs from the upstream's: %v items of %v, want %v of %v",
				path, len(got["items"].([]any)), got["totalItems"], len(want["items"].([]any)), want["totalItems"])
		}
	}
	if n := strings.Count(logged.String(), "served as recorded"); n < recent {
		t.Errorf("%d warnings logged, want one for each of the %d transactions after now at least:\n%s", n, recent, logged.String())
	}
	if !strings.Contains(logged.String(), "is after now") {
		t.Errorf("the warnings do not say what is wrong:\n%s", logged.String())
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestRecordRaw keeps customer ids as the upstream sent them.
func TestRecordRaw(t *testing.T) {
	upstream := newMock(t, 7)
	file := filepath.Join(t.TempDir(), "raw.json")
	rec, err := NewRecorder(file, mustURL(t, upstream.url), true, nil)
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
