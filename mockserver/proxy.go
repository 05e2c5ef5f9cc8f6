package mockserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// Upstream turns the mock into a validating proxy: every request to the API (/v1/...) goes
// to the upstream deployment, its answer comes back unchanged, and both are judged against
// the OpenAPI document and the contract's rules one response shows. The verdicts are in the
// journal, each violation is a line of the access log, and GET /__mock/coverage says which
// operations and statuses were seen.
type Upstream struct {
	// URL is the deployment's base URL, with its own path prefix if it has one, e.g.
	// https://api.staging.entur.io/personalisation.
	URL *url.URL
	// Client sends the requests; nil means NewUpstreamClient("", DefaultUpstreamTimeout).
	Client *http.Client
	// Record, when set, keeps what passes through as a fixture overlay (see Recorder).
	Record *Recorder
}

// DefaultUpstreamTimeout is how long the proxy waits for the upstream's whole answer before
// it answers 504.
const DefaultUpstreamTimeout = 30 * time.Second

// maxUpstreamBody bounds what the proxy reads of one answer; a page of 100 items is some
// tens of kilobytes.
const maxUpstreamBody = 32 << 20

// exchangeKey is the gin context key under which the proxy leaves the upstream's answer, to
// be judged once the app has it.
const exchangeKey = "membersmock.exchange"

// NewUpstreamClient returns the client the proxy uses: TLS verification on, with the
// certificates of caFile (PEM) trusted besides the system's when caFile is not "", and
// timeout for a whole exchange.
func NewUpstreamClient(caFile string, timeout time.Duration) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	if caFile != "" {
		pool, err := caPool(caFile, "the upstream CA file")
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if timeout <= 0 {
		timeout = DefaultUpstreamTimeout
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// A redirect is the upstream's answer: the app behind the proxy sees it as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// proxy forwards requests to the upstream and judges the exchanges.
type proxy struct {
	base   *url.URL
	client *http.Client
	v      *spec.Validator
	ops    map[string]spec.Operation // by gin route
	log    *slog.Logger              // nil: no access log
	record *Recorder
	// journal, when set, keeps the verdicts the proxy reaches, so that reading the journal
	// does not judge the same exchange again.
	journal *journal
}

func newProxy(up *Upstream, v *spec.Validator, ops map[string]spec.Operation, log *slog.Logger) (*proxy, error) {
	if up.URL == nil || (up.URL.Scheme != "http" && up.URL.Scheme != "https") || up.URL.Host == "" {
		return nil, errors.New("the upstream URL must be http(s)://host[:port][/prefix]")
	}
	client := up.Client
	if client == nil {
		var err error
		if client, err = NewUpstreamClient("", DefaultUpstreamTimeout); err != nil {
			return nil, err
		}
	}
	base := *up.URL
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath, base.RawQuery, base.Fragment = "", "", ""
	return &proxy{base: &base, client: client, v: v, ops: ops, log: log, record: up.Record}, nil
}

// hopHeaders are the headers of one connection, not of the request or answer (RFC 9110
// section 7.6.1): never forwarded.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// serve forwards one request and answers with the upstream's answer, then judges it.
func (p *proxy) serve(c *gin.Context) {
	r := c.Request
	u := *p.base
	u.Path = p.base.Path + r.URL.Path
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = p.base.EscapedPath() + r.URL.RawPath
	}
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), r.Body)
	if err != nil {
		p.fail(c, http.StatusBadGateway, fmt.Sprintf("The request could not be forwarded to the upstream: %v.", err))
		return
	}
	// Every header goes on as it came, Authorization included; the proxy logs none of them.
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.ContentLength = r.ContentLength
	resp, err := p.client.Do(out)
	if err != nil {
		if r.Context().Err() != nil {
			c.Abort() // the client went away
			return
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			p.fail(c, http.StatusGatewayTimeout, fmt.Sprintf("The upstream %s did not answer in time.", p.base.Host))
			return
		}
		p.fail(c, http.StatusBadGateway, fmt.Sprintf("The upstream %s could not be reached: %v.", p.base.Host, unwrapURLError(err)))
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamBody+1))
	switch {
	case err != nil:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			p.fail(c, http.StatusGatewayTimeout, fmt.Sprintf("The upstream %s did not finish its answer in time.", p.base.Host))
			return
		}
		p.fail(c, http.StatusBadGateway, fmt.Sprintf("The upstream %s broke off its answer: %v.", p.base.Host, err))
		return
	case len(body) > maxUpstreamBody:
		p.fail(c, http.StatusBadGateway, fmt.Sprintf("The upstream %s answered more than the %d bytes the proxy passes on.", p.base.Host, maxUpstreamBody))
		return
	}

	// The answer is the upstream's: its headers replace those the mock set on the way in
	// (X-Correlation-Id above all), except the mock's CORS headers where the upstream sends
	// none, so that a browser app can still call the proxy from its own origin.
	h := c.Writer.Header()
	upstreamCORS := resp.Header.Get("Access-Control-Allow-Origin") != ""
	for k := range h {
		if upstreamCORS || !strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	for k, vs := range resp.Header {
		h[k] = vs
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.Del("Content-Length")
	if r.Method != http.MethodHead {
		h.Set("Content-Length", fmt.Sprint(len(body)))
	}
	if p.record != nil && resp.StatusCode == http.StatusOK && r.Method == http.MethodGet {
		// Before the app has its answer, so that the recording holds whatever it has seen:
		// a body longer than the writer's buffer reaches the app while it is written.
		p.record.observe(p.operation(c).ID, c, body)
	}
	c.Writer.WriteHeader(resp.StatusCode)
	if len(body) > 0 && r.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
	rec := newJournalRecord(r, resp.StatusCode, resp.Header, body)
	c.Set(exchangeKey, &rec)
}

// judge runs around the journal: once the app has its answer and the journal its record, it
// judges the exchange (through the journal record, so that it is judged once), logs every
// violation, and records the answer.
func (p *proxy) judge(c *gin.Context) {
	c.Next()
	x, ok := c.Get(exchangeKey)
	if !ok {
		return // the upstream gave no answer
	}
	rec := x.(*journalRecord)
	op := p.operation(c)
	// The app has its answer, and the journal its record, before the proxy judges it: the
	// checks add nothing to the app's wait, and whoever reads the journal on the answer
	// finds the entry.
	c.Writer.Flush()
	var requestErrors, responseErrors []string
	if j, ok := c.Get(journalRecordKey); ok {
		jr := j.(*journalRecord)
		e := jr.check(p.v)
		if p.journal != nil {
			p.journal.keepVerdict(jr.entry.Seq, jr.checked)
		}
		requestErrors, responseErrors = e.RequestErrors, e.ResponseErrors
	} else {
		vd := rec.judge(p.v)
		requestErrors, responseErrors = vd.requestErrors, vd.responseErrors
	}
	p.logViolations(c, op.ID, rec.entry.Status, requestErrors, responseErrors)
}

// operation is the spec's operation the request names, by its route or else by its path.
func (p *proxy) operation(c *gin.Context) spec.Operation {
	if op := p.ops[c.FullPath()]; op.ID != "" {
		return op
	}
	op, _ := p.v.FindOperation(http.MethodGet, c.Request.URL.Path)
	return op
}

// fail answers for an upstream that gave no usable answer, with the Error body.
func (p *proxy) fail(c *gin.Context, status int, message string) {
	c.Set(forcedKey, "upstream: "+message)
	if p.log != nil {
		p.log.LogAttrs(c.Request.Context(), slog.LevelWarn, "upstream failed",
			slog.String("path", clip(c.Request.URL.Path)), slog.Int("status", status),
			slog.String("correlationId", correlationID(c)), slog.String("error", message))
	}
	abortWithError(c, status, message)
}

// logViolations writes one access log line per problem found.
func (p *proxy) logViolations(c *gin.Context, opID string, status int, requestErrors, responseErrors []string) {
	if p.log == nil {
		return
	}
	line := func(side, problem string) {
		p.log.LogAttrs(c.Request.Context(), slog.LevelWarn, "contract violation",
			slog.String("side", side),
			slog.String("operationId", opID),
			slog.String("path", clip(c.Request.URL.Path)),
			slog.Int("status", status),
			slog.String("correlationId", correlationID(c)),
			slog.String("problem", clip(problem)),
		)
	}
	for _, e := range requestErrors {
		line("request", e)
	}
	for _, e := range responseErrors {
		if strings.HasSuffix(e, "does not conform to the OpenAPI document:") {
			continue // the heading of the lines that follow
		}
		line("response", strings.TrimSpace(e))
	}
}

// unwrapURLError drops the "Get \"https://…\":" prefix net/http puts before the cause.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
