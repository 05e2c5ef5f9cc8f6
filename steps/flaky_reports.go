package steps

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// FlakyTag is the tag the Cucumber report gives a scenario that passed only
// after a retry.
const FlakyTag = "@flaky"

// markFlaky adds the flaky scenarios to the JUnit and Cucumber reports
// godog wrote: godog knows nothing of retries, which happen beneath it.
func markFlaky(cfg Config, rec *resultRecorder) error {
	cases := rec.flakyCases()
	if len(cases) == 0 {
		return nil
	}
	if cfg.JUnit != "" {
		if err := rewrite(cfg.JUnit, func(b []byte) ([]byte, error) { return flakyJUnit(b, cases, featureNames(cfg, cases)) }); err != nil {
			return fmt.Errorf("conformance: marking the flaky scenarios in the JUnit report %s: %w", cfg.JUnit, err)
		}
	}
	if cfg.Cucumber != "" {
		if err := rewrite(cfg.Cucumber, func(b []byte) ([]byte, error) { return flakyCucumber(b, cases) }); err != nil {
			return fmt.Errorf("conformance: marking the flaky scenarios in the Cucumber report %s: %w", cfg.Cucumber, err)
		}
	}
	return nil
}

func rewrite(path string, edit func([]byte) ([]byte, error)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if b, err = edit(b); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// featureNames maps the features of the flaky scenarios to their names,
// which are the names of the JUnit report's test suites. A feature that
// cannot be read again is left out; its test cases are then found by name
// alone.
func featureNames(cfg Config, cases []flakyCase) map[string]string {
	fsys := featureFS(cfg)
	names := map[string]string{}
	for _, c := range cases {
		if _, done := names[c.uri]; done {
			continue
		}
		if name, ok := readFeatureName(fsys, c.uri); ok {
			names[c.uri] = name
		}
	}
	return names
}

// The JUnit report as godog writes it, read generically so that nothing is
// lost: only test cases are looked into.
type (
	junitSuites struct {
		XMLName xml.Name     `xml:"testsuites"`
		Attrs   []xml.Attr   `xml:",any,attr"`
		Suites  []junitSuite `xml:"testsuite"`
		Other   []xmlElement `xml:",any"`
	}
	junitSuite struct {
		Attrs []xml.Attr   `xml:",any,attr"`
		Cases []junitCase  `xml:"testcase"`
		Other []xmlElement `xml:",any"`
	}
	junitCase struct {
		Attrs      []xml.Attr      `xml:",any,attr"`
		Properties *junitPropertys `xml:"properties,omitempty"`
		Other      []xmlElement    `xml:",any"`
		// Flaky are Maven Surefire's rerun elements, which Jenkins, GitLab
		// and other CI tools read: one per request sent again.
		Flaky []junitFlaky `xml:"flakyFailure"`
	}
	junitPropertys struct {
		Props []junitProperty `xml:"property"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitFlaky struct {
		Message    string `xml:"message,attr"`
		Type       string `xml:"type,attr"`
		StackTrace string `xml:"stackTrace"`
	}
	xmlElement struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
		Inner   []byte     `xml:",innerxml"`
	}
)

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// flakyJUnit gives each flaky scenario's test case the properties flaky
// and retries, and a flakyFailure per retry.
func flakyJUnit(src []byte, cases []flakyCase, featureNames map[string]string) ([]byte, error) {
	var doc junitSuites
	if err := xml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("reading godog's report: %w", err)
	}
	for _, c := range cases {
		feature, known := featureNames[c.uri]
		found := false
		for si := range doc.Suites {
			s := &doc.Suites[si]
			if known && attr(s.Attrs, "name") != feature {
				continue
			}
			for ci := range s.Cases {
				tc := &s.Cases[ci]
				if attr(tc.Attrs, "name") != c.junitName || tc.Flaky != nil {
					continue
				}
				if tc.Properties == nil {
					tc.Properties = &junitPropertys{}
				}
				tc.Properties.Props = append(tc.Properties.Props,
					junitProperty{"flaky", "true"}, junitProperty{"retries", strconv.Itoa(c.flake.Retries)})
				for _, reason := range c.flake.Reasons {
					tc.Flaky = append(tc.Flaky, junitFlaky{Message: reason, Type: "transient fault, sent again", StackTrace: reason})
				}
				found = true
				break
			}
			if found {
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("no test case %q (%s) in the report", c.junitName, c.flake.Location)
		}
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	enc := xml.NewEncoder(&out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// The Cucumber report as godog writes it; what is not changed is kept raw.
type (
	cukeFeature struct {
		URI         string          `json:"uri"`
		ID          string          `json:"id"`
		Keyword     string          `json:"keyword"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Line        int             `json:"line"`
		Comments    json.RawMessage `json:"comments,omitempty"`
		Tags        json.RawMessage `json:"tags,omitempty"`
		Elements    []cukeElement   `json:"elements,omitempty"`
	}
	cukeElement struct {
		ID          string          `json:"id"`
		Keyword     string          `json:"keyword"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Line        int             `json:"line"`
		Type        string          `json:"type"`
		Tags        []cukeTag       `json:"tags,omitempty"`
		Steps       json.RawMessage `json:"steps,omitempty"`
	}
	cukeTag struct {
		Name string `json:"name"`
		Line int    `json:"line"`
	}
)

// flakyCucumber tags each flaky scenario @flaky and adds its retries to its
// description.
func flakyCucumber(src []byte, cases []flakyCase) ([]byte, error) {
	var doc []cukeFeature
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("reading godog's report: %w", err)
	}
	for _, c := range cases {
		found := false
		for fi := range doc {
			if doc[fi].URI != c.uri {
				continue
			}
			for ei := range doc[fi].Elements {
				e := &doc[fi].Elements[ei]
				if int64(e.Line) != c.line || e.Type != "scenario" {
					continue
				}
				e.Tags = append(e.Tags, cukeTag{Name: FlakyTag, Line: e.Line})
				var d strings.Builder
				if e.Description != "" {
					d.WriteString(e.Description + "\n\n")
				}
				fmt.Fprintf(&d, "Flaky: passed only after %s:", plural(c.flake.Retries, "retry", "retries"))
				for _, r := range c.flake.Reasons {
					d.WriteString("\n  - " + r)
				}
				e.Description = d.String()
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no scenario at %s in the report", c.flake.Location)
		}
	}
	out, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}
