package steps

import (
	"slices"
	"strings"
	"testing"
)

func TestExcludedTags(t *testing.T) {
	for expr, want := range map[string][]string{
		DefaultTags + " && ~@unsafe-methods": {"@auth", "@rate-limit", "@fault", "@mock-control", "@mock-only", "@unsafe-methods"},
		"@paging":                            nil,
		"@paging && ~@slow":                  {"@slow"},
		"~@a,~@b && ~@c && ~@c":              {"@c"},
	} {
		if got := ExcludedTags(expr); !slices.Equal(got, want) {
			t.Errorf("ExcludedTags(%q) = %q, want %q", expr, got, want)
		}
	}
}

// TestSummaryNamesTheTagsLeftOut holds the summary to what features/README.md
// says: a default run names the tags it left out, the mock's own among them.
func TestSummaryNamesTheTagsLeftOut(t *testing.T) {
	var b strings.Builder
	r := Result{Target: "http://127.0.0.1:1", Tags: withoutUnsafe(DefaultTags)}
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Left out by tag", MockOnlyTag, UnsafeMethodsTag, "@auth"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary does not name %s:\n%s", want, b.String())
		}
	}
}
