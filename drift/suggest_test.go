package drift

import (
	"testing"

	"github.com/membersmock/membersmock/spec"
)

func TestSuggest(t *testing.T) {
	setting := func(k, v string) *Setting { return &Setting{Key: k, Value: v} }
	tests := []struct {
		name      string
		base      spec.Dialect
		diffs     []Difference
		want      spec.Dialect
		explained int // differences still explained afterwards
	}{
		{"no difference keeps the mock's dialect", spec.Dialect{FirstPage: 1}, nil, spec.Dialect{FirstPage: 1}, 0},
		{"each setting takes the target's value",
			spec.Dialect{},
			[]Difference{{Dialect: setting("firstPage", "1")}, {Dialect: setting("clientName", "optional")}, {Dialect: setting("firstPage", "1")}, {}},
			spec.Dialect{FirstPage: 1, ClientName: "optional"}, 3},
		{"a setting the differences disagree on stays and explains nothing",
			spec.Dialect{},
			[]Difference{{Dialect: setting("pastLastPage", "notFound")}, {Dialect: setting("pastLastPage", "empty")}, {Dialect: setting("emptyFilter", "ignore")}},
			spec.Dialect{EmptyFilter: "ignore"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := suggest(tt.base, tt.diffs)
			if !got.Same(tt.want) {
				t.Errorf("suggest = %s, want %s", got, tt.want)
			}
			n := 0
			for _, d := range tt.diffs {
				if d.Dialect != nil {
					n++
				}
			}
			if n != tt.explained {
				t.Errorf("%d differences explained afterwards, want %d", n, tt.explained)
			}
		})
	}
}
