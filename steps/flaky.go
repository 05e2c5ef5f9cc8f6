package steps

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// writeBudget adds to the summary what the run spent of its request budget
// and the scenarios that passed only after a retry.
func (r Result) writeBudget(b *strings.Builder) {
	bu := r.Budget
	if bu.Exhausted() {
		fmt.Fprintf(b, "\nThe request budget ran out: the run sent %d requests, the most --max-requests allows, and %d more were not sent; their scenarios failed. Raise --max-requests (CONFORMANCE_MAX_REQUESTS) or run fewer scenarios with --tags.\n", bu.Sent, bu.NotSent)
	} else if bu.Rate > 0 || bu.MaxRequests > 0 || bu.Retries > 0 {
		fmt.Fprintf(b, "\nRequests: %d sent, %d of them retries (%s)\n", bu.Sent, bu.Retried, bu.limits())
	}
	if len(r.Flaky) == 0 {
		return
	}
	fmt.Fprintf(b, "\nFlaky (passed only after a retry; they do not fail the run, but the target had transient faults):\n")
	const most, reasons = 25, 3
	for i, f := range r.Flaky {
		if i == most {
			fmt.Fprintf(b, "  … and %d more flaky scenarios (see the reports)\n", len(r.Flaky)-most)
			break
		}
		fmt.Fprintf(b, "  ~ %s  (%s), %s\n", f.Scenario, f.Location, plural(f.Retries, "retry", "retries"))
		for j, reason := range f.Reasons {
			if j == reasons {
				fmt.Fprintf(b, "      … and %d more\n", len(f.Reasons)-reasons)
				break
			}
			fmt.Fprintf(b, "      %s\n", reason)
		}
	}
}

// limits names the budget's flags with their values.
func (b Budget) limits() string {
	var parts []string
	if b.Rate > 0 {
		parts = append(parts, fmt.Sprintf("--rate %s/s", strconv.FormatFloat(b.Rate, 'f', -1, 64)))
	}
	if b.MaxRequests > 0 {
		parts = append(parts, fmt.Sprintf("--max-requests %d", b.MaxRequests))
	}
	parts = append(parts, fmt.Sprintf("--retries %d", b.Retries))
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// flakyCase is a flaky scenario as the reports name it.
type flakyCase struct {
	uri  string
	line int64 // of the scenario, or of its Examples row
	// junitName is the scenario's test case name in godog's JUnit report:
	// its name, with " #n" when several scenarios of the feature share it
	// (an outline's rows), numbered in the order of the feature.
	junitName string
	flake     Flake
}

// flakyCases returns the run's flaky scenarios, in the order of the
// summary.
func (r *resultRecorder) flakyCases() []flakyCase {
	r.mu.Lock()
	defer r.mu.Unlock()
	type pickle struct {
		id int
		o  *scenarioOutcome
	}
	byName := map[[2]string][]pickle{} // uri, name → its pickles
	for id, o := range r.scenarios {
		n, _ := strconv.Atoi(id) // godog's pickle ids count up in document order
		k := [2]string{o.uri, o.name}
		byName[k] = append(byName[k], pickle{n, o})
	}
	var out []flakyCase
	for k, ps := range byName {
		slices.SortFunc(ps, func(a, b pickle) int { return cmp.Compare(a.id, b.id) })
		for i, p := range ps {
			o := p.o
			if o.failed || o.undefined || o.skipped || len(o.retries) == 0 {
				continue
			}
			name := k[1]
			if len(ps) > 1 {
				name += fmt.Sprintf(" #%d", i+1)
			}
			out = append(out, flakyCase{
				uri: o.uri, line: o.line, junitName: name,
				flake: Flake{Scenario: o.name, Location: fmt.Sprintf("%s:%d", o.uri, o.line), Retries: len(o.retries), Reasons: slices.Clone(o.retries)},
			})
		}
	}
	slices.SortFunc(out, func(a, b flakyCase) int {
		return cmp.Or(cmp.Compare(a.uri, b.uri), cmp.Compare(a.line, b.line), cmp.Compare(a.junitName, b.junitName))
	})
	return out
}
