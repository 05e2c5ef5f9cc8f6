package steps

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
)

// The JUnit files are merged as XML, element by element, keeping every
// attribute and child as the shard wrote it (godog's formatter, and any
// flaky markers a run adds), so that the merge knows only the totals.

type junitRaw struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Inner   []byte     `xml:",innerxml"`
}

type junitSuiteXML struct {
	XMLName  xml.Name   `xml:"testsuite"`
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []junitRaw `xml:",any"`
}

type junitSuitesXML struct {
	XMLName xml.Name         `xml:"testsuites"`
	Attrs   []xml.Attr       `xml:",any,attr"`
	Suites  []*junitSuiteXML `xml:"testsuite"`
}

// junitTotals are the counting attributes of <testsuites> and <testsuite>.
var junitTotals = []string{"tests", "skipped", "failures", "errors"}

// MergeJUnit merges the JUnit XML reports of a run's shards into one: the
// <testsuite> of a feature that several shards ran holds all their test
// cases, and every total (tests, skipped, failures, errors, time) is the
// sum of the shards'. It returns the number of test cases, which must be
// the merged result's number of scenarios.
func MergeJUnit(w io.Writer, names []string, files ...io.Reader) (int, error) {
	var out junitSuitesXML
	byName := map[string]*junitSuiteXML{}
	for i, f := range files {
		var in junitSuitesXML
		if err := xml.NewDecoder(f).Decode(&in); err != nil {
			return 0, fmt.Errorf("reading the JUnit report %s: %w", names[i], err)
		}
		if i == 0 {
			out.Attrs = in.Attrs
		} else if err := addTotals(out.Attrs, in.Attrs); err != nil {
			return 0, fmt.Errorf("reading the JUnit report %s: %w", names[i], err)
		}
		for _, s := range in.Suites {
			unnumber(s.Children)
			name := xmlAttr(s.Attrs, "name")
			m, ok := byName[name]
			if !ok {
				byName[name] = s
				out.Suites = append(out.Suites, s)
				continue
			}
			if err := addTotals(m.Attrs, s.Attrs); err != nil {
				return 0, fmt.Errorf("reading the JUnit report %s, test suite %q: %w", names[i], name, err)
			}
			m.Children = append(m.Children, s.Children...)
		}
	}
	cases := 0
	for _, s := range out.Suites {
		number(s.Children)
		n := 0
		for _, c := range s.Children {
			if c.XMLName.Local == "testcase" {
				n++
			}
		}
		if got := xmlAttr(s.Attrs, "tests"); got != strconv.Itoa(n) {
			return 0, fmt.Errorf("merging the JUnit reports: test suite %q counts %s tests but holds %d test cases", xmlAttr(s.Attrs, "name"), got, n)
		}
		cases += n
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return 0, err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return 0, fmt.Errorf("writing the merged JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return cases, err
}

// addTotals adds the counting attributes and the time of add to those of
// to (in place).
func addTotals(to, add []xml.Attr) error {
	for i, a := range to {
		switch name := a.Name.Local; {
		case name == "time":
			x, err1 := strconv.ParseFloat(a.Value, 64)
			y, err2 := strconv.ParseFloat(xmlAttr(add, name), 64)
			if err1 == nil && err2 == nil {
				// Seconds, as godog writes them (its format: a decimal).
				to[i].Value = strconv.FormatFloat(x+y, 'f', -1, 64)
			}
		case slices.Contains(junitTotals, name):
			x, err1 := strconv.Atoi(a.Value)
			y, err2 := strconv.Atoi(xmlAttr(add, name))
			if err1 != nil || err2 != nil {
				return fmt.Errorf("attribute %s=%q/%q is not a count", name, a.Value, xmlAttr(add, name))
			}
			to[i].Value = strconv.Itoa(x + y)
		}
	}
	return nil
}

func xmlAttr(as []xml.Attr, name string) string {
	for _, a := range as {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// godog names the test cases of a feature that share a name (the rows of
// an outline whose name has no placeholder) "name #1", "name #2", … in the
// order of the file, counting only the scenarios of the run. A shard holds
// some of them, so the merge takes the numbers off each shard's cases
// (where they are godog's: #1 to #m, m ≥ 2, of one name) and numbers the
// merged feature again, shard by shard: the same names as a whole run's,
// though the number of a row may differ from its number there.
var numbered = regexp.MustCompile(`^(.*) #([0-9]+)$`)

func unnumber(cases []junitRaw) {
	numbers := map[string][]int{} // base name → numbers seen
	plain := map[string]bool{}
	for _, c := range cases {
		if c.XMLName.Local != "testcase" {
			continue
		}
		name := xmlAttr(c.Attrs, "name")
		plain[name] = true
		if m := numbered.FindStringSubmatch(name); m != nil {
			n, _ := strconv.Atoi(m[2])
			numbers[m[1]] = append(numbers[m[1]], n)
		}
	}
	godogs := map[string]bool{}
	for base, ns := range numbers {
		slices.Sort(ns)
		ok := len(ns) >= 2 && !plain[base]
		for i, n := range ns {
			ok = ok && n == i+1
		}
		godogs[base] = ok
	}
	for _, c := range cases {
		if m := numbered.FindStringSubmatch(xmlAttr(c.Attrs, "name")); c.XMLName.Local == "testcase" && m != nil && godogs[m[1]] {
			setAttr(c.Attrs, "name", m[1])
		}
	}
}

func number(cases []junitRaw) {
	count := map[string]int{}
	for _, c := range cases {
		if c.XMLName.Local == "testcase" {
			count[xmlAttr(c.Attrs, "name")]++
		}
	}
	seen := map[string]int{}
	for _, c := range cases {
		name := xmlAttr(c.Attrs, "name")
		if c.XMLName.Local == "testcase" && count[name] > 1 {
			seen[name]++
			setAttr(c.Attrs, "name", fmt.Sprintf("%s #%d", name, seen[name]))
		}
	}
}

func setAttr(as []xml.Attr, name, value string) {
	for i := range as {
		if as[i].Name.Local == name {
			as[i].Value = value
		}
	}
}
