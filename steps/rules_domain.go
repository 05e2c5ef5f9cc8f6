package steps

// The rules a schema cannot express, checked on everything about one member: pure
// functions from the member's data (and now) to the problems found, one sentence each,
// so that they are table-tested in rules_test.go and the steps only read and report.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// memberData is everything about one member, each list complete.
type memberData struct {
	program      object
	member       object
	transactions []object
	periods      []object
	events       []object
	suspensions  []object
	ladder       object
}

type span struct {
	id         int64
	start, end time.Time
	open       bool // no end
}

func spans(items []object, startKey, endKey string) []span {
	out := make([]span, 0, len(items))
	for _, it := range items {
		sp := span{id: idOf(it)}
		sp.start, _ = timeOf(it, startKey)
		var ok bool
		sp.end, ok = timeOf(it, endKey)
		sp.open = !ok
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Or(a.start.Compare(b.start), cmp.Compare(a.id, b.id)) })
	return out
}

func showSpan(kind string, sp span) string {
	end := "open"
	if !sp.open {
		end = instant(sp.end)
	}
	return fmt.Sprintf("%s %d [%s, %s)", kind, sp.id, instant(sp.start), end)
}

func periodsDoNotOverlap(d *memberData, _ time.Time) []string {
	var out []string
	ps := spans(d.periods, "startAt", "endAt")
	for _, p := range ps {
		if !p.end.After(p.start) {
			out = append(out, fmt.Sprintf("%s ends before it starts", showSpan("point period", p)))
		}
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].end.After(ps[i].start) {
			out = append(out, fmt.Sprintf("%s and %s overlap", showSpan("point period", ps[i-1]), showSpan("point period", ps[i])))
		}
	}
	return out
}

func periodByID(periods []object) map[int64]object {
	m := make(map[int64]object, len(periods))
	for _, p := range periods {
		m[idOf(p)] = p
	}
	return m
}

func transactionsInsideTheirPeriods(d *memberData, _ time.Time) []string {
	var out []string
	byID := periodByID(d.periods)
	for _, tx := range d.transactions {
		pid, ok := intOf(tx, "pointPeriodId")
		if !ok {
			continue
		}
		p, ok := byID[pid]
		if !ok {
			out = append(out, fmt.Sprintf("transaction %d has pointPeriodId %d, which is not one of the member's point periods", idOf(tx), pid))
			continue
		}
		vf, _ := timeOf(tx, "validFrom")
		start, _ := timeOf(p, "startAt")
		end, _ := timeOf(p, "endAt")
		if vf.Before(start) || !vf.Before(end) {
			out = append(out, fmt.Sprintf("transaction %d has validFrom %s, outside its point period %d [%s, %s) (startAt <= validFrom < endAt)",
				idOf(tx), instant(vf), pid, instant(start), instant(end)))
		}
	}
	return out
}

func transactionPeriodsExist(d *memberData, _ time.Time) []string {
	var out []string
	byID := periodByID(d.periods)
	for _, tx := range d.transactions {
		if pid, ok := intOf(tx, "pointPeriodId"); ok {
			if _, ok := byID[pid]; !ok {
				out = append(out, fmt.Sprintf("transaction %d has pointPeriodId %d, which is not one of the member's point periods", idOf(tx), pid))
			}
		}
	}
	return out
}

func eventsReferToTransactionsAndPeriods(d *memberData, _ time.Time) []string {
	var out []string
	byPeriod := periodByID(d.periods)
	byTx := make(map[int64]bool, len(d.transactions))
	for _, tx := range d.transactions {
		byTx[idOf(tx)] = true
	}
	for _, ev := range d.events {
		if tid, ok := intOf(ev, "transactionId"); ok && !byTx[tid] {
			out = append(out, fmt.Sprintf("points history event %d has transactionId %d, which is not one of the member's transactions", idOf(ev), tid))
		}
		if pid, ok := intOf(ev, "pointPeriodId"); ok {
			if _, ok := byPeriod[pid]; !ok {
				out = append(out, fmt.Sprintf("points history event %d has pointPeriodId %d, which is not one of the member's point periods", idOf(ev), pid))
			}
		}
	}
	return out
}

// wantEvent is an event the transactions say the history must hold.
type wantEvent struct {
	typ      string
	tx       object
	at       time.Time // zero: the contract does not say when
	amount   float64   // exact amount, when exact
	exact    bool
	optional bool // an expiry exactly at now may or may not have happened
	matched  bool
}

func (w *wantEvent) String() string {
	s := fmt.Sprintf("the %s event of transaction %d", w.typ, idOf(w.tx))
	if !w.at.IsZero() {
		s += " at " + instant(w.at)
	}
	return s
}

// historyAgreesWithTransactions checks the contract's derivation: one
// EARNED event (the positive amount, at createdAt) per positive transaction,
// one CONSUMED event (negative) per negative one, one CANCELLED event
// (negative, at cancelledAt) per cancelled one and one EXPIRED event
// (negative, at expireAt) per positive one whose expireAt has passed; every
// event is explained by exactly one of these and carries the transaction's
// point definition.
func historyAgreesWithTransactions(d *memberData, now time.Time) []string {
	var wants []*wantEvent
	byTx := map[int64][]*wantEvent{}
	add := func(w *wantEvent) {
		wants = append(wants, w)
		byTx[idOf(w.tx)] = append(byTx[idOf(w.tx)], w)
	}
	for _, tx := range d.transactions {
		amount, _ := numOf(tx, "amount")
		created, _ := timeOf(tx, "createdAt")
		switch {
		case amount > 0:
			add(&wantEvent{typ: "EARNED", tx: tx, at: created, amount: amount, exact: true})
		case amount < 0:
			add(&wantEvent{typ: "CONSUMED", tx: tx, amount: amount, exact: true})
		}
		if c, ok := timeOf(tx, "cancelledAt"); ok {
			add(&wantEvent{typ: "CANCELLED", tx: tx, at: c})
		}
		if e, ok := timeOf(tx, "expireAt"); ok && amount > 0 && !e.After(now) {
			add(&wantEvent{typ: "EXPIRED", tx: tx, at: e, optional: e.Equal(now)})
		}
	}

	var out []string
	matches := func(w *wantEvent, ev object) string {
		amount, _ := numOf(ev, "amount")
		at, _ := timeOf(ev, "createdAt")
		switch {
		case w.exact && math.Abs(amount-w.amount) > 1e-9:
			return fmt.Sprintf("amount %v, want the transaction's %v", amount, w.amount)
		case !w.exact && amount >= 0:
			return fmt.Sprintf("amount %v, want a negative amount", amount)
		case !w.at.IsZero() && !at.Equal(w.at):
			return fmt.Sprintf("createdAt %s, want %s", instant(at), instant(w.at))
		}
		if ref := refOf(w.tx); ref != "" && refOf(ev) != ref {
			return fmt.Sprintf("pointDefinitionReference %q, want the transaction's %q", refOf(ev), ref)
		}
		return ""
	}
	var loose []object // events without a transactionId
	for _, ev := range d.events {
		typ := eventType(ev)
		tid, ok := intOf(ev, "transactionId")
		if !ok {
			loose = append(loose, ev)
			continue
		}
		var cand *wantEvent
		for _, w := range byTx[tid] {
			if w.typ == typ && !w.matched {
				cand = w
				break
			}
		}
		if cand == nil {
			out = append(out, fmt.Sprintf("event %d (%s, transaction %d) is not explained by the transactions: %s",
				idOf(ev), typ, tid, explainNoMatch(typ, tid, byTx)))
			continue
		}
		cand.matched = true
		if why := matches(cand, ev); why != "" {
			out = append(out, fmt.Sprintf("event %d (%s of transaction %d) has %s", idOf(ev), typ, tid, why))
		}
	}
	for _, ev := range loose {
		found := false
		for _, w := range wants {
			if !w.matched && w.typ == eventType(ev) && matches(w, ev) == "" {
				w.matched, found = true, true
				break
			}
		}
		if !found {
			out = append(out, fmt.Sprintf("event %d (%s, no transactionId) matches no transaction", idOf(ev), eventType(ev)))
		}
	}
	for _, w := range wants {
		if !w.matched && !w.optional {
			out = append(out, fmt.Sprintf("the history lacks %s", w))
		}
	}
	return out
}

func explainNoMatch(typ string, tid int64, byTx map[int64][]*wantEvent) string {
	ws, ok := byTx[tid]
	if !ok {
		return "no transaction of the member has this id, or it calls for no event"
	}
	var kinds []string
	for _, w := range ws {
		kinds = append(kinds, w.typ)
	}
	return fmt.Sprintf("the transaction calls for %s only (once each)", strings.Join(kinds, ", "))
}

func suspensionsDoNotOverlap(d *memberData, _ time.Time) []string {
	var out []string
	ss := spans(d.suspensions, "startAt", "endAt")
	open := 0
	for _, sp := range ss {
		if sp.open {
			open++
		} else if sp.end.Before(sp.start) {
			out = append(out, fmt.Sprintf("%s ends before it starts", showSpan("suspension", sp)))
		}
	}
	if open > 1 {
		out = append(out, fmt.Sprintf("%d suspensions are open (endAt null); a member has at most one", open))
	}
	for i := 1; i < len(ss); i++ {
		prev, next := ss[i-1], ss[i]
		if prev.open || prev.end.After(next.start) {
			out = append(out, fmt.Sprintf("%s and %s overlap", showSpan("suspension", prev), showSpan("suspension", next)))
		}
	}
	return out
}

// timelineProblems checks that nothing happened before the member joined or
// after now. Point periods are frames, not events: only their start must not
// lie in the future. A transaction's expireAt may lie in the future.
func timelineProblems(d *memberData, now time.Time) []string {
	var out []string
	joined, _ := timeOf(d.member, "createdAt")
	check := func(what string, it object, key string, notBeforeJoin bool) {
		t, ok := timeOf(it, key)
		if !ok {
			return
		}
		if t.After(now) {
			out = append(out, fmt.Sprintf("%s %s is %s, after now (%s)", what, key, instant(t), instant(now)))
		}
		if notBeforeJoin && t.Before(joined) {
			out = append(out, fmt.Sprintf("%s %s is %s, before the member joined (%s)", what, key, instant(t), instant(joined)))
		}
	}
	check("the member's", d.member, "createdAt", false)
	check("the member's", d.member, "updatedAt", true)
	for _, tx := range d.transactions {
		what := fmt.Sprintf("transaction %d", idOf(tx))
		for _, k := range []string{"createdAt", "validFrom", "updatedAt", "cancelledAt"} {
			check(what, tx, k, true)
		}
	}
	for _, p := range d.periods {
		check(fmt.Sprintf("point period %d", idOf(p)), p, "startAt", false)
	}
	for _, ev := range d.events {
		check(fmt.Sprintf("points history event %d", idOf(ev)), ev, "createdAt", true)
	}
	for _, sp := range d.suspensions {
		what := fmt.Sprintf("suspension %d", idOf(sp))
		check(what, sp, "startAt", true)
		check(what, sp, "endAt", true)
	}
	return out
}

func createdNoLaterThanUpdated(what string, it object) string {
	c, ok1 := timeOf(it, "createdAt")
	u, ok2 := timeOf(it, "updatedAt")
	if ok1 && ok2 && u.Before(c) {
		return fmt.Sprintf("%s was updated (%s) before it was created (%s)", what, instant(u), instant(c))
	}
	return ""
}

func updatedAfterCreated(d *memberData, _ time.Time) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	add(createdNoLaterThanUpdated("the member", d.member))
	add(createdNoLaterThanUpdated("the program", d.program))
	for _, tx := range d.transactions {
		add(createdNoLaterThanUpdated(fmt.Sprintf("transaction %d", idOf(tx)), tx))
	}
	return out
}

// memberRules are the rules checked on all of one member's data, by the
// sentence that states them in the features.
var memberRules = []struct {
	phrase string
	rule   string
	check  func(d *memberData, now time.Time) []string
}{
	{"the member's point periods do not overlap",
		"a member's point periods must not overlap", periodsDoNotOverlap},
	{"every transaction with a point period lies inside that period",
		"every transaction with a pointPeriodId must lie inside that period", transactionsInsideTheirPeriods},
	{"the points history agrees with the transactions",
		"the points history must be derived from the transactions", historyAgreesWithTransactions},
	{"the member has at most one open suspension and suspensions do not overlap",
		"a member has at most one open suspension and suspensions must not overlap", suspensionsDoNotOverlap},
	{"the current level is the highest level met by the member's points in the current period",
		"currentLevelId must be the highest level the member's points in the current period meet", currentLevelMatchesPoints},
	{"nothing in the member's data happened before the member joined or after now",
		"nothing may happen before the member joined or after now", timelineProblems},
	{"every record was created no later than it was last updated",
		"createdAt must not be after updatedAt", updatedAfterCreated},
	{"every transaction's point period is one of the member's point periods",
		"every transaction's point period must be one of the member's point periods", transactionPeriodsExist},
	{"every points history event refers to one of the member's transactions and point periods",
		"every points history event must refer to the member's own transactions and point periods", eventsReferToTransactionsAndPeriods},
	{"the member's data looks real: stop places are NeTEx ids, user types are codes such as ADULT and discounts are percentages",
		"values must look real", valuesLookReal},
	{"the member's organisation is its program's",
		"a member's organisationId must be its program's", memberInProgramOrganisation},
	{"the reward ladder has 2 to 5 levels ranked 1 to n with rising requirements",
		"a reward ladder has 2 to 5 levels ranked 1 to n with rising requirements",
		func(d *memberData, _ time.Time) []string {
			return append(ladderShape(d.ladder), risingRequirements(d.ladder)...)
		}},
}

func memberInProgramOrganisation(d *memberData, _ time.Time) []string {
	if diff := difference(d.member["organisationId"], d.program["organisationId"]); diff != "" {
		return []string{fmt.Sprintf("the member's organisationId is %v, the program's is %v", show(d.member["organisationId"]), show(d.program["organisationId"]))}
	}
	return nil
}
