package fuzz

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/membersmock/membersmock/spec"
)

// world is what the run knows of the target's data: the profile's ids, and
// what a few reads at the start found (see learn).
type world struct {
	programs     []int64           // known programs, the one under test first
	members      map[int64][]int64 // program → some of its members
	unknownID    int64             // an id that names nothing
	pointPeriods map[int64][]int64 // member → some of its point periods
	samples      map[string][]string
}

// existence says what the world knows of a program id.
func (w *world) program(id int64) existence {
	switch {
	case slices.Contains(w.programs, id):
		return exists
	case id == w.unknownID:
		return missing
	}
	return unknown
}

// member says what the world knows of a member id asked for under a program.
// Ids are unique across the API, so a member of another program is missing.
func (w *world) member(program, id int64) existence {
	if id == w.unknownID {
		return missing
	}
	if w.program(program) != exists {
		return unknown
	}
	for p, ms := range w.members {
		if slices.Contains(ms, id) {
			if p == program {
				return exists
			}
			return missing
		}
	}
	return unknown
}

// pointPeriod says what the world knows of a point period id asked for
// under a member.
func (w *world) pointPeriod(member, id int64) existence {
	if id == w.unknownID {
		return missing
	}
	for m, ps := range w.pointPeriods {
		if slices.Contains(ps, id) {
			if m == member {
				return exists
			}
			return missing
		}
	}
	return unknown
}

// generator draws requests from the parameter schemas of the document, with
// rapid, so that a failing request can be shrunk to a minimal one: every
// choice's first alternative is the plainest value, and every optional
// parameter can be left out.
type generator struct {
	world      *world
	paging     spec.Paging
	dialect    spec.Dialect
	clientName string
	methods    []string // GET first
}

// The weights of a choice are out of 100; draws shrink towards 0, so the
// plain alternatives come first.
func pick(t *rapid.T, label string) int { return rapid.IntRange(0, 99).Draw(t, label) }

// request draws one request to op.
func (g *generator) request(t *rapid.T, op *operation) *request {
	// Every optional part is drawn whether it is used or not, and its use
	// after it: the shrinker then drops it by flipping one choice, without
	// shifting what every later draw reads.
	r := &request{op: op, method: http.MethodGet}
	if len(g.methods) > 1 {
		other := rapid.SampledFrom(g.methods[1:]).Draw(t, "other method")
		if pick(t, "method") >= 85 {
			r.method = other
		}
	}
	ids := map[string]int64{}
	for _, p := range op.params {
		if p.In == "path" {
			r.params = append(r.params, sent{name: p.Name, in: p.In, value: g.pathID(t, p, ids)})
		}
	}
	for _, p := range op.params {
		if p.In != "query" {
			continue
		}
		v := g.queryValue(t, p)
		if !rapid.Bool().Draw(t, p.Name+" sent") {
			continue
		}
		r.params = append(r.params, sent{name: p.Name, in: p.In, value: v})
	}
	if pick(t, "repeat a parameter") >= 90 {
		// A parameter given twice: the contract says nothing of it, so an
		// answer as if once and a 400 naming it are both right.
		for i, s := range r.params {
			if s.in == "query" {
				if s.verdict == valid {
					r.params[i].verdict = either
				}
				r.params = append(r.params, r.params[i])
				break
			}
		}
	}
	unknownName := rapid.SampledFrom([]string{"unknown", "sort", "fields", "utm_source", "page_size", "limit"}).Draw(t, "unknown name")
	unknownValue := word(t, "unknown value")
	if pick(t, "unknown parameter") >= 80 {
		r.params = append(r.params, sent{name: unknownName, in: "query", value: value{text: unknownValue}})
	}
	for _, p := range op.params {
		if p.In == "header" {
			r.params = append(r.params, sent{name: p.Name, in: p.In, value: g.headerValue(t, p)})
		}
	}
	r.crossInvalid = crossInvalid(r)
	return r
}

// crossInvalid finds parameters each valid but not together: a createdAfter
// later than createdBefore.
func crossInvalid(r *request) []string {
	after, okA := r.first("createdAfter")
	before, okB := r.first("createdBefore")
	if !okA || !okB || after.verdict == invalid || before.verdict == invalid {
		return nil
	}
	// Upper case, as a server that takes lower-case t and z reads them.
	a, errA := time.Parse(time.RFC3339Nano, strings.ToUpper(after.text))
	b, errB := time.Parse(time.RFC3339Nano, strings.ToUpper(before.text))
	if errA == nil && errB == nil && a.After(b) {
		return []string{"createdAfter", "createdBefore"}
	}
	return nil
}

// invalidIDs are path ids the contract refuses with 400: not a positive
// int64.
var invalidIDs = []string{"0", "-1", "9223372036854775808", "abc", "1.5", "1e3", "٣"}

// pathID draws a value for an id in the path, knowing, where it can, whether
// it names something; ids holds the ids drawn before it.
func (g *generator) pathID(t *rapid.T, p parameter, ids map[string]int64) value {
	w := g.world
	known := func(id int64) existence {
		switch p.Name {
		case "programId":
			return w.program(id)
		case "memberId":
			return w.member(ids["programId"], id)
		case "pointPeriodId":
			return w.pointPeriod(ids["memberId"], id)
		}
		if id == w.unknownID {
			return missing
		}
		return unknown
	}
	var candidates, others []int64
	switch p.Name {
	case "programId":
		candidates, others = w.programs[:1], w.programs[1:]
	case "memberId":
		candidates = w.members[ids["programId"]]
		for _, prog := range w.programs {
			if prog != ids["programId"] {
				others = append(others, w.members[prog]...)
			}
		}
	case "pointPeriodId":
		candidates = w.pointPeriods[ids["memberId"]]
		for m, ps := range w.pointPeriods {
			if m != ids["memberId"] {
				others = append(others, ps...)
			}
		}
	}
	min := int64(1)
	if p.Schema.Minimum != nil {
		min = *p.Schema.Minimum
	}
	var id int64
	switch c := pick(t, p.Name); {
	case c < 60 && len(candidates) > 0:
		id = rapid.SampledFrom(candidates).Draw(t, p.Name+" known")
	case c < 70 && len(others) > 0:
		id = rapid.SampledFrom(others).Draw(t, p.Name+" elsewhere")
	case c < 78:
		id = w.unknownID
	case c < 82:
		id = min
	case c < 86:
		id = math.MaxInt64
	case c < 90:
		id = rapid.Int64Range(min, math.MaxInt64).Draw(t, p.Name+" any")
	default:
		text := rapid.SampledFrom(invalidIDs).Draw(t, p.Name+" invalid")
		return value{text: text, verdict: invalid}
	}
	ids[p.Name] = id
	return value{text: strconv.FormatInt(id, 10), exists: known(id)}
}

// queryValue draws a value for a query parameter from its schema.
func (g *generator) queryValue(t *rapid.T, p parameter) value {
	s := p.Schema
	switch {
	case s.Type == "integer":
		return g.integer(t, p)
	case len(s.Enum) > 0:
		return enumValue(t, p)
	case s.Type == "string" && s.Format == "date-time":
		return dateTime(t, p.Name)
	}
	return g.text(t, p)
}

// integer draws an integer parameter: any value within its bounds, or one
// that is no such integer (out of range, too large for its format, not a
// whole number, empty).
func (g *generator) integer(t *rapid.T, p parameter) value {
	s := p.Schema
	lo := int64(math.MinInt64)
	if s.Minimum != nil {
		lo = *s.Minimum
	}
	limit := int64(math.MaxInt64)
	if s.Format == "int32" {
		limit = math.MaxInt32
	}
	hi := limit
	if s.Maximum != nil {
		hi = *s.Maximum
	}
	bad := []value{{text: "abc"}, {text: "1.5"}, {text: ""}, {text: "1e3"}}
	if lo > math.MinInt64 {
		bad = append(bad, value{text: strconv.FormatInt(lo-1, 10)})
	}
	if hi < limit {
		bad = append(bad, value{text: strconv.FormatInt(hi+1, 10)})
	}
	for i := range bad {
		bad[i].verdict = invalid
	}
	if limit == math.MaxInt32 {
		// Beyond its int32 format: the contract calls page and perPage
		// integers and nothing more, so a page past the end and a 400
		// naming it are both right; what is wrong is a 5xx.
		bad = append(bad, value{text: "2147483648", verdict: either})
	} else {
		bad = append(bad, value{text: "9223372036854775808", verdict: invalid})
	}
	// One draw for every valid value: rapid's integers favour small
	// values and reach the bounds too, and a failure for large values
	// shrinks to the smallest that fails. (A separate alternative for the
	// upper bound would be where such a failure stays.)
	if pick(t, p.Name) >= 80 {
		return rapid.SampledFrom(bad).Draw(t, p.Name+" invalid")
	}
	return value{text: strconv.FormatInt(rapid.Int64Range(lo, hi).Draw(t, p.Name+" value"), 10)}
}

// enumValue draws one of the values, or a near miss.
func enumValue(t *rapid.T, p parameter) value {
	if pick(t, p.Name) < 70 {
		return value{text: rapid.SampledFrom(p.Schema.Enum).Draw(t, p.Name+" value")}
	}
	v := rapid.SampledFrom(p.Schema.Enum).Draw(t, p.Name+" near")
	bad := rapid.SampledFrom([]string{strings.ToLower(v), v + " ", "", "UNKNOWN"}).Draw(t, p.Name+" invalid")
	return value{text: bad, verdict: invalid}
}

// offsets are the zones a date-time may carry: UTC spelt every way RFC 3339
// allows, whole hours, half and quarter hours, and the extremes.
var offsets = []string{"Z", "+00:00", "-00:00", "+01:00", "-05:00", "+05:30", "-03:30", "+05:45", "+09:30", "+14:00", "-12:00"}

// badDateTimes are no RFC 3339 date-time.
var badDateTimes = []string{
	"2025-03-14T08:15:00", "2025-03-14", "2025-02-30T08:15:00Z", "2025-03-14T24:00:00Z",
	"2025-03-14T08:15:60Z", "2025-13-01T00:00:00Z", "2025-03-14T08:15:00+0530", "2025-03-14 08:15:00Z",
	"1741940100", "yesterday", "",
}

// dateTime draws an RFC 3339 date-time: any instant in the years the data
// covers and the far past and future, with or without fractional seconds (1
// to 9 digits), in any offset; or lower-case t and z, which RFC 3339
// allows but a deployment may refuse; or something that is no date-time.
func dateTime(t *rapid.T, name string) value {
	c := pick(t, name)
	if c >= 80 {
		return value{text: rapid.SampledFrom(badDateTimes).Draw(t, name+" invalid"), verdict: invalid}
	}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	at := base.Add(time.Duration(rapid.Int64Range(0, 8*366*24*3600).Draw(t, name+" seconds")) * time.Second)
	if c >= 70 {
		at = rapid.SampledFrom([]time.Time{
			time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC),
		}).Draw(t, name+" far")
	}
	var frac string
	if digits := rapid.IntRange(0, 9).Draw(t, name+" fraction digits"); digits > 0 {
		n := rapid.Int64Range(0, int64(math.Pow10(digits))-1).Draw(t, name+" fraction")
		frac = fmt.Sprintf(".%0*d", digits, n)
		at = at.Add(time.Duration(n * int64(math.Pow10(9-digits))))
	}
	off := rapid.SampledFrom(offsets).Draw(t, name+" offset")
	text := at.Format("2006-01-02T15:04:05") + frac + off
	if off != "Z" && off != "-00:00" && off != "+00:00" {
		h, _ := strconv.Atoi(off[1:3])
		m, _ := strconv.Atoi(off[4:6])
		secs := h*3600 + m*60
		if off[0] == '-' {
			secs = -secs
		}
		local := at.In(time.FixedZone(off, secs))
		text = local.Format("2006-01-02T15:04:05") + frac + off
	}
	v := value{text: text}
	if c >= 60 {
		// RFC 3339, 5.6: "T" and "Z" may be lower case.
		v.text, v.verdict = strings.ToLower(text), either
	}
	return v
}

// nonASCII are letters a Norwegian customer id or reference could hold, and
// others from further away.
var nonASCII = []rune("æøåÆØÅéüßñçЖ中日😀€")

// reserved are values whose characters have a meaning in a URL, so they
// travel percent-encoded.
var reserved = []string{"a&b", "a=b", "50%", "a+b", "a b", "a/b", "a#b", "a?b", "%41", "[x]", "a;b", "'\""}

var alnum = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

func word(t *rapid.T, label string) string {
	return rapid.StringOfN(rapid.RuneFrom(alnum), 1, 12, -1).Draw(t, label)
}

// text draws a string parameter (a filter): values that match real items,
// short and long words, non-ASCII and reserved characters, and the empty
// string, which its minLength decides.
func (g *generator) text(t *rapid.T, p parameter) value {
	samples := g.world.samples[p.Name]
	switch c := pick(t, p.Name); {
	case c < 25 && len(samples) > 0:
		return value{text: rapid.SampledFrom(samples).Draw(t, p.Name+" known")}
	case c < 40:
		return value{text: word(t, p.Name+" word")}
	case c < 55:
		n := rapid.IntRange(13, 200).Draw(t, p.Name+" length")
		return value{text: rapid.StringOfN(rapid.RuneFrom(alnum), n, n, -1).Draw(t, p.Name+" long")}
	case c < 70:
		return value{text: rapid.StringOfN(rapid.RuneFrom(nonASCII), 1, 8, -1).Draw(t, p.Name+" non-ASCII")}
	case c < 82:
		return value{text: rapid.SampledFrom(reserved).Draw(t, p.Name+" reserved")}
	case c < 90:
		// Not UTF-8, or a control character: nothing says whether a
		// server must take them, only that it must not fail on them.
		return value{text: rapid.SampledFrom([]string{"\xff", "a\x00b", "a\nb", "\x7f"}).Draw(t, p.Name+" odd"), verdict: either}
	}
	if p.Schema.MinLength != nil && *p.Schema.MinLength > 0 {
		return value{text: "", verdict: invalid}
	}
	return value{text: ""}
}

// headerValue draws a header parameter: ET-Client-Name as configured,
// another name, a long one, an empty one or none; other headers (the
// correlation id) a short or long value, or none.
func (g *generator) headerValue(t *rapid.T, p parameter) value {
	absent := value{omit: true}
	empty := value{}
	if p.Required {
		absent.verdict = invalid
		empty.verdict = invalid
	} else if p.Schema.MinLength != nil && *p.Schema.MinLength > 0 {
		empty.verdict = either // an empty header may read as none
	}
	c := pick(t, p.Name)
	if p.Name == "ET-Client-Name" {
		switch {
		case c < 80 && g.clientName != "":
			return value{text: g.clientName}
		case c < 80, c < 85:
			return absent
		case c < 90:
			return value{text: "acme-travelapp"}
		case c < 95:
			n := rapid.IntRange(13, 200).Draw(t, p.Name+" length")
			return value{text: rapid.StringOfN(rapid.RuneFrom(alnum), n, n, -1).Draw(t, p.Name+" long")}
		}
		return empty
	}
	switch {
	case c < 50:
		return absent
	case c < 80:
		return value{text: word(t, p.Name+" word")}
	}
	n := rapid.IntRange(13, 200).Draw(t, p.Name+" length")
	return value{text: rapid.StringOfN(rapid.RuneFrom(alnum), n, n, -1).Draw(t, p.Name+" long")}
}
