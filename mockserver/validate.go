package mockserver

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// singleValued lists the query parameters a client may give at most once:
// with two values the request is ambiguous, so it is refused.
var singleValued = [...]string{
	"page", "perPage", "customerId", "orderId", "pointDefinitionReference",
	"pointEventType", "createdAfter", "createdBefore",
}

// validateRequest checks the request against the spec and answers 400 with
// one errors[] entry per offending parameter.
func validateRequest(v *spec.Validator) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if r.Method == http.MethodHead {
			// HEAD is answered like GET; the spec documents GET only.
			clone := r.Clone(r.Context())
			clone.Method = http.MethodGet
			r = clone
		}
		var fields []spec.FieldError
		query := r.URL.Query()
		for _, name := range singleValued {
			if len(query[name]) > 1 {
				fields = append(fields, spec.FieldError{Field: name, Message: name + " must be given at most once."})
			}
		}
		if len(fields) == 0 {
			fields, _ = v.ValidateRequest(r)
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
