package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/membersmock/membersmock/internal/budget"
)

// parseQuery reads a query written in a scenario ("perPage=0&page=x"),
// values literal: they are encoded when sent, so "+02:00" stays a plus.
func parseQuery(text string) (url.Values, error) {
	q := url.Values{}
	if text == "" {
		return q, nil
	}
	for _, part := range strings.Split(text, "&") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("cannot read %q in the query %q; write name=value&name=value", part, text)
		}
		q.Add(k, v)
	}
	return q, nil
}

// beginAction forgets the outcome of the previous action, so that "Then"
// steps never look at a stale walk or filter.
func (s *scenario) beginAction() {
	s.walk, s.filter = nil, nil
}

func theClientAsksFor(ctx context.Context, phrase string) error {
	return theClientAsksForWithQuery(ctx, phrase, "")
}

func theClientAsksForWithQuery(ctx context.Context, phrase, query string) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	q, err := parseQuery(query)
	if err != nil {
		return err
	}
	_, err = s.fetch(ctx, r, q, nil)
	return err
}

func theClientAsksForTwice(ctx context.Context, phrase string) error {
	if err := theClientAsksFor(ctx, phrase); err != nil {
		return err
	}
	return theClientAsksFor(ctx, phrase)
}

// theClientListsPage asks for page number page, as written: for the first
// or second page, whatever their numbers, see theClientListsPageAt.
func theClientListsPage(ctx context.Context, phrase string, page, perPage int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "perPage": {strconv.Itoa(perPage)}}
	ex, err := s.fetch(ctx, r, q, nil)
	if err != nil {
		return err
	}
	if page == s.pageNumber(0) && ex.status == http.StatusOK {
		pb, err := readPage(ex)
		if err != nil {
			return err
		}
		s.firstPage = &pb
	}
	return nil
}

// theClientListsPageAt asks for the page at an ordinal place ("first",
// "second"), numbered as the dialect says.
func theClientListsPageAt(ctx context.Context, phrase, ordinal string, perPage int) error {
	return theClientListsPage(ctx, phrase, state(ctx).pageNumber(pagePlace(ordinal)), perPage)
}

// pagePlace is the place of an ordinal the step patterns allow.
func pagePlace(ordinal string) int {
	if ordinal == "second" {
		return 1
	}
	return 0
}

// firstPageOf returns the first page of a list at perPage, fetching it
// unless the scenario just did.
func (s *scenario) firstPageOf(ctx context.Context, r *resource, perPage int) (pageBody, error) {
	if s.firstPage != nil && s.lastRes == r && s.last != nil && s.last.query.Get("perPage") == strconv.Itoa(perPage) && s.last.query.Get("page") == strconv.Itoa(s.pageNumber(0)) {
		return *s.firstPage, nil
	}
	_, pb, err := s.page(ctx, r, nil, 0, perPage)
	if err != nil {
		return pageBody{}, err
	}
	s.firstPage = &pb
	return pb, nil
}

func theClientListsThePageAfterTheLast(ctx context.Context, phrase string, perPage int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	first, err := s.firstPageOf(ctx, r, perPage)
	if err != nil {
		return err
	}
	q := url.Values{"page": {strconv.FormatInt(int64(s.pageNumber(0))+first.totalPages, 10)}, "perPage": {strconv.Itoa(perPage)}}
	_, err = s.fetch(ctx, r, q, nil)
	return err
}

func theClientListsTheLastPage(ctx context.Context, phrase string, perPage int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	first, err := s.firstPageOf(ctx, r, perPage)
	if err != nil {
		return err
	}
	q := url.Values{"page": {strconv.FormatInt(int64(s.pageNumber(0))+max(first.totalPages-1, 0), 10)}, "perPage": {strconv.Itoa(perPage)}}
	_, err = s.fetch(ctx, r, q, nil)
	return err
}

func theClientAsksForWithIDWrittenAs(ctx context.Context, phrase, param, value string) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	_, err = s.fetch(ctx, r, nil, map[string]string{param: value})
	return err
}

// theClientAsksWithALongTarget pads the query with a parameter the API does
// not know, so that only the length of the request target is wrong.
func theClientAsksWithALongTarget(ctx context.Context, phrase string, n int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	_, err = s.fetch(ctx, r, url.Values{"padding": {strings.Repeat("x", n+1)}}, nil)
	return err
}

// theClientAsksWithLargeHeaders adds a header the API does not know, so
// that only the size of the header block is wrong.
func theClientAsksWithLargeHeaders(ctx context.Context, phrase string, n int) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	saved := s.extraHeader
	s.extraHeader = http.Header{}
	for k, v := range saved {
		s.extraHeader[k] = v
	}
	s.extraHeader.Set("X-Conformance-Padding", strings.Repeat("x", n+1))
	defer func() { s.extraHeader = saved }()
	_, err = s.fetch(ctx, r, nil, nil)
	return err
}

// theClientRequestsThePath requests a path that is no operation, under the
// program: "/members/{memberId}/no-such-thing".
func theClientRequestsThePath(ctx context.Context, template string) error {
	s := state(ctx)
	s.beginAction()
	base, err := programPath(s, nil)
	if err != nil {
		return err
	}
	path := strings.NewReplacer(
		"{memberId}", strconv.FormatInt(s.memberID, 10),
		"{pointPeriodId}", strconv.FormatInt(s.pointPeriodID, 10),
	).Replace(template)
	ex, err := s.request(ctx, base+path, nil)
	if ex != nil {
		s.remember(ex, nil)
	}
	return err
}

// theClientSendsABurst sends requests from a few workers until one is
// answered 429 or n have been sent.
func theClientSendsABurst(ctx context.Context, n int, phrase string) error {
	s := state(ctx)
	s.beginAction()
	r, err := findResource(phrase)
	if err != nil {
		return err
	}
	path, err := r.path(s, nil)
	if err != nil {
		return err
	}
	// The scenario is about the 429 itself: a retry would hide it.
	ctx = budget.WithoutRetries(ctx)
	var (
		sent    atomic.Int64
		mu      sync.Mutex
		limited *exchange
		last    *exchange
		firstEr error
		wg      sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sent.Add(1) <= int64(n) {
				mu.Lock()
				done := limited != nil || firstEr != nil
				mu.Unlock()
				if done {
					return
				}
				ex, err := s.suite.client.do(ctx, call{path: path, credentials: s.credentials, authorization: s.authorization})
				mu.Lock()
				switch {
				case err != nil && firstEr == nil:
					firstEr = err
				case ex != nil && ex.status == http.StatusTooManyRequests && limited == nil:
					limited = ex
				case ex != nil:
					last = ex
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstEr != nil {
		return firstEr
	}
	if limited != nil {
		s.remember(limited, r)
		return nil
	}
	if last != nil {
		s.remember(last, r)
	}
	return fmt.Errorf("%d requests for %s as fast as the client could send them were all answered without 429", n, phrase)
}

// Generic checks on the latest response.

func theResponseStatusIs(ctx context.Context, want int) error {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return err
	}
	if ex.status != want {
		return fmt.Errorf("%s answered %d, want %d: %s", ex.target(), ex.status, want, snippet(ex.body))
	}
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// reasonStatus maps an HTTP reason phrase to its status code.
func reasonStatus(reason string) (int, error) {
	for code := 100; code < 600; code++ {
		if http.StatusText(code) == reason {
			return code, nil
		}
	}
	return 0, fmt.Errorf("%q is not an HTTP reason phrase", reason)
}

// theAnswerIsAnError checks the status and the Error body. The body's
// agreement with the response (status, title, correlationId) is checked
// for every response by the client already.
func theAnswerIsAnError(ctx context.Context, reason string) error {
	want, err := reasonStatus(reason)
	if err != nil {
		return err
	}
	if err := theResponseStatusIs(ctx, want); err != nil {
		return err
	}
	ex, _ := state(ctx).lastResponse()
	o, err := ex.object()
	if err != nil {
		return fmt.Errorf("a %d answer must carry the Error body: %w", want, err)
	}
	if o["title"] != reason {
		return fmt.Errorf("Error body: title is %v, want %q", show(o["title"]), reason)
	}
	return nil
}

// errorFields returns the fields named in the Error body's errors[].
func errorFields(ctx context.Context) ([]string, *exchange, error) {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return nil, nil, err
	}
	o, err := ex.object()
	if err != nil {
		return nil, ex, err
	}
	raw, _ := o["errors"].([]any)
	var fields []string
	for _, e := range raw {
		if eo, ok := e.(map[string]any); ok {
			f, _ := eo["field"].(string)
			fields = append(fields, f)
		}
	}
	return fields, ex, nil
}

func theErrorNamesTheParameters(ctx context.Context, want ...string) error {
	fields, ex, err := errorFields(ctx)
	if err != nil {
		return err
	}
	got := slices.Clone(fields)
	slices.Sort(got)
	exp := slices.Clone(want)
	slices.Sort(exp)
	if !slices.Equal(got, exp) {
		return fmt.Errorf("Error body of %s: errors[] must name exactly %s, one entry each; it names %s",
			ex.target(), quoteAll(exp), quoteAll(fields))
	}
	return nil
}

func theErrorNamesTheParameter(ctx context.Context, name string) error {
	return theErrorNamesTheParameters(ctx, name)
}

func theErrorNamesTheParametersAnd(ctx context.Context, a, b string) error {
	return theErrorNamesTheParameters(ctx, a, b)
}

func theErrorNamesEitherParameter(ctx context.Context, a, b string) error {
	fields, ex, err := errorFields(ctx)
	if err != nil {
		return err
	}
	ok := len(fields) > 0
	for _, f := range fields {
		ok = ok && (f == a || f == b)
	}
	if !ok || len(fields) > 2 || (len(fields) == 2 && fields[0] == fields[1]) {
		return fmt.Errorf("Error body of %s: errors[] must name %q or %q (or both, once each); it names %s", ex.target(), a, b, quoteAll(fields))
	}
	return nil
}

func quoteAll(xs []string) string {
	if len(xs) == 0 {
		return "nothing"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func theErrorBodyCarriesTheCorrelationID(ctx context.Context) error {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return err
	}
	o, err := ex.object()
	if err != nil {
		return err
	}
	header := ex.header.Get("X-Correlation-Id")
	if header == "" {
		return fmt.Errorf("%s: the response carries no X-Correlation-Id", ex.target())
	}
	if o["correlationId"] != header {
		return fmt.Errorf("%s: Error body correlationId is %v, the X-Correlation-Id header is %q; they must be equal", ex.target(), show(o["correlationId"]), header)
	}
	return nil
}

func theResponseCarriesTheSentCorrelationID(ctx context.Context) error {
	s := state(ctx)
	ex, err := s.lastResponse()
	if err != nil {
		return err
	}
	if ex.sentID == "" {
		return fmt.Errorf("the client sent no correlation id with %s", ex.target())
	}
	if got := ex.header.Get("X-Correlation-Id"); got != ex.sentID {
		return fmt.Errorf("%s was sent with X-Correlation-Id %q, the response carries %q; it must be echoed", ex.target(), ex.sentID, got)
	}
	return nil
}

func theResponseCarriesAGeneratedCorrelationID(ctx context.Context) error {
	s := state(ctx)
	ex, err := s.lastResponse()
	if err != nil {
		return err
	}
	if ex.sentID != "" {
		return fmt.Errorf("the client sent a correlation id with %s; this step needs none sent", ex.target())
	}
	if strings.TrimSpace(ex.header.Get("X-Correlation-Id")) == "" {
		return fmt.Errorf("%s was sent without X-Correlation-Id, and the response carries none; the server must generate one", ex.target())
	}
	return nil
}

func theTwoAnswersCarryDifferentCorrelationIDs(ctx context.Context) error {
	s := state(ctx)
	if s.previous == nil || s.last == nil {
		return fmt.Errorf("the scenario has not made two requests")
	}
	a, b := s.previous.header.Get("X-Correlation-Id"), s.last.header.Get("X-Correlation-Id")
	if a == b {
		return fmt.Errorf("two requests without a correlation id were both answered with X-Correlation-Id %q; a generated id must identify one request", a)
	}
	return nil
}

func theTwoAnswersAreTheSame(ctx context.Context) error {
	s := state(ctx)
	if s.previous == nil || s.last == nil {
		return fmt.Errorf("the scenario has not made two requests")
	}
	if s.previous.status != s.last.status {
		return fmt.Errorf("%s answered %d, then %d", s.last.target(), s.previous.status, s.last.status)
	}
	a, err := s.previous.json()
	if err != nil {
		return err
	}
	b, err := s.last.json()
	if err != nil {
		return err
	}
	if d := difference(a, b); d != "" {
		return fmt.Errorf("asking %s twice gave different answers: %s", s.last.target(), d)
	}
	return nil
}

func theAnswerIsTheSameAsWithQuery(ctx context.Context, query string) error {
	s := state(ctx)
	before, err := s.lastResponse()
	if err != nil {
		return err
	}
	q, err := parseQuery(query)
	if err != nil {
		return err
	}
	other, err := s.request(ctx, before.path, q)
	if err != nil {
		return err
	}
	if other.status != before.status {
		return fmt.Errorf("%s answered %d but %s answered %d", before.target(), before.status, other.target(), other.status)
	}
	a, _ := before.json()
	b, _ := other.json()
	if d := difference(a, b); d != "" {
		return fmt.Errorf("%s and %s must give the same answer: %s", before.target(), other.target(), d)
	}
	return nil
}

func theAnswerSaysWhenToRetry(ctx context.Context) error {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return err
	}
	v := ex.header.Get("Retry-After")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return fmt.Errorf("%s answered %d with Retry-After %q; it must be a whole number of seconds", ex.target(), ex.status, v)
	}
	return nil
}

var stackTrace = regexp.MustCompile(`goroutine \d+|\.go:\d+|panic\(|\n\s+at [\w.$]+\(|Traceback \(most recent call last\)`)

func theAnswerShowsNoStackTrace(ctx context.Context) error {
	ex, err := state(ctx).lastResponse()
	if err != nil {
		return err
	}
	if m := stackTrace.Find(ex.body); m != nil {
		return fmt.Errorf("%s answered %d with what looks like a stack trace (%q); a client must never see one", ex.target(), ex.status, m)
	}
	return nil
}

// "the X is the one asked for"

func theProgramIsTheOneAskedFor(ctx context.Context) error {
	s := state(ctx)
	return s.bodyIDIs("id", s.programID)
}

func theMemberIsTheOneAskedFor(ctx context.Context) error {
	s := state(ctx)
	return s.bodyIDIs("id", s.memberID)
}

func thePointPeriodIsTheOneAskedFor(ctx context.Context) error {
	s := state(ctx)
	return s.bodyIDIs("id", s.pointPeriodID)
}

func (s *scenario) bodyIDIs(key string, want int64) error {
	ex, err := s.lastResponse()
	if err != nil {
		return err
	}
	if ex.status != http.StatusOK {
		return errNotOK(ex)
	}
	o, err := ex.object()
	if err != nil {
		return err
	}
	if got, _ := intOf(o, key); got != want {
		return fmt.Errorf("%s answered with %s %v, want %d", ex.target(), key, show(o[key]), want)
	}
	return nil
}
