package steps

// The traits the profile promises of its members ("a newcomer", "a member with more
// than 100 transactions"), checked on the member's data so that a profile naming the
// wrong member fails saying so instead of failing a rule.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

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
