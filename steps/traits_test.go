package steps

import "testing"

func TestTraits(t *testing.T) {
	d := &memberData{
		transactions: objs(t, `[{"id":1},{"id":2}]`),
		periods:      objs(t, `[{"id":7}]`),
		events:       objs(t, `[{"id":1,"pointEventType":"EARNED"}]`),
		suspensions:  objs(t, `[{"id":1,"endAt":null},{"id":2,"endAt":"2026-01-01T00:00:00Z"}]`),
		ladder:       obj(t, `{"currentLevelId":11,"levels":[{"levelId":11,"rank":1},{"levelId":12,"rank":2}]}`),
	}
	tests := []struct {
		name  string
		trait func(*memberData) string
		want  string // "" = the member has the trait
	}{
		{"activity", hasNoActivity, "it has 2 transactions"},
		{"no level", hasReachedNoLevel, "currentLevelId is 11"},
		{"a level", hasReachedALevel, ""},
		{"top level", hasReachedTheTopLevel, "the top level is 12"},
		{"2 to 3 transactions", hasTransactionsBetween(2, 3), ""},
		{"more than 100 transactions", hasTransactionsBetween(101, 1<<30), "it has 2 transactions"},
		{"one open and one past suspension", hasOpenAndPastSuspensions(1), ""},
		{"two past suspensions", hasOpenAndPastSuspensions(2), "1 open and 1 past"},
		{"a point period", hasPointPeriods(1), ""},
		{"two point periods", hasPointPeriods(2), "it has 1 point periods"},
		{"EARNED", historyHolds("EARNED"), ""},
		{"EXPIRED", historyHolds("EXPIRED"), "no EXPIRED event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.trait(d)
			if (got == "") != (tt.want == "") {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			wantProblems(t, []string{got}[:min(len(got), 1)], tt.want)
		})
	}
}
