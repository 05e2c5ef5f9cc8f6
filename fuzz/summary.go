package fuzz

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteSummary writes what the run did and every failure with its curl
// line, then how to repeat the run.
func (r Result) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "conformance fuzz: %d requests generated (%d sent, shrinking included) against %s in %s\n",
		r.Generated, r.Sent, r.Target, r.Duration)
	fmt.Fprintf(&b, "seed %d · dialect %s\n", r.Seed, r.Dialect)
	if r.TimeUp {
		b.WriteString("the time bound (--time) ended the generation before the request budget was spent\n")
	}
	if r.Spent {
		b.WriteString("--max-requests was reached: the run stopped before its --requests were generated\n")
	}
	statuses := make([]int, 0, len(r.Statuses))
	for s := range r.Statuses {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	var parts []string
	for _, s := range statuses {
		name := fmt.Sprint(s)
		if s == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, r.Statuses[s]))
	}
	fmt.Fprintf(&b, "answers: %s\n", strings.Join(parts, " · "))
	// 401 and 429 say nothing of the request, so the checks pass over them.
	switch {
	case r.Statuses[401]*2 > r.Sent:
		b.WriteString("most answers were 401, which the checks cannot judge: give the target's token with --token (or CONFORMANCE_TOKEN)\n")
	case r.Statuses[429]*2 > r.Sent:
		b.WriteString("most answers were 429, which the checks cannot judge: lower --rate, or let --retries wait for Retry-After\n")
	}
	b.WriteString("\n")
	if len(r.Failures) == 0 {
		b.WriteString("No check failed.\n")
	} else {
		fmt.Fprintf(&b, "%d failures, each shrunk to a minimal request:\n\n", len(r.Failures))
	}
	for i, f := range r.Failures {
		fmt.Fprintf(&b, "%d. %s — %s: %s\n", i+1, f.Check, f.Operation, f.Message)
		if len(f.Also) > 0 {
			fmt.Fprintf(&b, "   (the same request also breaks: %s)\n", strings.Join(f.Also, ", "))
		}
		fmt.Fprintf(&b, "   %s\n\n", f.Curl)
	}
	fmt.Fprintf(&b, "Repeat this run exactly with --seed %d.\n", r.Seed)
	_, err := io.WriteString(w, b.String())
	return err
}
