package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// traitPhrases are how scenarios name the traits.
var traitPhrases = []struct {
	phrase string
	trait  Trait
}{
	{"a newcomer", Newcomer},
	{"a member with between 21 and 100 transactions", Regular},
	{"a member with more than 100 transactions", Frequent},
	{"a currently suspended member", Suspended},
	{"a member whose points have expired and been cancelled", Lapsed},
}

var traitPattern = func() string {
	alts := make([]string, len(traitPhrases))
	for i, t := range traitPhrases {
		alts[i] = regexp.QuoteMeta(t.phrase)
	}
	return "(" + strings.Join(alts, "|") + ")"
}()

func traitOf(phrase string) (Trait, error) {
	for _, t := range traitPhrases {
		if t.phrase == phrase {
			return t.trait, nil
		}
	}
	return "", fmt.Errorf("unknown member phrase %q", phrase)
}

// memberWithTrait looks up the program's member with a trait, or skips.
func (s *scenario) memberWithTrait(prog ProgramProfile, phrase string) (int64, error) {
	t, err := traitOf(phrase)
	if err != nil {
		return 0, err
	}
	id, ok := prog.member(t)
	if !ok {
		return 0, errSkipf("the profile names no %q member (%s) in program %d", t, phrase, prog.ID)
	}
	return id, nil
}

func aProgram(ctx context.Context) error {
	s := state(ctx)
	s.programID = s.program().ID
	return nil
}

func anotherProgram(ctx context.Context) error {
	s := state(ctx)
	other, err := s.otherProgram()
	if err != nil {
		return err
	}
	s.programID = other.ID
	return nil
}

func aProgramThatDoesNotExist(ctx context.Context) error {
	s := state(ctx)
	s.programID = s.suite.profile.unknownID()
	return nil
}

func theProgramAskedForDoesNotExist(ctx context.Context) error {
	return aProgramThatDoesNotExist(ctx)
}

func aMemberWithTrait(ctx context.Context, phrase string) error {
	s := state(ctx)
	prog := s.program()
	id, err := s.memberWithTrait(prog, phrase)
	if err != nil {
		return err
	}
	s.programID, s.memberID, s.memberHome, s.memberWhat = prog.ID, id, prog.ID, phrase
	return nil
}

func aMemberThatDoesNotExist(ctx context.Context) error {
	s := state(ctx)
	s.programID, s.memberID, s.memberHome, s.memberWhat = s.program().ID, s.suite.profile.unknownID(), 0, "a member that does not exist"
	return nil
}

// aMemberOfAnotherProgram asks under the program under test for a member of
// the other program.
func aMemberOfAnotherProgram(ctx context.Context) error {
	s := state(ctx)
	other, err := s.otherProgram()
	if err != nil {
		return err
	}
	id, t, ok := other.anyMember()
	if !ok {
		return errSkipf("the profile names no member of the other program %d (otherProgram.traits)", other.ID)
	}
	s.programID, s.memberID, s.memberHome = s.program().ID, id, other.ID
	s.memberWhat = fmt.Sprintf("the %s member of program %d", t, other.ID)
	return nil
}

// aMemberOfAnotherProgramInItsOwnProgram asks for the other program's member
// under its own program.
func aMemberOfAnotherProgramInItsOwnProgram(ctx context.Context) error {
	if err := aMemberOfAnotherProgram(ctx); err != nil {
		return err
	}
	s := state(ctx)
	s.programID = s.memberHome
	return nil
}

// theMemberListedInTheProgram picks the first or last member of the members
// list, so that rules are checked on members no profile singled out.
func theMemberListedInTheProgram(ctx context.Context, which string) error {
	s := state(ctx)
	prog := s.program()
	s.programID = prog.ID
	_, first, err := s.page(ctx, resMembers, nil, 0, 1)
	if err != nil {
		return err
	}
	if first.totalItems == 0 || len(first.items) == 0 {
		return fmt.Errorf("program %d lists no members, so there is no member listed %s", prog.ID, which)
	}
	item := first.items[0]
	if which == "last" && first.totalItems > 1 {
		_, last, err := s.page(ctx, resMembers, nil, int(first.totalItems-1), 1)
		if err != nil {
			return err
		}
		if len(last.items) != 1 {
			return fmt.Errorf("page %d of the members at 1 per page should hold the last of %d members, it holds %d items",
				first.totalItems-1, first.totalItems, len(last.items))
		}
		item = last.items[0]
	}
	s.memberID, s.memberHome = idOf(item), prog.ID
	s.memberWhat = fmt.Sprintf("the member listed %s (id %d)", which, s.memberID)
	return nil
}

// pointPeriodsOf returns the first page of a member's point periods under a program.
func (s *scenario) pointPeriodsOf(ctx context.Context, programID, memberID int64) ([]object, error) {
	path := fmt.Sprintf("/v1/programs/%d/members/%d/point-periods", programID, memberID)
	ex, err := s.request(ctx, path, url.Values{"perPage": {"20"}})
	if err != nil {
		return nil, err
	}
	if ex.status != http.StatusOK {
		return nil, errNotOK(ex)
	}
	pb, err := readPage(ex)
	if err != nil {
		return nil, err
	}
	return pb.items, nil
}

func oneOfTheMembersPointPeriods(ctx context.Context) error {
	s := state(ctx)
	if s.memberID == 0 {
		return errNoMember
	}
	periods, err := s.pointPeriodsOf(ctx, s.programID, s.memberID)
	if err != nil {
		return err
	}
	if len(periods) == 0 {
		return fmt.Errorf("%s (member %d) has no point periods, and the scenario needs one", s.memberWhat, s.memberID)
	}
	s.pointPeriodID = idOf(periods[len(periods)/2])
	return nil
}

func oneOfTheMembersPointPeriodsInItsOwnProgram(ctx context.Context) error {
	s := state(ctx)
	if s.memberID == 0 || s.memberHome == 0 {
		return errNoMember
	}
	periods, err := s.pointPeriodsOf(ctx, s.memberHome, s.memberID)
	if err != nil {
		return err
	}
	if len(periods) == 0 {
		return errSkipf("%s has no point periods in its own program, and the scenario needs one", s.memberWhat)
	}
	s.pointPeriodID = idOf(periods[0])
	return nil
}

// aPointPeriodOfAnotherMember takes a point period from another member of
// the same program that the profile names.
func aPointPeriodOfAnotherMember(ctx context.Context) error {
	s := state(ctx)
	prog := s.program()
	for _, t := range []Trait{Frequent, Regular, Lapsed, Suspended} {
		id, ok := prog.member(t)
		if !ok || id == s.memberID {
			continue
		}
		periods, err := s.pointPeriodsOf(ctx, prog.ID, id)
		if err != nil {
			return err
		}
		if len(periods) > 0 {
			s.pointPeriodID = idOf(periods[0])
			return nil
		}
	}
	return errSkipf("the profile names no other member of program %d with point periods", prog.ID)
}

func aPointPeriodOfAMemberOfAnotherProgram(ctx context.Context) error {
	s := state(ctx)
	other, err := s.otherProgram()
	if err != nil {
		return err
	}
	for _, t := range traitOrder {
		id, ok := other.member(t)
		if !ok {
			continue
		}
		periods, err := s.pointPeriodsOf(ctx, other.ID, id)
		if err != nil {
			return err
		}
		if len(periods) > 0 {
			s.pointPeriodID = idOf(periods[0])
			return nil
		}
	}
	return errSkipf("the profile names no member of the other program %d with point periods", other.ID)
}

func aPointPeriodThatDoesNotExist(ctx context.Context) error {
	s := state(ctx)
	s.pointPeriodID = s.suite.profile.unknownID()
	return nil
}

// Request settings.

func theClientDoesNotNameItself(ctx context.Context) error {
	state(ctx).noClientName = true
	return nil
}

func theClientSendsItsOwnCorrelationID(ctx context.Context) error {
	s := state(ctx)
	s.correlation, s.correlationID = correlationFixed, "qa-"+strings.TrimPrefix(newCorrelationID(), "conformance-")
	return nil
}

func theClientSendsNoCorrelationID(ctx context.Context) error {
	state(ctx).correlation = correlationNone
	return nil
}

func theClientSendsNoCredentials(ctx context.Context) error {
	state(ctx).credentials = credentialsNone
	return nil
}

func theClientSendsTheCredentials(ctx context.Context, value string) error {
	s := state(ctx)
	s.credentials, s.authorization = credentialsRaw, value
	return nil
}

func theClientSendsItsBearerToken(ctx context.Context) error {
	s := state(ctx)
	if s.suite.client.token == "" {
		return errSkipf("no bearer token is configured (--token or CONFORMANCE_TOKEN)")
	}
	s.credentials = credentialsConfigured
	return nil
}

func theNextRequestCarriesTheFaultInjection(ctx context.Context) error {
	s := state(ctx)
	f := s.suite.profile.Fault
	if f == nil {
		return errSkipf("the profile says of no way to inject a fault (fault: header, value)")
	}
	s.extraHeader = http.Header{}
	s.extraHeader.Set(f.Header, f.Value)
	return nil
}
