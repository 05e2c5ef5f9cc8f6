package steps

import (
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

func TestBodyExcerpt(t *testing.T) {
	tests := []struct {
		name, body string
		n          int
		want       string
	}{
		{"JSON is indented", `{"a":1,"b":[true]}`, 100, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}"},
		{"other text as it is", "hello", 100, "hello"},
		{"empty", "", 100, ""},
		{"cut with a note", "abcdefghij", 4, "abcd\n… (6 more bytes not shown)"},
		{"never inside a character", "ab€cd", 3, "ab\n… (5 more bytes not shown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bodyExcerpt([]byte(tt.body), tt.n)
			if got != tt.want {
				t.Errorf("bodyExcerpt(%q, %d) = %q, want %q", tt.body, tt.n, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("bodyExcerpt(%q, %d) is not valid UTF-8", tt.body, tt.n)
			}
		})
	}
}

func TestNameFeatures(t *testing.T) {
	fsys := fstest.MapFS{
		"paging.feature":   {Data: []byte("@paging\nFeature: Paging through lists\n  Scenario: x\n")},
		"nameless.feature": {Data: []byte("# no feature line\n")},
	}
	scenarios := []ScenarioResult{{Location: "paging.feature:3"}, {Location: "paging.feature:9"}, {Location: "nameless.feature:1"}, {Location: "gone.feature:2"}}
	nameFeatures(scenarios, fsys)
	var got []string
	for _, sc := range scenarios {
		got = append(got, sc.Feature)
	}
	if want := "Paging through lists,Paging through lists,nameless.feature,gone.feature"; strings.Join(got, ",") != want {
		t.Errorf("feature names %q, want %s", got, want)
	}
}
