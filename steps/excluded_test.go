package steps

import (
	"slices"
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
