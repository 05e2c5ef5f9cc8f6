package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"github.com/membersmock/membersmock/spec"
)

// suite is what every scenario of one run shares: read-only configuration and
// the concurrency-safe client and recorders.
type suite struct {
	client   *client
	profile  *Profile
	maxPages int
	dialect  spec.Dialect // how the target decides what the contract leaves open
	results  *resultRecorder
	// adminToken is the mock's admin token, for the @mock-control steps.
	adminToken string

	sharedReads sync.Map // "program/member" -> *sharedRead
}

// scenario is the state of one running scenario. It lives in the scenario's
// context.Context, never in a global, so scenarios run concurrently.
type scenario struct {
	suite  *suite
	pickle *godog.Scenario

	// subject
	programID     int64 // the program requests are made under
	memberID      int64
	memberHome    int64 // the program the member really belongs to
	memberWhat    string
	pointPeriodID int64

	// how the next requests are made
	noClientName  bool
	correlation   correlation
	correlationID string
	credentials   credentials
	authorization string
	extraHeader   http.Header

	// what happened
	latest     *exchange // the latest request and its answer, for the reports
	last       *exchange
	lastRes    *resource
	previous   *exchange // the exchange before last, for "twice" steps
	firstPage  *pageBody // page 0 of the last "page just after the last one" step
	walk       *walk
	filter     *filterOutcome
	data       *memberData
	sample     []int64          // members spread across the program
	sampleData []*memberData    // their data, in the same order
	lists      map[string]*walk // complete walks by resource and query, within this scenario
	serverNow  time.Time        // Date header of the latest response

	// judging: while true, a response that breaks a rule for every
	// response does not fail the request; it is kept in answers, for
	// "Then" steps that judge one kind of rule each.
	judging bool
	answers []*exchange
}

type scenarioKey struct{}

func withScenario(ctx context.Context, s *scenario) context.Context {
	return context.WithValue(ctx, scenarioKey{}, s)
}

// state returns the scenario's state. Steps only run after the Before hook
// has put it in the context.
func state(ctx context.Context) *scenario {
	s, _ := ctx.Value(scenarioKey{}).(*scenario)
	if s == nil {
		panic("steps: scenario state missing from the context")
	}
	return s
}

// errSkipf skips the scenario with a reason that says what is missing.
func errSkipf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", godog.ErrSkip, fmt.Sprintf(format, args...))
}

// now is the instant the rules about "now" are checked against: the
// profile's, or the server's clock when the profile has none.
func (s *scenario) now() time.Time {
	if !s.suite.profile.Now.IsZero() {
		return s.suite.profile.Now
	}
	if !s.serverNow.IsZero() {
		// The Date header has whole seconds; a record created in the same
		// second may carry a fraction.
		return s.serverNow.Add(time.Second)
	}
	return time.Now().UTC().Add(time.Minute)
}

// request makes one request with the scenario's settings.
func (s *scenario) request(ctx context.Context, path string, query url.Values) (*exchange, error) {
	return s.requestWith(ctx, "", path, query)
}

// requestWith makes one request with a method other than GET.
func (s *scenario) requestWith(ctx context.Context, method, path string, query url.Values) (*exchange, error) {
	ex, err := s.suite.client.do(ctx, call{
		method:        method,
		path:          path,
		query:         query,
		noClientName:  s.noClientName,
		correlation:   s.correlation,
		correlationID: s.correlationID,
		credentials:   s.credentials,
		authorization: s.authorization,
		header:        s.extraHeader,
	})
	s.latest = ex // nil when no answer came: a report must not show an older one
	if ex != nil && !ex.date.IsZero() {
		s.serverNow = ex.date
	}
	var ce *contractError
	if s.judging && ex != nil {
		s.answers = append(s.answers, ex)
		if errors.As(err, &ce) {
			err = nil
		}
	}
	return ex, err
}

// remember makes ex the response the next "Then" steps look at.
func (s *scenario) remember(ex *exchange, res *resource) {
	s.previous = s.last
	s.last, s.lastRes = ex, res
}

// lastResponse returns the response of the latest request.
func (s *scenario) lastResponse() (*exchange, error) {
	if s.last == nil {
		return nil, errNoResponse
	}
	return s.last, nil
}

// program returns the profile's program under test.
func (s *scenario) program() ProgramProfile { return s.suite.profile.Program }

// otherProgram returns "another program", or a skip error naming what the
// profile lacks.
func (s *scenario) otherProgram() (ProgramProfile, error) {
	if s.suite.profile.OtherProgram == nil {
		return ProgramProfile{}, errSkipf("the profile names no other program (otherProgram), which this scenario needs")
	}
	return *s.suite.profile.OtherProgram, nil
}

var errNoMember = errors.New("the scenario has not chosen a member yet (a Given step is missing)")
