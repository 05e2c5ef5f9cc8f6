package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/steps"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want steps.Shard
		err  string // in the error, "" for none
	}{
		{"1/3", steps.Shard{Index: 1, Count: 3}, ""},
		{"3/3", steps.Shard{Index: 3, Count: 3}, ""},
		{" 2 / 5 ", steps.Shard{Index: 2, Count: 5}, ""},
		{"1/1", steps.Shard{Index: 1, Count: 1}, ""},
		{"0/3", steps.Shard{}, "the part must be from 1 to 3"},
		{"4/3", steps.Shard{}, "the part must be from 1 to 3"},
		{"-1/3", steps.Shard{}, "the part must be from 1 to 3"},
		{"1/0", steps.Shard{}, "at least 1"},
		{"x", steps.Shard{}, "not of the form i/n"},
		{"2", steps.Shard{}, "not of the form i/n"},
		{"a/b", steps.Shard{}, "not of the form i/n"},
		{"", steps.Shard{}, "not of the form i/n"},
	}
	for _, tt := range tests {
		got, err := steps.ParseShard(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseShard(%q) error %v; want one saying %q", tt.in, err, tt.err)
		}
	}
}

// scenarioLocations reads a Cucumber report: every scenario it holds, as
// "file:line name", with how many times.
func scenarioLocations(t *testing.T, path string) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var feats []struct {
		URI      string `json:"uri"`
		Elements []struct {
			Name string `json:"name"`
			Line int    `json:"line"`
			Type string `json:"type"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(data, &feats); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]int{}
	for _, f := range feats {
		for _, e := range f.Elements {
			if e.Type == "scenario" {
				out[fmt.Sprintf("%s:%d %s", f.URI, e.Line, e.Name)]++
			}
		}
	}
	return out
}

// TestShardsRunEveryScenarioOnce runs the default suite against the mock,
// then its shards 1/3, 2/3 and 3/3: together they run every scenario of the
// whole run exactly once, at the same location, and no shard counts the
// others' scenarios as passed or skipped.
func TestShardsRunEveryScenarioOnce(t *testing.T) {
	v := newValidator(t)
	srv := startMock(t, v, "")
	dir := t.TempDir()
	runTo := func(shard steps.Shard, name string) (steps.Result, map[string]int) {
		path := filepath.Join(dir, name+".json")
		res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Cucumber: path, Shard: shard})
		if err != nil {
			t.Fatalf("Run %s: %v", name, err)
		}
		if !res.OK() {
			report(t, res)
		}
		return res, scenarioLocations(t, path)
	}
	whole, all := runTo(steps.Shard{}, "whole")
	total := whole.Passed + whole.Failed + whole.Skipped + whole.Undefined
	if len(all) != total || total == 0 {
		t.Fatalf("the whole run counted %d scenarios, its report holds %d", total, len(all))
	}

	seen := map[string]int{}
	for i := 1; i <= 3; i++ {
		sh := steps.Shard{Index: i, Count: 3}
		res, locs := runTo(sh, fmt.Sprintf("shard-%d", i))
		ran := res.Passed + res.Failed + res.Skipped + res.Undefined
		if ran != len(locs) || ran != res.Shard.Scenarios || res.Shard.Of != total || res.Shard.Shard != sh {
			t.Errorf("shard %s: counted %d scenarios, its report holds %d, it says it holds %d of %d", sh, ran, len(locs), res.Shard.Scenarios, res.Shard.Of)
		}
		if ran == 0 || ran == total {
			t.Errorf("shard %s ran %d of %d scenarios: not a third", sh, ran, total)
		}
		var b bytes.Buffer
		if err := res.WriteSummary(&b); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Shard %s: %d of the %d scenarios", sh, ran, total); !strings.Contains(b.String(), want) {
			t.Errorf("shard %s: the summary lacks %q:\n%s", sh, want, b.String())
		}
		for l, n := range locs {
			seen[l] += n
		}
	}
	for l := range all {
		if seen[l] != 1 {
			t.Errorf("%s ran %d times in the three shards", l, seen[l])
		}
	}
	for l := range seen {
		if all[l] == 0 {
			t.Errorf("%s ran in a shard but is not in the whole run", l)
		}
	}
}
