package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

func theClientWalksAllPages(ctx context.Context, phrase string, perPage int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	w, err := s.walkPages(ctx, r, nil, perPage)
	if err != nil {
		return err
	}
	s.walk = w
	return nil
}

// lastPage returns the latest response as a page, insisting on a 200.
func (s *scenario) lastPage() (*exchange, pageBody, error) {
	ex, err := s.lastResponse()
	if err != nil {
		return nil, pageBody{}, err
	}
	if ex.status != http.StatusOK {
		return ex, pageBody{}, errNotOK(ex)
	}
	pb, err := readPage(ex)
	return ex, pb, err
}

// totals returns the totals the scenario talks about: of the walk when the
// last action was one, else of the latest response.
func (s *scenario) totals() (totalItems, totalPages int64, what string, err error) {
	if s.walk != nil {
		return s.walk.first.totalItems, s.walk.first.totalPages, s.walk.res.phrase, nil
	}
	ex, pb, err := s.lastPage()
	if err != nil {
		return 0, 0, "", err
	}
	return pb.totalItems, pb.totalPages, ex.target(), nil
}

func thePageHoldsAtMost(ctx context.Context, n int) error {
	ex, pb, err := state(ctx).lastPage()
	if err != nil {
		return err
	}
	if len(pb.items) > n {
		return fmt.Errorf("%s returned %d items, more than %d", ex.target(), len(pb.items), n)
	}
	return nil
}

func thePageHoldsExactly(ctx context.Context, n int) error {
	ex, pb, err := state(ctx).lastPage()
	if err != nil {
		return err
	}
	if len(pb.items) != n {
		return fmt.Errorf("%s returned %d items (totalItems %d), want exactly %d", ex.target(), len(pb.items), pb.totalItems, n)
	}
	return nil
}

// thePageHoldsTheFirst checks a page requested without paging parameters
// against page 0 at perPage n.
func thePageHoldsTheFirst(ctx context.Context, n int) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	if want := min(int64(n), pb.totalItems); int64(len(pb.items)) != want {
		return fmt.Errorf("%s returned %d items of %d; by default a page holds the first %d (or all, when there are fewer)", ex.target(), len(pb.items), pb.totalItems, n)
	}
	q := cloneValues(ex.query)
	first := s.pageNumber(0)
	q.Set("page", strconv.Itoa(first))
	q.Set("perPage", strconv.Itoa(n))
	explicit, err := s.request(ctx, ex.path, q)
	if err != nil {
		return err
	}
	if explicit.status != http.StatusOK {
		return errNotOK(explicit)
	}
	a, _ := ex.json()
	b, _ := explicit.json()
	if d := difference(a, b); d != "" {
		return fmt.Errorf("without page and perPage, %s must answer as with page=%d&perPage=%d (the first page), but the answers differ: %s", ex.path, first, n, d)
	}
	return nil
}

func thePageIsEmpty(ctx context.Context) error {
	ex, pb, err := state(ctx).lastPage()
	if err != nil {
		return err
	}
	if len(pb.items) != 0 {
		return fmt.Errorf("%s returned %d items (totalItems %d, totalPages %d); a page at or past totalPages must be empty",
			ex.target(), len(pb.items), pb.totalItems, pb.totalPages)
	}
	return nil
}

func theListIsEmptyWithNoPages(ctx context.Context) error {
	ex, pb, err := state(ctx).lastPage()
	if err != nil {
		return err
	}
	if len(pb.items) != 0 || pb.totalItems != 0 || pb.totalPages != 0 {
		return fmt.Errorf("%s returned %d items, totalItems %d, totalPages %d; an empty list has no items, totalItems 0 and totalPages 0",
			ex.target(), len(pb.items), pb.totalItems, pb.totalPages)
	}
	return nil
}

func theListIsNotEmpty(ctx context.Context) error {
	ex, pb, err := state(ctx).lastPage()
	if err != nil {
		return err
	}
	if pb.totalItems == 0 || len(pb.items) == 0 {
		return fmt.Errorf("%s returned %d items of totalItems %d; the scenario needs a list that is not empty", ex.target(), len(pb.items), pb.totalItems)
	}
	return nil
}

func theListHasMoreThanPages(ctx context.Context, n int) error {
	items, pages, what, err := state(ctx).totals()
	if err != nil {
		return err
	}
	if pages <= int64(n) {
		return fmt.Errorf("%s has totalPages %d (totalItems %d), want more than %d", what, pages, items, n)
	}
	return nil
}

func theListHasItemsOnPages(ctx context.Context, items, pages int) error {
	gotItems, gotPages, what, err := state(ctx).totals()
	if err != nil {
		return err
	}
	if gotItems != int64(items) || gotPages != int64(pages) {
		return fmt.Errorf("%s has totalItems %d and totalPages %d, want %d and %d", what, gotItems, gotPages, items, pages)
	}
	return nil
}

func theTotalsAreTheSameAsOnTheFirstPage(ctx context.Context) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	if s.firstPage == nil {
		return fmt.Errorf("the scenario has not read page 0")
	}
	if pb.totalItems != s.firstPage.totalItems || pb.totalPages != s.firstPage.totalPages {
		return fmt.Errorf("%s says totalItems %d, totalPages %d; the first page said %d and %d; the totals must not depend on the page",
			ex.target(), pb.totalItems, pb.totalPages, s.firstPage.totalItems, s.firstPage.totalPages)
	}
	return nil
}

func theNumberOfPagesIsCeil(ctx context.Context, perPage int) error {
	items, pages, what, err := state(ctx).totals()
	if err != nil {
		return err
	}
	want := (items + int64(perPage) - 1) / int64(perPage)
	if pages != want {
		return fmt.Errorf("%s: totalItems %d at %d per page makes %d pages (ceil(totalItems / perPage)), but totalPages is %d",
			what, items, perPage, want, pages)
	}
	return nil
}

func (s *scenario) currentWalk() (*walk, error) {
	if s.walk == nil {
		return nil, fmt.Errorf("the scenario has not walked the pages of a list")
	}
	return s.walk, nil
}

func theTotalsAreTheSameOnEveryPage(ctx context.Context) error {
	w, err := state(ctx).currentWalk()
	if err != nil {
		return err
	}
	for _, p := range w.pages {
		if p.totalItems != w.first.totalItems || p.totalPages != w.first.totalPages {
			return fmt.Errorf("%s at %d per page: page %d says totalItems %d, totalPages %d, but the first page said %d and %d",
				w.res.phrase, w.perPage, p.number, p.totalItems, p.totalPages, w.first.totalItems, w.first.totalPages)
		}
	}
	return nil
}

func everyPageButTheLastIsFull(ctx context.Context, perPage int) error {
	w, err := state(ctx).currentWalk()
	if err != nil {
		return err
	}
	if w.perPage != perPage {
		return fmt.Errorf("the walk was at %d per page, not %d", w.perPage, perPage)
	}
	for _, p := range w.pages {
		if int64(p.index) < w.first.totalPages-1 && p.count != perPage {
			return fmt.Errorf("%s: page %d of %d holds %d items, want %d (perPage); only the last page may hold fewer",
				w.res.phrase, p.number, w.first.totalPages, p.count, perPage)
		}
	}
	return nil
}

func theLastPageHoldsTheRest(ctx context.Context) error {
	w, err := state(ctx).currentWalk()
	if err != nil {
		return err
	}
	if w.first.totalPages == 0 {
		if len(w.items) != 0 {
			return fmt.Errorf("%s: totalPages is 0 but the first page holds %d items", w.res.phrase, len(w.items))
		}
		return nil
	}
	last := w.pages[len(w.pages)-1]
	want := w.first.totalItems - (w.first.totalPages-1)*int64(w.perPage)
	if int64(last.index) != w.first.totalPages-1 {
		return fmt.Errorf("%s: the walk ended on page %d, not on the last page %d", w.res.phrase, last.number, int64(w.firstPage)+w.first.totalPages-1)
	}
	if int64(last.count) != want {
		return fmt.Errorf("%s at %d per page: the last page (%d) holds %d items; with totalItems %d it must hold the remaining %d",
			w.res.phrase, w.perPage, last.number, last.count, w.first.totalItems, want)
	}
	return nil
}

func everyItemWasReturnedExactlyOnce(ctx context.Context) error {
	w, err := state(ctx).currentWalk()
	if err != nil {
		return err
	}
	seen := map[int64]int{} // id -> page
	var dups []string
	for _, p := range w.pages {
		for _, it := range w.items[p.firstItem : p.firstItem+p.count] {
			id := idOf(it)
			if prev, ok := seen[id]; ok {
				dups = append(dups, fmt.Sprintf("id %d on page %d and again on page %d", id, prev, p.number))
				continue
			}
			seen[id] = p.number
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("%s at %d per page: items were returned more than once while walking the pages: %s",
			w.res.phrase, w.perPage, firstFew(dups))
	}
	want := w.first.totalItems
	if w.sampled {
		// Only some pages were visited: full ones, and the last one.
		want = int64(len(w.pages)-1)*int64(w.perPage) + (w.first.totalItems - (w.first.totalPages-1)*int64(w.perPage))
	}
	if int64(len(w.items)) != want {
		return fmt.Errorf("%s at %d per page: walking pages 0..%d returned %d distinct items, but totalItems is %d; items were lost or invented",
			w.res.phrase, w.perPage, w.first.totalPages-1, len(w.items), w.first.totalItems)
	}
	return nil
}

func theItemsAreInTheDocumentedOrder(ctx context.Context, phrase string) error {
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	return state(ctx).checkOrder(r.order(), r.phrase)
}

func theItemsAreOrderedBy(ctx context.Context, text string) error {
	o, err := parseOrder(text)
	if err != nil {
		return err
	}
	return state(ctx).checkOrder(o, "")
}

func (s *scenario) checkOrder(o sortOrder, phrase string) error {
	var items []object
	what := ""
	if s.walk != nil {
		if phrase != "" && s.walk.res.phrase != phrase {
			return fmt.Errorf("the walk was of %s, not %s", s.walk.res.phrase, phrase)
		}
		items, what = s.walk.items, fmt.Sprintf("%s (all pages at %d per page)", s.walk.res.phrase, s.walk.perPage)
	} else {
		ex, pb, err := s.lastPage()
		if err != nil {
			return err
		}
		items, what = pb.items, ex.target()
	}
	if msg := o.check(items); msg != "" {
		return fmt.Errorf("%s: %s", what, msg)
	}
	return nil
}

// theItemsAreTheSameAsItemsOf compares the latest page with a slice of
// another page: the second page at 10 per page is items 11 to 20 of the
// first page at 20.
func theItemsAreTheSameAsItemsOf(ctx context.Context, from, to int, ordinal string, perPage int) error {
	s := state(ctx)
	ex, pb, err := s.lastPage()
	if err != nil {
		return err
	}
	q := url.Values{"page": {strconv.Itoa(s.pageNumber(pagePlace(ordinal)))}, "perPage": {strconv.Itoa(perPage)}}
	other, err := s.request(ctx, ex.path, q)
	if err != nil {
		return err
	}
	if other.status != http.StatusOK {
		return errNotOK(other)
	}
	ob, err := readPage(other)
	if err != nil {
		return err
	}
	if from < 1 || to > len(ob.items) || from > to {
		return fmt.Errorf("%s holds %d items; the scenario needs items %d to %d", other.target(), len(ob.items), from, to)
	}
	want := ob.items[from-1 : to]
	if len(pb.items) != len(want) {
		return fmt.Errorf("%s holds %d items, but items %d to %d of %s are %d", ex.target(), len(pb.items), from, to, other.target(), len(want))
	}
	for i := range want {
		if d := difference(pb.items[i], want[i]); d != "" {
			return fmt.Errorf("item %d of %s is not item %d of %s: %s", i+1, ex.target(), from+i, other.target(), d)
		}
	}
	return nil
}
