package steps

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/membersmock/membersmock/features"
	"github.com/membersmock/membersmock/spec"
)

func TestExcludedTags(t *testing.T) {
	for expr, want := range map[string][]string{
		DefaultTags + " && ~@unsafe-methods": {"@auth", "@rate-limit", "@fault", "@mock-control", "@mock-only", "@unsafe-methods"},
		"@paging":                            nil,
		"@paging && ~@slow":                  {"@slow"},
		"~@a,~@b && ~@c && ~@c":              nil,
		"~@a && ~@c,~@b && ~@c && ~@a":       {"@a", "@c"},
		andAll("@x,@y", "~@z && ~@w"):        {"@z", "@w"},
	} {
		if got := ExcludedTags(expr); !slices.Equal(got, want) {
			t.Errorf("ExcludedTags(%q) = %q, want %q", expr, got, want)
		}
	}
}

// TestAndAll holds andAll to godog's own reading of an expression: the
// term applies to every alternative.
func TestAndAll(t *testing.T) {
	opts := godog.Options{FS: features.FS, Paths: []string{"."}}
	selected := func(tags string) map[string]bool {
		o := opts
		o.Tags = tags
		fs, err := godog.TestSuite{Options: &o}.RetrieveFeatures()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, f := range fs {
			for _, p := range f.Pickles {
				out[p.Uri+":"+p.Id] = true
				for _, tag := range p.Tags {
					if tag.Name == UnsafeMethodsTag {
						t.Errorf("%s selects %s, tagged %s", tags, p.Name, UnsafeMethodsTag)
					}
				}
			}
		}
		return out
	}
	if got := selected(withoutUnsafe("@methods,@paging")); len(got) == 0 {
		t.Error("@methods,@paging without the unsafe methods selects nothing")
	}
}

// TestSummaryCountsTheScenariosLeftOut holds the summary to what
// features/README.md says: a default run counts the scenarios it left out,
// by tag, the mock's own and the other dialects' among them, and together
// with those it ran they are every scenario.
func TestSummaryCountsTheScenariosLeftOut(t *testing.T) {
	opts := godog.Options{FS: features.FS, Paths: []string{"."}, Tags: withDialect(withoutUnsafe(DefaultTags), spec.Dialect{})}
	left, err := countLeftOut(opts)
	if err != nil {
		t.Fatal(err)
	}
	count := func(tags string) int {
		o := opts
		o.Tags = tags
		fs, err := godog.TestSuite{Options: &o}.RetrieveFeatures()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range fs {
			n += len(f.Pickles)
		}
		return n
	}
	leftOut := 0
	by := map[string]int{}
	for _, l := range left {
		leftOut += l.Scenarios
		by[l.Tag] = l.Scenarios
	}
	if ran, all := count(opts.Tags), count(""); ran+leftOut != all {
		t.Errorf("%d scenarios run and %d left out, but there are %d", ran, leftOut, all)
	}
	for _, tag := range []string{MockOnlyTag, UnsafeMethodsTag, "@auth", OtherDialects} {
		if by[tag] == 0 {
			t.Errorf("no scenario counted as left out under %s: %+v", tag, left)
		}
	}
	if by[MockOnlyTag] != count(MockOnlyTag+" && ~@unsafe-methods") {
		t.Errorf("%d scenarios counted under %s, but %d carry it and not an earlier excluded tag", by[MockOnlyTag], MockOnlyTag, count(MockOnlyTag))
	}

	var b strings.Builder
	r := Result{Target: "http://127.0.0.1:1", Tags: opts.Tags, LeftOut: left}
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("Left out by tag (not run, not counted above): %d scenarios", leftOut), MockOnlyTag, UnsafeMethodsTag, OtherDialects} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary does not say %q:\n%s", want, b.String())
		}
	}
}
