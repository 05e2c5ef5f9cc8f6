package steps

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// ExcludedTags lists the tags a tag expression leaves out as a whole: the
// "~@tag" terms that stand alone between "&&" (godog's expressions are
// ANDs of comma-separated ORs, so only a lone negation excludes every
// scenario carrying the tag). The summary names them, so that nobody takes
// a left-out scenario for one that ran.
func ExcludedTags(expr string) []string {
	var out []string
	seen := map[string]bool{}
	for _, and := range strings.Split(expr, "&&") {
		t := strings.TrimSpace(and)
		if strings.Contains(t, ",") || !strings.HasPrefix(t, "~@") {
			continue
		}
		if tag := strings.TrimPrefix(t, "~"); !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
	}
	return out
}

// LeftOut is how many scenarios a run's tags left out, for one reason.
type LeftOut struct {
	// Tag is the excluded tag the scenarios carry, OtherDialects for those
	// written for a dialect other than the run's, or OtherTags for those
	// the rest of the expression did not select.
	Tag       string
	Scenarios int
}

// The LeftOut.Tag of scenarios left out for reasons other than one tag.
const (
	OtherDialects = "(written for other dialects)"
	OtherTags     = "(not selected by --tags)"
)

// countLeftOut counts the scenarios of the features opts reads that its tag
// expression leaves out, each under the first excluded tag it carries.
func countLeftOut(opts godog.Options) ([]LeftOut, error) {
	all := opts
	all.Tags = ""
	every, err := godog.TestSuite{Options: &all}.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("reading the feature files: %w", err)
	}
	chosen, err := godog.TestSuite{Options: &opts}.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("reading the feature files: %w", err)
	}
	ran := map[string]bool{}
	for _, f := range chosen {
		for _, p := range f.Pickles {
			ran[p.Uri+"\x00"+p.Id] = true
		}
	}
	excluded := ExcludedTags(opts.Tags)
	counts := map[string]int{}
	for _, f := range every {
		for _, p := range f.Pickles {
			if ran[p.Uri+"\x00"+p.Id] {
				continue
			}
			reason := OtherTags
			for _, tag := range excluded {
				if slices.ContainsFunc(p.Tags, func(t *messages.PickleTag) bool { return t.Name == tag }) {
					reason = tag
					if isDialectTag(tag) {
						reason = OtherDialects
					}
					break
				}
			}
			counts[reason]++
		}
	}
	var out []LeftOut
	for tag, n := range counts {
		out = append(out, LeftOut{Tag: tag, Scenarios: n})
	}
	// The expression's order, then the two groups.
	rank := func(tag string) int {
		switch tag {
		case OtherDialects:
			return len(excluded)
		case OtherTags:
			return len(excluded) + 1
		}
		return slices.Index(excluded, tag)
	}
	slices.SortFunc(out, func(a, b LeftOut) int { return cmp.Compare(rank(a.Tag), rank(b.Tag)) })
	return out, nil
}
