package reference

import (
	"cmp"
	"slices"
	"time"
)

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func optID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func programJSON(p *program) map[string]any {
	o := map[string]any{
		"id": p.id, "organisationId": p.org, "preset": p.preset, "name": p.name, "reference": p.ref,
		"organisationsWithAccess": p.access, "administratorOrganisations": p.admins, "active": true,
		"createdAt": ts(p.created), "updatedAt": ts(p.updated), "programVersionId": p.version,
	}
	if p.info != "" {
		o["infoLink"] = p.info
	}
	return o
}

func memberJSON(p *program, m *member) map[string]any {
	return map[string]any{
		"id": m.id, "createdAt": ts(m.created), "customerId": m.customer, "organisationId": p.org,
		"metadata": map[string]any{"userType": m.userType}, "updatedAt": optTime(m.updated),
	}
}

func transactionJSON(p *program, tx transaction) map[string]any {
	return map[string]any{
		"id": tx.id, "amount": tx.amount, "createdAt": ts(tx.created), "programId": p.id, "validFrom": ts(tx.valid),
		"pointDefinitionId": tx.def.id, "pointDefinitionReference": tx.def.ref, "pointPeriodId": optID(tx.periodID),
		"expireAt": optTime(tx.expire), "cancelledAt": optTime(tx.cancel),
		"metadata": map[string]any{"orderId": tx.order, "orderLineId": tx.orderLine, "fromStopPlace": tx.from, "toStopPlace": tx.to},
	}
}

func periodJSON(pp period) map[string]any {
	return map[string]any{
		"id": pp.id, "startAt": ts(pp.start), "endAt": ts(pp.end),
		"metadata": map[string]any{"userType": pp.userType, "stationPair": map[string]any{"from": pp.from, "to": pp.to}},
	}
}

func eventJSON(ev pointEvent) map[string]any {
	return map[string]any{
		"id": ev.id, "pointEventType": ev.typ, "amount": ev.amount, "pointDefinitionReference": ev.ref,
		"createdAt": ts(ev.created), "transactionId": ev.txID, "pointPeriodId": optID(ev.periodID),
	}
}

func suspensionJSON(s suspension) map[string]any {
	return map[string]any{
		"id": s.id, "startAt": ts(s.start), "endAt": optTime(s.end), "referenceId": s.referenceID,
		"metadata": map[string]any{"reason": s.reason},
	}
}

func ladderJSON(p *program, m *member) map[string]any {
	levels := make([]map[string]any, len(p.levels))
	for i, l := range p.levels {
		rewards := make([]map[string]any, len(l.rewards))
		for j, r := range l.rewards {
			rewards[j] = map[string]any{"rewardId": r.id, "reference": r.ref, "name": r.name, "type": r.typ}
			if r.hasValue {
				rewards[j]["value"] = r.value
			}
		}
		levels[i] = map[string]any{
			"levelId": l.id, "name": l.name, "rank": l.rank, "rewards": rewards,
			"requirements": []map[string]any{{"pointDefinitionReference": p.defs[0].ref, "amount": l.need}},
		}
	}
	var cur any
	if l, ok := p.currentLevel(m); ok {
		cur = l.id
	}
	return map[string]any{"programId": p.id, "memberId": m.id, "currentLevelId": cur, "levels": levels}
}

// ordered renders the items keep accepts, by a timestamp descending and then
// by id descending: the order of every list but the members.
func ordered[T any](xs []T, at func(T) time.Time, id func(T) int64, keep func(T) bool, render func(T) map[string]any) []map[string]any {
	xs = slices.Clone(xs)
	slices.SortFunc(xs, func(a, b T) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return cmp.Compare(id(b), id(a))
	})
	out := []map[string]any{}
	for _, x := range xs {
		if keep(x) {
			out = append(out, render(x))
		}
	}
	return out
}

func all[T any](T) bool { return true }

func membersOf(p *program, f filter) []map[string]any {
	out := []map[string]any{}
	for _, m := range p.members { // already by id ascending
		if f.customerID == nil || *f.customerID == m.customer {
			out = append(out, memberJSON(p, m))
		}
	}
	return out
}

func transactionsOf(p *program, m *member, f filter) []map[string]any {
	return ordered(m.txs, func(t transaction) time.Time { return t.valid }, func(t transaction) int64 { return t.id },
		func(tx transaction) bool {
			return (f.orderID == nil || *f.orderID == tx.order) && (f.ref == nil || *f.ref == tx.def.ref)
		},
		func(tx transaction) map[string]any { return transactionJSON(p, tx) })
}

func periodsOf(m *member) []map[string]any {
	return ordered(m.periods, func(p period) time.Time { return p.start }, func(p period) int64 { return p.id }, all, periodJSON)
}

func eventsOf(m *member, f filter) []map[string]any {
	return ordered(m.events, func(e pointEvent) time.Time { return e.created }, func(e pointEvent) int64 { return e.id },
		func(ev pointEvent) bool {
			return (f.ref == nil || *f.ref == ev.ref) && (f.eventType == nil || *f.eventType == ev.typ) &&
				(f.after == nil || !ev.created.Before(*f.after)) && (f.before == nil || ev.created.Before(*f.before))
		}, eventJSON)
}

func suspensionsOf(m *member) []map[string]any {
	return ordered(m.susps, func(s suspension) time.Time { return s.start }, func(s suspension) int64 { return s.id }, all, suspensionJSON)
}
