package mockserver

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// coverage counts the API's answers by operation and status since the mock started (or
// was reset), for GET /__mock/coverage: behind the proxy it says what an app's traffic
// exercised of the real service, and what it never saw.
type coverage struct {
	mu      sync.Mutex
	seen    map[string]map[int]int64 // operationId -> status -> answers
	unknown int64                    // answers to paths under /v1/ that are no operation
}

// CoverageReport is the body of GET /__mock/coverage.
type CoverageReport struct {
	Requests   int64               `json:"requests"`
	Unknown    int64               `json:"unknown"` // answers to paths under /v1/ that are no documented operation
	Operations []OperationCoverage `json:"operations"`
}

// OperationCoverage is what was seen of one operation.
type OperationCoverage struct {
	OperationID string           `json:"operationId"`
	Path        string           `json:"path"`
	Seen        []StatusCoverage `json:"seen"`
	// Unseen are the statuses the document gives the operation that no answer had yet.
	Unseen []int `json:"unseen"`
}

// StatusCoverage is how many answers had one status; Documented is false for a status the
// document does not give the operation.
type StatusCoverage struct {
	Status     int   `json:"status"`
	Count      int64 `json:"count"`
	Documented bool  `json:"documented"`
}

// middleware counts each answer to a path under /v1/.
func (cv *coverage) middleware(ops map[string]spec.Operation) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if !strings.HasPrefix(c.Request.URL.Path, "/v1/") || c.Request.Method == http.MethodOptions {
			return
		}
		status := c.Writer.Status()
		if c.GetBool(droppedKey) {
			status = 0
		}
		op := ops[c.FullPath()].ID
		cv.mu.Lock()
		defer cv.mu.Unlock()
		if op == "" {
			cv.unknown++
			return
		}
		if cv.seen == nil {
			cv.seen = make(map[string]map[int]int64)
		}
		if cv.seen[op] == nil {
			cv.seen[op] = make(map[int]int64)
		}
		cv.seen[op][status]++
	}
}

func (cv *coverage) clear() {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	cv.seen, cv.unknown = nil, 0
}

// report lists every documented operation in document order.
func (cv *coverage) report(ops []spec.Operation) CoverageReport {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	out := CoverageReport{Unknown: cv.unknown, Operations: []OperationCoverage{}}
	out.Requests = cv.unknown
	for _, op := range ops {
		oc := OperationCoverage{OperationID: op.ID, Path: op.Path, Seen: []StatusCoverage{}, Unseen: []int{}}
		counts := cv.seen[op.ID]
		statuses := make([]int, 0, len(counts))
		for s := range counts {
			statuses = append(statuses, s)
		}
		slices.Sort(statuses)
		for _, s := range statuses {
			oc.Seen = append(oc.Seen, StatusCoverage{Status: s, Count: counts[s], Documented: slices.Contains(op.Statuses, s)})
			out.Requests += counts[s]
		}
		for _, s := range op.Statuses {
			if counts[s] == 0 {
				oc.Unseen = append(oc.Unseen, s)
			}
		}
		out.Operations = append(out.Operations, oc)
	}
	return out
}

func (ctl *control) getCoverage(c *gin.Context) {
	writeJSON(c, http.StatusOK, ctl.coverage.report(ctl.allOps))
}
