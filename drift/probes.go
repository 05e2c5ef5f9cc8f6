package drift

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// list is a list operation: where it is under a member (or the program, for
// getMembers) and the order the contract gives it.
type list struct {
	op, suffix string
	key        string // sort key
	desc       bool   // sort key descending, and ties by id descending too (members: both ascending)
	member     bool   // under a member
}

var lists = []list{
	{op: "getMembers", suffix: "/members", key: "id"},
	{op: "getMemberTransactions", suffix: "/transactions", key: "validFrom", desc: true, member: true},
	{op: "getMemberPointPeriods", suffix: "/point-periods", key: "startAt", desc: true, member: true},
	{op: "getMemberPointsHistory", suffix: "/points-history", key: "createdAt", desc: true, member: true},
	{op: "getMemberSuspensionPeriods", suffix: "/suspension-periods", key: "startAt", desc: true, member: true},
}

// The largest page size the contract allows, and its default.
const (
	maxPerPage     = 100
	defaultPerPage = 20
)

func (s *side) programPath() string { return fmt.Sprintf("/v1/programs/%d", s.profile.Program.ID) }

func (s *side) memberPath(t steps.Trait) (string, bool) {
	id, ok := s.profile.Program.Traits[t]
	return fmt.Sprintf("%s/members/%d", s.programPath(), id), ok
}

func (s *side) unknownID() int64 {
	if s.profile.UnknownID > 0 {
		return s.profile.UnknownID
	}
	return steps.DefaultUnknownID
}

// subject is the path of the list op on the side's member (or program) with
// the most items, so that paging has pages to show.
func (s *side) subject(l list) (string, bool) {
	p, ok := s.richest[l.op]
	return p, ok
}

func withQuery(path string, kv ...string) string {
	// In the order the probe gives, which url.Values.Encode would sort.
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	if len(parts) == 0 {
		return path
	}
	return path + "?" + strings.Join(parts, "&")
}

// firstPageProbes ask page=0 and page=1 of every list; the answers of
// getMembers tell each side's first page.
func firstPageProbes() []probe {
	var out []probe
	for _, l := range lists {
		for _, page := range []int64{0, 1} {
			l, page := l, page
			p := probe{
				op: l.op, kind: fmt.Sprintf("page=%d", page), category: "paging",
				req: func(s *side) (request, bool) {
					base := s.programPath()
					if l.member {
						mp, ok := s.anyMember()
						if !ok {
							return request{}, false
						}
						base = mp
					}
					return request{path: withQuery(base+l.suffix, "page", fmt.Sprint(page))}, true
				},
				judge: func(s *side, e *exchange) behaviour {
					if l.op == "getMembers" {
						s.firstPageAnswers[page] = e.status
					}
					return statusJudge(s, e)
				},
			}
			if page == 0 {
				p.setting = "firstPage"
			}
			out = append(out, p)
		}
	}
	return out
}

// anyMember is a member with activity, as the suite picks "a member".
func (s *side) anyMember() (string, bool) {
	for _, t := range steps.Traits() {
		if p, ok := s.memberPath(t); ok {
			return p, true
		}
	}
	return "", false
}

// probes are every kind of request after the walks, which taught each side's
// subjects and values.
func (c *comparison) probes() []probe {
	var out []probe
	fixed := func(op, kind, category string, path func(s *side) (string, bool), omit ...string) probe {
		return probe{op: op, kind: kind, category: category, req: func(s *side) (request, bool) {
			p, ok := path(s)
			return request{path: p, omit: omit}, ok
		}}
	}
	program := func(s *side) (string, bool) { return s.programPath(), true }
	unknownProgram := func(suffix string) func(s *side) (string, bool) {
		return func(s *side) (string, bool) { return fmt.Sprintf("/v1/programs/%d%s", s.unknownID(), suffix), true }
	}
	member := func(t steps.Trait, suffix string) func(s *side) (string, bool) {
		return func(s *side) (string, bool) {
			p, ok := s.memberPath(t)
			return p + suffix, ok
		}
	}
	anyMember := func(suffix string) func(s *side) (string, bool) {
		return func(s *side) (string, bool) {
			p, ok := s.anyMember()
			return p + suffix, ok
		}
	}
	unknownMember := func(suffix string) func(s *side) (string, bool) {
		return func(s *side) (string, bool) {
			return fmt.Sprintf("%s/members/%d%s", s.programPath(), s.unknownID(), suffix), true
		}
	}
	otherMember := func(suffix string) func(s *side) (string, bool) {
		return func(s *side) (string, bool) {
			o := s.profile.OtherProgram
			if o == nil {
				return "", false
			}
			for _, t := range steps.Traits() {
				if id, ok := o.Traits[t]; ok {
					return fmt.Sprintf("%s/members/%d%s", s.programPath(), id, suffix), true
				}
			}
			return "", false
		}
	}
	withoutClientName := func(op string, path func(s *side) (string, bool)) probe {
		p := fixed(op, "without "+clientNameHeader, "status", path, clientNameHeader)
		p.setting = "clientName"
		return p
	}

	// getProgram
	out = append(out,
		fixed("getProgram", "the program", "status", program),
		fixed("getProgram", "without "+correlationHeader, "status", program, correlationHeader),
		fixed("getProgram", "an unknown program", "status", unknownProgram("")),
		fixed("getProgram", "programId=abc", "error", func(*side) (string, bool) { return "/v1/programs/abc", true }),
		fixed("getProgram", "programId=0", "error", func(*side) (string, bool) { return "/v1/programs/0", true }),
		withoutClientName("getProgram", program),
		probe{op: "getProgram", kind: "a browser app's GET (with Origin)", category: "header", judge: corsJudge,
			req: func(s *side) (request, bool) { return request{path: s.programPath(), origin: browserOrigin}, true }},
	)
	// getMember and getMemberRewardLadder for every persona
	for _, op := range []struct{ id, suffix string }{{"getMember", ""}, {"getMemberRewardLadder", "/reward-ladder"}} {
		for _, t := range c.traits {
			out = append(out, fixed(op.id, "the "+string(t)+" member", "status", member(t, op.suffix)))
		}
		out = append(out,
			fixed(op.id, "an unknown member", "status", unknownMember(op.suffix)),
			fixed(op.id, "a member of another program", "status", otherMember(op.suffix)),
			fixed(op.id, "an unknown program", "status", unknownProgram("/members/1"+op.suffix)),
			fixed(op.id, "memberId=abc", "error", func(s *side) (string, bool) { return s.programPath() + "/members/abc" + op.suffix, true }),
			fixed(op.id, "memberId=0", "error", func(s *side) (string, bool) { return s.programPath() + "/members/0" + op.suffix, true }),
			fixed(op.id, "without "+correlationHeader, "status", anyMember(op.suffix), correlationHeader),
			withoutClientName(op.id, anyMember(op.suffix)),
		)
	}
	// getMemberPointPeriod
	periodOf := func(s *side) (string, bool) {
		for _, t := range c.traits {
			mp, _ := s.memberPath(t)
			if id := s.pointPeriod[mp]; id > 0 {
				return fmt.Sprintf("%s/point-periods/%d", mp, id), true
			}
		}
		return "", false
	}
	out = append(out,
		fixed("getMemberPointPeriod", "a point period", "status", periodOf),
		fixed("getMemberPointPeriod", "an unknown point period", "status", anyMember(fmt.Sprintf("/point-periods/%d", steps.DefaultUnknownID))),
		fixed("getMemberPointPeriod", "an unknown member", "status", unknownMember("/point-periods/1")),
		fixed("getMemberPointPeriod", "pointPeriodId=abc", "error", anyMember("/point-periods/abc")),
		withoutClientName("getMemberPointPeriod", periodOf),
	)
	for _, l := range lists {
		out = append(out, c.pagingProbes(l)...)
		if l.member {
			out = append(out,
				fixed(l.op, "an unknown member", "status", unknownMember(l.suffix)),
				fixed(l.op, "a member of another program", "status", otherMember(l.suffix)),
			)
		} else {
			out = append(out, fixed(l.op, "an unknown program", "status", unknownProgram(l.suffix)))
		}
	}
	return append(out, c.filterProbes()...)
}

// pagingProbes are the paging edges of one list, asked of the side's list
// with the most items.
func (c *comparison) pagingProbes(l list) []probe {
	page := func(kind, category, setting string, query func(s *side, t total) []string, judge func(*side, *exchange) behaviour) probe {
		return probe{op: l.op, kind: kind, category: category, setting: setting, judge: judge,
			req: func(s *side) (request, bool) {
				p, ok := s.subject(l)
				if !ok {
					return request{}, false
				}
				return request{path: withQuery(p, query(s, s.totals[p])...)}, true
			}}
	}
	q := func(kv ...string) func(*side, total) []string { return func(*side, total) []string { return kv } }
	return []probe{
		page("without page and perPage", "paging", "", q(), defaultSizeJudge),
		page("perPage=100", "paging", "", q("perPage", "100"), pageSizeJudge(100)),
		page("perPage=101", "paging", "perPageAboveMax", q("perPage", "101"), pageSizeJudge(101)),
		page("perPage=500", "paging", "perPageAboveMax", q("perPage", "500"), pageSizeJudge(500)),
		page("perPage=0", "error", "", q("perPage", "0"), nil),
		page("perPage=abc", "error", "", q("perPage", "abc"), nil),
		page("page=abc", "error", "", q("page", "abc"), nil),
		page("page=-1", "error", "", q("page", "-1"), nil),
		page("the page below the first", "error", "", func(s *side, _ total) []string {
			return []string{"page", fmt.Sprint(s.firstPage - 1)}
		}, nil),
		page("the page just past the end (perPage=100)", "paging", "pastLastPage", func(s *side, t total) []string {
			return []string{"page", fmt.Sprint(s.firstPage + t.pages), "perPage", "100"}
		}, pastEndJudge),
		page("a page far past the end", "paging", "pastLastPage", func(s *side, _ total) []string {
			return []string{"page", fmt.Sprint(s.firstPage + 1_000_000), "perPage", "100"}
		}, pastEndJudge),
		{op: l.op, kind: "without " + clientNameHeader, category: "status", setting: "clientName",
			req: func(s *side) (request, bool) {
				p, ok := s.subject(l)
				return request{path: p, omit: []string{clientNameHeader}}, ok
			}},
		{op: l.op, kind: "without " + correlationHeader, category: "status",
			req: func(s *side) (request, bool) {
				p, ok := s.subject(l)
				return request{path: p, omit: []string{correlationHeader}}, ok
			}},
	}
}

// page reads the paging parts of a list's answer.
func page(e *exchange) (items []any, t total, ok bool) {
	body := e.object()
	items, ok = body["items"].([]any)
	t.items, _ = spec.JSONInt(body["totalItems"])
	t.pages, _ = spec.JSONInt(body["totalPages"])
	return items, t, ok && e.status == 200
}

// defaultSizeJudge tells the default page size, when the list is longer than one page.
func defaultSizeJudge(_ *side, e *exchange) behaviour {
	items, t, ok := page(e)
	if !ok {
		return statusJudge(nil, e)
	}
	if int64(len(items)) < t.items {
		return behaviour{status: 200, detail: fmt.Sprintf("pages of %d", len(items))}
	}
	return behaviour{status: 200} // the whole list fits one page: cannot tell
}

// pageSizeJudge tells what page size a request for perPage got.
func pageSizeJudge(perPage int64) func(*side, *exchange) behaviour {
	return func(_ *side, e *exchange) behaviour {
		items, t, ok := page(e)
		if !ok {
			return statusJudge(nil, e)
		}
		n := int64(len(items))
		switch {
		case n == t.items && t.items <= maxPerPage:
			return behaviour{status: 200} // the whole list fits one page: cannot tell
		case n == min(perPage, t.items):
			return behaviour{status: 200, detail: "a page of perPage items"}
		case n == min(maxPerPage, t.items):
			return behaviour{status: 200, detail: fmt.Sprintf("answered as perPage=%d", maxPerPage)}
		}
		return behaviour{status: 200, detail: fmt.Sprintf("a page of %d items", n)}
	}
}

// pastEndJudge tells what a page past the end holds.
func pastEndJudge(s *side, e *exchange) behaviour {
	items, t, ok := page(e)
	if !ok {
		return statusJudge(s, e)
	}
	switch {
	case len(items) > 0:
		return behaviour{status: 200, detail: "items on a page past the end"}
	case t.pages == 0:
		return behaviour{status: 200, detail: "items [] and totals 0"}
	}
	return behaviour{status: 200, detail: "items [] and the totals"}
}

// browserOrigin is the Origin a browser app on another host sends.
const browserOrigin = "https://app.example.org"

// corsJudge tells whether a browser app may read the answer and its X-Correlation-Id.
func corsJudge(s *side, e *exchange) behaviour {
	b := statusJudge(s, e)
	allow := e.header.Get("Access-Control-Allow-Origin")
	switch {
	case allow == "":
		b.detail = "no Access-Control-Allow-Origin: a browser app cannot read it"
	case allow != "*" && allow != browserOrigin:
		b.detail = "Access-Control-Allow-Origin is another origin: a browser app cannot read it"
	case !strings.Contains(strings.ToLower(e.header.Get("Access-Control-Expose-Headers")), strings.ToLower(correlationHeader)):
		b.detail = "a browser app may read it, but not its X-Correlation-Id"
	default:
		b.detail = "a browser app may read it and its X-Correlation-Id"
	}
	return b
}
