package steps

// The steps of the domain rules: reading all of a member's data (or of members spread
// across the program) and judging it by the rules of rules_domain.go, and the steps on
// a single response (the ladder, the program, a member's organisation).

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
