package fuzz

import (
	"fmt"
	"time"

	"github.com/membersmock/membersmock/steps"
)

// Report returns the run as the suite's result, so that the suite's HTML
// report (steps.Result.WriteHTML) lists the fuzz failures: one failed
// "scenario" per check an operation broke, named for both, with the
// minimal request, its answer and its curl line.
func (r Result) Report() steps.Result {
	feature := fmt.Sprintf("conformance fuzz (seed %d, %d requests generated)", r.Seed, r.Generated)
	out := steps.Result{Target: r.Target, Profile: "fuzz", Dialect: r.Dialect, Failed: len(r.Failures)}
	if d, err := time.ParseDuration(r.Duration); err == nil {
		out.Duration = d
	}
	for _, f := range r.Failures {
		name := fmt.Sprintf("%s: %s", f.Operation, f.Check)
		out.Scenarios = append(out.Scenarios, steps.ScenarioResult{
			Feature: feature, Scenario: name, Location: f.Operation,
			Tags: []string{"@fuzz", "@" + f.Check}, Status: steps.StatusFailed,
		})
		msg := f.Message
		if len(f.Also) > 0 {
			msg += fmt.Sprintf("\n(the same request also broke: %v)", f.Also)
		}
		out.Failures = append(out.Failures, steps.Failure{
			Scenario: name, Location: f.Operation, Step: "the check " + f.Check, Message: msg,
			Exchange: &steps.Exchange{Method: f.Method, URL: f.URL, RequestHeaders: f.Headers, Status: f.Status, BodyExcerpt: f.Body},
		})
	}
	return out
}
