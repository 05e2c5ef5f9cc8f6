package mockserver

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// maxJournalBody is the most of a response body the journal keeps to validate it; a page of
// 100 transactions is about 60 KB. A longer body is not validated, and the entry says so.
const maxJournalBody = 256 << 10

// JournalEntry is one request the mock answered, as GET /__mock/requests shows it.
type JournalEntry struct {
	Seq           uint64    `json:"seq"` // 1, 2, 3, … since the mock started
	Time          time.Time `json:"time"`
	Method        string    `json:"method"`
	Path          string    `json:"path"`
	Query         string    `json:"query"`
	Status        int       `json:"status"` // 0 when the connection was dropped
	LatencyMs     float64   `json:"latencyMs"`
	CorrelationID string    `json:"correlationId"`
	ClientName    string    `json:"clientName"`
	OperationID   string    `json:"operationId,omitempty"` // "" for the mock's own paths and unknown ones
	// Forced says why the answer is not the normal one: "Prefer: status=404, delay=300" or
	// "fault rules 2, 3". Empty for a normal answer.
	Forced  string `json:"forced,omitempty"`
	Dropped bool   `json:"dropped,omitempty"`

	// Whether the request and the response conform to the OpenAPI document; null when
	// there is nothing to check (not an operation of the API, a dropped connection).
	RequestValid   *bool    `json:"requestValid"`
	RequestErrors  []string `json:"requestErrors,omitempty"`
	ResponseValid  *bool    `json:"responseValid"`
	ResponseErrors []string `json:"responseErrors,omitempty"`
}

// journalRecord is an entry with what checking it needs. Checks run when the journal is
// read, not when the request is answered, so keeping a journal costs a few fields per
// request: the body is the very slice the handler wrote (see teeWriter).
type journalRecord struct {
	entry JournalEntry
	// The headers the spec declares, as they were sent and answered; the request's
	// ET-Client-Name and the answer's X-Correlation-Id are in entry.
	hasClientName   bool
	reqCorrelation  []string
	respContentType string
	retryAfter      []string
	body            []byte
	truncated       bool

	checked *JournalEntry // the entry with its verdict, made when first read
}

// newJournalRecord holds what judging an answer needs: the request, and the status, headers
// and body of the answer.
func newJournalRecord(r *http.Request, status int, header http.Header, body []byte) journalRecord {
	return journalRecord{
		entry: JournalEntry{
			Method:        r.Method,
			Path:          r.URL.Path,
			Query:         r.URL.RawQuery,
			Status:        status,
			CorrelationID: first(header[headerCorrelationID]),
			ClientName:    first(r.Header[canonicalClientName]),
		},
		hasClientName:   len(r.Header[canonicalClientName]) > 0,
		reqCorrelation:  r.Header[headerCorrelationID],
		respContentType: first(header["Content-Type"]),
		retryAfter:      header["Retry-After"],
		body:            body,
	}
}

// verdict is what checking a request and its answer found.
type verdict struct {
	requestValid   *bool
	requestErrors  []string
	responseValid  *bool
	responseErrors []string
}

// journal keeps the last requests in a ring.
type journal struct {
	v    *spec.Validator
	ops  map[string]spec.Operation // by gin route
	size int

	// The ring holds records by value, so that recording a request allocates none: a slot is
	// overwritten in place, and readers take copies under mu. A slot whose entry.Seq is not
	// the seq it stands for is empty (never written, or cleared).
	mu   sync.Mutex
	ring []journalRecord // ring[(seq-1) % size]
	seq  uint64          // seq of the latest record

	tees sync.Pool // *teeWriter, one per request in flight

	// sink, when set, takes every record instead of the ring: the shared journal.
	sink func(*journalRecord)
}

func newJournal(size int, v *spec.Validator, ops map[string]spec.Operation) *journal {
	return &journal{v: v, ops: ops, size: size, ring: make([]journalRecord, size)}
}

// journalled reports whether a path goes into the journal: not the mock's own endpoints,
// which would fill it with the polling of the journal itself and of health checks.
func journalled(path string) bool {
	return !strings.HasPrefix(path, "/__mock/") && path != "/healthz" && path != "/readyz"
}

// teeWriter keeps what the handlers write. The mock writes every body in one call, from a
// slice it never changes afterwards (a fresh encoding, or a cached body shared by all
// requests for it), so the first write is kept as it is, without a copy; only a second
// write makes the writer copy into a buffer of its own.
type teeWriter struct {
	gin.ResponseWriter
	body      []byte
	owned     bool // body is the writer's own buffer
	truncated bool
}

// keep appends p to the body; owned says p is a copy the writer may keep as its own.
func (w *teeWriter) keep(p []byte, owned bool) {
	if w.truncated {
		return
	}
	if len(w.body)+len(p) > maxJournalBody {
		w.truncated = true
		w.body = nil
		return
	}
	switch {
	case len(w.body) == 0:
		w.body, w.owned = p, owned
	case !w.owned:
		w.body = append(bytes.Clone(w.body), p...)
		w.owned = true
	default:
		w.body = append(w.body, p...)
	}
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.keep(p, false)
	return w.ResponseWriter.Write(p)
}

func (w *teeWriter) WriteString(s string) (int, error) {
	w.keep([]byte(s), true)
	return w.ResponseWriter.WriteString(s)
}

// middleware records every journalled request, also one whose handler panics. clock, when
// set, stands in for the wall clock in the entries' times (the mock's Config.Clock); latency
// is measured on the real clock. forProxy leaves each record in the context, where the
// proxy's judge finds it.
func (j *journal) middleware(clock func() time.Time, forProxy bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if !journalled(r.URL.Path) {
			c.Next()
			return
		}
		start := time.Now()
		at := start
		if clock != nil {
			at = clock()
		}
		tw, _ := j.tees.Get().(*teeWriter)
		if tw == nil {
			tw = new(teeWriter)
		}
		*tw = teeWriter{ResponseWriter: c.Writer}
		c.Writer = tw
		defer func() {
			c.Writer = tw.ResponseWriter
			rec := newJournalRecord(r, tw.Status(), tw.Header(), tw.body)
			rec.entry.Time = at.UTC()
			rec.entry.LatencyMs = float64(time.Since(start).Microseconds()) / 1000
			rec.entry.OperationID = j.ops[c.FullPath()].ID
			rec.entry.Forced = c.GetString(forcedKey)
			rec.entry.Dropped = c.GetBool(droppedKey)
			rec.truncated = tw.truncated
			*tw = teeWriter{} // holds nothing of this request while pooled
			j.tees.Put(tw)
			if rec.entry.Dropped {
				rec.entry.Status = 0
			}
			// Copies where a record leaves this function, so that rec itself stays on the
			// stack: the ring copies it too.
			if j.sink != nil {
				shared := rec
				j.sink(&shared)
			} else {
				rec.entry.Seq = j.add(&rec)
			}
			if forProxy {
				judged := rec
				c.Set(journalRecordKey, &judged)
			}
		}()
		c.Next()
	}
}

// sendTo makes sink take every record instead of the ring, which it drops: a ring of
// --journal records by value is memory the shared journal never reads.
func (j *journal) sendTo(sink func(*journalRecord)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sink, j.ring = sink, nil
}

// add copies rec into the ring under the next seq, which it returns.
func (j *journal) add(rec *journalRecord) uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	slot := &j.ring[(j.seq-1)%uint64(j.size)]
	*slot = *rec
	slot.entry.Seq = j.seq
	return j.seq
}

// keepVerdict stores the checked entry of record seq in its slot, if the slot still holds
// that record, so that it is judged once however often it is read.
func (j *journal) keepVerdict(seq uint64, checked *JournalEntry) {
	if seq == 0 || checked == nil || len(j.ring) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if slot := &j.ring[(seq-1)%uint64(j.size)]; slot.entry.Seq == seq && slot.checked == nil {
		slot.checked = checked
	}
}

// journalFilter selects entries; zero fields select everything.
type journalFilter struct {
	clientName  string
	operationID string
	status      int
}

func (f journalFilter) keeps(e *JournalEntry) bool {
	return (f.clientName == "" || e.ClientName == f.clientName) &&
		(f.operationID == "" || e.OperationID == f.operationID) &&
		(f.status == 0 || e.Status == f.status)
}

// list returns the kept entries that pass the filter, oldest first, checked against the spec;
// limit > 0 keeps only the latest limit of them.
func (j *journal) list(f journalFilter, limit int) []JournalEntry {
	j.mu.Lock()
	var recs []journalRecord
	first := uint64(1)
	if j.seq > uint64(j.size) {
		first = j.seq - uint64(j.size) + 1
	}
	for s := first; s <= j.seq; s++ {
		if rec := &j.ring[(s-1)%uint64(j.size)]; rec.entry.Seq == s && f.keeps(&rec.entry) {
			recs = append(recs, *rec)
		}
	}
	j.mu.Unlock()
	if limit > 0 && len(recs) > limit {
		recs = recs[len(recs)-limit:]
	}
	out := make([]JournalEntry, len(recs))
	for i := range recs {
		rec := &recs[i]
		judged := rec.checked != nil
		out[i] = rec.check(j.v)
		if !judged {
			j.keepVerdict(rec.entry.Seq, rec.checked)
		}
	}
	return out
}

// clear forgets the entries that pass the filter; seq numbers go on.
func (j *journal) clear(f journalFilter) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.ring {
		if rec := &j.ring[i]; rec.entry.Seq != 0 && f.keeps(&rec.entry) {
			*rec = journalRecord{}
		}
	}
}

func (j *journal) recorded() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq
}

// journalRecordKey is the gin context key of the request's journal record.
const journalRecordKey = "membersmock.journalRecord"

// check returns the entry with its verdict, validating the request and the response the first
// time. A record is checked by one goroutine at a time: the journal's readers check copies and
// keep the verdict in the ring with keepVerdict.
func (rec *journalRecord) check(v *spec.Validator) JournalEntry {
	if rec.checked == nil {
		vd := rec.judge(v)
		e := rec.entry
		e.RequestValid, e.RequestErrors = vd.requestValid, vd.requestErrors
		e.ResponseValid, e.ResponseErrors = vd.responseValid, vd.responseErrors
		rec.checked = &e
	}
	return *rec.checked
}

// judge validates the request and the response against the OpenAPI document and the
// contract's rules one response shows (spec.ResponseProblems, and spec's PageProblems for a
// page).
func (rec *journalRecord) judge(v *spec.Validator) *verdict {
	vd := &verdict{}
	e := rec.entry
	method := e.Method
	if method == http.MethodHead {
		method = http.MethodGet // answered as GET; the spec documents GET
	}
	u := &url.URL{Path: e.Path, RawQuery: e.Query}
	req := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: "mock"}
	if rec.hasClientName {
		req.Header.Set(headerClientName, e.ClientName)
	}
	if len(rec.reqCorrelation) > 0 {
		req.Header[headerCorrelationID] = rec.reqCorrelation
	}
	fields, found := v.ValidateRequest(req)
	if found {
		ok := len(fields) == 0
		vd.requestValid = &ok
		for _, f := range fields {
			vd.requestErrors = append(vd.requestErrors, f.Field+": "+f.Message)
		}
	}
	switch {
	case !found || e.Dropped:
	case e.Method == http.MethodHead:
		// No body to check; status and headers are those of the GET.
	case rec.truncated:
		vd.responseErrors = []string{"not checked: the body is longer than the journal keeps"}
	default:
		header := http.Header{}
		if rec.respContentType != "" {
			header.Set("Content-Type", rec.respContentType)
		}
		if e.CorrelationID != "" {
			header.Set(headerCorrelationID, e.CorrelationID)
		}
		if len(rec.retryAfter) > 0 {
			header["Retry-After"] = rec.retryAfter
		}
		resp := &http.Response{
			StatusCode: e.Status,
			Status:     http.StatusText(e.Status),
			Header:     header,
			Body:       io.NopCloser(bytes.NewReader(rec.body)),
			Request:    req,
		}
		if err := v.ValidateResponse(req, resp); err != nil {
			vd.responseErrors = strings.Split(err.Error(), "\n")
		}
		sent := ""
		if len(rec.reqCorrelation) > 0 {
			sent = rec.reqCorrelation[0]
		}
		problems, body := spec.ResponseProblems(sent, e.Status, header, rec.body)
		for _, p := range problems {
			vd.responseErrors = append(vd.responseErrors, p.Text)
		}
		if e.Status == http.StatusOK && body != nil {
			op, _ := v.FindOperation(method, e.Path)
			vd.responseErrors = append(vd.responseErrors, v.PageProblems(op.ID, u.Query(), body)...)
		}
		ok := len(vd.responseErrors) == 0
		vd.responseValid = &ok
	}
	return vd
}
