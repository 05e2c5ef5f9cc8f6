package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// filterPerPage is the page size of filtered walks: small enough that a
// filter is also checked across page boundaries.
const filterPerPage = 10

// filterOutcome is what a filter step did: the filter, the items the
// unfiltered list says must match, and what the filtered list returned.
type filterOutcome struct {
	res      *resource
	query    url.Values
	expected []object
	actual   []object
	total    int64   // totalItems of the filtered list
	include  []int64 // ids that must be in the result (an event at an inclusive bound)
	exclude  []int64 // ids that must not be (an event at an exclusive bound)
	// parts are the outcomes of "each in turn" filters.
	parts []*filterOutcome
}

func (f *filterOutcome) describe() string {
	return f.res.phrase + " filtered by " + f.query.Encode()
}

// applyFilter walks the filtered list and computes the expected items from
// the unfiltered list with keep.
func (s *scenario) applyFilter(ctx context.Context, r *resource, all []object, query url.Values, keep func(object) bool) (*filterOutcome, error) {
	f := &filterOutcome{res: r, query: query}
	for _, it := range all {
		if keep(it) {
			f.expected = append(f.expected, it)
		}
	}
	w, err := s.walkPages(ctx, r, query, filterPerPage)
	if err != nil {
		return nil, err
	}
	if w.sampled {
		return nil, fmt.Errorf("%s has more than %d pages at %d per page; the filter check needs all of them", f.describe(), s.suite.maxPages, filterPerPage)
	}
	f.actual, f.total = w.items, w.first.totalItems
	return f, nil
}

func (s *scenario) setFilter(f *filterOutcome, err error) error {
	if err != nil {
		return err
	}
	s.filter = f
	return nil
}

// Transactions.

func orderIDOf(it object) string {
	md, _ := it["metadata"].(map[string]any)
	id, _ := md["orderId"].(string)
	return id
}

func refOf(it object) string {
	r, _ := strOf(it, "pointDefinitionReference")
	return r
}

// pick returns a value from the middle of the list for which value is not
// empty, so that the filter is not trivially the first or last item.
func pick(items []object, value func(object) string) (object, string) {
	n := len(items)
	for k := range n {
		it := items[(n/2+k)%n]
		if v := value(it); v != "" {
			return it, v
		}
	}
	return nil, ""
}

func filterTransactionsByOrderID(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resTransactions, nil)
	if err != nil {
		return err
	}
	_, order := pick(all, orderIDOf)
	if order == "" {
		return fmt.Errorf("%s (member %d) has no transaction with metadata.orderId, so the orderId filter cannot be checked", s.memberWhat, s.memberID)
	}
	return s.setFilter(s.applyFilter(ctx, resTransactions, all, url.Values{"orderId": {order}},
		func(it object) bool { return orderIDOf(it) == order }))
}

func filterTransactionsByRef(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resTransactions, nil)
	if err != nil {
		return err
	}
	_, ref := pick(all, refOf)
	if ref == "" {
		return fmt.Errorf("%s (member %d) has no transaction with a pointDefinitionReference", s.memberWhat, s.memberID)
	}
	return s.setFilter(s.applyFilter(ctx, resTransactions, all, url.Values{"pointDefinitionReference": {ref}},
		func(it object) bool { return refOf(it) == ref }))
}

// firstPart is the first half of a value, for checking that a filter is an
// exact match and not a prefix search.
func firstPart(v string) string { return v[:max(len(v)/2, 1)] }

// otherCase writes a value with upper and lower case swapped, for checking
// that a filter is not case-insensitive.
func otherCase(v string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, v)
}

// filterByAltered filters a list by an altered value of one of its items:
// the filtered list must hold exactly the items whose value equals the
// altered one (usually none), since the filters are exact matches.
func (s *scenario) filterByAltered(ctx context.Context, r *resource, param string, value func(object) string, alter func(string) string, what string) error {
	s.beginAction()
	all, err := s.fullList(ctx, r, nil)
	if err != nil {
		return err
	}
	_, v := pick(all, value)
	if v == "" {
		return fmt.Errorf("%s (member %d) has no item with %s", s.memberWhat, s.memberID, what)
	}
	altered := alter(v)
	if altered == v {
		return fmt.Errorf("%s %q cannot be altered to check an exact match", what, v)
	}
	return s.setFilter(s.applyFilter(ctx, r, all, url.Values{param: {altered}},
		func(it object) bool { return value(it) == altered }))
}

func filterTransactionsByPartOfOrderID(ctx context.Context) error {
	return state(ctx).filterByAltered(ctx, resTransactions, "orderId", orderIDOf, firstPart, "an order id")
}

func filterTransactionsByRefInOtherCase(ctx context.Context) error {
	return state(ctx).filterByAltered(ctx, resTransactions, "pointDefinitionReference", refOf, otherCase, "a point definition reference")
}

func filterHistoryByPartOfRef(ctx context.Context) error {
	return state(ctx).filterByAltered(ctx, resPointsHistory, "pointDefinitionReference", refOf, firstPart, "a point definition reference")
}

func filterTransactionsByEachRef(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resTransactions, nil)
	if err != nil {
		return err
	}
	var refs []string
	for _, it := range all {
		if r := refOf(it); r != "" && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	if len(refs) == 0 {
		return fmt.Errorf("%s (member %d) has no transaction with a pointDefinitionReference", s.memberWhat, s.memberID)
	}
	outer := &filterOutcome{res: resTransactions, query: url.Values{"pointDefinitionReference": refs}}
	for _, ref := range refs {
		f, err := s.applyFilter(ctx, resTransactions, all, url.Values{"pointDefinitionReference": {ref}},
			func(it object) bool { return refOf(it) == ref })
		if err != nil {
			return err
		}
		outer.parts = append(outer.parts, f)
		outer.actual = append(outer.actual, f.actual...)
		outer.expected = append(outer.expected, f.expected...)
	}
	s.filter = outer
	return nil
}

func filterTransactionsByOrderAndRef(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resTransactions, nil)
	if err != nil {
		return err
	}
	// Prefer an order whose lines have different point definitions, so that
	// the AND visibly narrows the order.
	refs := map[string][]string{}
	var orders []string
	for _, it := range all {
		order, ref := orderIDOf(it), refOf(it)
		if order == "" || ref == "" {
			continue
		}
		if _, ok := refs[order]; !ok {
			orders = append(orders, order)
		}
		if !slices.Contains(refs[order], ref) {
			refs[order] = append(refs[order], ref)
		}
	}
	if len(orders) == 0 {
		return fmt.Errorf("%s (member %d) has no transaction with both an orderId and a pointDefinitionReference", s.memberWhat, s.memberID)
	}
	order := orders[len(orders)/2]
	for _, o := range orders {
		if len(refs[o]) > 1 {
			order = o
			break
		}
	}
	ref := refs[order][0]
	return s.setFilter(s.applyFilter(ctx, resTransactions, all, url.Values{"orderId": {order}, "pointDefinitionReference": {ref}},
		func(it object) bool { return orderIDOf(it) == order && refOf(it) == ref }))
}

// Points history.

func eventType(it object) string {
	t, _ := strOf(it, "pointEventType")
	return t
}

func filterHistoryByRef(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resPointsHistory, nil)
	if err != nil {
		return err
	}
	_, ref := pick(all, refOf)
	if ref == "" {
		return fmt.Errorf("%s (member %d) has no points history", s.memberWhat, s.memberID)
	}
	return s.setFilter(s.applyFilter(ctx, resPointsHistory, all, url.Values{"pointDefinitionReference": {ref}},
		func(it object) bool { return refOf(it) == ref }))
}

func filterHistoryByType(ctx context.Context, typ string) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resPointsHistory, nil)
	if err != nil {
		return err
	}
	return s.setFilter(s.applyFilter(ctx, resPointsHistory, all, url.Values{"pointEventType": {typ}},
		func(it object) bool { return eventType(it) == typ }))
}

// pivotEvents returns events of the history whose createdAt lies strictly
// inside the history's time span, so that both sides of a bound have events.
func (s *scenario) historyWithPivot(ctx context.Context) ([]object, int, error) {
	all, err := s.fullList(ctx, resPointsHistory, nil)
	if err != nil {
		return nil, 0, err
	}
	if len(all) < 3 {
		return nil, 0, fmt.Errorf("%s (member %d) has %d points history events; the time filters need at least 3", s.memberWhat, s.memberID, len(all))
	}
	return all, len(all) / 2, nil
}

func createdAt(it object) time.Time {
	t, _ := timeOf(it, "createdAt")
	return t
}

func eventsAt(all []object, t time.Time) []int64 {
	var out []int64
	for _, it := range all {
		if createdAt(it).Equal(t) {
			out = append(out, idOf(it))
		}
	}
	return out
}

func filterHistoryFrom(ctx context.Context) error {
	return filterHistoryFromWritten(ctx, time.UTC)
}

func filterHistoryFromWithOffset(ctx context.Context) error {
	return filterHistoryFromWritten(ctx, time.FixedZone("+02:00", 2*3600))
}

func filterHistoryFromWritten(ctx context.Context, zone *time.Location) error {
	return filterHistoryAtPivot(ctx, "createdAfter", zone, true)
}

func filterHistoryUpTo(ctx context.Context) error {
	return filterHistoryAtPivot(ctx, "createdBefore", time.UTC, false)
}

// filterHistoryAtPivot filters the points history with one time bound set
// to the instant of an existing event (written in zone), so that the events
// at exactly that instant show whether the bound is inclusive (createdAfter)
// or exclusive (createdBefore).
func filterHistoryAtPivot(ctx context.Context, param string, zone *time.Location, inclusive bool) error {
	s := state(ctx)
	s.beginAction()
	all, i, err := s.historyWithPivot(ctx)
	if err != nil {
		return err
	}
	t := createdAt(all[i])
	keep := func(it object) bool { return createdAt(it).Before(t) }
	if inclusive {
		keep = func(it object) bool { return !createdAt(it).Before(t) }
	}
	f, err := s.applyFilter(ctx, resPointsHistory, all, url.Values{param: {t.In(zone).Format(time.RFC3339)}}, keep)
	if err != nil {
		return err
	}
	if inclusive {
		f.include = eventsAt(all, t)
	} else {
		f.exclude = eventsAt(all, t)
	}
	s.filter = f
	return nil
}

func filterHistoryBetween(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, _, err := s.historyWithPivot(ctx)
	if err != nil {
		return err
	}
	// The list is newest first: a later index is an earlier instant.
	newer, older := createdAt(all[len(all)/4]), createdAt(all[3*len(all)/4])
	if !older.Before(newer) {
		newer, older = createdAt(all[0]), createdAt(all[len(all)-1])
	}
	if !older.Before(newer) {
		return fmt.Errorf("every points history event of %s has the same createdAt, so a time window cannot be checked", s.memberWhat)
	}
	f, err := s.applyFilter(ctx, resPointsHistory, all,
		url.Values{"createdAfter": {instant(older)}, "createdBefore": {instant(newer)}},
		func(it object) bool { c := createdAt(it); return !c.Before(older) && c.Before(newer) })
	if err != nil {
		return err
	}
	f.include, f.exclude = eventsAt(all, older), eventsAt(all, newer)
	s.filter = f
	return nil
}

func filterHistoryFromAndUpToSameInstant(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, i, err := s.historyWithPivot(ctx)
	if err != nil {
		return err
	}
	t := instant(createdAt(all[i]))
	_, err = s.fetch(ctx, resPointsHistory, url.Values{"createdAfter": {t}, "createdBefore": {t}}, nil)
	return err
}

func filterHistoryByEverything(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	all, err := s.fullList(ctx, resPointsHistory, nil)
	if err != nil {
		return err
	}
	// Prefer an event that is neither EARNED nor the only one of its kind.
	pivot, _ := pick(all, func(it object) string {
		if t := eventType(it); t != "EARNED" {
			return t
		}
		return ""
	})
	if pivot == nil {
		pivot, _ = pick(all, eventType)
	}
	if pivot == nil {
		return fmt.Errorf("%s (member %d) has no points history", s.memberWhat, s.memberID)
	}
	typ, ref, at := eventType(pivot), refOf(pivot), createdAt(pivot)
	from, to := at.AddDate(0, 0, -60), at.Add(time.Second)
	q := url.Values{
		"pointEventType": {typ}, "pointDefinitionReference": {ref},
		"createdAfter": {instant(from)}, "createdBefore": {instant(to)},
	}
	f, err := s.applyFilter(ctx, resPointsHistory, all, q, func(it object) bool {
		c := createdAt(it)
		return eventType(it) == typ && refOf(it) == ref && !c.Before(from) && c.Before(to)
	})
	if err != nil {
		return err
	}
	f.include = []int64{idOf(pivot)}
	s.filter = f
	return nil
}

// Members.

// lookUpByCustomerID reads the member in its own program to learn its
// customer id, then filters the members of the program asked for by it.
func lookUpByCustomerID(ctx context.Context) error {
	return lookUpByCustomerIDOnPage(ctx, "")
}

// lookUpByCustomerIDOnPage is lookUpByCustomerID on the page at an ordinal
// place; "" asks without a page.
func lookUpByCustomerIDOnPage(ctx context.Context, ordinal string) error {
	s := state(ctx)
	s.beginAction()
	member, err := s.memberAtHome(ctx)
	if err != nil {
		return err
	}
	customer, ok := strOf(member, "customerId")
	if !ok || customer == "" {
		return fmt.Errorf("member %d has no customerId", s.memberID)
	}
	q := url.Values{"customerId": {customer}}
	if ordinal != "" {
		q.Set("page", fmt.Sprint(s.pageNumber(pagePlace(ordinal))))
	}
	ex, err := s.fetch(ctx, resMembers, q, nil)
	if err != nil {
		return err
	}
	if ex.status != http.StatusOK {
		return nil // the Then steps say what was expected
	}
	s.filter = &filterOutcome{res: resMembers, query: q, expected: []object{member}}
	return nil
}

// memberAtHome reads the scenario's member under its own program.
func (s *scenario) memberAtHome(ctx context.Context) (object, error) {
	if s.memberID == 0 || s.memberHome == 0 {
		return nil, errNoMember
	}
	ex, err := s.request(ctx, fmt.Sprintf("/v1/programs/%d/members/%d", s.memberHome, s.memberID), nil)
	if err != nil {
		return nil, err
	}
	if ex.status != http.StatusOK {
		return nil, errNotOK(ex)
	}
	return ex.object()
}

func filterMembersByUnknownCustomerID(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	q := url.Values{"customerId": {"no-such-customer-" + strings.TrimPrefix(newCorrelationID(), "conformance-")}}
	_, err := s.fetch(ctx, resMembers, q, nil)
	return err
}

func filterMembersByCustomerIDPrefix(ctx context.Context) error {
	s := state(ctx)
	s.beginAction()
	member, err := s.memberAtHome(ctx)
	if err != nil {
		return err
	}
	customer, _ := strOf(member, "customerId")
	if len(customer) < 2 {
		return fmt.Errorf("member %d has customerId %q, too short to take a part of", s.memberID, customer)
	}
	part := customer[:len(customer)/2]
	q := url.Values{"customerId": {part}, "perPage": {"100"}}
	ex, err := s.fetch(ctx, resMembers, q, nil)
	if err != nil {
		return err
	}
	if ex.status == http.StatusOK {
		s.filter = &filterOutcome{res: resMembers, query: q}
	}
	return nil
}

// Checks.

func (s *scenario) currentFilter() (*filterOutcome, error) {
	if s.filter == nil {
		return nil, fmt.Errorf("the scenario has not filtered a list")
	}
	return s.filter, nil
}

func theFilteredListIsExactlyTheMatchingItems(ctx context.Context) error {
	f, err := state(ctx).currentFilter()
	if err != nil {
		return err
	}
	if len(f.parts) > 0 {
		for _, p := range f.parts {
			if err := p.check(); err != nil {
				return err
			}
		}
		return nil
	}
	return f.check()
}

// check compares the filtered list with the expected items: same ids, same
// order, same content, and totalItems counting them.
func (f *filterOutcome) check() error {
	want, got := ids(f.expected), ids(f.actual)
	if !slices.Equal(want, got) {
		var missing, unexpected []int64
		for _, id := range want {
			if !slices.Contains(got, id) {
				missing = append(missing, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(want, id) {
				unexpected = append(unexpected, id)
			}
		}
		msg := fmt.Sprintf("%s: want the %d items of the unfiltered list that match, %s, got %d items %s",
			f.describe(), len(want), listIDs(want), len(got), listIDs(got))
		switch {
		case len(missing) > 0 || len(unexpected) > 0:
			msg += fmt.Sprintf("; missing %s, not matching %s", listIDs(missing), listIDs(unexpected))
		default:
			msg += "; the same items in another order (filtered lists keep the documented order)"
		}
		return fmt.Errorf("%s", msg)
	}
	if f.total != int64(len(want)) {
		return fmt.Errorf("%s: totalItems is %d, but %d items match", f.describe(), f.total, len(want))
	}
	for i := range f.expected {
		if d := difference(f.expected[i], f.actual[i]); d != "" {
			return fmt.Errorf("%s: item %d differs from the same item in the unfiltered list: %s", f.describe(), idOf(f.actual[i]), d)
		}
	}
	return nil
}

func theFilteredListIncludesTheBoundEvent(ctx context.Context) error {
	f, err := state(ctx).currentFilter()
	if err != nil {
		return err
	}
	got := ids(f.actual)
	for _, id := range f.include {
		if !slices.Contains(got, id) {
			return fmt.Errorf("%s leaves out event %d, which is exactly at the inclusive bound (createdAfter is inclusive: createdAt >= createdAfter)", f.describe(), id)
		}
	}
	if len(f.include) == 0 {
		return fmt.Errorf("no event lies at the bound of %s", f.describe())
	}
	return nil
}

func theFilteredListLeavesOutTheBoundEvent(ctx context.Context) error {
	f, err := state(ctx).currentFilter()
	if err != nil {
		return err
	}
	got := ids(f.actual)
	for _, id := range f.exclude {
		if slices.Contains(got, id) {
			return fmt.Errorf("%s includes event %d, which is exactly at the exclusive bound (createdBefore is exclusive: createdAt < createdBefore)", f.describe(), id)
		}
	}
	if len(f.exclude) == 0 {
		return fmt.Errorf("no event lies at the bound of %s", f.describe())
	}
	return nil
}

func togetherTheFilteredListsHoldEveryTransaction(ctx context.Context) error {
	s := state(ctx)
	f, err := s.currentFilter()
	if err != nil {
		return err
	}
	all, err := s.fullList(ctx, resTransactions, nil)
	if err != nil {
		return err
	}
	count := map[int64]int{}
	for _, it := range f.actual {
		count[idOf(it)]++
	}
	var problems []string
	for _, it := range all {
		if refOf(it) == "" {
			continue
		}
		if n := count[idOf(it)]; n != 1 {
			problems = append(problems, fmt.Sprintf("transaction %d (%s) is in %d of the filtered lists", idOf(it), refOf(it), n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("filtering %s by each point definition in turn: %s", resTransactions.phrase, firstFew(problems))
	}
	return nil
}

func everyItemHasExactlyThatCustomerID(ctx context.Context) error {
	s := state(ctx)
	f, err := s.currentFilter()
	if err != nil {
		return err
	}
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	want := f.query.Get("customerId")
	for _, it := range pb.items {
		if got, _ := strOf(it, "customerId"); got != want {
			return fmt.Errorf("%s returned member %d with customerId %q; the customerId filter is an exact match", ex.target(), idOf(it), got)
		}
	}
	return nil
}

func theFilteredListHoldsExactlyTheMember(ctx context.Context) error {
	s := state(ctx)
	f, err := s.currentFilter()
	if err != nil {
		return err
	}
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	if pb.totalItems != 1 || pb.totalPages != 1 || len(pb.items) != 1 {
		return fmt.Errorf("%s returned %d items, totalItems %d, totalPages %d; a customer has exactly one membership here (%s), want 1, 1, 1",
			ex.target(), len(pb.items), pb.totalItems, pb.totalPages, s.memberWhat)
	}
	if d := difference(f.expected[0], pb.items[0]); d != "" {
		return fmt.Errorf("member %d looks different in %s than when read on its own: %s", s.memberID, ex.target(), d)
	}
	return nil
}

func theFilteredListDoesNotHoldTheOtherMember(ctx context.Context) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	for _, it := range pb.items {
		if idOf(it) == s.memberID {
			return fmt.Errorf("%s lists member %d, which belongs to program %d, not to program %d", ex.target(), s.memberID, s.memberHome, s.programID)
		}
	}
	return nil
}

func theListDoesNotHoldTheOtherMember(ctx context.Context) error {
	s := state(ctx)
	w, err := s.currentWalk()
	if err != nil {
		return err
	}
	for _, it := range w.items {
		if idOf(it) == s.memberID {
			return fmt.Errorf("the members of program %d include member %d, which belongs to program %d", s.programID, s.memberID, s.memberHome)
		}
	}
	return nil
}
