package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The rules below are the contract's rules that one response shows and that a schema cannot
// express. The conformance suite applies them to every response it gets, and the mock's
// journal (the validating proxy's above all) to every response it passes on, so both say
// the same of the same answer.

// RuleKind names the group of rules a Problem breaks.
type RuleKind int

const (
	RuleCorrelation RuleKind = iota // X-Correlation-Id present and echoed
	RuleContentType                 // application/json, and a body that is JSON
	RuleErrorBody                   // the Error body agreeing with its response
	RuleTimestamps                  // RFC 3339 in UTC with a Z
)

// Problem is one way a response breaks a rule, as a sentence naming the header or field.
type Problem struct {
	Kind RuleKind
	Text string
}

// ResponseProblems checks one response against the contract's rules for every response:
// sentID is the request's X-Correlation-Id ("" when it sent none). It also returns the body
// decoded (numbers as json.Number), nil when it is not JSON.
func ResponseProblems(sentID string, status int, header http.Header, body []byte) ([]Problem, any) {
	var out []Problem
	add := func(kind RuleKind, texts ...string) {
		for _, t := range texts {
			out = append(out, Problem{kind, t})
		}
	}
	got := header.Get("X-Correlation-Id")
	switch {
	case got == "":
		add(RuleCorrelation, "X-Correlation-Id: every response must carry X-Correlation-Id, this one has none")
	case sentID != "" && got != sentID:
		add(RuleCorrelation, fmt.Sprintf("X-Correlation-Id: the request sent %q, the response carries %q; it must be echoed", sentID, got))
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err != nil || mt != "application/json" {
		add(RuleContentType, fmt.Sprintf("Content-Type: bodies must be application/json, got %q", header.Get("Content-Type")))
	}
	v, err := DecodeJSON(body)
	if err != nil {
		add(RuleContentType, fmt.Sprintf("body: not JSON: %v", err))
		return out, nil
	}
	if status != http.StatusOK {
		add(RuleErrorBody, ErrorBodyProblems(status, got, v)...)
	}
	add(RuleTimestamps, TimestampProblems(v)...)
	return out, v
}

// DecodeJSON decodes one JSON value, numbers as json.Number so that int64 ids survive.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// ErrorBodyProblems checks what the Error schema cannot: that the body (decoded with
// DecodeJSON) agrees with the response it is in, whose X-Correlation-Id is correlationID.
func ErrorBodyProblems(status int, correlationID string, v any) []string {
	o, ok := v.(map[string]any)
	if !ok {
		return []string{"Error body: not a JSON object"}
	}
	var out []string
	if s, _ := o["status"].(json.Number); s.String() != fmt.Sprint(status) {
		out = append(out, fmt.Sprintf("Error body: status is %v, the response's status is %d", o["status"], status))
	}
	if want := http.StatusText(status); want != "" && o["title"] != want {
		out = append(out, fmt.Sprintf("Error body: title is %q, want the HTTP reason %q", o["title"], want))
	}
	if o["correlationId"] != correlationID {
		out = append(out, fmt.Sprintf("Error body: correlationId is %q, the X-Correlation-Id header is %q; they must be equal", o["correlationId"], correlationID))
	}
	if msg, _ := o["message"].(string); strings.TrimSpace(msg) == "" {
		out = append(out, "Error body: message is empty; it must say what went wrong")
	}
	if errs, ok := o["errors"].([]any); ok {
		seen := map[string]bool{}
		for i, e := range errs {
			eo, _ := e.(map[string]any)
			field, _ := eo["field"].(string)
			if field == "" {
				out = append(out, fmt.Sprintf("Error body: errors[%d].field is empty; it must name the parameter", i))
				continue
			}
			if seen[field] {
				out = append(out, fmt.Sprintf("Error body: errors[] names %q more than once; one entry per offending parameter", field))
			}
			seen[field] = true
		}
	}
	return out
}

// timestampKeys are the body properties the contract types as date-time.
var timestampKeys = map[string]bool{
	"createdAt": true, "updatedAt": true, "validFrom": true, "expireAt": true,
	"cancelledAt": true, "startAt": true, "endAt": true,
}

// utcTimestamp is RFC 3339 in UTC with the Z suffix, as the contract says.
var utcTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// TimestampProblems finds date-times in a decoded body that are not RFC 3339 UTC with a Z,
// outside free-form metadata; it stops after a few.
func TimestampProblems(v any) []string { return timestampProblems("", v) }

func timestampProblems(path string, v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if k == "metadata" {
				continue // free-form: may hold anything
			}
			if timestampKeys[k] {
				if s, ok := t[k].(string); ok {
					if !utcTimestamp.MatchString(s) {
						out = append(out, fmt.Sprintf("Timestamps: %s is %q; timestamps must be RFC 3339 in UTC with a Z suffix, e.g. 2025-03-14T08:15:00Z", p, s))
					} else if _, err := time.Parse(time.RFC3339, s); err != nil {
						out = append(out, fmt.Sprintf("Timestamps: %s is %q, not a valid date-time: %v", p, s, err))
					}
				}
				continue
			}
			out = append(out, timestampProblems(p, t[k])...)
		}
	case []any:
		for i, e := range t {
			out = append(out, timestampProblems(fmt.Sprintf("%s[%d]", path, i), e)...)
			if len(out) > 5 {
				return out
			}
		}
	}
	return out
}
