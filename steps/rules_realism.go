package steps

// What the contract says real values look like.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// netexStopPlace is a NeTEx id of a stop place in the national registry.
var netexStopPlace = regexp.MustCompile(`^NSR:StopPlace:[1-9][0-9]*$`)

// userTypeCode is how user types are written: ADULT, CHILD, SENIOR, ….
var userTypeCode = regexp.MustCompile(`^[A-Z][A-Z_]*$`)

// valuesLookReal checks what the contract says real values look like: stop
// places in metadata are NeTEx ids, user types are codes such as ADULT, and
// a discount is a percentage a traveller would recognise.
func valuesLookReal(d *memberData, _ time.Time) []string {
	var out []string
	var walk func(what, path string, v any)
	walk = func(what, path string, v any) {
		o, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, e := range o {
			p := path + "." + k
			s, isString := e.(string)
			switch {
			case k == "userType" && isString && !userTypeCode.MatchString(s):
				out = append(out, fmt.Sprintf("%s has %s %q; user types are codes such as ADULT, CHILD, SENIOR, STUDENT", what, p, s))
			case strings.HasSuffix(strings.ToLower(k), "stopplace") && isString && !netexStopPlace.MatchString(s):
				out = append(out, fmt.Sprintf("%s has %s %q; stop places are NeTEx ids such as NSR:StopPlace:337", what, p, s))
			case k == "stationPair":
				pair, _ := e.(map[string]any)
				for _, end := range []string{"from", "to"} {
					if s, _ := pair[end].(string); !netexStopPlace.MatchString(s) {
						out = append(out, fmt.Sprintf("%s has %s.%s %s; stop places are NeTEx ids such as NSR:StopPlace:337", what, p, end, show(pair[end])))
					}
				}
			default:
				walk(what, p, e)
			}
		}
	}
	walk("the member", "metadata", d.member["metadata"])
	for _, l := range []struct {
		kind  string
		items []object
	}{{"transaction", d.transactions}, {"point period", d.periods}, {"suspension", d.suspensions}} {
		for _, it := range l.items {
			walk(fmt.Sprintf("%s %d", l.kind, idOf(it)), "metadata", it["metadata"])
		}
	}
	levels, _ := d.ladder["levels"].([]any)
	for _, lv := range levels {
		lo, _ := lv.(map[string]any)
		rewards, _ := lo["rewards"].([]any)
		for _, rw := range rewards {
			ro, _ := rw.(map[string]any)
			if ro["type"] != "DISCOUNT" {
				continue
			}
			if v, ok := numOf(ro, "value"); ok && (v <= 0 || v > 100) {
				out = append(out, fmt.Sprintf("reward %s (%s) is a discount of %v; a discount is a percentage above 0 and at most 100", show(ro["rewardId"]), show(ro["name"]), v))
			}
		}
	}
	sort.Strings(out)
	return out
}
