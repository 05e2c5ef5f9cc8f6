package mockserver

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/spec"
)

// api answers the contract's operations from one dataset.
type api struct {
	data *fixtures.Dataset

	// bodies holds encoded 200 bodies by path and raw query: every answer is
	// a pure function of them (the dataset never changes), so a hit is byte
	// for byte what encoding again would give. Only bodies asked for twice
	// are kept, so that a scan over many members does not push out what a
	// frontend keeps reloading. Created on first use, so that the zero api
	// (plus data) is ready.
	bodiesOnce sync.Once
	bodies     *boundedCache[jsonBody]
}

// Bounds of the body cache: a body is at most about 60 KB (a page of 100
// transactions), most are well under 5 KB.
const (
	bodyCacheEntries = 4096
	bodyCacheBytes   = 4 << 20
)

// cached answers 200 from the body cache and reports whether it did. Every
// handler asks it first: errors are never cached (they carry the
// correlation id), so a hit is a request that succeeded before.
func (a *api) cached(c *gin.Context) bool {
	var buf [256]byte
	key, ok := bodyKey(buf[:0], c.Request)
	if !ok {
		return false
	}
	body, ok := a.bodyCache().get(key)
	if ok {
		writeJSONBody(c, http.StatusOK, body)
	}
	return ok
}

// respond answers 200 with v and keeps its encoding for next time.
func (a *api) respond(c *gin.Context, v any) {
	body := newJSONBody(encodeJSON(v))
	var buf [256]byte
	if key, ok := bodyKey(buf[:0], c.Request); ok {
		a.bodyCache().put(key, body, len(body.bytes))
	}
	writeJSONBody(c, http.StatusOK, body)
}

func (a *api) bodyCache() *boundedCache[jsonBody] {
	a.bodiesOnce.Do(func() { a.bodies = newBoundedCache[jsonBody](bodyCacheEntries, bodyCacheBytes).admitOnSecondPut() })
	return a.bodies
}

// bodyKey is the cache key of a request: the path the router matched and the
// raw query the handlers read. Requests whose path has an encoding of its own
// (RawPath) are not cached.
func bodyKey(b []byte, r *http.Request) ([]byte, bool) {
	if r.URL.RawPath != "" {
		return b, false
	}
	b = appendField(b, r.URL.Path)
	return appendField(b, r.URL.RawQuery), true
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

// programID resolves programId to a program that exists, answering 400 or
// 404 exactly like program, mostly without building the Program (which copies
// its lists): a program with members exists, and only one without (unknown,
// or an overlay's empty program) needs the full look-up.
func (a *api) programID(c *gin.Context) (int64, bool) {
	id, ok := idParam(c, "programId")
	if !ok {
		return 0, false
	}
	if a.data.MemberCount(id) > 0 {
		return id, true
	}
	if _, ok := a.data.Program(id); !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("Program %d was not found.", id))
		return 0, false
	}
	return id, true
}

// member resolves programId and memberId. A member of another program is
// not found, exactly like an unknown one.
func (a *api) member(c *gin.Context) (programID int64, m fixtures.Member, ok bool) {
	programID, ok = a.programID(c)
	if !ok {
		return 0, m, false
	}
	id, ok := idParam(c, "memberId")
	if !ok {
		return programID, m, false
	}
	m, ok = a.data.Member(programID, id)
	if !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("Member %d was not found in program %d.", id, programID))
	}
	return programID, m, ok
}

// activity resolves programId and memberId to everything under the member,
// answering 400 or 404 exactly as member does. It does not build the Member:
// on a cache hit the activity is all there is to fetch.
func (a *api) activity(c *gin.Context) (*fixtures.Activity, bool) {
	p, ok := a.programID(c)
	if !ok {
		return nil, false
	}
	id, ok := idParam(c, "memberId")
	if !ok {
		return nil, false
	}
	act, ok := a.data.Activity(p, id)
	if !ok {
		abortWithError(c, http.StatusNotFound, fmt.Sprintf("Member %d was not found in program %d.", id, p))
	}
	return act, ok
}

func (a *api) getProgram(c *gin.Context) {
	if a.cached(c) {
		return
	}
	if p, ok := a.program(c); ok {
		a.respond(c, p)
	}
}

func (a *api) getMembers(lr *listRules, c *gin.Context) {
	if a.cached(c) {
		return
	}
	p, ok := a.programID(c)
	if !ok {
		return
	}
	pg, ok := lr.parse(c)
	if !ok {
		return
	}
	if customerID, ok := lr.filter(c, "customerId"); ok {
		var match []fixtures.Member
		if m, ok := a.data.MemberByCustomerID(p, customerID); ok {
			match = append(match, m)
		}
		respondPage(a, lr, c, pg, pageOf(match, pg))
		return
	}
	total := a.data.MemberCount(p)
	var items []fixtures.Member
	if off := pg.offset(); off < total {
		items = a.data.Members(p, off, min(pg.perPage, total-off))
	}
	respondPage(a, lr, c, pg, newPage(items, total, pg))
}

func (a *api) getMember(c *gin.Context) {
	if a.cached(c) {
		return
	}
	if _, m, ok := a.member(c); ok {
		a.respond(c, m)
	}
}

func (a *api) getMemberTransactions(lr *listRules, c *gin.Context) {
	if a.cached(c) {
		return
	}
	act, ok := a.activity(c)
	if !ok {
		return
	}
	pg, ok := lr.parse(c)
	if !ok {
		return
	}
	items := act.Transactions
	if orderID, ok := lr.filter(c, "orderId"); ok {
		items = filter(items, func(t *fixtures.Transaction) bool {
			v, ok := t.Metadata["orderId"].(string)
			return ok && v == orderID
		})
	}
	if ref, ok := lr.filter(c, "pointDefinitionReference"); ok {
		items = filter(items, func(t *fixtures.Transaction) bool {
			return t.PointDefinitionReference != nil && *t.PointDefinitionReference == ref
		})
	}
	respondPage(a, lr, c, pg, pageOf(items, pg))
}

func (a *api) getMemberPointPeriods(lr *listRules, c *gin.Context) {
	servePage(a, lr, c, func(act *fixtures.Activity) []fixtures.PointPeriod { return act.PointPeriods })
}

// servePage answers one page of an unfiltered list under a member.
func servePage[T any](a *api, lr *listRules, c *gin.Context, list func(*fixtures.Activity) []T) {
	if a.cached(c) {
		return
	}
	act, ok := a.activity(c)
	if !ok {
		return
	}
	if pg, ok := lr.parse(c); ok {
		respondPage(a, lr, c, pg, pageOf(list(act), pg))
	}
}

func (a *api) getMemberPointPeriod(c *gin.Context) {
	if a.cached(c) {
		return
	}
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
			a.respond(c, pp)
			return
		}
	}
	abortWithError(c, http.StatusNotFound, fmt.Sprintf("Point period %d was not found for member %s.", id, c.Param("memberId")))
}

func (a *api) getMemberRewardLadder(c *gin.Context) {
	if a.cached(c) {
		return
	}
	if act, ok := a.activity(c); ok {
		a.respond(c, act.RewardLadder)
	}
}

func (a *api) getMemberPointsHistory(lr *listRules, c *gin.Context) {
	if a.cached(c) {
		return
	}
	act, ok := a.activity(c)
	if !ok {
		return
	}
	pg, ok := lr.parse(c)
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
	if ref, ok := lr.filter(c, "pointDefinitionReference"); ok {
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
	respondPage(a, lr, c, pg, pageOf(items, pg))
}

func (a *api) getMemberSuspensionPeriods(lr *listRules, c *gin.Context) {
	servePage(a, lr, c, func(act *fixtures.Activity) []fixtures.SuspensionPeriod { return act.Suspensions })
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
