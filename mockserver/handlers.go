package mockserver

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// api answers the contract's operations from one dataset.
type api struct {
	data *fixtures.Dataset
}

// idParam reads a path id. The validator has checked it is an integer of at
// least 1; only a value past int64 fails here.
func idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		badParameter(c, name, name+" must be a whole number from 1 to 9223372036854775807.")
		return 0, false
	}
	return id, true
}

func (a *api) program(c *gin.Context) (fixtures.Program, bool) {
	id, ok := idParam(c, "programId")
	if !ok {
		return fixtures.Program{}, false
	}
	p, ok := a.data.Program(id)
	if !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("Program %d was not found.", id))
	}
	return p, ok
}

// member resolves programId and memberId. A member of another program is
// not found, exactly like an unknown one.
func (a *api) member(c *gin.Context) (fixtures.Program, fixtures.Member, bool) {
	p, ok := a.program(c)
	if !ok {
		return p, fixtures.Member{}, false
	}
	id, ok := idParam(c, "memberId")
	if !ok {
		return p, fixtures.Member{}, false
	}
	m, ok := a.data.Member(p.ID, id)
	if !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("Member %d was not found in program %d.", id, p.ID))
	}
	return p, m, ok
}

func (a *api) activity(c *gin.Context) (*fixtures.Activity, bool) {
	p, m, ok := a.member(c)
	if !ok {
		return nil, false
	}
	act, ok := a.data.Activity(p.ID, m.ID)
	if !ok {
		// Member and Activity read the same generator; disagreement is a bug.
		panic(fmt.Sprintf("member %d of program %d has no activity", m.ID, p.ID))
	}
	return act, true
}

func (a *api) getProgram(c *gin.Context) {
	if p, ok := a.program(c); ok {
		writeJSON(c, http.StatusOK, p)
	}
}

func (a *api) getMembers(c *gin.Context) {
	p, ok := a.program(c)
	if !ok {
		return
	}
	pg, ok := parsePaging(c)
	if !ok {
		return
	}
	if customerID, ok := c.GetQuery("customerId"); ok {
		var match []fixtures.Member
		if m, ok := a.data.MemberByCustomerID(p.ID, customerID); ok {
			match = append(match, m)
		}
		writeJSON(c, http.StatusOK, pageOf(match, pg))
		return
	}
	total := a.data.MemberCount(p.ID)
	var items []fixtures.Member
	if off := pg.offset(); off < total {
		items = a.data.Members(p.ID, off, min(pg.perPage, total-off))
	}
	writeJSON(c, http.StatusOK, newPage(items, total, pg))
}

func (a *api) getMember(c *gin.Context) {
	if _, m, ok := a.member(c); ok {
		writeJSON(c, http.StatusOK, m)
	}
}

func (a *api) getMemberTransactions(c *gin.Context) {
	act, ok := a.activity(c)
	if !ok {
		return
	}
	pg, ok := parsePaging(c)
	if !ok {
		return
	}
	items := act.Transactions
	if orderID, ok := c.GetQuery("orderId"); ok {
		items = filter(items, func(t *fixtures.Transaction) bool {
			v, ok := t.Metadata["orderId"].(string)
			return ok && v == orderID
		})
	}
	if ref, ok := c.GetQuery("pointDefinitionReference"); ok {
		items = filter(items, func(t *fixtures.Transaction) bool {
			return t.PointDefinitionReference != nil && *t.PointDefinitionReference == ref
		})
	}
	writeJSON(c, http.StatusOK, pageOf(items, pg))
}

func (a *api) getMemberPointPeriods(c *gin.Context) {
	act, ok := a.activity(c)
	if !ok {
		return
	}
	if pg, ok := parsePaging(c); ok {
		writeJSON(c, http.StatusOK, pageOf(act.PointPeriods, pg))
	}
}

func (a *api) getMemberPointPeriod(c *gin.Context) {
	act, ok := a.activity(c)
	if !ok {
		return
	}
	id, ok := idParam(c, "pointPeriodId")
	if !ok {
		return
	}
	for _, pp := range act.PointPeriods {
		if pp.ID == id {
			writeJSON(c, http.StatusOK, pp)
			return
		}
	}
	abortWithError(c, http.StatusNotFound, fmt.Sprintf("Point period %d was not found for member %s.", id, c.Param("memberId")))
}

func (a *api) getMemberRewardLadder(c *gin.Context) {
	if act, ok := a.activity(c); ok {
		writeJSON(c, http.StatusOK, act.RewardLadder)
	}
}

func (a *api) getMemberPointsHistory(c *gin.Context) {
	act, ok := a.activity(c)
	if !ok {
		return
	}
	pg, ok := parsePaging(c)
	if !ok {
		return
	}
	after, hasAfter, ok := timeParam(c, "createdAfter")
	if !ok {
		return
	}
	before, hasBefore, ok := timeParam(c, "createdBefore")
	if !ok {
		return
	}
	if hasAfter && hasBefore && after.After(before) {
		msg := "createdAfter must not be later than createdBefore."
		abortWithError(c, http.StatusBadRequest, "The request has invalid parameters: createdAfter, createdBefore.",
			spec.FieldError{Field: "createdAfter", Message: msg},
			spec.FieldError{Field: "createdBefore", Message: msg})
		return
	}
	items := act.PointEvents
	if ref, ok := c.GetQuery("pointDefinitionReference"); ok {
		items = filter(items, func(e *fixtures.PointEvent) bool { return e.PointDefinitionReference == ref })
	}
	if typ, ok := c.GetQuery("pointEventType"); ok {
		items = filter(items, func(e *fixtures.PointEvent) bool { return e.PointEventType == typ })
	}
	if hasAfter {
		items = filter(items, func(e *fixtures.PointEvent) bool { return !e.CreatedAt.Before(after) })
	}
	if hasBefore {
		items = filter(items, func(e *fixtures.PointEvent) bool { return e.CreatedAt.Before(before) })
	}
	writeJSON(c, http.StatusOK, pageOf(items, pg))
}

func (a *api) getMemberSuspensionPeriods(c *gin.Context) {
	act, ok := a.activity(c)
	if !ok {
		return
	}
	if pg, ok := parsePaging(c); ok {
		writeJSON(c, http.StatusOK, pageOf(act.Suspensions, pg))
	}
}

// timeParam reads an optional RFC 3339 query parameter. Offsets such as
// +02:00 are accepted and compared as instants.
func timeParam(c *gin.Context, name string) (t time.Time, present, ok bool) {
	v, present := c.GetQuery(name)
	if !present {
		return time.Time{}, false, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		badParameter(c, name, name+" must be an RFC 3339 date-time with a zone, e.g. 2025-03-14T08:15:00Z.")
		return time.Time{}, true, false
	}
	return t, true, true
}
