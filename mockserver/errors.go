package mockserver

import (
	"net/http"

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
	c.Data(status, "application/json", encodeJSON(v))
}
