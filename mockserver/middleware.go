package mockserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

const (
	headerCorrelationID = "X-Correlation-Id"
	headerClientName    = "ET-Client-Name"
	correlationKey      = "membersmock.correlationId"
)

// correlationID returns the id chosen for this request by withCorrelationID.
func correlationID(c *gin.Context) string {
	return c.GetString(correlationKey)
}

// withCorrelationID echoes the caller's X-Correlation-Id or makes a new one,
// so that every response, success or error, carries one.
func withCorrelationID(c *gin.Context) {
	id := c.GetHeader(headerCorrelationID)
	if id == "" || len(id) > 200 {
		id = newCorrelationID()
	}
	c.Set(correlationKey, id)
	c.Header(headerCorrelationID, id)
	c.Next()
}

// newCorrelationID returns a random UUID (version 4). Correlation ids are
// the one thing that is not seeded: they identify a request, not data.
func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// withCORS lets browser apps on any origin call the mock, read
// X-Correlation-Id, and get their preflight answered on every path.
func withCORS(c *gin.Context) {
	h := c.Writer.Header()
	origin := c.GetHeader("Origin")
	if origin != "" {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "X-Correlation-Id, Retry-After, WWW-Authenticate")
	}
	if c.Request.Method != http.MethodOptions {
		c.Next()
		return
	}
	h.Set("Allow", "GET, HEAD, OPTIONS")
	if origin != "" {
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if req := c.GetHeader("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		} else {
			h.Set("Access-Control-Allow-Headers", "Authorization, ET-Client-Name, X-Correlation-Id, Content-Type")
		}
		h.Set("Access-Control-Max-Age", "600")
		h.Add("Vary", "Access-Control-Request-Headers")
	}
	c.AbortWithStatus(http.StatusNoContent)
}

// withRecovery turns a panic into the contract's 500 Error body. The panic
// is logged; the client never sees a stack trace.
func withRecovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				logger.Error("handler panicked", "panic", fmt.Sprint(r),
					"method", c.Request.Method, "path", c.Request.URL.Path,
					"correlationId", correlationID(c))
				if !c.Writer.Written() {
					abortWithError(c, http.StatusInternalServerError,
						"The mock failed while answering this request; the failure is in its log under this correlation id.")
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// withAccessLog logs one line per request. The Authorization header is
// never logged.
func withAccessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.String("query", c.Request.URL.RawQuery),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("latency", time.Since(start)),
			slog.String("correlationId", correlationID(c)),
			slog.String("client", c.GetHeader(headerClientName)),
		)
	}
}

// requireBearer answers 401 unless the request carries a non-empty bearer
// token. The mock does not check the token itself: it only makes sure a
// frontend sends one, as the real deployment would require.
func requireBearer(c *gin.Context) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="members-mock"`)
		abortWithError(c, http.StatusUnauthorized,
			"This operation needs an Authorization header of the form 'Bearer <token>'.")
		return
	}
	c.Next()
}

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
