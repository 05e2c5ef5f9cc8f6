package mockserver

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

// Paging defaults and bounds from the contract.
const (
	defaultPerPage = 20
	maxPerPage     = 100
)

// paging is a validated page request: page is 0-based.
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

// parsePaging reads page and perPage. The spec validator has already
// checked them, so a failure here is only a value past int64, answered like
// any other bad parameter.
func parsePaging(c *gin.Context) (paging, bool) {
	p := paging{page: 0, perPage: defaultPerPage}
	if v, ok := c.GetQuery("page"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			badParameter(c, "page", "page must be a whole number of at least 0.")
			return p, false
		}
		p.page = n
	}
	if v, ok := c.GetQuery("perPage"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > maxPerPage {
			badParameter(c, "perPage", "perPage must be a whole number from 1 to 100.")
			return p, false
		}
		p.perPage = n
	}
	return p, true
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
