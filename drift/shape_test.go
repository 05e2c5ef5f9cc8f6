package drift

import (
	"encoding/json"
	"strings"
	"testing"
)

func learned(t *testing.T, bodies ...string) *shape {
	t.Helper()
	s := newShape()
	for _, b := range bodies {
		dec := json.NewDecoder(strings.NewReader(b))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		s.learn(request{path: "/x"}, v)
	}
	return s
}

func TestCompareShapes(t *testing.T) {
	known := map[string]bool{"id": true, "createdAt": true, "updatedAt": true, "metadata": true, "items": true}
	tests := []struct {
		name         string
		mock, target []string
		want         []string // a substring of each difference, in order; none for no difference
	}{
		{"the same shape, other values",
			[]string{`{"id": 1, "createdAt": "2025-01-01T00:00:00Z"}`}, []string{`{"id": 99, "createdAt": "2024-06-01T10:00:00Z"}`}, nil},
		{"a field null for one member only is data",
			[]string{`{"id": 1, "updatedAt": null}`, `{"id": 2, "updatedAt": "2025-01-01T00:00:00Z"}`},
			[]string{`{"id": 3, "updatedAt": "2025-01-01T00:00:00Z"}`}, nil},
		{"an empty list on one side shows nothing of its items",
			[]string{`{"items": [{"id": 1}]}`}, []string{`{"items": []}`}, nil},
		{"free-form metadata keys are data",
			[]string{`{"metadata": {"userType": "ADULT"}}`}, []string{`{"metadata": {"stationPair": {"from": "NSR:StopPlace:1"}}}`}, nil},
		{"a renamed field is named on both sides",
			[]string{`{"items": [{"id": 1, "createdAt": "2025-01-01T00:00:00Z"}]}`}, []string{`{"items": [{"id": 1, "created": "2025-01-01T00:00:00Z"}]}`},
			[]string{"items[].createdAt on the mock is called items[].created on the target (a field the spec does not know)"}},
		{"another type",
			[]string{`{"id": 1}`}, []string{`{"id": "1"}`}, []string{"id is number on the mock and string on the target"}},
		{"null on one side, left out on the other",
			[]string{`{"id": 1, "updatedAt": null}`}, []string{`{"id": 1}`, `{"id": 2, "updatedAt": "2025-01-01T00:00:00Z"}`},
			[]string{"updatedAt without a value: the mock sends null, the target leaves it out"}},
		{"a field only the target sends",
			[]string{`{"id": 1}`}, []string{`{"id": 1, "etag": "x"}`}, []string{"the target sends etag, the mock never does (a field the spec does not know)"}},
		{"a field only the mock sends",
			[]string{`{"id": 1, "updatedAt": "2025-01-01T00:00:00Z"}`}, []string{`{"id": 1}`}, []string{"the mock sends updatedAt, the target never does"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := compareShapes(learned(t, tt.mock...), learned(t, tt.target...), known, "the body")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d differences, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].message, w) {
					t.Errorf("difference %d is %q, want it to say %q", i, got[i].message, w)
				}
			}
		})
	}
}
