package mockserver

import (
	"fmt"
	"net/url"
	"testing"
)

// memberSample returns the ids of a program's personas and of members
// spread over its whole id range: first, last and evenly in between.
func memberSample(m *mock, programID int64, n int64) []int64 {
	ps := m.data.Personas(programID)
	ids := []int64{ps.Newcomer, ps.Regular, ps.Frequent, ps.Suspended, ps.Lapsed}
	count := m.data.MemberCount(programID)
	for i := range n {
		off := i * (count - 1) / (n - 1)
		ids = append(ids, m.data.Members(programID, off, 1)[0].ID)
	}
	return ids
}

// memberResources lists every operation under one member, with the member's
// first point period when it has one.
func memberResources(t *testing.T, m *mock, programID, memberID int64) []string {
	t.Helper()
	base := fmt.Sprintf("/members/%d", memberID)
	out := []string{base, base + "/transactions", base + "/point-periods", base + "/reward-ladder",
		base + "/points-history", base + "/suspension-periods"}
	act, ok := m.data.Activity(programID, memberID)
	if !ok {
		t.Fatalf("member %d of program %d has no activity", memberID, programID)
	}
	if len(act.PointPeriods) > 0 {
		out = append(out, fmt.Sprintf("%s/point-periods/%d", base, act.PointPeriods[0].ID))
	}
	return out
}

// TestIsolationEveryOperation asks every program for every member-scoped
// resource of the personas and a sample of members of every other program:
// each is served under its own program and is 404 under every other one.
// TestProgramIsolation covers one pair of programs; this covers them all,
// members beyond the personas, point periods by id and the customerId filter.
func TestIsolationEveryOperation(t *testing.T) {
	m := newMock(t, 1)
	programs := m.data.Programs()
	if len(programs) < 3 {
		t.Fatalf("want at least 3 programs, have %d", len(programs))
	}
	for _, there := range programs {
		for _, memberID := range memberSample(m, there.ID, 10) {
			var owners []int64
			for _, p := range programs {
				if _, ok := m.data.Member(p.ID, memberID); ok {
					owners = append(owners, p.ID)
				}
			}
			if len(owners) != 1 || owners[0] != there.ID {
				t.Fatalf("member %d of program %d: the dataset finds it under programs %v", memberID, there.ID, owners)
			}
			resources := memberResources(t, m, there.ID, memberID)
			for _, res := range resources {
				if r := m.get(fmt.Sprintf("/v1/programs/%d%s", there.ID, res)); r.status != 200 {
					t.Fatalf("program %d%s: %d under its own program\n%s", there.ID, res, r.status, r.body)
				}
			}
			customerID := m.ok(fmt.Sprintf("/v1/programs/%d/members/%d", there.ID, memberID))["customerId"].(string)
			for _, here := range programs {
				if here.ID == there.ID {
					continue
				}
				for _, res := range resources {
					expectError(t, m.get(fmt.Sprintf("/v1/programs/%d%s", here.ID, res)), 404)
				}
				page := m.ok(fmt.Sprintf("/v1/programs/%d/members?customerId=%s", here.ID, url.QueryEscape(customerID)))
				for _, it := range items(t, page) {
					if id(it) == memberID {
						t.Fatalf("program %d lists member %d of program %d by its customerId", here.ID, memberID, there.ID)
					}
				}
			}
		}
	}
}

// TestIsolationPointPeriods: a point period is served only under the member
// it belongs to, also for another member of the same program.
func TestIsolationPointPeriods(t *testing.T) {
	m := newMock(t, 1)
	for _, p := range m.data.Programs() {
		ids := memberSample(m, p.ID, 6)
		for _, owner := range ids {
			act, _ := m.data.Activity(p.ID, owner)
			if len(act.PointPeriods) == 0 {
				continue
			}
			pp := act.PointPeriods[len(act.PointPeriods)-1].ID
			for _, other := range ids {
				if other == owner {
					continue
				}
				expectError(t, m.get(fmt.Sprintf("/v1/programs/%d/members/%d/point-periods/%d", p.ID, other, pp)), 404)
			}
		}
	}
}

// TestIsolationListsHoldOnlyTheirOwn walks every program's members and the
// lists of each persona: every id belongs to the program (members) or the
// member (everything else), and no id shows up in two places.
func TestIsolationListsHoldOnlyTheirOwn(t *testing.T) {
	m := newMock(t, 1)
	seen := map[string]string{} // "kind id" -> where it was seen
	claim := func(kind string, itemID int64, where string) {
		key := fmt.Sprintf("%s %d", kind, itemID)
		if prev, dup := seen[key]; dup {
			t.Fatalf("%s is in %s and in %s", key, prev, where)
		}
		seen[key] = where
	}
	for _, p := range m.data.Programs() {
		prog := m.ok(fmt.Sprintf("/v1/programs/%d", p.ID))
		for _, it := range walk(t, m, fmt.Sprintf("/v1/programs/%d/members", p.ID)) {
			claim("member", id(it), fmt.Sprintf("program %d", p.ID))
			if it["organisationId"] != prog["organisationId"] {
				t.Fatalf("member %d of program %d has organisationId %v, the program %v", id(it), p.ID, it["organisationId"], prog["organisationId"])
			}
		}
		ps := m.data.Personas(p.ID)
		for _, memberID := range []int64{ps.Newcomer, ps.Regular, ps.Frequent, ps.Suspended, ps.Lapsed} {
			base := fmt.Sprintf("/v1/programs/%d/members/%d", p.ID, memberID)
			periods := map[float64]bool{}
			for _, pp := range walk(t, m, base+"/point-periods") {
				claim("point period", id(pp), base)
				periods[pp["id"].(float64)] = true
			}
			for _, tx := range walk(t, m, base+"/transactions") {
				claim("transaction", id(tx), base)
				if tx["programId"] != float64(p.ID) {
					t.Fatalf("%s: transaction %d has programId %v", base, id(tx), tx["programId"])
				}
				if ppID, ok := tx["pointPeriodId"].(float64); ok && !periods[ppID] {
					t.Fatalf("%s: transaction %d refers to point period %v, not one of the member's", base, id(tx), ppID)
				}
			}
			for _, ev := range walk(t, m, base+"/points-history") {
				claim("point event", id(ev), base)
				if ppID, ok := ev["pointPeriodId"].(float64); ok && !periods[ppID] {
					t.Fatalf("%s: event %d refers to point period %v, not one of the member's", base, id(ev), ppID)
				}
			}
			for _, s := range walk(t, m, base+"/suspension-periods") {
				claim("suspension", id(s), base)
			}
			ladder := m.ok(base + "/reward-ladder")
			if ladder["programId"] != float64(p.ID) || ladder["memberId"] != float64(memberID) {
				t.Fatalf("%s: reward ladder of program %v member %v", base, ladder["programId"], ladder["memberId"])
			}
		}
	}
}
