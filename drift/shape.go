package drift

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/membersmock/membersmock/spec"
	"gopkg.in/yaml.v3"
)

// freeForm are the properties whose keys are the program's data, not the
// API's shape (the contract calls metadata free-form): only their type is compared.
var freeForm = map[string]bool{"metadata": true}

// shape is the JSON shape of one operation's bodies, learned over every
// response: for each object path ("" the body, "items[]" each item), how many
// objects were seen, and for each field what it held.
type shape struct {
	objects map[string]int
	example map[string]request     // a request whose answer had an object at the path
	fields  map[string]*fieldStats // by path, e.g. "items[].createdAt"
}

type fieldStats struct {
	present, null int
	types         map[string]bool // JSON types of the non-null values
	example       request         // a request whose answer had the field
}

func newShape() *shape {
	return &shape{objects: map[string]int{}, example: map[string]request{}, fields: map[string]*fieldStats{}}
}

// learn adds one body to the shape.
func (s *shape) learn(r request, v any) { s.walk(r, "", v) }

func (s *shape) walk(r request, path string, v any) {
	switch v := v.(type) {
	case map[string]any:
		if s.objects[path]++; s.objects[path] == 1 {
			s.example[path] = r
		}
		for k, x := range v {
			fp := k
			if path != "" {
				fp = path + "." + k
			}
			f := s.fields[fp]
			if f == nil {
				f = &fieldStats{types: map[string]bool{}, example: r}
				s.fields[fp] = f
			}
			f.present++
			if x == nil {
				f.null++
			} else {
				f.types[jsonType(x)] = true
			}
			if !freeForm[k] {
				s.walk(r, fp, x)
			}
		}
	case []any:
		for _, x := range v {
			s.walk(r, path+"[]", x)
		}
	}
}

// jsonType names the JSON type of a decoded value (numbers are one type:
// 10 and 10.5 differ in value, not in shape).
func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

func (f *fieldStats) typeList() string {
	ts := make([]string, 0, len(f.types))
	for t := range f.types {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return strings.Join(ts, " or ")
}

// shapeDiff is one difference between two shapes of the same operation.
type shapeDiff struct {
	message         string
	mockEx, tgtEx   request
	mockSaw, tgtSaw string
}

// compareShapes compares the shapes of one operation. A field is compared
// only where both sides sent objects at its parent path, so that a list that
// is empty on one side is no difference; a field that is null on one side
// and has a value on the other is data, not shape.
func compareShapes(m, t *shape, known map[string]bool, what string) []shapeDiff {
	var out []shapeDiff
	var mockOnly, tgtOnly []string
	paths := make([]string, 0, len(m.fields)+len(t.fields))
	for p := range m.fields {
		paths = append(paths, p)
	}
	for p := range t.fields {
		if m.fields[p] == nil {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		parent := parentPath(p)
		if m.objects[parent] == 0 || t.objects[parent] == 0 {
			continue
		}
		mf, tf := m.fields[p], t.fields[p]
		switch {
		case tf == nil:
			mockOnly = append(mockOnly, p)
		case mf == nil:
			tgtOnly = append(tgtOnly, p)
		default:
			if len(mf.types) > 0 && len(tf.types) > 0 && mf.typeList() != tf.typeList() {
				out = append(out, shapeDiff{
					message: fmt.Sprintf("%s %s is %s on the mock and %s on the target", what, p, mf.typeList(), tf.typeList()),
					mockEx:  mf.example, tgtEx: tf.example, mockSaw: mf.typeList(), tgtSaw: tf.typeList(),
				})
			}
			mMissing, tMissing := m.objects[parent]-mf.present, t.objects[parent]-tf.present
			switch {
			case mf.null > 0 && mMissing == 0 && tMissing > 0 && tf.null == 0:
				out = append(out, nullOrMissing(what, p, "the mock sends null", "the target leaves it out", mf, tf))
			case tf.null > 0 && tMissing == 0 && mMissing > 0 && mf.null == 0:
				out = append(out, nullOrMissing(what, p, "the mock leaves it out", "the target sends null", mf, tf))
			}
		}
	}
	// A field only the mock sends and one only the target sends, in the same
	// object and of the same type, is most likely one field renamed.
	for _, mp := range mockOnly {
		mf := m.fields[mp]
		i := slices.IndexFunc(tgtOnly, func(tp string) bool {
			return parentPath(tp) == parentPath(mp) && t.fields[tp].typeList() == mf.typeList()
		})
		if i < 0 {
			d := shapeDiff{
				message: fmt.Sprintf("%s: the mock sends %s, the target never does", what, mp),
				mockEx:  mf.example, tgtEx: t.example[parentPath(mp)], mockSaw: "has " + mp, tgtSaw: "no " + mp,
			}
			if len(mf.types) == 0 { // only ever null: the target leaves out what the mock sends as null
				d.message = fmt.Sprintf("%s %s without a value: the mock sends null, the target leaves it out", what, mp)
				d.mockSaw, d.tgtSaw = "sends null", "leaves it out"
			}
			out = append(out, d)
			continue
		}
		tp := tgtOnly[i]
		tgtOnly = slices.Delete(tgtOnly, i, i+1)
		tf := t.fields[tp]
		out = append(out, shapeDiff{
			message: fmt.Sprintf("%s: the field %s on the mock is called %s on the target", what, mp, tp) + unknown(known, tp),
			mockEx:  mf.example, tgtEx: tf.example, mockSaw: "has " + mp, tgtSaw: "has " + tp + " instead",
		})
	}
	for _, tp := range tgtOnly {
		tf := t.fields[tp]
		d := shapeDiff{
			message: fmt.Sprintf("%s: the target sends %s, the mock never does", what, tp) + unknown(known, tp),
			mockEx:  m.example[parentPath(tp)], tgtEx: tf.example, mockSaw: "no " + tp, tgtSaw: "has " + tp,
		}
		if len(tf.types) == 0 {
			d.message = fmt.Sprintf("%s %s without a value: the mock leaves it out, the target sends null", what, tp) + unknown(known, tp)
			d.mockSaw, d.tgtSaw = "leaves it out", "sends null"
		}
		out = append(out, d)
	}
	return out
}

func nullOrMissing(what, p, mock, target string, mf, tf *fieldStats) shapeDiff {
	return shapeDiff{
		message: fmt.Sprintf("%s %s without a value: %s, %s", what, p, mock, target),
		mockEx:  mf.example, tgtEx: tf.example, mockSaw: mock, tgtSaw: target,
	}
}

// unknown says so when the spec has no property of the field's name.
func unknown(known map[string]bool, path string) string {
	if known[lastName(path)] {
		return ""
	}
	return " (a field the spec does not know)"
}

func parentPath(p string) string {
	i := strings.LastIndex(p, ".")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func lastName(p string) string { return p[strings.LastIndex(p, ".")+1:] }

// knownFields returns the name of every property any schema of the spec declares.
func knownFields() (map[string]bool, error) {
	var doc any
	if err := yaml.Unmarshal(spec.Document(), &doc); err != nil {
		return nil, fmt.Errorf("reading the spec's property names: %w", err)
	}
	out := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k := range props {
					out[k] = true
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out, nil
}
