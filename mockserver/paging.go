package mockserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// listRules is what the dialect in force says about lists: the paging bounds of the
// validator's document and the choices the contract leaves open (the first page's number,
// a perPage above the largest, a page past the last, an empty filter). The mock reads them
// from the validator it validates with, so that its answers and its document agree.
type listRules struct {
	paging      spec.Paging
	notFoundEnd bool // a page past the last one answers 404
	ignoreEmpty bool // an empty filter is as if it were not given
}

func newListRules(v *spec.Validator) *listRules {
	d := v.Dialect()
	return &listRules{paging: v.Paging(), notFoundEnd: d.PastLastPageNotFound(), ignoreEmpty: d.IgnoresEmptyFilters()}
}

// paging is a validated page request: page is the page's place, 0 for the
// first page whatever the dialect numbers it.
type paging struct {
	page, perPage int64
}

// offset is the index of the page's first item. It saturates instead of
// overflowing, so a huge page number is simply past the end.
func (p paging) offset() int64 {
	if p.page > (1<<62)/p.perPage {
		return 1 << 62
	}
	return p.page * p.perPage
}

// pageBody is the contract's page wrapper. Items is never nil, so an empty
// page encodes as "items": [].
type pageBody[T any] struct {
	Items      []T   `json:"items"`
	TotalItems int64 `json:"totalItems"`
	TotalPages int64 `json:"totalPages"`
}

// parse reads page and perPage. The spec validator has already checked them
// against the dialect's document, so a failure here is only a value past
// int64, answered like any other bad parameter.
func (lr *listRules) parse(c *gin.Context) (paging, bool) {
	b := lr.paging
	p := paging{page: 0, perPage: b.DefaultPerPage}
	if v, ok := c.GetQuery("page"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < b.FirstPage {
			badParameter(c, "page", fmt.Sprintf("page must be a whole number of at least %d.", b.FirstPage))
			return p, false
		}
		p.page = n - b.FirstPage
	}
	if v, ok := c.GetQuery("perPage"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err == nil && n > b.MaxPerPage && b.ClampsPerPage:
			n = b.MaxPerPage
		case err != nil || n < 1 || n > b.MaxPerPage:
			if b.ClampsPerPage {
				badParameter(c, "perPage", "perPage must be a whole number of at least 1.")
			} else {
				badParameter(c, "perPage", fmt.Sprintf("perPage must be a whole number from 1 to %d.", b.MaxPerPage))
			}
			return p, false
		}
		p.perPage = n
	}
	return p, true
}

// filter returns the value of a filter parameter and whether it filters: an
// empty value does not where the dialect ignores empty filters.
func (lr *listRules) filter(c *gin.Context, name string) (string, bool) {
	v, ok := c.GetQuery(name)
	if ok && v == "" && lr.ignoreEmpty {
		return "", false
	}
	return v, ok
}

// respondPage answers one page, or 404 for a page past the last one where the
// dialect says so. The first page is never past the last: an empty list
// answers it with no items.
func respondPage[T any](a *api, lr *listRules, c *gin.Context, p paging, body pageBody[T]) {
	if lr.notFoundEnd && p.page > 0 && p.page >= body.TotalPages {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf(
			"Page %d is past the last page of this list: it has %d items on %d pages of %d.",
			p.page+lr.paging.FirstPage, body.TotalItems, body.TotalPages, p.perPage))
		return
	}
	a.respond(c, body)
}

// newPage wraps the items of one page with the totals of the whole list.
func newPage[T any](items []T, total int64, p paging) pageBody[T] {
	if items == nil {
		items = []T{}
	}
	return pageBody[T]{
		Items:      items,
		TotalItems: total,
		TotalPages: (total + p.perPage - 1) / p.perPage,
	}
}

// pageOf cuts one page out of a whole, already ordered list.
func pageOf[T any](all []T, p paging) pageBody[T] {
	total := int64(len(all))
	start := min(p.offset(), total)
	end := min(start+p.perPage, total)
	return newPage(all[start:end:end], total, p)
}

// filter keeps the items for which keep is true, in order. It returns the
// input itself when nothing is filtered out.
func filter[T any](items []T, keep func(*T) bool) []T {
	for i := range items {
		if keep(&items[i]) {
			continue
		}
		out := make([]T, i, len(items))
		copy(out, items[:i])
		for j := i + 1; j < len(items); j++ {
			if keep(&items[j]) {
				out = append(out, items[j])
			}
		}
		return out
	}
	return items
}
