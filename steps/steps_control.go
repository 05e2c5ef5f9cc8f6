package steps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// The steps of this file drive the mock's control plane (its /__mock/ admin endpoints and the
// Prefer header), for scenarios tagged @mock-control: they put the mock in the state a
// scenario needs (an error for the next requests, a slow network) and read its journal of
// requests. They run only against the mock.
//
// Fault rules and the journal are shared by everyone using the mock, so every @mock-control
// scenario names itself with an ET-Client-Name of its own, and its rules and journal reads
// are limited to that name: such scenarios do not disturb each other, except the one that
// resets the whole mock.

// controlTag marks the scenarios that need the mock's control plane.
const controlTag = "@mock-control"

// controlState is what the control steps remember within one scenario.
type controlState struct {
	clientName string        // this scenario's ET-Client-Name
	took       time.Duration // how long the latest timed request took
	timed      bool
}

type controlKey struct{}

func controlOf(ctx context.Context) *controlState {
	cs, _ := ctx.Value(controlKey{}).(*controlState)
	if cs == nil {
		panic("steps: control state missing from the context")
	}
	return cs
}

// registerControlSteps binds the control steps. It must be called after the hook that
// creates the scenario state (see initScenario), since its own hook uses that state.
func registerControlSteps(gsc *godog.ScenarioContext) {
	gsc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		cs := &controlState{}
		tagged := false
		for _, t := range p.Tags {
			tagged = tagged || t.Name == controlTag
		}
		if tagged {
			s := state(ctx)
			sum := sha256.Sum256([]byte(p.Uri + "\x00" + p.Id))
			cs.clientName = s.suite.client.clientName + "-" + hex.EncodeToString(sum[:5])
			s.noClientName = true
			if s.extraHeader == nil {
				s.extraHeader = http.Header{}
			}
			s.extraHeader.Set("ET-Client-Name", cs.clientName)
		}
		return context.WithValue(ctx, controlKey{}, cs), nil
	})

	sc := stepRegistry{gsc}
	res := resourcePattern
	sc.Given(`^the member service answers (\d+) for the next (\d+) requests?$`, theMemberServiceAnswersForTheNext)
	sc.Given(`^the member service answers (\d+) to every request$`, theMemberServiceAnswersToEveryRequest)
	sc.Given(`^the member service is slow by (\d+) ms$`, theMemberServiceIsSlowBy)
	sc.Given(`^the journal is cleared$`, theJournalIsCleared)
	sc.Given(`^the mock is reset$`, theMockIsReset)
	sc.When(`^the mock is reset$`, theMockIsReset)

	sc.When(`^the client asks for `+res+` preferring status (\d+)$`, theClientAsksPreferringStatus)
	sc.When(`^the client asks for `+res+` preferring a delay of (\d+) ms$`, theClientAsksPreferringADelay)
	sc.When(`^the client asks for `+res+`, timing the answer$`, theClientAsksTimingTheAnswer)
	sc.Then(`^the answer took at least (\d+) ms$`, theAnswerTookAtLeast)
	sc.Then(`^the answer took less than (\d+) ms$`, theAnswerTookLessThan)

	sc.Then(`^the journal shows (\d+) requests?$`, theJournalShowsRequests)
	sc.Then(`^the journal shows the request for `+res+` answered (\d+)$`, theJournalShowsTheRequestAnswered)
	sc.Then(`^the journal shows the request for `+res+` broke the contract$`, theJournalShowsTheRequestBrokeTheContract)
	sc.Then(`^the journal shows every request kept to the contract$`, theJournalShowsEveryRequestValid)
	sc.Then(`^the journal shows every answer kept to the contract$`, theJournalShowsEveryAnswerValid)
	sc.Then(`^the journal shows the last answer was forced$`, theJournalShowsTheLastAnswerWasForced)
	sc.Then(`^the journal shows the correlation id of the last request$`, theJournalShowsTheCorrelationID)
}

// admin makes a request to the mock's admin endpoints and returns the body of a 2xx answer.
func (s *scenario) admin(ctx context.Context, method, path string, query url.Values, body any) ([]byte, error) {
	u := *s.suite.client.base
	u.Path = s.suite.client.base.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token := s.suite.adminToken; token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.suite.client.send(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && strings.HasPrefix(path, "/__mock/"):
		return nil, errSkipf("%s %s answered 404: the target is not the mock, or its admin endpoints or journal are off (--admin, --journal)", method, path)
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, fmt.Errorf("%s %s answered 401: give the mock's --admin-token as --admin-token (CONFORMANCE_ADMIN_TOKEN)", method, path)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, clipText(b))
	}
	return b, nil
}

func clipText(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}

// addRule adds a fault rule limited to this scenario's client, for every operation.
func addRule(ctx context.Context, rule map[string]any) error {
	s, cs := state(ctx), controlOf(ctx)
	if cs.clientName == "" {
		return fmt.Errorf("this step needs the scenario to be tagged %s", controlTag)
	}
	rule["path"] = "/v1/**"
	rule["clientName"] = cs.clientName
	_, err := s.admin(ctx, http.MethodPost, "/__mock/faults", nil, rule)
	return err
}

func theMemberServiceAnswersForTheNext(ctx context.Context, status, n int) error {
	return addRule(ctx, map[string]any{"status": status, "times": n})
}

func theMemberServiceAnswersToEveryRequest(ctx context.Context, status int) error {
	return addRule(ctx, map[string]any{"status": status})
}

func theMemberServiceIsSlowBy(ctx context.Context, ms int) error {
	return addRule(ctx, map[string]any{"delayMs": ms})
}

func theMockIsReset(ctx context.Context) error {
	_, err := state(ctx).admin(ctx, http.MethodPost, "/__mock/reset", nil, nil)
	return err
}

func theJournalIsCleared(ctx context.Context) error {
	cs := controlOf(ctx)
	if cs.clientName == "" {
		return fmt.Errorf("this step needs the scenario to be tagged %s", controlTag)
	}
	_, err := state(ctx).admin(ctx, http.MethodDelete, "/__mock/requests", url.Values{"clientName": {cs.clientName}}, nil)
	return err
}

// askWithPrefer asks for a resource with a Prefer header, timing the answer.
func askWithPrefer(ctx context.Context, phrase, prefer string) error {
	s, cs := state(ctx), controlOf(ctx)
	if s.extraHeader == nil {
		s.extraHeader = http.Header{}
	}
	s.extraHeader.Set("Prefer", prefer)
	defer s.extraHeader.Del("Prefer")
	start := time.Now()
	err := theClientAsksFor(ctx, phrase)
	cs.took, cs.timed = time.Since(start), true
	return err
}

func theClientAsksPreferringStatus(ctx context.Context, phrase string, status int) error {
	return askWithPrefer(ctx, phrase, fmt.Sprintf("status=%d", status))
}

func theClientAsksPreferringADelay(ctx context.Context, phrase string, ms int) error {
	return askWithPrefer(ctx, phrase, fmt.Sprintf("delay=%d", ms))
}

func theClientAsksTimingTheAnswer(ctx context.Context, phrase string) error {
	cs := controlOf(ctx)
	start := time.Now()
	err := theClientAsksFor(ctx, phrase)
	cs.took, cs.timed = time.Since(start), true
	return err
}

func theAnswerTookAtLeast(ctx context.Context, ms int) error {
	cs := controlOf(ctx)
	if !cs.timed {
		return errors.New("no request was timed in this scenario (use a step that times the answer)")
	}
	if want := time.Duration(ms) * time.Millisecond; cs.took < want {
		return fmt.Errorf("the answer took %s, want at least %s", cs.took.Round(time.Millisecond), want)
	}
	return nil
}

func theAnswerTookLessThan(ctx context.Context, ms int) error {
	cs := controlOf(ctx)
	if !cs.timed {
		return errors.New("no request was timed in this scenario (use a step that times the answer)")
	}
	if limit := time.Duration(ms) * time.Millisecond; cs.took >= limit {
		return fmt.Errorf("the answer took %s, want less than %s", cs.took.Round(time.Millisecond), limit)
	}
	return nil
}

// journalEntry is one request of the mock's GET /__mock/requests.
type journalEntry struct {
	Seq            uint64   `json:"seq"`
	Method         string   `json:"method"`
	Path           string   `json:"path"`
	Query          string   `json:"query"`
	Status         int      `json:"status"`
	LatencyMs      float64  `json:"latencyMs"`
	CorrelationID  string   `json:"correlationId"`
	ClientName     string   `json:"clientName"`
	OperationID    string   `json:"operationId"`
	Forced         string   `json:"forced"`
	Dropped        bool     `json:"dropped"`
	RequestValid   *bool    `json:"requestValid"`
	RequestErrors  []string `json:"requestErrors"`
	ResponseValid  *bool    `json:"responseValid"`
	ResponseErrors []string `json:"responseErrors"`
}

func (e journalEntry) String() string {
	s := fmt.Sprintf("#%d %s %s", e.Seq, e.Method, e.Path)
	if e.Query != "" {
		s += "?" + e.Query
	}
	return fmt.Sprintf("%s → %d", s, e.Status)
}

// journal reads this scenario's requests from the mock's journal, oldest first.
func journal(ctx context.Context) ([]journalEntry, error) {
	s, cs := state(ctx), controlOf(ctx)
	if cs.clientName == "" {
		return nil, fmt.Errorf("this step needs the scenario to be tagged %s", controlTag)
	}
	b, err := s.admin(ctx, http.MethodGet, "/__mock/requests", url.Values{"clientName": {cs.clientName}}, nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Requests []journalEntry `json:"requests"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	return list.Requests, nil
}

func showEntries(es []journalEntry) string {
	if len(es) == 0 {
		return "none"
	}
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, "; ")
}

func theJournalShowsRequests(ctx context.Context, n int) error {
	es, err := journal(ctx)
	if err != nil {
		return err
	}
	if len(es) != n {
		return fmt.Errorf("the journal shows %d requests of this scenario, want %d: %s", len(es), n, showEntries(es))
	}
	return nil
}

// lastFor is the latest journal entry for the resource's operation.
func lastFor(ctx context.Context, phrase string) (journalEntry, error) {
	r, err := findResource(phrase)
	if err != nil {
		return journalEntry{}, err
	}
	es, err := journal(ctx)
	if err != nil {
		return journalEntry{}, err
	}
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].OperationID == r.opID {
			return es[i], nil
		}
	}
	return journalEntry{}, fmt.Errorf("the journal shows no request for %s (%s) of this scenario: %s", phrase, r.opID, showEntries(es))
}

func theJournalShowsTheRequestAnswered(ctx context.Context, phrase string, status int) error {
	e, err := lastFor(ctx, phrase)
	if err != nil {
		return err
	}
	if e.Status != status {
		return fmt.Errorf("the journal shows %s, want the answer %d", e, status)
	}
	return nil
}

func theJournalShowsTheRequestBrokeTheContract(ctx context.Context, phrase string) error {
	e, err := lastFor(ctx, phrase)
	if err != nil {
		return err
	}
	if e.RequestValid == nil || *e.RequestValid {
		return fmt.Errorf("the journal shows %s as a request that keeps to the contract", e)
	}
	return nil
}

func theJournalShowsEveryRequestValid(ctx context.Context) error {
	return everyEntry(ctx, "request", func(e journalEntry) (*bool, []string) { return e.RequestValid, e.RequestErrors })
}

func theJournalShowsEveryAnswerValid(ctx context.Context) error {
	return everyEntry(ctx, "answer", func(e journalEntry) (*bool, []string) { return e.ResponseValid, e.ResponseErrors })
}

func everyEntry(ctx context.Context, what string, verdict func(journalEntry) (*bool, []string)) error {
	es, err := journal(ctx)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return errors.New("the journal shows no request of this scenario")
	}
	var bad []string
	for _, e := range es {
		if ok, why := verdict(e); ok == nil || !*ok {
			bad = append(bad, fmt.Sprintf("%s: %s", e, strings.Join(why, "; ")))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the journal shows %s(s) that break the contract:\n%s", what, strings.Join(bad, "\n"))
	}
	return nil
}

func lastEntry(ctx context.Context) (journalEntry, error) {
	es, err := journal(ctx)
	if err != nil {
		return journalEntry{}, err
	}
	if len(es) == 0 {
		return journalEntry{}, errors.New("the journal shows no request of this scenario")
	}
	return es[len(es)-1], nil
}

func theJournalShowsTheLastAnswerWasForced(ctx context.Context) error {
	e, err := lastEntry(ctx)
	if err != nil {
		return err
	}
	if e.Forced == "" {
		return fmt.Errorf("the journal shows %s as a normal answer, not a forced one", e)
	}
	return nil
}

func theJournalShowsTheCorrelationID(ctx context.Context) error {
	s := state(ctx)
	ex, err := s.lastResponse()
	if err != nil {
		return err
	}
	e, err := lastEntry(ctx)
	if err != nil {
		return err
	}
	if want := ex.header.Get("X-Correlation-Id"); e.CorrelationID != want {
		return fmt.Errorf("the journal shows correlation id %q for %s, the answer carried %q", e.CorrelationID, e, want)
	}
	return nil
}
