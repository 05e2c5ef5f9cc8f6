package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestValidateSchema(t *testing.T) {
	v := newTestValidator(t)
	type finding struct {
		path string // segments joined by "."
		has  string // part of the message
	}
	tests := []struct {
		name, schema, value string
		want                []finding // nil: valid
	}{
		{"a valid member", "Member",
			`{"id":1,"createdAt":"2025-01-01T00:00:00Z","customerId":"x","organisationId":3,"metadata":null,"updatedAt":null}`, nil},
		{"an int64 id beyond 2^53", "Member",
			`{"id":9007199254740993,"createdAt":"2025-01-01T00:00:00Z","customerId":"x","organisationId":3}`, nil},
		{"every kind of mistake", "Member",
			`{"id":0,"createdAt":"2025-01-01T00:00:00+01:00","customerId":5,"organisationId":3,"foo":1,"bar":2}`,
			[]finding{{"id", "minimum"}, {"createdAt", "pattern"}, {"customerId", "want string"},
				{"foo", "unknown property"}, {"bar", "unknown property"}}},
		{"missing properties", "Member", `{"id":1}`, []finding{{"", "missing properties"}}},
		{"nested paths", "RewardLadder",
			`{"programId":1,"memberId":2,"levels":[{"levelId":1,"name":"a","rank":0,"requirements":[],"rewards":[{"rewardId":1,"reference":"r","name":"n","type":"X"}]}]}`,
			[]finding{{"levels.0.rank", "minimum"}, {"levels.0.rewards.0.type", "DISCOUNT"}}},
		{"null", "Program", `null`, []finding{{"", "null"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.ValidateSchema(tt.schema, []byte(tt.value))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateSchema: %v", err)
				}
				return
			}
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("ValidateSchema = %v, want a *SchemaError", err)
			}
			if se.Schema != tt.schema {
				t.Errorf("Schema = %q, want %q", se.Schema, tt.schema)
			}
			for _, w := range tt.want {
				found := slices.ContainsFunc(se.Violations, func(v SchemaViolation) bool {
					return strings.Join(v.Path, ".") == w.path && strings.Contains(v.Message, w.has)
				})
				if !found {
					t.Errorf("no violation at %q mentioning %q in %+v", w.path, w.has, se.Violations)
				}
			}
			if len(se.Violations) != len(tt.want) {
				t.Errorf("%d violations, want %d: %+v", len(se.Violations), len(tt.want), se.Violations)
			}
		})
	}
}

func TestValidateSchemaRefusesUnknownSchemasAndBadJSON(t *testing.T) {
	v := newTestValidator(t)
	if err := v.ValidateSchema("Nope", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "components/schemas/Nope") {
		t.Errorf("unknown schema: %v", err)
	}
	if err := v.ValidateSchema("Member", []byte(`{`)); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestSchemaNames(t *testing.T) {
	names, err := SchemaNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Error", "Member", "Program", "Transaction", "PointPeriod", "SuspensionPeriod", "Level", "RewardLadder"} {
		if !slices.Contains(names, want) {
			t.Errorf("SchemaNames() = %v, lacks %s", names, want)
		}
	}
}
