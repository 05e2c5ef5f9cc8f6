package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/membersmock/membersmock/spec"
)

// WriteSummary writes one screen: a line per operation naming the dialect
// settings that explain its differences, each difference nothing explains,
// and what to do next.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Drift of %s from the mock at %s (%d requests to each, compared by behaviour, not values)\n", r.Target, r.Mock, r.Requests)
	width := 0
	for _, op := range r.Operations {
		width = max(width, len(op))
	}
	for _, op := range r.Operations {
		var settings, rest []string
		n := 0
		for _, d := range r.Differences {
			if d.OperationID != op {
				continue
			}
			n++
			if d.Dialect != nil {
				if s := d.Dialect.String(); !contains(settings, s) {
					settings = append(settings, s)
				}
				continue
			}
			rest = append(rest, d.Message)
		}
		line := "no difference"
		if n > 0 {
			line = plural(n, "difference")
			if len(settings) > 0 {
				line += "; the dialect explains " + strings.Join(settings, ", ")
			}
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, op, line)
		for _, m := range rest {
			fmt.Fprintf(&b, "  %-*s    - %s\n", width, "", m)
		}
	}
	switch {
	case len(r.Differences) == 0:
		b.WriteString("No behavioural difference: the mock still tells the truth about this target.\n")
	case r.Explained():
		fmt.Fprintf(&b, "%s, every one explained by the dialect below. Start the mock with --dialect FILE and run the suite with --dialect FILE to agree with the target (--write-dialect FILE writes it):\n\n",
			plural(len(r.Differences), "difference"))
		b.Write(r.Dialect.YAML())
	default:
		fmt.Fprintf(&b, "%s, %d of them explained by no dialect setting: the mock (or the target) is wrong there; --json FILE gives an example request of each for both sides.\n",
			plural(len(r.Differences), "difference"), r.Unexplained())
		if !r.Dialect.Same(r.MockDialect) {
			fmt.Fprintf(&b, "The rest are explained by the dialect %s.\n", r.Dialect)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing the drift summary: %w", err)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// jsonReport is the form of WriteJSON.
type jsonReport struct {
	Mock        string       `json:"mock"`
	Target      string       `json:"target"`
	Requests    int          `json:"requests"`
	Differences []Difference `json:"differences"`
	Explained   bool         `json:"explained"`
	MockDialect spec.Dialect `json:"mockDialect"`
	// Dialect is the dialect that makes mock and suite agree with the
	// target, where settings explain differences.
	Dialect spec.Dialect `json:"dialect"`
}

// WriteJSON writes every difference with an example request for both sides.
func (r *Report) WriteJSON(w io.Writer) error {
	diffs := r.Differences
	if diffs == nil {
		diffs = []Difference{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	err := enc.Encode(jsonReport{
		Mock: r.Mock, Target: r.Target, Requests: r.Requests, Differences: diffs,
		Explained: r.Explained(), MockDialect: r.MockDialect, Dialect: r.Dialect,
	})
	if err != nil {
		return fmt.Errorf("writing the drift report as JSON: %w", err)
	}
	return nil
}
