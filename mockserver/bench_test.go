package mockserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/fixtures"
)

// benchMembers is the population of the handler benchmarks: large enough that ids spread over
// it never repeat within a run, as in the load benchmark's third scenario.
const benchMembers = 1_000_000

// benchEngine is the mock as cmd/mockserver builds it by default (journal on, no access log)
// over a population of benchMembers per program.
func benchEngine(b *testing.B) (http.Handler, *fixtures.Dataset) {
	b.Helper()
	data, err := fixtures.New(1, fixtures.WithMembers(benchMembers))
	if err != nil {
		b.Fatal(err)
	}
	h, err := New(Config{Dataset: data, Validator: validator(b), JournalSize: DefaultJournalSize})
	if err != nil {
		b.Fatal(err)
	}
	return h, data
}

// sink is a ResponseWriter that keeps nothing but the status, so that the benchmarks measure
// the mock and not a recorder's buffer.
type sink struct {
	header http.Header
	status int
	n      int
}

func (s *sink) Header() http.Header         { return s.header }
func (s *sink) WriteHeader(status int)      { s.status = status }
func (s *sink) Write(p []byte) (int, error) { s.n += len(p); return len(p), nil }

func (s *sink) reset() {
	clear(s.header)
	s.status, s.n = http.StatusOK, 0
}

func benchRequest(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("ET-Client-Name", "acme-bench")
	return r
}

// serveLoop serves the request for path i of paths on every iteration and fails on any status
// other than 200.
func serveLoop(b *testing.B, h http.Handler, paths []string) {
	b.Helper()
	reqs := make([]*http.Request, len(paths))
	for i, p := range paths {
		reqs[i] = benchRequest(p)
	}
	w := &sink{header: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, reqs[i])
		if w.status != http.StatusOK {
			b.Fatalf("GET %s: status %d", paths[i], w.status)
		}
		if i++; i == len(reqs) {
			i = 0
		}
	}
	b.SetBytes(int64(w.n))
}

// BenchmarkHandler serves each of the nine operations end to end through the gin engine,
// request validation included, repeating one URL: the steady state of a frontend reloading a
// page.
func BenchmarkHandler(b *testing.B) {
	h, data := benchEngine(b)
	ps := data.Personas(1)
	act, _ := data.Activity(1, ps.Regular)
	base := "/v1/programs/1"
	m := func(id int64, sub string) string { return fmt.Sprintf("%s/members/%d%s", base, id, sub) }
	for _, bc := range []struct{ name, path string }{
		{"getProgram", base},
		{"getMembers", base + "/members?perPage=20"},
		{"getMember", m(ps.Regular, "")},
		{"getMemberTransactions", m(ps.Frequent, "/transactions?perPage=100")},
		{"getMemberPointPeriods", m(ps.Regular, "/point-periods")},
		{"getMemberPointPeriod", m(ps.Regular, fmt.Sprintf("/point-periods/%d", act.PointPeriods[0].ID))},
		{"getMemberRewardLadder", m(ps.Regular, "/reward-ladder")},
		{"getMemberPointsHistory", m(ps.Frequent, "/points-history?perPage=100")},
		{"getMemberSuspensionPeriods", m(ps.Suspended, "/suspension-periods")},
	} {
		b.Run(bc.name, func(b *testing.B) { serveLoop(b, h, []string{bc.path}) })
	}
}

// BenchmarkHandlerSpread asks for members spread over the whole population, each id at most
// once per run: no response is served from the body cache, so this is the cost of
// generating, validating (from the shape cache) and encoding. Building the path costs the
// benchmark itself one allocation per request.
func BenchmarkHandlerSpread(b *testing.B) {
	h, _ := benchEngine(b)
	for _, bc := range []struct{ name, sub string }{
		{"getMember", ""},
		{"getMemberTransactions", "/transactions"},
		{"getMemberPointsHistory", "/points-history"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := benchRequest("/v1/programs/1/members/1" + bc.sub)
			w := &sink{header: http.Header{}}
			buf := []byte("/v1/programs/1/members/")
			prefix := len(buf)
			b.ReportAllocs()
			i := int64(0)
			for b.Loop() {
				// 1_000_003 is prime, so the ids cover the program before repeating.
				id := 1 + (i*1_000_003)%benchMembers
				i++
				buf = append(strconv.AppendInt(buf[:prefix], id, 10), bc.sub...)
				r.URL.Path = string(buf)
				w.reset()
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("GET %s: status %d", r.URL.Path, w.status)
				}
			}
		})
	}
}

// BenchmarkFrequentPersona is the heaviest member: the first page of 100 transactions and of
// 100 points-history entries, cold (a new engine and dataset every time: the activity is
// generated, the request validated and the page encoded) and warm.
func BenchmarkFrequentPersona(b *testing.B) {
	for _, sub := range []string{"/transactions?perPage=100", "/points-history?perPage=100"} {
		b.Run("cold"+sub, func(b *testing.B) {
			v := validator(b)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				data, err := fixtures.New(1, fixtures.WithMembers(benchMembers))
				if err != nil {
					b.Fatal(err)
				}
				h, err := New(Config{Dataset: data, Validator: v})
				if err != nil {
					b.Fatal(err)
				}
				r := benchRequest(fmt.Sprintf("/v1/programs/1/members/%d%s", data.Personas(1).Frequent, sub))
				w := &sink{header: http.Header{}, status: http.StatusOK}
				b.StartTimer()
				h.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
		b.Run("warm"+sub, func(b *testing.B) {
			h, data := benchEngine(b)
			serveLoop(b, h, []string{fmt.Sprintf("/v1/programs/1/members/%d%s", data.Personas(1).Frequent, sub)})
		})
	}
}

// BenchmarkValidate is the request validation middleware alone, behind a bare gin router: a
// URL seen before, and URLs never seen before (new member ids) of a shape seen before.
func BenchmarkValidate(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	g := e.Group("/v1/programs/:programId")
	g.Use(validateRequest(validator(b), false))
	g.GET("/members/:memberId/points-history", func(c *gin.Context) { c.Status(http.StatusOK) })
	g.GET("/members/:memberId/transactions", func(c *gin.Context) { c.Status(http.StatusOK) })
	b.Run("repeated", func(b *testing.B) {
		serveLoop(b, e, []string{"/v1/programs/1/members/42/points-history?page=1&perPage=50&pointEventType=EARNED&createdAfter=2025-01-01T00:00:00Z"})
	})
	b.Run("newIds", func(b *testing.B) {
		paths := make([]string, 4096)
		for i := range paths {
			paths[i] = fmt.Sprintf("/v1/programs/1/members/%d/transactions?perPage=100", 1+(int64(i)*1_000_003+int64(b.N))%benchMembers)
		}
		serveLoop(b, e, paths)
	})
}

// BenchmarkEncodePage is the JSON encoding of a page as the handlers do it (encodeJSON): 100
// transactions of the frequent persona (encoding/json) and 20 members (the hand-written path).
func BenchmarkEncodePage(b *testing.B) {
	data, err := fixtures.New(1)
	if err != nil {
		b.Fatal(err)
	}
	act, _ := data.Activity(1, data.Personas(1).Frequent)
	transactions := pageOf(act.Transactions, paging{page: 0, perPage: 100})
	if len(transactions.Items) != 100 {
		b.Fatalf("page has %d items, want 100", len(transactions.Items))
	}
	members := newPage(data.Members(1, 0, 20), data.MemberCount(1), paging{perPage: 20})
	for _, bc := range []struct {
		name string
		page any
	}{{"transactions100", transactions}, {"members20", members}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				n = len(encodeJSON(bc.page))
			}
			b.SetBytes(int64(n))
		})
	}
}
