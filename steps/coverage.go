package steps

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/membersmock/membersmock/spec"
)

// Coverage says which parts of the contract a run exercised: per documented
// operation, the status codes it saw and the parameters it sent.
type Coverage struct {
	Operations []OperationCoverage `json:"operations"`
	// Undocumented counts requests to paths that are no documented operation
	// (deliberate, such as an unknown path).
	Undocumented int `json:"undocumentedRequests"`
}

// OperationCoverage is the coverage of one documented operation.
type OperationCoverage struct {
	ID                string   `json:"operationId"`
	Method            string   `json:"method"`
	Path              string   `json:"path"`
	Requests          int      `json:"requests"`
	StatusesExercised []int    `json:"statusesExercised"`
	StatusesMissed    []int    `json:"statusesNotExercised"`
	ParamsExercised   []string `json:"parametersExercised"`
	ParamsMissed      []string `json:"parametersNotExercised"`
	// Undocumented lists statuses the target answered that the operation
	// does not document (each one already failed its step).
	Undocumented []int `json:"undocumentedStatuses,omitempty"`
}

// coverageRecorder collects coverage from concurrent scenarios.
type coverageRecorder struct {
	validator *spec.Validator

	mu           sync.Mutex
	ops          []spec.Operation
	requests     map[string]int
	statuses     map[string]map[int]bool
	params       map[string]map[string]bool
	undocumented int
}

func newCoverageRecorder(v *spec.Validator) *coverageRecorder {
	return &coverageRecorder{
		validator: v,
		ops:       v.Operations(),
		requests:  make(map[string]int),
		statuses:  make(map[string]map[int]bool),
		params:    make(map[string]map[string]bool),
	}
}

// record notes one exchange. apiPath is the request path without the base
// URL's own path prefix.
func (c *coverageRecorder) record(req *http.Request, apiPath string, status int) (spec.Operation, bool) {
	op, ok := c.validator.FindOperation(req.Method, apiPath)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !ok {
		c.undocumented++
		return op, false
	}
	c.requests[op.ID]++
	if c.statuses[op.ID] == nil {
		c.statuses[op.ID] = make(map[int]bool)
		c.params[op.ID] = make(map[string]bool)
	}
	c.statuses[op.ID][status] = true
	query := req.URL.Query()
	for _, name := range op.Params {
		switch {
		case strings.Contains(op.Path, "{"+name+"}"):
			c.params[op.ID][name] = true
		case query.Has(name):
			c.params[op.ID][name] = true
		case req.Header.Get(name) != "":
			c.params[op.ID][name] = true
		}
	}
	return op, true
}

// snapshot returns the coverage so far, operations in document order.
func (c *coverageRecorder) snapshot() Coverage {
	c.mu.Lock()
	defer c.mu.Unlock()
	cov := Coverage{Undocumented: c.undocumented, Operations: []OperationCoverage{}}
	for _, op := range c.ops {
		oc := OperationCoverage{
			ID: op.ID, Method: op.Method, Path: op.Path, Requests: c.requests[op.ID],
			StatusesExercised: []int{}, StatusesMissed: []int{},
			ParamsExercised: []string{}, ParamsMissed: []string{},
		}
		seen := c.statuses[op.ID]
		for _, s := range op.Statuses {
			if seen[s] {
				oc.StatusesExercised = append(oc.StatusesExercised, s)
			} else {
				oc.StatusesMissed = append(oc.StatusesMissed, s)
			}
		}
		for s := range seen {
			if !slices.Contains(op.Statuses, s) {
				oc.Undocumented = append(oc.Undocumented, s)
			}
		}
		slices.Sort(oc.Undocumented)
		for _, p := range op.Params {
			if c.params[op.ID][p] {
				oc.ParamsExercised = append(oc.ParamsExercised, p)
			} else {
				oc.ParamsMissed = append(oc.ParamsMissed, p)
			}
		}
		cov.Operations = append(cov.Operations, oc)
	}
	return cov
}
