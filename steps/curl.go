package steps

import (
	"net/http"
	"slices"
	"strings"
)

// Curl returns a sh command that sends e's request again: the same method,
// URL and headers. Everything is single-quoted, so nothing in a URL or a
// header is expanded by the shell, except $CONFORMANCE_TOKEN, which the
// report puts where the bearer token was (see reportExchange): the command
// reads the token from the environment of whoever runs it.
//
// curl adds headers of its own that the suite did not send (User-Agent);
// the target's answer does not depend on them.
func (e Exchange) Curl() string {
	var b strings.Builder
	b.WriteString("curl -sS -i --globoff")
	switch e.Method {
	case "", http.MethodGet:
	case http.MethodHead:
		b.WriteString(" --head")
	default:
		b.WriteString(" -X " + shellQuote(e.Method))
	}
	b.WriteString(" " + shellQuote(e.URL))
	names := make([]string, 0, len(e.RequestHeaders))
	for name := range e.RequestHeaders {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range e.RequestHeaders[name] {
			b.WriteString(" \\\n  -H " + shellQuoteToken(name+": "+v))
		}
	}
	return b.String()
}

// shellQuote quotes s for sh: inside single quotes nothing is special but
// the single quote itself, which ends the quoting, is escaped and reopens it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellQuoteToken quotes s like shellQuote, but leaves each
// $CONFORMANCE_TOKEN to the shell, in double quotes.
func shellQuoteToken(s string) string {
	parts := strings.Split(s, "$"+TokenVariable)
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(`"$` + TokenVariable + `"`)
		}
		if p != "" || len(parts) == 1 {
			b.WriteString(shellQuote(p))
		}
	}
	return b.String()
}
