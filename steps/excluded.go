package steps

import "strings"

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
