package mockserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

const (
	headerCorrelationID = "X-Correlation-Id" // as net/http keys it in Header
	headerClientName    = "ET-Client-Name"
)

// correlationID returns the request's correlation id: the one its answer carries, chosen by
// withCorrelationID (or the upstream's, once the proxy has its answer). The answer's header
// is its one home, so that the Error body, the log and the journal cannot disagree with it.
func correlationID(c *gin.Context) string {
	return first(c.Writer.Header()[headerCorrelationID])
}

// first is what Header.Get returns for a key already in canonical form, without
// canonicalising it on every request.
func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// withCorrelationID echoes the caller's X-Correlation-Id or makes a new one,
// so that every response, success or error, carries one.
func withCorrelationID(c *gin.Context) {
	id := first(c.Request.Header[headerCorrelationID])
	if !echoable(id) {
		id = newCorrelationID()
	}
	c.Writer.Header()[headerCorrelationID] = []string{id}
	c.Next()
}

// echoable reports whether a caller's correlation id can be echoed as it is:
// up to 200 bytes of printable ASCII. Anything else (bytes that are not UTF-8
// above all) would come back different in the JSON body than in the header.
func echoable(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// newCorrelationID returns a random UUID (version 4). Correlation ids are
// the one thing that is not seeded: they identify a request, not data.
// cmd/mockserver turns on uuid's pool of random bytes (uuid.EnableRandPool),
// which saves a read of the system's random source per request.
func newCorrelationID() string { return uuid.NewString() }

// withCORS lets browser apps on any origin call the mock, read
// X-Correlation-Id, and get their preflight answered on every path.
func withCORS(c *gin.Context) {
	h := c.Writer.Header()
	origin := c.GetHeader("Origin")
	if origin != "" {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "X-Correlation-Id, Retry-After, WWW-Authenticate, Preference-Applied")
	}
	if c.Request.Method != http.MethodOptions {
		c.Next()
		return
	}
	methods := "GET, HEAD, OPTIONS"
	if strings.HasPrefix(c.Request.URL.Path, "/__mock/") {
		methods = "GET, HEAD, OPTIONS, POST, DELETE" // the admin endpoints
	}
	h.Set("Allow", methods)
	if origin != "" {
		h.Set("Access-Control-Allow-Methods", methods)
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

// withAccessLog logs one line per request. Only the fields below are
// logged: no header other than ET-Client-Name, so never Authorization. Long
// values are cut so that an oversized request cannot flood the log.
func withAccessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("method", clip(c.Request.Method)),
			slog.String("path", clip(c.Request.URL.Path)),
			slog.String("query", clip(c.Request.URL.RawQuery)),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("latency", time.Since(start)),
			slog.String("correlationId", correlationID(c)),
			slog.String("client", clip(c.GetHeader(headerClientName))),
		)
	}
}

// maxLogValue is the longest value the access log writes in full.
const maxLogValue = 512

func clip(s string) string {
	if len(s) <= maxLogValue {
		return s
	}
	return s[:maxLogValue] + "…"
}
