package steps

import (
	"fmt"
	"math"
	"strings"
)

// Exercised counts the parts of the contract a run exercised: every
// documented status code of every operation and every parameter of every
// operation is one part, and the total counts them all.
func (c Coverage) Exercised() (exercised, total int) {
	for _, op := range c.Operations {
		exercised += len(op.StatusesExercised) + len(op.ParamsExercised)
		total += len(op.StatusesExercised) + len(op.StatusesMissed) + len(op.ParamsExercised) + len(op.ParamsMissed)
	}
	return exercised, total
}

// Percent is the contract coverage as one number: the share of the parts
// of the contract (see Exercised) that the run exercised, from 0 to 100.
// Statuses a target shows only in a special mode (401, 429, 500) count
// too, so a run without those modes stays below 100.
func (c Coverage) Percent() float64 {
	exercised, total := c.Exercised()
	if total == 0 {
		return 0
	}
	return 100 * float64(exercised) / float64(total)
}

// floorPercent is Percent rounded down to one decimal, so that a run below
// a threshold never shows the threshold itself.
func (c Coverage) floorPercent() float64 { return math.Floor(c.Percent()*10) / 10 }

// percentText is Percent for people, with what it counts.
func (c Coverage) percentText() string {
	exercised, total := c.Exercised()
	return fmt.Sprintf("%.1f%% (%d of %d documented status codes and parameters)", c.floorPercent(), exercised, total)
}

// policyFailures says, one sentence each, why a run whose scenarios all
// passed fails anyway: skips in a strict run, coverage below FailUnder.
func (r Result) policyFailures() []string {
	var out []string
	if r.Strict && r.Skipped > 0 {
		out = append(out, fmt.Sprintf("the run is strict (--strict) and %d scenario(s) were skipped (listed below); give the profile what they need, or leave them out with --tags", r.Skipped))
	}
	if r.FailUnder > 0 && r.Coverage.Percent() < r.FailUnder {
		out = append(out, fmt.Sprintf("the contract coverage is %s, below the --fail-under %g%%; run more scenarios (--tags) or lower the threshold", r.Coverage.percentText(), r.FailUnder))
	}
	return out
}

// writePolicy writes why the run failed its policy, if it did.
func (r Result) writePolicy(b *strings.Builder) {
	for _, p := range r.policyFailures() {
		fmt.Fprintf(b, "Failed because %s\n", p)
	}
}

// writeStrictSkips lists every skipped scenario of a strict run, each with
// its reason: each one is a reason the run failed.
func (r Result) writeStrictSkips(b *strings.Builder) {
	b.WriteString("\nSkipped, which fails a strict run:\n")
	for _, s := range r.Skips {
		fmt.Fprintf(b, "  - %s  (%s)\n      %s\n", s.Scenario, s.Location, s.Reason)
	}
}
