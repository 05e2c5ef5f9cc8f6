package mockserver

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// apiError is the contract's Error body.
type apiError struct {
	Title         string       `json:"title"`
	Status        int          `json:"status"`
	Message       string       `json:"message"`
	CorrelationID string       `json:"correlationId"`
	Detail        *string      `json:"detail,omitempty"`
	Errors        []fieldError `json:"errors,omitempty"`
}

// fieldError is one entry of Error.errors: an offending parameter.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// abortWithError answers status with the Error body and stops the chain.
// fields lists the offending parameters, if any.
func abortWithError(c *gin.Context, status int, message string, fields ...spec.FieldError) {
	body := apiError{
		Title:         http.StatusText(status),
		Status:        status,
		Message:       message,
		CorrelationID: correlationID(c),
	}
	for _, f := range fields {
		body.Errors = append(body.Errors, fieldError{Field: f.Field, Message: f.Message})
	}
	writeJSON(c, status, body)
	c.Abort()
}

// badParameter answers 400 naming one parameter.
func badParameter(c *gin.Context, field, message string) {
	abortWithError(c, http.StatusBadRequest, "The request has an invalid parameter: "+field+".",
		spec.FieldError{Field: field, Message: message})
}

// writeJSON answers status with v encoded as JSON (see encodeJSON).
func writeJSON(c *gin.Context, status int, v any) {
	writeJSONBody(c, status, newJSONBody(encodeJSON(v)))
}

// jsonBody is an encoded answer with its Content-Length header value, kept together in the
// body cache so that a hit allocates neither.
type jsonBody struct {
	bytes  []byte
	length []string
}

func newJSONBody(b []byte) jsonBody {
	return jsonBody{bytes: b, length: []string{strconv.Itoa(len(b))}}
}

// jsonContentType is the Content-Type header value of every JSON answer, one slice for all of
// them: nothing changes a header value in place (Header.Set and Add replace or grow the slice).
var jsonContentType = []string{"application/json"}

// writeJSONBody answers status with body, JSON already encoded. It is what gin's c.Data does
// (Content-Type unless one is set; Content-Length, without which net/http sends a body over
// 2 KB chunked; no body where the status allows none), without the allocations of c.Data's
// render value and Content-Type slice: every API answer goes through here.
func writeJSONBody(c *gin.Context, status int, body jsonBody) {
	h := c.Writer.Header()
	if len(h["Content-Type"]) == 0 {
		h["Content-Type"] = jsonContentType
	}
	c.Status(status)
	if !bodyAllowedForStatus(status) {
		c.Writer.WriteHeaderNow()
		return
	}
	if len(body.bytes) > 0 {
		h["Content-Length"] = body.length
	}
	if _, err := c.Writer.Write(body.bytes); err != nil {
		_ = c.Error(err)
		c.Abort()
	}
}

// bodyAllowedForStatus is net/http's rule (and gin's): 1xx, 204 and 304 carry no body.
func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199, status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}
