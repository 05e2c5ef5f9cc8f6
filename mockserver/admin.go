package mockserver

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// maxAdminBody bounds what an admin request may send: an overlay of a few thousand
// hand-written items is well under it.
const maxAdminBody = 8 << 20

// adminChallenge is the challenge of a 401 from the admin endpoints.
const adminChallenge = `Bearer realm="members-mock-admin"`

// registerAdmin adds the admin endpoints under /__mock/. They answer JSON; their errors use
// the contract's Error body, so a client needs one error reader.
//
//	POST   /__mock/reset          back to the start state; body {"seed": 42} (optional) reseeds
//	GET    /__mock/faults         the fault rules
//	POST   /__mock/faults         add a rule (FaultRule); 201 with the rule
//	DELETE /__mock/faults         remove every rule
//	GET    /__mock/faults/:id     one rule
//	DELETE /__mock/faults/:id     remove one rule
//	GET    /__mock/requests       the journal; ?clientName=&operationId=&status=&limit=
//	DELETE /__mock/requests       clear it, or with ?clientName= etc. only what matches
//	POST   /__mock/fixtures       apply an overlay (YAML or JSON) on top of the data
//	GET    /__mock/coverage       which operations and statuses the API answered
func (ctl *control) registerAdmin(e *gin.Engine) {
	g := e.Group("/__mock")
	if ctl.adminToken != "" {
		g.Use(ctl.requireAdminToken)
	}
	g.Use(ctl.requireShared)
	g.POST("/reset", ctl.postReset)
	g.GET("/faults", ctl.getFaults)
	g.POST("/faults", ctl.postFault)
	g.DELETE("/faults", ctl.deleteFaults)
	g.GET("/faults/:id", ctl.getFault)
	g.DELETE("/faults/:id", ctl.deleteFault)
	g.GET("/requests", ctl.getRequests)
	g.DELETE("/requests", ctl.deleteRequests)
	g.POST("/fixtures", ctl.postFixtures)
	g.GET("/coverage", ctl.getCoverage)
}

func (ctl *control) requireAdminToken(c *gin.Context) {
	token, ok := bearerToken(c)
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(ctl.adminToken)) != 1 {
		c.Header("WWW-Authenticate", adminChallenge)
		abortWithError(c, http.StatusUnauthorized,
			"The mock's admin endpoints need 'Authorization: Bearer <admin token>', the token the mock was started with (--admin-token).")
		return
	}
	c.Next()
}

// readBody reads an admin request body up to maxAdminBody; false after answering 413.
func readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxAdminBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			abortWithError(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than the %d bytes an admin request may send.", maxAdminBody))
			return nil, false
		}
		abortWithError(c, http.StatusBadRequest, "The body could not be read: "+err.Error())
		return nil, false
	}
	return body, true
}

// decodeJSONBody decodes a JSON object body strictly: unknown fields are errors. An empty
// body leaves dst as it is.
func decodeJSONBody(c *gin.Context, dst any) bool {
	body, ok := readBody(c)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		field := "body"
		if _, name, ok := strings.Cut(err.Error(), "unknown field "); ok {
			field = strings.Trim(name, `"`)
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			field = typeErr.Field
		}
		abortWithError(c, http.StatusBadRequest, "The body is not what this endpoint takes.",
			spec.FieldError{Field: field, Message: err.Error()})
		return false
	}
	return true
}

// ResetRequest is the optional body of POST /__mock/reset.
type ResetRequest struct {
	Seed int64 `json:"seed"` // 0 keeps the seed
}

func (ctl *control) postReset(c *gin.Context) {
	var req ResetRequest
	if !decodeJSONBody(c, &req) {
		return
	}
	if s := c.Query("seed"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n == 0 {
			badParameter(c, "seed", fmt.Sprintf("seed must be a non-zero integer, got %q", s))
			return
		}
		req.Seed = n
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	st, err := ctl.resetAll(ctx, req.Seed)
	if err != nil {
		if !sharedFailed(c, err) {
			overlayRefused(c, err)
		}
		return
	}
	writeJSON(c, http.StatusOK, ctl.catalog(st))
}

// FaultList is the body of GET /__mock/faults.
type FaultList struct {
	Rules []FaultRule `json:"rules"`
}

func (ctl *control) getFaults(c *gin.Context) {
	ctx, cancel := adminContext(c)
	defer cancel()
	rules, err := ctl.listFaults(ctx)
	if err != nil {
		sharedFailed(c, err)
		return
	}
	writeJSON(c, http.StatusOK, FaultList{Rules: rules})
}

func (ctl *control) postFault(c *gin.Context) {
	var r FaultRule
	if !decodeJSONBody(c, &r) {
		return
	}
	if errs := checkFaultRule(&r, ctl.allOps); len(errs) > 0 {
		names := make([]string, len(errs))
		for i, e := range errs {
			names[i] = e.Field
		}
		abortWithError(c, http.StatusBadRequest, "The fault rule is refused: "+strings.Join(names, ", ")+".", errs...)
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	stored, err := ctl.addFault(ctx, r)
	if err != nil {
		sharedFailed(c, err)
		return
	}
	c.Header("Location", "/__mock/faults/"+strconv.FormatInt(stored.ID, 10))
	writeJSON(c, http.StatusCreated, stored)
}

func (ctl *control) deleteFaults(c *gin.Context) {
	ctx, cancel := adminContext(c)
	defer cancel()
	if err := ctl.clearFaults(ctx); err != nil {
		sharedFailed(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (ctl *control) ruleID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		badParameter(c, "id", "id must be the number of a fault rule, e.g. 1")
		return 0, false
	}
	return id, true
}

func (ctl *control) getFault(c *gin.Context) {
	id, ok := ctl.ruleID(c)
	if !ok {
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	r, ok, err := ctl.faultRule(ctx, id)
	if err != nil {
		sharedFailed(c, err)
		return
	}
	if !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("There is no fault rule %d.", id))
		return
	}
	writeJSON(c, http.StatusOK, r)
}

func (ctl *control) deleteFault(c *gin.Context) {
	id, ok := ctl.ruleID(c)
	if !ok {
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	removed, err := ctl.removeFault(ctx, id)
	if err != nil {
		sharedFailed(c, err)
		return
	}
	if !removed {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("There is no fault rule %d.", id))
		return
	}
	c.Status(http.StatusNoContent)
}

// JournalList is the body of GET /__mock/requests.
type JournalList struct {
	Size     int            `json:"size"`     // how many requests the journal keeps
	Recorded uint64         `json:"recorded"` // requests recorded since the mock started
	Requests []JournalEntry `json:"requests"` // oldest first
}

// journalQuery reads the filter parameters of /__mock/requests.
func (ctl *control) journalQuery(c *gin.Context) (journalFilter, int, bool) {
	if ctl.journal == nil {
		abortWithError(c, http.StatusNotFound, "The journal is off: start the mock with --journal N (MOCK_JOURNAL) to keep the last N requests.")
		return journalFilter{}, 0, false
	}
	f := journalFilter{clientName: c.Query("clientName"), operationID: c.Query("operationId")}
	var limit int
	for _, p := range []struct {
		name string
		dst  *int
	}{{"status", &f.status}, {"limit", &limit}} {
		if s := c.Query(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				badParameter(c, p.name, fmt.Sprintf("%s must be a whole number of at least 1, got %q", p.name, s))
				return f, 0, false
			}
			*p.dst = n
		}
	}
	return f, limit, true
}

func (ctl *control) getRequests(c *gin.Context) {
	f, limit, ok := ctl.journalQuery(c)
	if !ok {
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	list, err := ctl.journalList(ctx, f, limit)
	if err != nil {
		sharedFailed(c, err)
		return
	}
	writeJSON(c, http.StatusOK, list)
}

func (ctl *control) deleteRequests(c *gin.Context) {
	f, _, ok := ctl.journalQuery(c)
	if !ok {
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	if err := ctl.journalClear(ctx, f); err != nil {
		sharedFailed(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (ctl *control) postFixtures(c *gin.Context) {
	body, ok := readBody(c)
	if !ok {
		return
	}
	ctx, cancel := adminContext(c)
	defer cancel()
	st, err := ctl.postOverlay(ctx, "request body", body)
	if err != nil {
		if !sharedFailed(c, err) {
			overlayRefused(c, err)
		}
		return
	}
	writeJSON(c, http.StatusOK, ctl.catalog(st))
}

// overlayRefused answers 422 for an overlay that breaks a schema or a rule, one errors[]
// entry per problem with its line in the message, and 500 for anything else.
func overlayRefused(c *gin.Context, err error) {
	var oe *fixtures.OverlayError
	if !errors.As(err, &oe) {
		abortWithError(c, http.StatusInternalServerError, "The mock could not build its data: "+err.Error())
		return
	}
	fields := make([]spec.FieldError, 0, len(oe.Problems))
	for _, p := range oe.Problems {
		field := p.Field
		if field == "" {
			field = oe.Source
		}
		msg := p.Message
		if p.Line > 0 {
			msg = fmt.Sprintf("line %d: %s", p.Line, msg)
		}
		fields = append(fields, spec.FieldError{Field: field, Message: msg})
	}
	abortWithError(c, http.StatusUnprocessableEntity,
		fmt.Sprintf("The fixture overlay (%s) is refused and nothing of it was applied: %d problem(s).", oe.Source, len(oe.Problems)),
		fields...)
}
