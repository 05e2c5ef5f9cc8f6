package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// The headers a request may leave out on purpose.
const (
	clientNameHeader  = "ET-Client-Name"
	correlationHeader = "X-Correlation-Id"
)

// side is one deployment being compared and what the comparison learned of it.
type side struct {
	name    string // "mock" or "target"
	base    string
	profile *steps.Profile
	hc      *http.Client
	token   string
	client  string
	sent    int

	firstPage        int64  // learned from the page=0 and page=1 probes
	firstPageAnswers [2]int // the statuses of getMembers with page=0 and page=1
	// Values of the side's own data that filters and item requests need,
	// learned while walking its lists, by the path of the list.
	pointPeriod map[string]int64  // a point period id of the member's list
	customerID  string            // a customerId of the program
	orderID     map[string]string // an orderId of the member's transactions
	pointDef    map[string]string // a pointDefinitionReference of the list's items
	totals      map[string]total  // the totals of the list at perPage=100
	richest     map[string]string // operation → the path of its list with the most items
}

type total struct{ items, pages int64 }

func newSide(ctx context.Context, name string, s Side, cfg Config) (*side, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	p := s.Profile
	if p == nil {
		var err error
		p, err = steps.CatalogProfile(ctx, cfg.HTTPClient, base)
		if err != nil {
			return nil, fmt.Errorf("drift: the %s's ids: %w (give a profile file for a side that is not the mock)", name, err)
		}
	}
	if len(p.Program.Traits) == 0 {
		return nil, fmt.Errorf("drift: the %s's profile names no member of program %d", name, p.Program.ID)
	}
	return &side{
		name: name, base: base, profile: p, hc: cfg.HTTPClient, token: cfg.Token, client: cfg.ClientName,
		pointPeriod: map[string]int64{}, orderID: map[string]string{}, pointDef: map[string]string{},
		totals: map[string]total{}, richest: map[string]string{},
	}, nil
}

// declared is the dialect the side says it speaks.
func (s *side) declared() spec.Dialect {
	switch {
	case s.profile.Dialect != nil:
		return *s.profile.Dialect
	case s.profile.Declared != nil:
		return *s.profile.Declared
	}
	return spec.Dialect{}
}

// request is one GET the comparison sends: a path with its query, and the
// headers it leaves out on purpose.
type request struct {
	path   string
	omit   []string
	origin string // sent as Origin, as a browser app does; "" for none
}

func (r request) String() string {
	s := "GET " + r.path
	if r.origin != "" {
		s += " with Origin: " + r.origin
	}
	if len(r.omit) > 0 {
		s += " without " + strings.Join(r.omit, " and ")
	}
	return s
}

func (r request) omits(h string) bool {
	for _, o := range r.omit {
		if o == h {
			return true
		}
	}
	return false
}

// exchange is a request and what the side answered.
type exchange struct {
	req         request
	correlation string // the X-Correlation-Id sent, "" when left out
	status      int
	header      http.Header
	body        []byte
	json        any // the decoded body; nil when it is not JSON
}

// object returns the body as a JSON object, nil when it is none.
func (e *exchange) object() map[string]any {
	m, _ := e.json.(map[string]any)
	return m
}

// get sends r to the side.
func (s *side) get(ctx context.Context, r request) (*exchange, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+r.path, nil)
	if err != nil {
		return nil, fmt.Errorf("drift: building %s for the %s: %w", r, s.name, err)
	}
	s.sent++
	e := &exchange{req: r}
	req.Header.Set("Accept", "application/json")
	if !r.omits(clientNameHeader) {
		req.Header.Set(clientNameHeader, s.client)
	}
	if !r.omits(correlationHeader) {
		e.correlation = fmt.Sprintf("drift-%s-%d", s.name, s.sent)
		req.Header.Set(correlationHeader, e.correlation)
	}
	if r.origin != "" {
		req.Header.Set("Origin", r.origin)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("drift: asking the %s %s: %w", s.name, r, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("drift: reading the %s's answer to %s: %w", s.name, r, err)
	}
	e.status, e.header, e.body = resp.StatusCode, resp.Header, body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		e.json = v
	}
	return e, nil
}
