package mockserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/pb33f/libopenapi"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/membersmock/membersmock/spec"
)

// TestValidationCacheKeysOnEveryConstrainedHeader fails when the spec gains a request header
// whose value can make a request invalid (required, or a schema with any constraint) while
// the validation cache does not key on it: two requests differing only in that header would
// then share a cached outcome.
func TestValidationCacheKeysOnEveryConstrainedHeader(t *testing.T) {
	doc, err := libopenapi.NewDocument(spec.Document())
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for _, p := range slices.Concat(item.Parameters, item.Get.Parameters) {
			if p.In != "header" || !constrained(p) {
				continue
			}
			checked++
			keys := func(value string) ([]byte, []byte) {
				r := httptest.NewRequest(http.MethodGet, "/v1/programs/1", nil)
				if value != "" {
					r.Header.Set(p.Name, value)
				}
				shape, exact, ok := validationKeys(nil, nil, http.MethodGet, r)
				if !ok {
					t.Fatalf("%s: the request is not cacheable", path)
				}
				return shape, exact
			}
			s1, e1 := keys("acme-one")
			s2, e2 := keys("")
			if bytes.Equal(s1, s2) || bytes.Equal(e1, e2) {
				t.Errorf("%s: header %s constrains requests but the validation cache does not key on it (validationKeys)", path, p.Name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no constrained header in the spec; the test checks nothing")
	}
}

// constrained reports whether a parameter's value (or absence) can make a request invalid.
func constrained(p *v3.Parameter) bool {
	if p.Required != nil && *p.Required {
		return true
	}
	if p.Schema == nil || p.Schema.Schema() == nil {
		return false
	}
	s := p.Schema.Schema()
	return s.MinLength != nil || s.MaxLength != nil || s.Pattern != "" || len(s.Enum) > 0 ||
		s.Format != "" || s.Const != nil || !slices.Equal(s.Type, []string{"string"})
}

// TestHeaderNamesAreCanonical holds the header names the mock indexes Header maps with
// directly (to save canonicalising them per request) to the form net/http keys them by: a
// name in any other form would never be found.
func TestHeaderNamesAreCanonical(t *testing.T) {
	for _, name := range []string{headerCorrelationID, canonicalClientName, "Content-Type", "Content-Length", "X-Content-Type-Options", "Retry-After"} {
		if got := http.CanonicalHeaderKey(name); got != name {
			t.Errorf("%q is keyed as %q in a Header", name, got)
		}
	}
}
