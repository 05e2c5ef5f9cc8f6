package steps

// The reward ladder's rules: its shape, rising requirements and the level the member's
// points in the current period reach.

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

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
