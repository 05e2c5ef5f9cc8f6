package steps

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
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

func theClientReadsAllOfTheMembersData(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	d := &memberData{}
	single := func(r *resource) (object, error) {
		ex, err := s.fetch(ctx, r, nil, nil)
		if err != nil {
			return nil, err
		}
		if ex.status != http.StatusOK {
			return nil, errNotOK(ex)
		}
		return ex.object()
	}
	var err error
	if d.program, err = single(resProgram); err != nil {
		return err
	}
	if d.member, err = single(resMember); err != nil {
		return err
	}
	if d.ladder, err = single(resRewardLadder); err != nil {
		return err
	}
	for _, l := range []struct {
		r   *resource
		dst *[]object
	}{
		{resTransactions, &d.transactions},
		{resPointPeriods, &d.periods},
		{resPointsHistory, &d.events},
		{resSuspensions, &d.suspensions},
	} {
		if *l.dst, err = s.fullList(ctx, l.r, nil); err != nil {
			return err
		}
	}
	s.data = d
	return nil
}

func (s *scenario) memberData() (*memberData, error) {
	if s.data == nil {
		return nil, fmt.Errorf("the scenario has not read the member's data")
	}
	return s.data, nil
}

// check runs a rule on the member's data and fails with its problems.
func (s *scenario) check(rule string, problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s (%s, member %d of program %d):\n%s", rule, s.memberWhat, s.memberID, s.programID, firstFew(problems))
}

func domainStep(rule string, f func(d *memberData, now time.Time) []string) func(context.Context) error {
	return func(ctx context.Context) error {
		s := state(ctx)
		d, err := s.memberData()
		if err != nil {
			return err
		}
		return s.check(rule, f(d, s.now()))
	}
}

// Point periods.

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

// Points history.

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

// Suspensions.

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

// Reward ladder.

type level struct {
	id    int64
	rank  int64
	reqs  map[string]float64
	total float64
}

func levelsOf(ladder object) []level {
	raw, _ := ladder["levels"].([]any)
	out := make([]level, 0, len(raw))
	for _, r := range raw {
		lo, _ := r.(map[string]any)
		l := level{reqs: map[string]float64{}}
		l.id, _ = intOf(lo, "levelId")
		l.rank, _ = intOf(lo, "rank")
		reqs, _ := lo["requirements"].([]any)
		for _, rq := range reqs {
			ro, _ := rq.(map[string]any)
			amount, _ := numOf(ro, "amount")
			l.reqs[refOf(ro)] += amount
			l.total += amount
		}
		out = append(out, l)
	}
	return out
}

func ladderShape(ladder object) []string {
	var out []string
	ls := levelsOf(ladder)
	if n := len(ls); n < 2 || n > 5 {
		out = append(out, fmt.Sprintf("the ladder has %d levels; a program's ladder has 2 to 5", n))
	}
	ids := map[int64]bool{}
	for i, l := range ls {
		if l.rank != int64(i+1) {
			out = append(out, fmt.Sprintf("level %d of the list (levelId %d) has rank %d; levels are listed by rank ascending, ranked 1 to n", i+1, l.id, l.rank))
		}
		if ids[l.id] {
			out = append(out, fmt.Sprintf("levelId %d appears more than once", l.id))
		}
		ids[l.id] = true
	}
	if cur, ok := intOf(ladder, "currentLevelId"); ok && !ids[cur] {
		out = append(out, fmt.Sprintf("currentLevelId %d is none of the ladder's levels", cur))
	}
	return out
}

func risingRequirements(ladder object) []string {
	var out []string
	ls := levelsOf(ladder)
	slices.SortFunc(ls, func(a, b level) int { return cmp.Compare(a.rank, b.rank) })
	for i := 1; i < len(ls); i++ {
		lo, hi := ls[i-1], ls[i]
		if hi.total <= lo.total {
			out = append(out, fmt.Sprintf("level rank %d requires %v points in all, not more than rank %d's %v", hi.rank, hi.total, lo.rank, lo.total))
		}
		for ref, need := range lo.reqs {
			if hi.reqs[ref] < need {
				out = append(out, fmt.Sprintf("level rank %d requires %v of %q, less than rank %d's %v", hi.rank, hi.reqs[ref], ref, lo.rank, need))
			}
		}
	}
	return out
}

// currentPeriod is the member's point period with startAt <= now < endAt.
func currentPeriod(periods []object, now time.Time) (object, bool) {
	for _, p := range periods {
		start, _ := timeOf(p, "startAt")
		end, _ := timeOf(p, "endAt")
		if !now.Before(start) && now.Before(end) {
			return p, true
		}
	}
	return nil, false
}

// pointsInPeriod sums the amounts of the transactions of a point period per
// point definition; withCancelled says whether cancelled ones count.
func pointsInPeriod(txs []object, periodID int64, withCancelled bool) map[string]float64 {
	pts := map[string]float64{}
	for _, tx := range txs {
		if pid, ok := intOf(tx, "pointPeriodId"); !ok || pid != periodID {
			continue
		}
		if _, cancelled := timeOf(tx, "cancelledAt"); cancelled && !withCancelled {
			continue
		}
		amount, _ := numOf(tx, "amount")
		pts[refOf(tx)] += amount
	}
	return pts
}

// levelMet is the highest-ranked level whose requirements the points meet.
func levelMet(ls []level, pts map[string]float64) (level, bool) {
	var best level
	found := false
	for _, l := range ls {
		met := true
		for ref, need := range l.reqs {
			met = met && pts[ref] >= need-1e-9
		}
		if met && (!found || l.rank > best.rank) {
			best, found = l, true
		}
	}
	return best, found
}

// currentLevelMatchesPoints checks currentLevelId against the points the
// member's transactions give in the current period. The contract does not
// say whether a cancelled transaction still counts, so both readings are
// accepted.
func currentLevelMatchesPoints(d *memberData, now time.Time) []string {
	ls := levelsOf(d.ladder)
	got, hasLevel := intOf(d.ladder, "currentLevelId")
	var pts, ptsNet map[string]float64
	where := "no point period contains now (" + instant(now) + "), so the member has no points in the current period"
	if p, ok := currentPeriod(d.periods, now); ok {
		pts = pointsInPeriod(d.transactions, idOf(p), true)
		ptsNet = pointsInPeriod(d.transactions, idOf(p), false)
		start, _ := timeOf(p, "startAt")
		end, _ := timeOf(p, "endAt")
		where = fmt.Sprintf("in the current point period %d [%s, %s) the member's transactions give %s", idOf(p), instant(start), instant(end), showPoints(pts))
	}
	for _, reading := range []map[string]float64{pts, ptsNet} {
		want, ok := levelMet(ls, reading)
		if ok == hasLevel && (!ok || want.id == got) {
			return nil
		}
	}
	want, ok := levelMet(ls, pts)
	wantText := "no level (currentLevelId null)"
	if ok {
		wantText = fmt.Sprintf("level %d (rank %d)", want.id, want.rank)
	}
	gotText := "null"
	if hasLevel {
		gotText = fmt.Sprint(got)
	}
	return []string{fmt.Sprintf("currentLevelId is %s, but %s, which reach %s", gotText, where, wantText)}
}

func showPoints(pts map[string]float64) string {
	if len(pts) == 0 {
		return "no points"
	}
	keys := make([]string, 0, len(pts))
	for k := range pts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%v %s", pts[k], k)
	}
	return strings.Join(parts, ", ")
}

// Time.

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

// Steps on a single response.

func (s *scenario) lastObject() (*exchange, object, error) {
	ex, err := s.lastResponse()
	if err != nil {
		return nil, nil, err
	}
	if ex.status != http.StatusOK {
		return ex, nil, errNotOK(ex)
	}
	o, err := ex.object()
	return ex, o, err
}

func theRewardLadderHasTwoToFiveLevels(ctx context.Context) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	return s.check("the reward ladder of "+ex.target(), ladderShape(o))
}

func eachLevelRequiresMore(ctx context.Context) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	return s.check("the reward ladder of "+ex.target()+" must have rising requirements", risingRequirements(o))
}

func theRewardLadderBelongsToTheMember(ctx context.Context) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	pid, _ := intOf(o, "programId")
	mid, _ := intOf(o, "memberId")
	if pid != s.programID || mid != s.memberID {
		return fmt.Errorf("%s answered a ladder for programId %v and memberId %v, want %d and %d", ex.target(), show(o["programId"]), show(o["memberId"]), s.programID, s.memberID)
	}
	return nil
}

func theLevelsAreTheSameAsThoseOf(ctx context.Context, phrase string) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	other, err := s.memberWithTrait(s.program(), phrase)
	if err != nil {
		return err
	}
	oex, err := s.request(ctx, fmt.Sprintf("/v1/programs/%d/members/%d/reward-ladder", s.programID, other), nil)
	if err != nil {
		return err
	}
	if oex.status != http.StatusOK {
		return errNotOK(oex)
	}
	oo, err := oex.object()
	if err != nil {
		return err
	}
	if d := difference(o["levels"], oo["levels"]); d != "" {
		return fmt.Errorf("the ladders of members of one program must have the same levels, but %s and %s differ: levels%s", ex.target(), oex.target(), d)
	}
	return nil
}

func (s *scenario) readProgram(ctx context.Context) (object, error) {
	ex, err := s.request(ctx, fmt.Sprintf("/v1/programs/%d", s.programID), nil)
	if err != nil {
		return nil, err
	}
	if ex.status != http.StatusOK {
		return nil, errNotOK(ex)
	}
	return ex.object()
}

func theMemberBelongsToTheProgramsOrganisation(ctx context.Context) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	prog, err := s.readProgram(ctx)
	if err != nil {
		return err
	}
	if d := difference(o["organisationId"], prog["organisationId"]); d != "" {
		return fmt.Errorf("%s has organisationId %v, but program %d's organisationId is %v; a member's organisationId is its program's",
			ex.target(), show(o["organisationId"]), s.programID, show(prog["organisationId"]))
	}
	return nil
}

func everyItemBelongsToTheProgramsOrganisation(ctx context.Context) error {
	s := state(ctx)
	w, err := s.currentWalk()
	if err != nil {
		return err
	}
	prog, err := s.readProgram(ctx)
	if err != nil {
		return err
	}
	org, _ := intOf(prog, "organisationId")
	for _, it := range w.items {
		if got, _ := intOf(it, "organisationId"); got != org {
			return fmt.Errorf("member %d has organisationId %v, but program %d's organisationId is %d; a member's organisationId is its program's",
				idOf(it), show(it["organisationId"]), s.programID, org)
		}
	}
	return nil
}

func everyItemBelongsToTheProgram(ctx context.Context) error {
	s := state(ctx)
	w, err := s.currentWalk()
	if err != nil {
		return err
	}
	for _, it := range w.items {
		if got, _ := intOf(it, "programId"); got != s.programID {
			return fmt.Errorf("transaction %d of member %d has programId %v, but the member belongs to program %d", idOf(it), s.memberID, show(it["programId"]), s.programID)
		}
	}
	return nil
}

// everyMemberLooksTheSameOnItsOwn reads each member of the latest page.
func everyMemberLooksTheSameOnItsOwn(ctx context.Context) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	if len(pb.items) == 0 {
		return fmt.Errorf("%s returned no members to compare", ex.target())
	}
	for _, it := range pb.items {
		if err := s.sameOnItsOwn(ctx, it, fmt.Sprintf("/v1/programs/%d/members/%d", s.programID, idOf(it)), "member", ex.target()); err != nil {
			return err
		}
	}
	return nil
}

func everyPointPeriodLooksTheSameOnItsOwn(ctx context.Context) error {
	s := state(ctx)
	w, err := s.currentWalk()
	if err != nil {
		return err
	}
	if len(w.items) == 0 {
		return fmt.Errorf("%s (member %d) has no point periods to compare", s.memberWhat, s.memberID)
	}
	for _, it := range w.items {
		path := fmt.Sprintf("/v1/programs/%d/members/%d/point-periods/%d", s.programID, s.memberID, idOf(it))
		if err := s.sameOnItsOwn(ctx, it, path, "point period", w.res.phrase); err != nil {
			return err
		}
	}
	return nil
}

func (s *scenario) sameOnItsOwn(ctx context.Context, item object, path, kind, list string) error {
	ex, err := s.request(ctx, path, nil)
	if err != nil {
		return err
	}
	if ex.status != http.StatusOK {
		return fmt.Errorf("%s %d is listed in %s, but reading it on its own: %w", kind, idOf(item), list, errNotOK(ex))
	}
	o, err := ex.object()
	if err != nil {
		return err
	}
	if d := difference(item, o); d != "" {
		return fmt.Errorf("%s %d looks different in %s than in %s: %s", kind, idOf(item), list, ex.target(), d)
	}
	return nil
}

func theProgramWasCreatedBeforeUpdated(ctx context.Context) error {
	s := state(ctx)
	ex, o, err := s.lastObject()
	if err != nil {
		return err
	}
	var problems []string
	if p := createdNoLaterThanUpdated("the program", o); p != "" {
		problems = append(problems, p)
	}
	now := s.now()
	for _, k := range []string{"createdAt", "updatedAt"} {
		if t, ok := timeOf(o, k); ok && t.After(now) {
			problems = append(problems, fmt.Sprintf("the program's %s is %s, after now (%s)", k, instant(t), instant(now)))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s", ex.target(), strings.Join(problems, "; "))
	}
	return nil
}

// Traits the profile promises.

func traitStep(rule string, f func(d *memberData) string) func(context.Context) error {
	return func(ctx context.Context) error {
		s := state(ctx)
		d, err := s.memberData()
		if err != nil {
			return err
		}
		if msg := f(d); msg != "" {
			return fmt.Errorf("%s (member %d of program %d) %s: %s; the profile's member does not have the trait the scenarios rely on",
				s.memberWhat, s.memberID, s.programID, rule, msg)
		}
		return nil
	}
}

func hasNoActivity(d *memberData) string {
	if n := len(d.transactions) + len(d.periods) + len(d.events) + len(d.suspensions); n > 0 {
		return fmt.Sprintf("it has %d transactions, %d point periods, %d points history events and %d suspensions",
			len(d.transactions), len(d.periods), len(d.events), len(d.suspensions))
	}
	return ""
}

func hasReachedNoLevel(d *memberData) string {
	if id, ok := intOf(d.ladder, "currentLevelId"); ok {
		return fmt.Sprintf("its currentLevelId is %d", id)
	}
	return ""
}

func hasReachedALevel(d *memberData) string {
	if _, ok := intOf(d.ladder, "currentLevelId"); !ok {
		return "its currentLevelId is null"
	}
	return ""
}

func hasReachedTheTopLevel(d *memberData) string {
	ls := levelsOf(d.ladder)
	if len(ls) == 0 {
		return "its ladder has no levels"
	}
	top := slices.MaxFunc(ls, func(a, b level) int { return cmp.Compare(a.rank, b.rank) })
	if id, ok := intOf(d.ladder, "currentLevelId"); !ok || id != top.id {
		return fmt.Sprintf("its currentLevelId is %v, the top level is %d", show(d.ladder["currentLevelId"]), top.id)
	}
	return ""
}

func hasTransactionsBetween(lo, hi int) func(*memberData) string {
	return func(d *memberData) string {
		if n := len(d.transactions); n < lo || n > hi {
			return fmt.Sprintf("it has %d transactions", n)
		}
		return ""
	}
}

func hasOpenAndPastSuspensions(past int) func(*memberData) string {
	return func(d *memberData) string {
		open, closed := 0, 0
		for _, sp := range d.suspensions {
			if v, ok := sp["endAt"]; !ok || v == nil {
				open++
			} else {
				closed++
			}
		}
		if open != 1 || closed < past {
			return fmt.Sprintf("it has %d open and %d past suspensions", open, closed)
		}
		return ""
	}
}

func hasPointPeriods(n int) func(*memberData) string {
	return func(d *memberData) string {
		if len(d.periods) < n {
			return fmt.Sprintf("it has %d point periods", len(d.periods))
		}
		return ""
	}
}

func historyHolds(typ string) func(*memberData) string {
	return func(d *memberData) string {
		for _, ev := range d.events {
			if eventType(ev) == typ {
				return ""
			}
		}
		return fmt.Sprintf("its points history has no %s event", typ)
	}
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

// netexStopPlace is a NeTEx id of a stop place in the national registry.
var netexStopPlace = regexp.MustCompile(`^NSR:StopPlace:[1-9][0-9]*$`)

// userTypeCode is how user types are written: ADULT, CHILD, SENIOR, ….
var userTypeCode = regexp.MustCompile(`^[A-Z][A-Z_]*$`)

// valuesLookReal checks what the contract says real values look like: stop
// places in metadata are NeTEx ids, user types are codes such as ADULT, and
// a discount is a percentage a traveller would recognise.
func valuesLookReal(d *memberData, _ time.Time) []string {
	var out []string
	var walk func(what, path string, v any)
	walk = func(what, path string, v any) {
		o, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, e := range o {
			p := path + "." + k
			s, isString := e.(string)
			switch {
			case k == "userType" && isString && !userTypeCode.MatchString(s):
				out = append(out, fmt.Sprintf("%s has %s %q; user types are codes such as ADULT, CHILD, SENIOR, STUDENT", what, p, s))
			case strings.HasSuffix(strings.ToLower(k), "stopplace") && isString && !netexStopPlace.MatchString(s):
				out = append(out, fmt.Sprintf("%s has %s %q; stop places are NeTEx ids such as NSR:StopPlace:337", what, p, s))
			case k == "stationPair":
				pair, _ := e.(map[string]any)
				for _, end := range []string{"from", "to"} {
					if s, _ := pair[end].(string); !netexStopPlace.MatchString(s) {
						out = append(out, fmt.Sprintf("%s has %s.%s %s; stop places are NeTEx ids such as NSR:StopPlace:337", what, p, end, show(pair[end])))
					}
				}
			default:
				walk(what, p, e)
			}
		}
	}
	walk("the member", "metadata", d.member["metadata"])
	for _, l := range []struct {
		kind  string
		items []object
	}{{"transaction", d.transactions}, {"point period", d.periods}, {"suspension", d.suspensions}} {
		for _, it := range l.items {
			walk(fmt.Sprintf("%s %d", l.kind, idOf(it)), "metadata", it["metadata"])
		}
	}
	levels, _ := d.ladder["levels"].([]any)
	for _, lv := range levels {
		lo, _ := lv.(map[string]any)
		rewards, _ := lo["rewards"].([]any)
		for _, rw := range rewards {
			ro, _ := rw.(map[string]any)
			if ro["type"] != "DISCOUNT" {
				continue
			}
			if v, ok := numOf(ro, "value"); ok && (v <= 0 || v > 100) {
				out = append(out, fmt.Sprintf("reward %s (%s) is a discount of %v; a discount is a percentage above 0 and at most 100", show(ro["rewardId"]), show(ro["name"]), v))
			}
		}
	}
	sort.Strings(out)
	return out
}

// theyShareNoIDs checks that ids are unique across the whole API: no two of
// the members read share a transaction, point period, suspension or points
// history event id.
func theyShareNoIDs(ctx context.Context) error {
	s := state(ctx)
	if len(s.sampleData) == 0 {
		return fmt.Errorf("the scenario has not read the data of its members")
	}
	owner := map[string]map[int64]int64{}
	var problems []string
	for i, d := range s.sampleData {
		for _, l := range []struct {
			kind  string
			items []object
		}{{"transaction", d.transactions}, {"point period", d.periods}, {"suspension", d.suspensions}, {"points history event", d.events}} {
			if owner[l.kind] == nil {
				owner[l.kind] = map[int64]int64{}
			}
			for _, it := range l.items {
				id := idOf(it)
				if m, ok := owner[l.kind][id]; ok && m != s.sample[i] {
					problems = append(problems, fmt.Sprintf("members %d and %d both have a %s with id %d", m, s.sample[i], l.kind, id))
					continue
				}
				owner[l.kind][id] = s.sample[i]
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("every id is unique across the whole API, as database-generated ids are, but:\n%s", firstFew(problems))
	}
	return nil
}

func memberInProgramOrganisation(d *memberData, _ time.Time) []string {
	if diff := difference(d.member["organisationId"], d.program["organisationId"]); diff != "" {
		return []string{fmt.Sprintf("the member's organisationId is %v, the program's is %v", show(d.member["organisationId"]), show(d.program["organisationId"]))}
	}
	return nil
}

// membersSpreadAcrossTheProgram picks n members at evenly spaced positions
// of the members list, so that rules are checked beyond the profile's
// members without walking the whole list.
func membersSpreadAcrossTheProgram(ctx context.Context, n int) error {
	s := state(ctx)
	prog := s.program()
	s.programID = prog.ID
	_, first, err := s.page(ctx, resMembers, nil, 0, 1)
	if err != nil {
		return err
	}
	total := first.totalItems
	if total == 0 {
		return fmt.Errorf("program %d lists no members", prog.ID)
	}
	seen := map[int64]bool{}
	for i := range int64(n) {
		pos := i * total / int64(n)
		if i == int64(n)-1 {
			pos = total - 1
		}
		_, pb, err := s.page(ctx, resMembers, nil, int(pos), 1)
		if err != nil {
			return err
		}
		if len(pb.items) != 1 {
			return fmt.Errorf("page %d of the members at 1 per page holds %d items, want 1 (totalItems %d)", pos, len(pb.items), total)
		}
		if id := idOf(pb.items[0]); !seen[id] {
			seen[id] = true
			s.sample = append(s.sample, id)
		}
	}
	return nil
}

func theClientReadsAllOfTheirData(ctx context.Context) error {
	s := state(ctx)
	if len(s.sample) == 0 {
		return fmt.Errorf("the scenario has not chosen members")
	}
	s.sampleData = nil
	for _, id := range s.sample {
		d, err := s.readMemberShared(ctx, id)
		if err != nil {
			return err
		}
		s.sampleData = append(s.sampleData, d)
	}
	return nil
}

// sharedRead is all of one member's data, read once per run for every
// scenario about members spread across the program: those scenarios each
// check one rule on the same members, and reading their data once instead of
// once per rule keeps the run fast. The scenarios that ask for the same
// answer twice check that reading again would give the same data.
type sharedRead struct {
	done chan struct{}
	data *memberData
	err  error
}

func (s *scenario) readMemberShared(ctx context.Context, id int64) (*memberData, error) {
	key := fmt.Sprintf("%d/%d", s.programID, id)
	e := &sharedRead{done: make(chan struct{})}
	if old, loaded := s.suite.sharedReads.LoadOrStore(key, e); loaded {
		e = old.(*sharedRead)
		select {
		case <-e.done:
			return e.data, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer close(e.done)
	s.memberID, s.memberHome = id, s.programID
	s.memberWhat = fmt.Sprintf("member %d", id)
	e.err = theClientReadsAllOfTheMembersData(ctx)
	e.data = s.data
	return e.data, e.err
}

func forEachOfThem(ctx context.Context, phrase string) error {
	s := state(ctx)
	for _, r := range memberRules {
		if r.phrase != phrase {
			continue
		}
		if len(s.sampleData) == 0 {
			return fmt.Errorf("the scenario has not read the data of its members")
		}
		var problems []string
		for i, d := range s.sampleData {
			for _, p := range r.check(d, s.now()) {
				problems = append(problems, fmt.Sprintf("member %d: %s", s.sample[i], p))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s (members %s of program %d):\n%s", r.rule, listIDs(s.sample), s.programID, firstFew(problems))
		}
		return nil
	}
	return fmt.Errorf("no rule reads %q", phrase)
}
