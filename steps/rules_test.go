package steps

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/spec"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// objs decodes a JSON array of objects.
func objs(t *testing.T, js string) []object {
	t.Helper()
	v, err := decodeJSON([]byte(js))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", js, err)
	}
	var out []object
	for _, e := range v.([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func obj(t *testing.T, js string) object {
	t.Helper()
	return objs(t, "["+js+"]")[0]
}

// wantProblems fails unless problems is empty (want == "") or one of them
// contains want.
func wantProblems(t *testing.T, problems []string, want string) {
	t.Helper()
	if want == "" {
		if len(problems) > 0 {
			t.Errorf("unexpected problems:\n%s", strings.Join(problems, "\n"))
		}
		return
	}
	for _, p := range problems {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Errorf("want a problem mentioning %q, got %q", want, problems)
}

func TestPeriodsDoNotOverlap(t *testing.T) {
	tests := []struct{ name, periods, want string }{
		{"disjoint", `[{"id":2,"startAt":"2026-02-01T00:00:00Z","endAt":"2026-03-01T00:00:00Z"},
			{"id":1,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`, ""},
		{"overlap", `[{"id":2,"startAt":"2026-01-15T00:00:00Z","endAt":"2026-03-01T00:00:00Z"},
			{"id":1,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`, "overlap"},
		{"backwards", `[{"id":1,"startAt":"2026-02-01T00:00:00Z","endAt":"2026-01-01T00:00:00Z"}]`, "ends before it starts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, periodsDoNotOverlap(&memberData{periods: objs(t, tt.periods)}, testNow), tt.want)
		})
	}
}

func TestTransactionsInsideTheirPeriods(t *testing.T) {
	periods := `[{"id":7,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`
	tests := []struct{ name, txs, want string }{
		{"inside, start inclusive", `[{"id":1,"validFrom":"2026-01-01T00:00:00Z","pointPeriodId":7},{"id":2,"validFrom":"2026-01-20T00:00:00Z","pointPeriodId":null}]`, ""},
		{"at the exclusive end", `[{"id":1,"validFrom":"2026-02-01T00:00:00Z","pointPeriodId":7}]`, "outside its point period"},
		{"unknown period", `[{"id":1,"validFrom":"2026-01-02T00:00:00Z","pointPeriodId":8}]`, "not one of the member's point periods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{periods: objs(t, periods), transactions: objs(t, tt.txs)}
			wantProblems(t, transactionsInsideTheirPeriods(d, testNow), tt.want)
		})
	}
}

func TestHistoryAgreesWithTransactions(t *testing.T) {
	txs := `[
		{"id":1,"amount":10,"createdAt":"2025-01-01T00:00:00Z","pointDefinitionReference":"p","expireAt":"2026-01-01T00:00:00Z"},
		{"id":2,"amount":20,"createdAt":"2025-02-01T00:00:00Z","pointDefinitionReference":"p","cancelledAt":"2025-02-02T00:00:00Z"},
		{"id":3,"amount":-5,"createdAt":"2025-03-01T00:00:00Z","pointDefinitionReference":"p"},
		{"id":4,"amount":7,"createdAt":"2025-04-01T00:00:00Z","pointDefinitionReference":"p","expireAt":"2027-01-01T00:00:00Z"}]`
	good := []string{
		`{"id":11,"pointEventType":"EARNED","amount":10,"pointDefinitionReference":"p","createdAt":"2025-01-01T00:00:00Z","transactionId":1}`,
		`{"id":12,"pointEventType":"EXPIRED","amount":-10,"pointDefinitionReference":"p","createdAt":"2026-01-01T00:00:00Z","transactionId":1}`,
		`{"id":13,"pointEventType":"EARNED","amount":20,"pointDefinitionReference":"p","createdAt":"2025-02-01T00:00:00Z","transactionId":2}`,
		`{"id":14,"pointEventType":"CANCELLED","amount":-20,"pointDefinitionReference":"p","createdAt":"2025-02-02T00:00:00Z","transactionId":2}`,
		`{"id":15,"pointEventType":"CONSUMED","amount":-5,"pointDefinitionReference":"p","createdAt":"2025-03-01T00:00:00Z","transactionId":3}`,
		`{"id":16,"pointEventType":"EARNED","amount":7,"pointDefinitionReference":"p","createdAt":"2025-04-01T00:00:00Z","transactionId":4}`,
	}
	tests := []struct {
		name   string
		events []string
		want   string
	}{
		{"exactly derived", good, ""},
		{"missing EXPIRED", append(append([]string{}, good[:1]...), good[2:]...), "lacks the EXPIRED event of transaction 1"},
		{"expiry in the future", append(append([]string{}, good...),
			`{"id":17,"pointEventType":"EXPIRED","amount":-7,"pointDefinitionReference":"p","createdAt":"2027-01-01T00:00:00Z","transactionId":4}`), "not explained"},
		{"duplicated EARNED", append(append([]string{}, good...), good[0]), "not explained"},
		{"positive CANCELLED", replace(good, 3, `{"id":14,"pointEventType":"CANCELLED","amount":20,"pointDefinitionReference":"p","createdAt":"2025-02-02T00:00:00Z","transactionId":2}`), "negative"},
		{"EARNED at the wrong time", replace(good, 0, `{"id":11,"pointEventType":"EARNED","amount":10,"pointDefinitionReference":"p","createdAt":"2025-01-02T00:00:00Z","transactionId":1}`), "createdAt"},
		{"wrong point definition", replace(good, 4, `{"id":15,"pointEventType":"CONSUMED","amount":-5,"pointDefinitionReference":"q","createdAt":"2025-03-01T00:00:00Z","transactionId":3}`), "pointDefinitionReference"},
		{"without transactionId, still explained", replace(good, 4, `{"id":15,"pointEventType":"CONSUMED","amount":-5,"pointDefinitionReference":"p","createdAt":"2025-03-01T00:00:00Z","transactionId":null}`), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{transactions: objs(t, txs), events: objs(t, "["+strings.Join(tt.events, ",")+"]")}
			wantProblems(t, historyAgreesWithTransactions(d, testNow), tt.want)
		})
	}
}

func replace(xs []string, i int, x string) []string {
	out := append([]string{}, xs...)
	out[i] = x
	return out
}

func TestSuspensionsDoNotOverlap(t *testing.T) {
	tests := []struct{ name, susp, want string }{
		{"past ones and one open", `[{"id":3,"startAt":"2026-05-01T00:00:00Z","endAt":null},
			{"id":2,"startAt":"2026-02-01T00:00:00Z","endAt":"2026-03-01T00:00:00Z"},
			{"id":1,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`, ""},
		{"two open", `[{"id":2,"startAt":"2026-05-01T00:00:00Z","endAt":null},{"id":1,"startAt":"2026-01-01T00:00:00Z"}]`, "at most one"},
		{"open one before a later one", `[{"id":2,"startAt":"2026-05-01T00:00:00Z","endAt":"2026-05-02T00:00:00Z"},{"id":1,"startAt":"2026-01-01T00:00:00Z","endAt":null}]`, "overlap"},
		{"overlap", `[{"id":2,"startAt":"2026-01-15T00:00:00Z","endAt":"2026-03-01T00:00:00Z"},{"id":1,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`, "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, suspensionsDoNotOverlap(&memberData{suspensions: objs(t, tt.susp)}, testNow), tt.want)
		})
	}
}

func TestLadder(t *testing.T) {
	levels := `"levels":[
		{"levelId":11,"name":"Bronse","rank":1,"requirements":[{"pointDefinitionReference":"p","amount":100}],"rewards":[]},
		{"levelId":12,"name":"Sølv","rank":2,"requirements":[{"pointDefinitionReference":"p","amount":300}],"rewards":[]},
		{"levelId":13,"name":"Gull","rank":3,"requirements":[{"pointDefinitionReference":"p","amount":600}],"rewards":[]}]`
	periods := `[{"id":7,"startAt":"2026-05-15T00:00:00Z","endAt":"2026-06-15T00:00:00Z"},
		{"id":6,"startAt":"2026-04-15T00:00:00Z","endAt":"2026-05-15T00:00:00Z"}]`
	txs := `[{"id":1,"amount":250,"pointDefinitionReference":"p","pointPeriodId":7},
		{"id":2,"amount":100,"pointDefinitionReference":"p","pointPeriodId":7,"cancelledAt":"2026-05-20T00:00:00Z"},
		{"id":3,"amount":900,"pointDefinitionReference":"p","pointPeriodId":6}]`
	tests := []struct{ name, current, want string }{
		{"level met with all transactions", `12`, ""},
		{"level met without the cancelled one", `11`, ""},
		{"too high", `13`, "currentLevelId is 13"},
		{"none", `null`, "currentLevelId is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{
				ladder:       obj(t, `{"programId":1,"memberId":1,"currentLevelId":`+tt.current+`,`+levels+`}`),
				periods:      objs(t, periods),
				transactions: objs(t, txs),
			}
			wantProblems(t, currentLevelMatchesPoints(d, testNow), tt.want)
			wantProblems(t, ladderShape(d.ladder), "")
			wantProblems(t, risingRequirements(d.ladder), "")
		})
	}
	t.Run("no current period means no level", func(t *testing.T) {
		d := &memberData{ladder: obj(t, `{"currentLevelId":11,`+levels+`}`), transactions: objs(t, txs)}
		wantProblems(t, currentLevelMatchesPoints(d, testNow), "no point period contains now")
	})
	t.Run("shape", func(t *testing.T) {
		one := obj(t, `{"currentLevelId":5,"levels":[{"levelId":1,"rank":2,"requirements":[]}]}`)
		wantProblems(t, ladderShape(one), "2 to 5")
		wantProblems(t, ladderShape(one), "rank 2")
		wantProblems(t, ladderShape(one), "currentLevelId 5")
		falling := obj(t, `{"levels":[{"levelId":1,"rank":1,"requirements":[{"pointDefinitionReference":"p","amount":10}]},
			{"levelId":2,"rank":2,"requirements":[{"pointDefinitionReference":"p","amount":10}]}]}`)
		wantProblems(t, risingRequirements(falling), "not more than")
	})
}

func TestTimelineProblems(t *testing.T) {
	member := obj(t, `{"id":1,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-02-01T00:00:00Z"}`)
	tests := []struct{ name, txs, want string }{
		{"within", `[{"id":1,"createdAt":"2025-01-02T00:00:00Z","validFrom":"2025-01-02T00:00:00Z","expireAt":"2027-01-01T00:00:00Z"}]`, ""},
		{"before joining", `[{"id":1,"createdAt":"2024-12-31T00:00:00Z","validFrom":"2025-01-02T00:00:00Z"}]`, "before the member joined"},
		{"after now", `[{"id":1,"createdAt":"2025-01-02T00:00:00Z","validFrom":"2026-07-01T00:00:00Z"}]`, "after now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{member: member, transactions: objs(t, tt.txs)}
			wantProblems(t, timelineProblems(d, testNow), tt.want)
		})
	}
	d := &memberData{member: obj(t, `{"id":1,"createdAt":"2025-03-01T00:00:00Z","updatedAt":"2025-02-01T00:00:00Z"}`)}
	wantProblems(t, updatedAfterCreated(d, testNow), "updated")
}

// TestEveryListHasItsDocumentedOrder: the order comes from package spec's
// table by operationId, so a list missing from it would check no order.
func TestEveryListHasItsDocumentedOrder(t *testing.T) {
	for _, r := range allResources {
		if _, ok := spec.OrderOf(r.opID); ok != r.list || (r.list && r.order().key == "") {
			t.Errorf("%s (%s): list %v, documented order %+v", r.phrase, r.opID, r.list, r.order())
		}
	}
	if got, want := resMembers.order().String(), "id ascending"; got != want {
		t.Errorf("the members are ordered by %q, want %q", got, want)
	}
}

func TestSortOrder(t *testing.T) {
	o, err := parseOrder("validFrom descending, ties broken by id descending")
	if err != nil {
		t.Fatal(err)
	}
	if o != resTransactions.order() {
		t.Fatalf("parsed %+v, want %+v", o, resTransactions.order())
	}
	ordered := objs(t, `[{"id":3,"validFrom":"2026-01-02T00:00:00Z"},{"id":5,"validFrom":"2026-01-01T00:00:00Z"},{"id":4,"validFrom":"2026-01-01T00:00:00Z"}]`)
	if msg := o.check(ordered); msg != "" {
		t.Errorf("in order, but: %s", msg)
	}
	tieWrong := objs(t, `[{"id":4,"validFrom":"2026-01-01T00:00:00Z"},{"id":5,"validFrom":"2026-01-01T00:00:00Z"}]`)
	if msg := o.check(tieWrong); !strings.Contains(msg, "ties broken by id descending") {
		t.Errorf("tie-break not caught: %q", msg)
	}
	if msg := resMembers.order().check(objs(t, `[{"id":2},{"id":1}]`)); msg == "" {
		t.Errorf("members out of id order not caught")
	}
	if _, err := parseOrder("validFrom sideways"); err == nil {
		t.Errorf("a bad order was accepted")
	}
}

func TestTimestampProblems(t *testing.T) {
	v, _ := decodeJSON([]byte(`{"items":[{"createdAt":"2025-03-14T08:15:00Z","updatedAt":null,
		"metadata":{"startAt":"whenever"}},{"validFrom":"2025-03-14T09:15:00+01:00"}]}`))
	problems := spec.TimestampProblems(v)
	if len(problems) != 1 || !strings.Contains(problems[0], "items[1].validFrom") {
		t.Errorf("problems = %q, want one about items[1].validFrom", problems)
	}
}

func TestDifference(t *testing.T) {
	a, _ := decodeJSON([]byte(`{"id":1,"updatedAt":null,"amount":1.50,"m":{"x":[1,2]}}`))
	b, _ := decodeJSON([]byte(`{"id":1,"amount":1.5,"m":{"x":[1,2]}}`))
	if d := difference(a, b); d != "" {
		t.Errorf("null and absent, 1.50 and 1.5 must be the same: %s", d)
	}
	c, _ := decodeJSON([]byte(`{"id":1,"amount":1.5,"m":{"x":[1,3]}}`))
	if d := difference(b, c); !strings.Contains(d, ".m.x[1]") {
		t.Errorf("difference = %q, want it at .m.x[1]", d)
	}
}

func TestWriteSummary(t *testing.T) {
	r := Result{
		Target: "http://x", Profile: "p", Tags: DefaultTags, Passed: 3, Failed: 1, Skipped: 2,
		Failures: []Failure{{Scenario: "Totals add up", Location: "paging.feature:9", Step: "the totals are the same on every page", Message: "page 2 says 9\nmore"}},
		Skips:    []Skip{{Scenario: "a", Location: "x.feature:1", Reason: "no other program"}, {Scenario: "b", Location: "x.feature:2", Reason: "no other program"}},
		Coverage: Coverage{Operations: []OperationCoverage{{ID: "getProgram", StatusesExercised: []int{200, 404}, StatusesMissed: []int{401}, ParamsMissed: []string{"X-Correlation-Id"}}}},
	}
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"FAILED", "3 passed, 1 failed, 2 skipped", "Totals add up", "paging.feature:9", "page 2 says 9",
		"2 scenario(s): no other program", "getProgram", "200 [401] 404", "not: X-Correlation-Id"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestReferences(t *testing.T) {
	periods := `[{"id":7,"startAt":"2026-01-01T00:00:00Z","endAt":"2026-02-01T00:00:00Z"}]`
	txs := `[{"id":1,"pointPeriodId":7},{"id":2,"pointPeriodId":null}]`
	tests := []struct{ name, txs, events, want string }{
		{"all known", txs, `[{"id":1,"transactionId":1,"pointPeriodId":7},{"id":2,"transactionId":null}]`, ""},
		{"unknown transaction", txs, `[{"id":1,"transactionId":3}]`, "not one of the member's transactions"},
		{"unknown period", txs, `[{"id":1,"transactionId":1,"pointPeriodId":8}]`, "not one of the member's point periods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{periods: objs(t, periods), transactions: objs(t, tt.txs), events: objs(t, tt.events)}
			wantProblems(t, eventsReferToTransactionsAndPeriods(d, testNow), tt.want)
		})
	}
	t.Run("a transaction's period", func(t *testing.T) {
		d := &memberData{periods: objs(t, periods), transactions: objs(t, `[{"id":1,"pointPeriodId":7}]`)}
		wantProblems(t, transactionPeriodsExist(d, testNow), "")
		d.transactions = objs(t, `[{"id":1,"pointPeriodId":9}]`)
		wantProblems(t, transactionPeriodsExist(d, testNow), "pointPeriodId 9")
	})
}

func TestValuesLookReal(t *testing.T) {
	ladder := `{"levels":[{"levelId":1,"rank":1,"requirements":[],"rewards":[{"rewardId":5,"name":"Rabatt","type":"DISCOUNT","value":%s}]}]}`
	tests := []struct{ name, member, tx, discount, want string }{
		{"real", `{"metadata":{"userType":"ADULT","homeStopPlace":"NSR:StopPlace:337"}}`,
			`{"id":1,"metadata":{"stationPair":{"from":"NSR:StopPlace:1","to":"NSR:StopPlace:2"}}}`, "20", ""},
		{"user type in lower case", `{"metadata":{"userType":"adult"}}`, `{"id":1}`, "20", "user types are codes"},
		{"stop place without codespace", `{"metadata":{"homeStopPlace":"StopPlace:337"}}`, `{"id":1}`, "20", "NeTEx"},
		{"station pair end missing", `{}`, `{"id":1,"metadata":{"stationPair":{"from":"NSR:StopPlace:1"}}}`, "20", "stationPair.to"},
		{"discount above 100", `{}`, `{"id":1}`, "120", "percentage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &memberData{member: obj(t, tt.member), transactions: objs(t, "["+tt.tx+"]"), ladder: obj(t, fmt.Sprintf(ladder, tt.discount))}
			wantProblems(t, valuesLookReal(d, testNow), tt.want)
		})
	}
}

func TestMemberInProgramOrganisation(t *testing.T) {
	d := &memberData{member: obj(t, `{"organisationId":20}`), program: obj(t, `{"organisationId":20}`)}
	wantProblems(t, memberInProgramOrganisation(d, testNow), "")
	d.member = obj(t, `{"organisationId":21}`)
	wantProblems(t, memberInProgramOrganisation(d, testNow), "the program's is 20")
}
