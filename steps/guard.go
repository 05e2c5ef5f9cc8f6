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

// readOnlyTransport refuses every request whose method is not safe, so that
// a scenario missing its @unsafe-methods tag fails instead of reaching the
// target.
type readOnlyTransport struct{ next http.RoundTripper }

func (t readOnlyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !safeMethods[req.Method] {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("conformance: refused to send %s %s: the suite is read-only unless run with --unsafe-methods (tag the scenario %s)", req.Method, req.URL.Path, UnsafeMethodsTag)
	}
	return t.next.RoundTrip(req)
}

// readOnly returns a copy of hc that sends only GET, HEAD and OPTIONS.
func readOnly(hc *http.Client) *http.Client {
	c := *hc
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = readOnlyTransport{next: next}
	return &c
}

// withoutUnsafe adds the exclusion of the @unsafe-methods scenarios to a tag
// expression. godog's expressions are ANDs of comma-separated ORs, so one
// more AND term applies to the whole expression.
func withoutUnsafe(tags string) string {
	return tags + " && ~" + UnsafeMethodsTag
}
