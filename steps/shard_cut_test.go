package steps

import (
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"
	"github.com/membersmock/membersmock/features"
)

// tricky holds what a cut must get right beyond the suite's own files: a
// rule with its own background, tags on several lines with a comment
// between them and the keyword, a doc string with a line that looks like a
// tag, and an outline whose rows are spread over tagged Examples.
const tricky = `@feature-tag
Feature: Tricky
  Background:
    Given a program

  Scenario: first
    Then it answers 200

  @a
  # a comment between tags and keyword
  @b
  Scenario: with a doc string
    Given a body
      """
      @not-a-tag
      Scenario: not a scenario
      """

  Rule: a rule
    Background:
      Given a member

    Scenario Outline: rows <n>
      Then <n> is fine

      @small
      Examples:
        | n |
        | 1 |
        | 2 |

      @large
      Examples:
        | n   |
        | 100 |
        | 200 |

  @last
  Rule: another rule
    Scenario: in another rule
      Then it answers 404
`

type pickleRef struct {
	uri, name string
	line      int64
}

// pickles parses feature files as godog would and returns their scenarios.
func pickles(t *testing.T, fsys fs.FS, tags string) map[pickleRef]int {
	t.Helper()
	feats, err := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: []string{"."}, Tags: tags}}.RetrieveFeatures()
	if err != nil {
		t.Fatalf("parsing the features: %v", err)
	}
	out := map[pickleRef]int{}
	for _, ft := range feats {
		for _, p := range ft.Pickles {
			out[pickleRef{p.Uri, p.Name, p.Location.Line}]++
		}
	}
	return out
}

// TestSelectShardPartitions cuts the suite's features and a tricky one into
// 1 to 5 shards: every scenario the tags select is in exactly one shard, at
// its own line, and each shard says how many it holds.
func TestSelectShardPartitions(t *testing.T) {
	tests := []struct {
		name string
		fsys fs.FS
		tags string
	}{
		{"suite", features.FS, MockTags},
		{"suite with default tags", features.FS, withoutUnsafe(DefaultTags)},
		{"tricky", fstest.MapFS{"tricky.feature": {Data: []byte(tricky)}}, ""},
		{"tricky without @large", fstest.MapFS{"tricky.feature": {Data: []byte(tricky)}}, "~@large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := pickles(t, tt.fsys, tt.tags)
			if len(all) == 0 {
				t.Fatal("no scenarios to cut")
			}
			for n := 1; n <= 5; n++ {
				seen := map[pickleRef]int{}
				for i := 1; i <= n; i++ {
					opts := &godog.Options{FS: tt.fsys, Paths: []string{"."}, Tags: tt.tags}
					run, err := selectShard(opts, Shard{i, n})
					if err != nil {
						t.Fatalf("shard %d/%d: %v", i, n, err)
					}
					cut := fstest.MapFS{}
					for _, f := range opts.FeatureContents {
						cut[f.Name] = &fstest.MapFile{Data: f.Contents}
					}
					got := pickles(t, cut, tt.tags)
					held := 0
					for p, c := range got {
						seen[p] += c
						held += c
					}
					if held != run.Scenarios || run.Of != len(all) {
						t.Errorf("shard %d/%d holds %d scenarios of %d, says %d of %d", i, n, held, len(all), run.Scenarios, run.Of)
					}
				}
				for p := range all {
					if seen[p] != 1 {
						t.Errorf("%d shards: %s:%d %q ran %d times", n, p.uri, p.line, p.name, seen[p])
					}
				}
				for p := range seen {
					if all[p] == 0 {
						t.Errorf("%d shards: %s:%d %q is no scenario of the whole run", n, p.uri, p.line, p.name)
					}
				}
			}
		})
	}
}

// TestSelectShardIsStable: a scenario's shard does not depend on where it
// is in its file, nor on the other scenarios.
func TestSelectShardIsStable(t *testing.T) {
	const n = 3
	want := map[string]int{}
	for _, name := range []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"} {
		want[name] = part(shardKey("x.feature", name, nil), n)
	}
	// The same scenarios, reversed and moved down the file.
	src := "Feature: x\n\n\n"
	for _, name := range []string{"zeta", "epsilon", "delta", "gamma", "beta", "alpha"} {
		src += fmt.Sprintf("  Scenario: %s\n    Then it answers 200\n\n", name)
	}
	fsys := fstest.MapFS{"x.feature": {Data: []byte(src)}}
	for i := 1; i <= n; i++ {
		opts := &godog.Options{FS: fsys, Paths: []string{"."}}
		if _, err := selectShard(opts, Shard{i, n}); err != nil {
			t.Fatal(err)
		}
		cut := fstest.MapFS{"x.feature": {Data: opts.FeatureContents[0].Contents}}
		for p := range pickles(t, cut, "") {
			if want[p.name] != i {
				t.Errorf("%q ran in shard %d/%d, its key says %d", p.name, i, n, want[p.name])
			}
		}
	}
}
