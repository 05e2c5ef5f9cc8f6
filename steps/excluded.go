package steps

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// godog's tag expressions are ORs of ANDs: "@a && ~@b,@c" is
// (@a and not @b) or @c. The comma binds loosest.

// andAll adds term (itself "&&"-joined terms, without commas) to every
// alternative of expr, so that it applies to the whole expression.
func andAll(expr, term string) string {
	if term == "" {
		return expr
	}
	alts := strings.Split(expr, ",")
	for i, a := range alts {
		alts[i] = strings.TrimSpace(a) + " && " + term
	}
	return strings.Join(alts, ",")
}

// ExcludedTags lists the tags a tag expression leaves out as a whole: those
// negated ("~@tag") in every alternative, in the order of the first. The
// summary names them, so that nobody takes a left-out scenario for one
// that ran.
func ExcludedTags(expr string) []string {
	alts := strings.Split(expr, ",")
	negated := func(alt string) []string {
		var out []string
		for _, t := range strings.Split(alt, "&&") {
			if t = strings.TrimSpace(t); strings.HasPrefix(t, "~@") && !slices.Contains(out, t[1:]) {
				out = append(out, t[1:])
			}
		}
		return out
	}
	var out []string
	for _, tag := range negated(alts[0]) {
		if !slices.ContainsFunc(alts[1:], func(alt string) bool { return !slices.Contains(negated(alt), tag) }) {
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
