package fuzz

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// verdict is what the contract says of one value sent.
type verdict int

const (
	valid   verdict = iota // the server must accept it
	invalid                // the server must refuse it: 400 naming the parameter
	either                 // the contract leaves it open: accepted, or 400 naming it
)

// existence is what the run knows of an id: that it names something of the
// target, that it names nothing, or neither.
type existence int

const (
	unknown existence = iota
	exists
	missing
)

// value is one value of a parameter, with what the contract says of it.
type value struct {
	text    string
	verdict verdict
	exists  existence // for path ids
	omit    bool      // the parameter is not sent at all
}

// sent is one parameter of a request as it is sent.
type sent struct {
	name string
	in   string // path, query or header
	value
}

// request is one generated request and what the contract expects of it.
type request struct {
	op     *operation
	method string
	params []sent // path parameters in template order, then query (in order, repeats allowed), then headers
	// crossInvalid names parameters that are each valid but not together
	// (createdAfter later than createdBefore): a 400 must name one of them.
	crossInvalid []string
}

// path returns the request's API path: the template with each path
// parameter percent-encoded in its place.
func (r *request) path() string {
	p := r.op.Path
	for _, s := range r.params {
		if s.in == "path" {
			p = strings.Replace(p, "{"+s.name+"}", url.PathEscape(s.text), 1)
		}
	}
	return p
}

// rawQuery returns the query string, parameters in the order generated.
func (r *request) rawQuery() string {
	var parts []string
	for _, s := range r.params {
		if s.in == "query" && !s.omit {
			parts = append(parts, url.QueryEscape(s.name)+"="+url.QueryEscape(s.text))
		}
	}
	return strings.Join(parts, "&")
}

// header returns the request headers the generator chose, without the
// Authorization the run adds.
func (r *request) header() http.Header {
	h := http.Header{}
	for _, s := range r.params {
		if s.in == "header" && !s.omit {
			h[s.name] = append(h[s.name], s.text) // as the document spells it
		}
	}
	return h
}

// names returns the names of the parameters sent with the verdict, once each.
func (r *request) names(v verdict) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range r.params {
		if s.verdict == v && !seen[s.name] {
			seen[s.name] = true
			out = append(out, s.name)
		}
	}
	return out
}

// first returns the first parameter of that name as sent, if it was.
func (r *request) first(name string) (sent, bool) {
	for _, s := range r.params {
		if s.name == name && !s.omit {
			return s, true
		}
	}
	return sent{}, false
}

// ids says what is known of the ids in the path: exists when every one
// names something, missing when one names nothing, unknown otherwise.
func (r *request) ids() existence {
	out := exists
	for _, s := range r.params {
		if s.in != "path" {
			continue
		}
		switch s.exists {
		case missing:
			return missing
		case unknown:
			out = unknown
		}
	}
	return out
}

// curl is the request as a command to copy and paste: the token comes from
// $CONFORMANCE_TOKEN, never from the run.
func curl(method, rawURL string, h http.Header, withToken bool) string {
	var b strings.Builder
	b.WriteString("curl -sS -g")
	switch method {
	case http.MethodGet:
	case http.MethodHead:
		b.WriteString(" --head")
	default:
		b.WriteString(" -X " + method)
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			if v == "" {
				// curl drops "Name:" with nothing after it; "Name;" sends it empty.
				b.WriteString(" -H " + shellQuote(k+";"))
				continue
			}
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	if withToken {
		b.WriteString(` -H "Authorization: Bearer $CONFORMANCE_TOKEN"`)
	}
	b.WriteString(" " + shellQuote(rawURL))
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
