package steps

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/membersmock/membersmock/spec"
)

// resource is one operation of the API, as the scenarios name it.
type resource struct {
	phrase string // how scenarios name it: "the member's transactions"
	opID   string
	list   bool
	// path builds the request path; ids overrides some path parameters with
	// raw text ("abc"), for the bad-id scenarios.
	path func(s *scenario, raw map[string]string) (string, error)
}

// sortOrder is a list's documented order: a key, its direction and the
// direction of the id tie-break.
type sortOrder struct {
	key      string // "id" or a date-time property
	keyDesc  bool
	tieDesc  bool
	tieBreak bool // false when the key is the id itself
}

// order is a list's documented order, as package spec holds it for every
// list operation (the proxy's page checks read the same table).
func (r *resource) order() sortOrder {
	o, _ := spec.OrderOf(r.opID)
	return sortOrder{key: o.Key, keyDesc: o.Desc, tieBreak: o.Key != "id", tieDesc: o.Desc}
}

func (o sortOrder) String() string {
	dir := func(desc bool) string {
		if desc {
			return "descending"
		}
		return "ascending"
	}
	s := o.key + " " + dir(o.keyDesc)
	if o.tieBreak {
		s += ", ties broken by id " + dir(o.tieDesc)
	}
	return s
}

// compare orders a before b (negative) as the order says.
func (o sortOrder) compare(a, b object) int {
	if o.key != "id" {
		ta, _ := timeOf(a, o.key)
		tb, _ := timeOf(b, o.key)
		if c := ta.Compare(tb); c != 0 {
			if o.keyDesc {
				return -c
			}
			return c
		}
		c := cmp.Compare(idOf(a), idOf(b))
		if o.tieDesc {
			return -c
		}
		return c
	}
	c := cmp.Compare(idOf(a), idOf(b))
	if o.keyDesc {
		return -c
	}
	return c
}

// check returns a message for the first pair of items out of order, "" when
// the items are in order. Equal sort keys with equal ids count as out of
// order: they are the same item twice.
func (o sortOrder) check(items []object) string {
	for i := 1; i < len(items); i++ {
		if o.compare(items[i-1], items[i]) >= 0 {
			a, b := items[i-1], items[i]
			desc := func(it object) string {
				if o.key == "id" {
					return fmt.Sprintf("id %d", idOf(it))
				}
				return fmt.Sprintf("id %d, %s %v", idOf(it), o.key, it[o.key])
			}
			return fmt.Sprintf("items must be ordered by %s, but item %d (%s) comes before item %d (%s)", o, i, desc(a), i+1, desc(b))
		}
	}
	return ""
}

func parseOrder(text string) (sortOrder, error) {
	// "validFrom descending, ties broken by id descending" or "id ascending"
	var o sortOrder
	main, tie, hasTie := strings.Cut(text, ", ties broken by id ")
	key, dir, ok := strings.Cut(strings.TrimSpace(main), " ")
	if !ok || (dir != "ascending" && dir != "descending") {
		return o, fmt.Errorf("cannot read the order %q", text)
	}
	o.key, o.keyDesc = key, dir == "descending"
	if hasTie {
		if tie != "ascending" && tie != "descending" {
			return o, fmt.Errorf("cannot read the tie-break of %q", text)
		}
		o.tieBreak, o.tieDesc = true, tie == "descending"
	}
	return o, nil
}

var (
	resProgram = &resource{phrase: "the program", opID: "getProgram",
		path: func(s *scenario, raw map[string]string) (string, error) {
			return programPath(s, raw)
		}}
	resMembers = &resource{phrase: "the members", opID: "getMembers", list: true,
		path: func(s *scenario, raw map[string]string) (string, error) {
			p, err := programPath(s, raw)
			return p + "/members", err
		}}
	resMember = &resource{phrase: "the member", opID: "getMember",
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "")
		}}
	resTransactions = &resource{phrase: "the member's transactions", opID: "getMemberTransactions", list: true,
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "/transactions")
		}}
	resPointPeriods = &resource{phrase: "the member's point periods", opID: "getMemberPointPeriods", list: true,
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "/point-periods")
		}}
	resPointPeriod = &resource{phrase: "the point period", opID: "getMemberPointPeriod",
		path: func(s *scenario, raw map[string]string) (string, error) {
			p, err := memberPath(s, raw, "/point-periods/")
			if err != nil {
				return "", err
			}
			if v, ok := raw["pointPeriodId"]; ok {
				return p + url.PathEscape(v), nil
			}
			if s.pointPeriodID == 0 {
				return "", fmt.Errorf("the scenario has not chosen a point period yet (a Given step is missing)")
			}
			return p + strconv.FormatInt(s.pointPeriodID, 10), nil
		}}
	resRewardLadder = &resource{phrase: "the member's reward ladder", opID: "getMemberRewardLadder",
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "/reward-ladder")
		}}
	resPointsHistory = &resource{phrase: "the member's points history", opID: "getMemberPointsHistory", list: true,
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "/points-history")
		}}
	resSuspensions = &resource{phrase: "the member's suspension periods", opID: "getMemberSuspensionPeriods", list: true,
		path: func(s *scenario, raw map[string]string) (string, error) {
			return memberPath(s, raw, "/suspension-periods")
		}}
)

var allResources = []*resource{
	resProgram, resMembers, resMember, resTransactions, resPointPeriods,
	resPointPeriod, resRewardLadder, resPointsHistory, resSuspensions,
}

// resourcePattern matches any resource phrase in a step.
var resourcePattern = func() string {
	alts := make([]string, len(allResources))
	for i, r := range allResources {
		alts[i] = regexp.QuoteMeta(r.phrase)
	}
	return "(" + strings.Join(alts, "|") + ")"
}()

func findResource(phrase string) (*resource, error) {
	for _, r := range allResources {
		if r.phrase == phrase {
			return r, nil
		}
	}
	return nil, fmt.Errorf("unknown resource %q", phrase)
}

func programPath(s *scenario, raw map[string]string) (string, error) {
	if v, ok := raw["programId"]; ok {
		return "/v1/programs/" + url.PathEscape(v), nil
	}
	if s.programID == 0 {
		return "", fmt.Errorf("the scenario has not chosen a program yet (a Given step is missing)")
	}
	return "/v1/programs/" + strconv.FormatInt(s.programID, 10), nil
}

func memberPath(s *scenario, raw map[string]string, suffix string) (string, error) {
	p, err := programPath(s, raw)
	if err != nil {
		return "", err
	}
	if v, ok := raw["memberId"]; ok {
		return p + "/members/" + url.PathEscape(v) + suffix, nil
	}
	if s.memberID == 0 {
		return "", errNoMember
	}
	return p + "/members/" + strconv.FormatInt(s.memberID, 10) + suffix, nil
}

// fetch makes one request for a resource and remembers it.
func (s *scenario) fetch(ctx context.Context, r *resource, query url.Values, raw map[string]string) (*exchange, error) {
	path, err := r.path(s, raw)
	if err != nil {
		return nil, err
	}
	ex, err := s.request(ctx, path, query)
	if ex != nil {
		s.remember(ex, r)
	}
	return ex, err
}

// page fetches one page of a list, the page at place (0 for the first page,
// whatever number the dialect gives it), and insists on a 200.
func (s *scenario) page(ctx context.Context, r *resource, query url.Values, place, perPage int) (*exchange, pageBody, error) {
	q := cloneValues(query)
	q.Set("page", strconv.Itoa(s.pageNumber(place)))
	q.Set("perPage", strconv.Itoa(perPage))
	ex, err := s.fetch(ctx, r, q, nil)
	if err != nil {
		return ex, pageBody{}, err
	}
	if ex.status != 200 {
		return ex, pageBody{}, errNotOK(ex)
	}
	pb, err := readPage(ex)
	return ex, pb, err
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// walk is the outcome of walking the pages of a list.
type walk struct {
	res     *resource
	query   url.Values
	perPage int
	pages   []walkedPage
	items   []object
	first   pageBody // the first page, totals and all
	// firstPage is the number of the first page, as the dialect says.
	firstPage int
	sampled   bool // true when the list had too many pages to visit them all
}

type walkedPage struct {
	index                  int // the page's place: 0 for the first page
	number                 int // the page parameter sent for it
	count                  int
	totalItems, totalPages int64
	firstItem              int // index in walk.items
}

// walkPages visits every page, from the first to the last that the first
// page announces, at perPage items each. A list with more than maxPages pages is sampled: the
// first maxPages-1 pages and the last one, so that a target with millions
// of members is not walked end to end.
func (s *scenario) walkPages(ctx context.Context, r *resource, query url.Values, perPage int) (*walk, error) {
	if !r.list {
		return nil, fmt.Errorf("%s is not a list", r.phrase)
	}
	w := &walk{res: r, query: query, perPage: perPage, firstPage: s.pageNumber(0)}
	_, first, err := s.page(ctx, r, query, 0, perPage)
	if err != nil {
		return nil, err
	}
	w.first = first
	w.add(0, first)
	total := first.totalPages
	if total < 0 {
		return nil, fmt.Errorf("%s: totalPages is %d", r.phrase, total)
	}
	visit := func(i int) error {
		_, pb, err := s.page(ctx, r, query, i, perPage)
		if err != nil {
			return err
		}
		w.add(i, pb)
		return nil
	}
	limit := int64(s.suite.maxPages)
	if total <= limit {
		for i := 1; int64(i) < total; i++ {
			if err := visit(i); err != nil {
				return nil, err
			}
		}
		return w, nil
	}
	w.sampled = true
	for i := 1; int64(i) < limit-1; i++ {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	if err := visit(int(total - 1)); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *walk) add(index int, pb pageBody) {
	w.pages = append(w.pages, walkedPage{
		index: index, number: w.firstPage + index, count: len(pb.items), totalItems: pb.totalItems, totalPages: pb.totalPages, firstItem: len(w.items),
	})
	w.items = append(w.items, pb.items...)
}

// fullList returns every item of a list, walking it at 100 per page once per
// scenario. Rules that need the whole list cannot work on a sample.
func (s *scenario) fullList(ctx context.Context, r *resource, query url.Values) ([]object, error) {
	path, err := r.path(s, nil)
	if err != nil {
		return nil, err
	}
	key := path + "?" + query.Encode()
	if w, ok := s.lists[key]; ok {
		return w.items, nil
	}
	w, err := s.walkPages(ctx, r, query, 100)
	if err != nil {
		return nil, err
	}
	if w.sampled {
		return nil, fmt.Errorf("%s has %d items, more than %d pages of 100; this rule needs the whole list, so choose a member with less activity in the profile or raise the page limit",
			r.phrase, w.first.totalItems, s.suite.maxPages)
	}
	if int64(len(w.items)) != w.first.totalItems {
		return nil, fmt.Errorf("walking every page of %s at 100 per page gave %d items, but totalItems says %d", r.phrase, len(w.items), w.first.totalItems)
	}
	if s.lists == nil {
		s.lists = map[string]*walk{}
	}
	s.lists[key] = w
	return w.items, nil
}

// instant formats a time the way the contract writes timestamps.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// pageNumber is the page parameter for the page at place: the dialect's
// first page number plus the place.
func (s *scenario) pageNumber(place int) int { return s.suite.dialect.FirstPage + place }
