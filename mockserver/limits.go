package mockserver

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// Default request size limits. They are those of common API gateways
// (a request line of a few KB, a few tens of KB of headers): a client that
// works against the mock will not be refused by the real gateway for size.
const (
	DefaultMaxURLBytes    = 8 << 10
	DefaultMaxHeaderBytes = 32 << 10
)

// Limits caps the size of what a request may carry. A zero field takes its
// default. Requests over a limit are answered 414 or 431 with the Error body;
// the http.Server in front must allow more (its MaxHeaderBytes) than these,
// or it answers first, in plain text.
type Limits struct {
	MaxURLBytes    int // request target, path and query, as sent; over it: 414
	MaxHeaderBytes int // all header lines, names, values and separators; over it: 431
}

func (l Limits) withDefaults() Limits {
	if l.MaxURLBytes <= 0 {
		l.MaxURLBytes = DefaultMaxURLBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// withNoSniff keeps browsers from guessing a content type other than the
// one declared: every body is JSON or YAML, never something to render.
func withNoSniff(c *gin.Context) {
	c.Writer.Header()["X-Content-Type-Options"] = nosniff
	c.Next()
}

// nosniff is the X-Content-Type-Options value, one slice for every answer (see jsonContentType).
var nosniff = []string{"nosniff"}

// withLimits answers requests whose target or headers are too large.
func withLimits(l Limits) gin.HandlerFunc {
	l = l.withDefaults()
	return func(c *gin.Context) {
		r := c.Request
		target := len(r.RequestURI)
		if target == 0 {
			// A request built in-process rather than read off the wire.
			target = len(r.URL.RequestURI())
		}
		if target > l.MaxURLBytes {
			abortWithError(c, http.StatusRequestURITooLong, fmt.Sprintf(
				"The request target (path and query) is %d bytes; this server accepts at most %d.", target, l.MaxURLBytes))
			return
		}
		if n := headerBytes(r); n > l.MaxHeaderBytes {
			abortWithError(c, http.StatusRequestHeaderFieldsTooLarge, fmt.Sprintf(
				"The request headers are %d bytes; this server accepts at most %d.", n, l.MaxHeaderBytes))
			return
		}
		c.Next()
	}
}

// headerBytes is the size of the header block as it was on the wire:
// "Name: value\r\n" per value, Host included (net/http moves it out of Header).
func headerBytes(r *http.Request) int {
	n := 0
	if r.Host != "" {
		n += len("Host: \r\n") + len(r.Host)
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + 4
		}
	}
	return n
}

// queryParamsByRoute maps each documented operation's route, as gin names it
// (c.FullPath()), to its documented query parameters.
func queryParamsByRoute(v *spec.Validator) map[string][]string {
	out := make(map[string][]string)
	for _, op := range v.Operations() {
		route := op.Path
		var query []string
		for _, p := range op.Params {
			if strings.Contains(op.Path, "{"+p+"}") || p == headerClientName || p == headerCorrelationID {
				continue
			}
			query = append(query, p)
		}
		route = strings.NewReplacer("{", ":", "}", "").Replace(route)
		out[route] = query
	}
	return out
}

// withUTF8Query answers 400 when a documented query parameter's value, once
// percent-decoded, is not UTF-8. Every value the API knows is text; a
// customerId of "%FF" cannot name a customer and deserves to be told so
// rather than silently matching nothing. Unknown parameters stay ignored.
func withUTF8Query(params map[string][]string) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := c.Request.URL.RawQuery
		if raw == "" || (!strings.Contains(raw, "%") && utf8.ValidString(raw)) {
			c.Next()
			return
		}
		var fields []spec.FieldError
		for _, name := range params[c.FullPath()] {
			for _, v := range c.QueryArray(name) {
				if !utf8.ValidString(v) {
					fields = append(fields, spec.FieldError{
						Field:   name,
						Message: name + " must be UTF-8 text; the percent-decoded value is not valid UTF-8.",
					})
					break
				}
			}
		}
		if len(fields) > 0 {
			names := make([]string, len(fields))
			for i, f := range fields {
				names[i] = f.Field
			}
			abortWithError(c, http.StatusBadRequest,
				"The request has invalid parameters: "+strings.Join(names, ", ")+".", fields...)
			return
		}
		c.Next()
	}
}
