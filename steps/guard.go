package steps

import (
	"fmt"
	"net/http"
)

// UnsafeMethodsTag marks the scenarios that send a method other than GET,
// HEAD or OPTIONS. They run only with Config.UnsafeMethods, because against
// a real deployment such a request may change real data.
const UnsafeMethodsTag = "@unsafe-methods"

// safeMethods are the only methods a run sends unless Config.UnsafeMethods.
var safeMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodOptions: true}

// send sends req unless the client is read-only and the method is not safe,
// so that a scenario missing its @unsafe-methods tag fails instead of
// reaching the target. (A check here rather than a wrapping RoundTripper
// keeps net/http's own timeout errors as they are.)
func (c *client) send(req *http.Request) (*http.Response, error) {
	if c.readOnly && !safeMethods[req.Method] {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("conformance: refused to send %s %s: the suite is read-only unless run with --unsafe-methods (tag the scenario %s)", req.Method, req.URL.Path, UnsafeMethodsTag)
	}
	c.requests.add(req.Context())
	return c.http.Do(req)
}

// withoutUnsafe adds the exclusion of the @unsafe-methods scenarios to a tag
// expression.
func withoutUnsafe(tags string) string {
	return andAll(tags, "~"+UnsafeMethodsTag)
}
