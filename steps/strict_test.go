package steps_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/steps"
)

func TestCoveragePercent(t *testing.T) {
	op := func(hit, miss, pHit, pMiss int) steps.OperationCoverage {
		oc := steps.OperationCoverage{ID: "op"}
		for i := range hit {
			oc.StatusesExercised = append(oc.StatusesExercised, 200+i)
		}
		for i := range miss {
			oc.StatusesMissed = append(oc.StatusesMissed, 400+i)
		}
		for range pHit {
			oc.ParamsExercised = append(oc.ParamsExercised, "p")
		}
		for range pMiss {
			oc.ParamsMissed = append(oc.ParamsMissed, "q")
		}
		return oc
	}
	tests := []struct {
		name string
		ops  []steps.OperationCoverage
		want float64
		text string // in the summary
	}{
		{"nothing documented", nil, 0, "0.0% (0 of 0"},
		{"all", []steps.OperationCoverage{op(2, 0, 3, 0)}, 100, "100.0% (5 of 5"},
		{"statuses and parameters count alike", []steps.OperationCoverage{op(1, 1, 1, 1), op(0, 2, 2, 0)}, 50, "50.0% (4 of 8"},
		{"rounded down for people", []steps.OperationCoverage{op(2, 1, 0, 0)}, 200.0 / 3, "66.6% (2 of 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cov := steps.Coverage{Operations: tt.ops}
			if got := cov.Percent(); got != tt.want {
				t.Errorf("Percent() = %v, want %v", got, tt.want)
			}
			var b bytes.Buffer
			if err := (steps.Result{Coverage: cov}).WriteSummary(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "Contract coverage "+tt.text) {
				t.Errorf("the summary lacks %q:\n%s", tt.text, b.String())
			}
		})
	}
}

// TestPolicy: skips fail only a strict run, coverage only a run with a
// threshold above it; the summary says why a run failed.
func TestPolicy(t *testing.T) {
	skipped := steps.Result{Passed: 3, Skipped: 1, Skips: []steps.Skip{{Scenario: "A suspended member", Location: "s.feature:3", Reason: "the profile names no suspended member"}}}
	half := steps.Coverage{Operations: []steps.OperationCoverage{{ID: "op", StatusesExercised: []int{200}, StatusesMissed: []int{404}}}}
	tests := []struct {
		name string
		res  steps.Result
		ok   bool
		out  []string
	}{
		{"skips pass a run", skipped, true, []string{"PASSED", "Skipped (they do not fail the run)"}},
		{"skips fail a strict run", with(skipped, func(r *steps.Result) { r.Strict = true }), false,
			[]string{"FAILED", "Failed because the run is strict", "A suspended member  (s.feature:3)\n      the profile names no suspended member"}},
		{"a strict run without skips", steps.Result{Passed: 3, Strict: true}, true, []string{"PASSED"}},
		{"coverage at the threshold", steps.Result{Passed: 1, Coverage: half, FailUnder: 50}, true, []string{"PASSED"}},
		{"coverage below the threshold", steps.Result{Passed: 1, Coverage: half, FailUnder: 50.1}, false,
			[]string{"FAILED", "the contract coverage is 50.0% (1 of 2 documented status codes and parameters), below the --fail-under 50.1%"}},
		{"no threshold", steps.Result{Passed: 1, Coverage: half}, true, []string{"PASSED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.res.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v", !tt.ok, tt.ok)
			}
			var b bytes.Buffer
			if err := tt.res.WriteSummary(&b); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.out {
				if !strings.Contains(b.String(), want) {
					t.Errorf("the summary lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}

func with(r steps.Result, edit func(*steps.Result)) steps.Result {
	edit(&r)
	return r
}
