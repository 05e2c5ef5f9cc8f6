package steps

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// object is a decoded JSON object; numbers are json.Number.
type object = map[string]any

// intOf returns an integer property; false when absent, null or not an integer.
func intOf(o object, key string) (int64, bool) {
	n, ok := o[key].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// numOf returns a number property; false when absent, null or not a number.
func numOf(o object, key string) (float64, bool) {
	n, ok := o[key].(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// strOf returns a string property; false when absent, null or not a string.
func strOf(o object, key string) (string, bool) {
	s, ok := o[key].(string)
	return s, ok
}

// timeOf returns a date-time property; false when absent, null or unparsable
// (the spec validation has already failed the step in that case).
func timeOf(o object, key string) (time.Time, bool) {
	s, ok := o[key].(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// idOf returns the id of a body item; 0 when it has none.
func idOf(o object) int64 {
	id, _ := intOf(o, "id")
	return id
}

func ids(items []object) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = idOf(it)
	}
	return out
}

// pageOf reads a page wrapper.
type pageBody struct {
	items      []object
	totalItems int64
	totalPages int64
}

func readPage(ex *exchange) (pageBody, error) {
	o, err := ex.object()
	if err != nil {
		return pageBody{}, err
	}
	raw, ok := o["items"].([]any)
	if !ok {
		return pageBody{}, fmt.Errorf("%s: the page has no items array", ex.target())
	}
	p := pageBody{items: make([]object, 0, len(raw))}
	for i, r := range raw {
		it, ok := r.(map[string]any)
		if !ok {
			return pageBody{}, fmt.Errorf("%s: items[%d] is not an object", ex.target(), i)
		}
		p.items = append(p.items, it)
	}
	var ok1, ok2 bool
	p.totalItems, ok1 = intOf(o, "totalItems")
	p.totalPages, ok2 = intOf(o, "totalPages")
	if !ok1 || !ok2 {
		return pageBody{}, fmt.Errorf("%s: the page lacks integer totalItems/totalPages", ex.target())
	}
	return p, nil
}

// canonical turns json.Numbers into int64 or float64 so that equal values
// compare equal however they were written.
func canonical(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		// An optional property may be omitted or null: both mean "none".
		out := make(map[string]any, len(t))
		for k, e := range t {
			if e != nil {
				out[k] = canonical(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = canonical(e)
		}
		return out
	}
	return v
}

// difference describes the first place where a and b differ, "" when they
// are the same JSON value.
func difference(a, b any) string {
	return diffAt("", canonical(a), canonical(b))
}

func diffAt(path string, a, b any) string {
	if reflect.DeepEqual(a, b) {
		return ""
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			av, ain := am[k]
			bv, bin := bm[k]
			switch {
			case ain != bin:
				return fmt.Sprintf("%s.%s is %s in one and %s in the other", path, k, presence(ain, av), presence(bin, bv))
			default:
				if d := diffAt(path+"."+k, av, bv); d != "" {
					return d
				}
			}
		}
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		if len(as) != len(bs) {
			return fmt.Sprintf("%s has %d elements in one and %d in the other", orRoot(path), len(as), len(bs))
		}
		for i := range as {
			if d := diffAt(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i]); d != "" {
				return d
			}
		}
	}
	return fmt.Sprintf("%s is %s in one and %s in the other", orRoot(path), show(a), show(b))
}

func presence(in bool, v any) string {
	if !in {
		return "absent"
	}
	return show(v)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func orRoot(path string) string {
	if path == "" {
		return "the body"
	}
	return path
}

// listIDs shows at most a few ids, for messages.
func listIDs(xs []int64) string {
	const most = 8
	parts := make([]string, 0, most+1)
	for i, x := range xs {
		if i == most {
			parts = append(parts, fmt.Sprintf("… (%d in all)", len(xs)))
			break
		}
		parts = append(parts, fmt.Sprint(x))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// firstFew joins at most a few problems into one message.
func firstFew(problems []string) string {
	const most = 5
	if len(problems) <= most {
		return strings.Join(problems, "\n")
	}
	return strings.Join(problems[:most], "\n") + fmt.Sprintf("\n… and %d more", len(problems)-most)
}
