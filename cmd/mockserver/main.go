// Command mockserver serves a seeded mock of Entur's loyalty Members API.
//
// Every flag has a MOCK_* environment equivalent (flags win). Run with
// -help for the list. On start it prints where to go next: the URL, the
// seed, the programs with their persona members and a curl line to paste.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

func main() {
	// Correlation ids are random UUIDs, one per request: taking their bytes from a pool
	// filled a few kilobytes at a time saves a read of the system's random source on every
	// request. Set once, before anything generates one (it is not safe to change later).
	uuid.EnableRandPool()
	if err := run(os.Args[1:], os.Stdout); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "mockserver: ") { // errors of package mockserver say it already
			msg = "mockserver: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

type options struct {
	addr            string
	seed            int64
	programs        int
	programsGiven   bool // by flag or environment; else a recording replays without generated programs
	members         int
	now             time.Time
	auth            string
	log             string
	healthcheck     bool
	rateLimit       *mockserver.RateLimit // nil: rate-limit mode off
	limits          mockserver.Limits
	shutdownTimeout time.Duration

	// the control plane
	admin      bool
	adminToken string
	fixtures   string
	watch      bool
	journal    int

	dialect     spec.Dialect // how the mock answers where the contract leaves room
	dialectFile string

	// the validating proxy
	upstream        *url.URL // nil: serve the dataset
	upstreamCA      string
	upstreamTimeout time.Duration
	record          string
	recordRaw       bool

	state *mockserver.SharedState // nil: --state memory

	replaying bool   // --fixtures is a recording
	recording string // of this upstream
}

// parseFlags reads flags over their MOCK_* environment defaults.
func parseFlags(args []string, getenv func(string) string) (options, error) {
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	o := options{}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&o.addr, "addr", env("MOCK_ADDR", ":8080"), "listen address (MOCK_ADDR)")
	seed := fs.String("seed", env("MOCK_SEED", "1"), "data seed, any non-zero integer; same seed, same data (MOCK_SEED)")
	programs := fs.String("programs", env("MOCK_PROGRAMS", "3"), "number of programs; 0 with --fixtures serves only the file's, and a recording replays with 0 unless this is given (MOCK_PROGRAMS)")
	members := fs.String("members", env("MOCK_MEMBERS", "250"), "members per program, at least 5 (MOCK_MEMBERS)")
	now := fs.String("now", env("MOCK_NOW", fixtures.DefaultNow.Format(time.RFC3339)), "the mock's fixed \"now\", RFC 3339 (MOCK_NOW)")
	fs.StringVar(&o.auth, "auth", env("MOCK_AUTH", mockserver.AuthNone),
		"auth mode: none, bearer (any bearer token) or jwt (a structurally valid, unexpired JWT) (MOCK_AUTH)")
	fs.StringVar(&o.log, "log", env("MOCK_LOG", "text"), "access log: text, json or off (MOCK_LOG)")
	rateLimitEnv, err := strconv.ParseBool(env("MOCK_RATE_LIMIT", "false"))
	if err != nil {
		return o, fmt.Errorf("MOCK_RATE_LIMIT %q: want true or false", getenv("MOCK_RATE_LIMIT"))
	}
	rateLimit := fs.Bool("rate-limit", rateLimitEnv,
		"rate-limit mode: ET-Client-Name becomes optional, over budget gets 429 with Retry-After (MOCK_RATE_LIMIT)")
	rlAnonymous := fs.String("rate-limit-anonymous", env("MOCK_RATE_LIMIT_ANONYMOUS", strconv.Itoa(mockserver.DefaultRateLimitAnonymous)),
		"requests per window for clients without ET-Client-Name, per IP address (MOCK_RATE_LIMIT_ANONYMOUS)")
	rlNamed := fs.String("rate-limit-named", env("MOCK_RATE_LIMIT_NAMED", strconv.Itoa(mockserver.DefaultRateLimitNamed)),
		"requests per window for each ET-Client-Name (MOCK_RATE_LIMIT_NAMED)")
	rlWindow := fs.String("rate-limit-window", env("MOCK_RATE_LIMIT_WINDOW", mockserver.DefaultRateLimitWindow.String()),
		"length of a rate-limit window, e.g. 1s or 1m (MOCK_RATE_LIMIT_WINDOW)")
	maxURL := fs.String("max-url-bytes", env("MOCK_MAX_URL_BYTES", strconv.Itoa(mockserver.DefaultMaxURLBytes)),
		"longest request target (path and query) answered; longer gets 414 (MOCK_MAX_URL_BYTES)")
	maxHeader := fs.String("max-header-bytes", env("MOCK_MAX_HEADER_BYTES", strconv.Itoa(mockserver.DefaultMaxHeaderBytes)),
		"largest header block answered; larger gets 431 (MOCK_MAX_HEADER_BYTES)")
	shutdown := fs.String("shutdown-timeout", env("MOCK_SHUTDOWN_TIMEOUT", "10s"),
		"on SIGTERM or Ctrl-C, how long in-flight requests may take to finish (MOCK_SHUTDOWN_TIMEOUT)")
	admin, err := strconv.ParseBool(env("MOCK_ADMIN", "true"))
	if err != nil {
		return o, fmt.Errorf("MOCK_ADMIN %q: want true or false", getenv("MOCK_ADMIN"))
	}
	fs.BoolVar(&o.admin, "admin", admin,
		"serve the admin endpoints under /__mock/ (reset, faults, requests, fixtures); --admin=false turns them off, /__mock/catalog stays (MOCK_ADMIN)")
	fs.StringVar(&o.adminToken, "admin-token", env("MOCK_ADMIN_TOKEN", ""),
		"when set, the admin endpoints need 'Authorization: Bearer <token>' (MOCK_ADMIN_TOKEN)")
	fs.StringVar(&o.fixtures, "fixtures", env("MOCK_FIXTURES", ""),
		"fixture overlay file (YAML or JSON): hand-written programs and members, or fields of generated ones (MOCK_FIXTURES)")
	watch, err := strconv.ParseBool(env("MOCK_WATCH", "false"))
	if err != nil {
		return o, fmt.Errorf("MOCK_WATCH %q: want true or false", getenv("MOCK_WATCH"))
	}
	fs.BoolVar(&o.watch, "watch", watch, "reload the --fixtures file when it changes (MOCK_WATCH)")
	journal := fs.String("journal", env("MOCK_JOURNAL", strconv.Itoa(mockserver.DefaultJournalSize)),
		"how many of the latest requests GET /__mock/requests keeps; 0 turns the journal off (MOCK_JOURNAL)")
	state := fs.String("state", env("MOCK_STATE", "memory"),
		"where the control state lives: memory (this process) or redis://host:port/db (rediss:// for TLS), shared by every replica on it; password in the URL or MOCK_STATE_PASSWORD (MOCK_STATE)")
	stateCA := fs.String("state-ca", env("MOCK_STATE_CA", ""),
		"with --state rediss://: a PEM file of CA certificates to trust besides the system's (MOCK_STATE_CA)")
	fs.StringVar(&o.dialectFile, "dialect", env("MOCK_DIALECT", ""),
		"dialect file (YAML): how this mock answers where the contract leaves room — firstPage, perPageAboveMax, pastLastPage, clientName, emptyFilter (MOCK_DIALECT)")
	upstream := fs.String("upstream", env("MOCK_UPSTREAM", ""),
		"be a validating proxy: forward every API request to this deployment (e.g. https://api.staging.entur.io/personalisation) and journal what is wrong with each exchange (MOCK_UPSTREAM)")
	fs.StringVar(&o.upstreamCA, "upstream-ca", env("MOCK_UPSTREAM_CA", ""),
		"PEM file of a CA to trust for the upstream besides the system's; TLS verification stays on (MOCK_UPSTREAM_CA)")
	upstreamTimeout := fs.String("upstream-timeout", env("MOCK_UPSTREAM_TIMEOUT", mockserver.DefaultUpstreamTimeout.String()),
		"how long the proxy waits for the upstream's answer before it answers 504 (MOCK_UPSTREAM_TIMEOUT)")
	fs.StringVar(&o.record, "record", env("MOCK_RECORD", ""),
		"with --upstream: write the programs and members that pass through to this file as a fixture overlay, for --fixtures to replay (MOCK_RECORD)")
	recordRaw, err := strconv.ParseBool(env("MOCK_RECORD_RAW", "false"))
	if err != nil {
		return o, fmt.Errorf("MOCK_RECORD_RAW %q: want true or false", getenv("MOCK_RECORD_RAW"))
	}
	fs.BoolVar(&o.recordRaw, "record-raw", recordRaw, "keep customer ids as the upstream sent them in --record, instead of pseudonyms (MOCK_RECORD_RAW)")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "check /healthz of a running mock at --addr and exit 0 if healthy (for container HEALTHCHECK)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags only; see -help)", fs.Arg(0))
	}
	if o.dialectFile != "" {
		if o.dialect, err = spec.LoadDialect(o.dialectFile); err != nil {
			return o, fmt.Errorf("--dialect: %w", err)
		}
	}
	if o.seed, err = strconv.ParseInt(*seed, 10, 64); err != nil || o.seed == 0 {
		return o, fmt.Errorf("--seed %q: want a non-zero integer", *seed)
	}
	fs.Visit(func(f *flag.Flag) { o.programsGiven = o.programsGiven || f.Name == "programs" })
	o.programsGiven = o.programsGiven || getenv("MOCK_PROGRAMS") != ""
	if o.programs, err = strconv.Atoi(*programs); err != nil || o.programs < 0 {
		return o, fmt.Errorf("--programs %q: want a whole number of at least 1 (0 with --fixtures: serve only the file's programs)", *programs)
	}
	if o.members, err = strconv.Atoi(*members); err != nil || o.members < 5 {
		return o, fmt.Errorf("--members %q: want a whole number of at least 5 (one member per persona)", *members)
	}
	if o.now, err = time.Parse(time.RFC3339, *now); err != nil {
		return o, fmt.Errorf("--now %q: want an RFC 3339 date-time such as 2026-06-01T12:00:00Z", *now)
	}
	switch o.log {
	case "text", "json", "off":
	default:
		return o, fmt.Errorf("--log %q: want text, json or off", o.log)
	}
	switch o.auth {
	case mockserver.AuthNone, mockserver.AuthBearer, mockserver.AuthJWT:
	default:
		return o, fmt.Errorf("--auth %q: want none, bearer or jwt", o.auth)
	}
	if *rateLimit {
		rl := mockserver.DefaultRateLimit()
		if rl.Anonymous, err = strconv.Atoi(*rlAnonymous); err != nil || rl.Anonymous < 0 {
			return o, fmt.Errorf("--rate-limit-anonymous %q: want a whole number of at least 0", *rlAnonymous)
		}
		if rl.Named, err = strconv.Atoi(*rlNamed); err != nil || rl.Named < 1 {
			return o, fmt.Errorf("--rate-limit-named %q: want a whole number of at least 1", *rlNamed)
		}
		if rl.Window, err = time.ParseDuration(*rlWindow); err != nil || rl.Window < time.Millisecond {
			return o, fmt.Errorf("--rate-limit-window %q: want a duration of at least 1ms, such as 1s or 1m", *rlWindow)
		}
		o.rateLimit = &rl
	}
	if o.limits.MaxURLBytes, err = strconv.Atoi(*maxURL); err != nil || o.limits.MaxURLBytes < 256 || o.limits.MaxURLBytes > maxServerHeaderBytes/2 {
		return o, fmt.Errorf("--max-url-bytes %q: want a whole number from 256 to %d", *maxURL, maxServerHeaderBytes/2)
	}
	if o.limits.MaxHeaderBytes, err = strconv.Atoi(*maxHeader); err != nil || o.limits.MaxHeaderBytes < 1024 || o.limits.MaxHeaderBytes > maxServerHeaderBytes/2 {
		return o, fmt.Errorf("--max-header-bytes %q: want a whole number from 1024 to %d", *maxHeader, maxServerHeaderBytes/2)
	}
	if o.shutdownTimeout, err = time.ParseDuration(*shutdown); err != nil || o.shutdownTimeout <= 0 {
		return o, fmt.Errorf("--shutdown-timeout %q: want a positive duration, such as 10s", *shutdown)
	}
	if o.journal, err = strconv.Atoi(*journal); err != nil || o.journal < 0 || o.journal > maxJournal {
		return o, fmt.Errorf("--journal %q: want a whole number from 0 (off) to %d", *journal, maxJournal)
	}
	if *upstream != "" {
		u, err := url.Parse(*upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("--upstream %q: want http(s)://host[:port][/prefix], e.g. https://api.staging.entur.io/personalisation", *upstream)
		}
		o.upstream = u
	}
	if o.upstreamTimeout, err = time.ParseDuration(*upstreamTimeout); err != nil || o.upstreamTimeout <= 0 {
		return o, fmt.Errorf("--upstream-timeout %q: want a positive duration, such as 30s", *upstreamTimeout)
	}
	if o.upstream == nil && (o.record != "" || o.upstreamCA != "") {
		return o, errors.New("--record and --upstream-ca work on what passes through the proxy; give --upstream URL too")
	}
	if o.upstream != nil && o.fixtures != "" {
		return o, errors.New("--fixtures serves data offline, --upstream forwards to a deployment; give one of them (replay a --record file with --fixtures alone)")
	}
	switch st := *state; {
	case st == "memory" || st == "":
	case strings.HasPrefix(st, "redis://") || strings.HasPrefix(st, "rediss://"):
		o.state = &mockserver.SharedState{URL: st, Password: getenv("MOCK_STATE_PASSWORD"), CAFile: *stateCA}
	default:
		return o, fmt.Errorf("--state %q: want memory, or redis://host:port/db (rediss:// for TLS)", redacted(st))
	}
	if *stateCA != "" && (o.state == nil || !strings.HasPrefix(o.state.URL, "rediss://")) {
		return o, errors.New("--state-ca is for a Redis spoken to over TLS: give --state rediss://host:port/db too")
	}
	if o.state != nil && o.upstream != nil {
		return o, errors.New("--state shares the mock's control state between replicas; the validating proxy (--upstream) keeps its own: give one of them")
	}
	if o.programs == 0 && o.fixtures == "" && o.upstream == nil {
		return o, errors.New("--programs 0 serves only the programs of a --fixtures file; give --fixtures FILE too, or at least 1 program")
	}
	if o.watch && o.fixtures == "" {
		return o, errors.New("--watch reloads the --fixtures file; give --fixtures FILE too")
	}
	return o, nil
}

// maxServerHeaderBytes is what net/http reads of a request line and headers
// before it refuses the request itself, in plain text. It is well above the
// mock's own limits, which answer with the Error body.
const maxServerHeaderBytes = 1 << 20

// maxJournal bounds the journal: each entry holds on to its response body
// (most are under 5 KB, a page of 100 transactions about 60 KB), so a full
// journal of 10,000 typical entries is some 50 MB; its ring of records is
// allocated at start: 344 bytes a record, 3.4 MB at this bound (69 KB at
// the default).
const maxJournal = 10_000

// newHTTPServer wraps the mock's handler in a server that no slow or stuck
// client can hold forever: a client has 5s to send its headers and 10s for
// the whole request, a response may take 30s to write, and an idle
// keep-alive connection is closed after 2 minutes.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxServerHeaderBytes,
	}
}

func run(args []string, stdout io.Writer) error {
	o, err := parseFlags(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.healthcheck {
		return healthcheck(o.addr)
	}

	validator, err := spec.NewValidator(spec.WithDialect(o.dialect))
	if err != nil {
		return fmt.Errorf("building the spec validator: %w", err)
	}
	if err := o.replayRecording(validator); err != nil {
		return err
	}
	data, err := fixtures.New(o.seed, fixtures.WithPrograms(o.programs), fixtures.WithMembers(o.members), fixtures.WithNow(o.now))
	if err != nil {
		return fmt.Errorf("building the dataset: %w", err)
	}
	var logger *slog.Logger
	switch o.log {
	case "text":
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	var upstream *mockserver.Upstream
	if o.upstream != nil {
		client, err := mockserver.NewUpstreamClient(o.upstreamCA, o.upstreamTimeout)
		if err != nil {
			return fmt.Errorf("--upstream-ca: %w", err)
		}
		upstream = &mockserver.Upstream{URL: o.upstream, Client: client}
		if o.record != "" {
			if upstream.Record, err = mockserver.NewRecorder(o.record, o.upstream, o.recordRaw, logger); err != nil {
				return fmt.Errorf("--record: %w", err)
			}
		}
	}
	// The fixtures watcher runs until run returns.
	watchCtx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	handler, err := mockserver.New(mockserver.Config{
		Dataset:       data,
		Validator:     validator,
		Auth:          o.auth,
		Logger:        logger,
		RateLimit:     o.rateLimit,
		Limits:        o.limits,
		DisableAdmin:  !o.admin,
		AdminToken:    o.adminToken,
		FixturesFile:  o.fixtures,
		WatchFixtures: o.watch,
		JournalSize:   o.journal,
		Upstream:      upstream,
		State:         o.state,
		Context:       watchCtx,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w (is another mock running? pick another --addr)", o.addr, err)
	}
	srv := newHTTPServer(withTestHooks(handler))
	printBanner(stdout, baseURL(ln.Addr()), o, handler.Catalog())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	// A second signal now ends the process at once, as a person pressing
	// Ctrl-C twice expects.
	stop()
	return shutdown(srv, o.shutdownTimeout, stdout)
}

// shutdown stops accepting, closes idle connections, and waits up to
// timeout for in-flight requests to be answered. Requests still running
// then are cut off, and the mock exits non-zero to say so.
func shutdown(srv *http.Server, timeout time.Duration, stdout io.Writer) error {
	fmt.Fprintf(stdout, "mockserver: shutting down, waiting up to %s for requests in flight\n", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutting down: requests still in flight after %s were cut off: %w", timeout, err)
	}
	fmt.Fprintln(stdout, "mockserver: stopped")
	return nil
}

// baseURL is the address a person on this machine can paste into a browser.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("http://localhost:%d", tcp.Port)
		}
		return "http://" + a.String()
	}
	return "http://" + tcp.String()
}

// redacted hides the password of a URL in messages.
func redacted(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(a URL that does not parse)"
}

// replayRecording: a --fixtures file that is a recording holds a real service's programs
// under their own ids, which generated programs 1, 2, 3 would collide with; unless
// --programs says otherwise, the mock generates none and serves the recording alone.
func (o *options) replayRecording(v *spec.Validator) error {
	if o.fixtures == "" || o.programsGiven {
		return nil
	}
	ov, err := fixtures.LoadOverlay(o.fixtures, v)
	if err != nil {
		return fmt.Errorf("--fixtures: %w", err)
	}
	if o.recording, o.replaying = ov.Recorded(); o.replaying {
		o.programs = 0
	}
	return nil
}

func printBanner(w io.Writer, url string, o options, cat mockserver.Catalog) {
	if o.upstream != nil {
		printProxyBanner(w, url, o)
		return
	}
	fmt.Fprintf(w, "Members API mock listening on %s\n", url)
	if o.replaying {
		fmt.Fprintf(w, "replaying the recording %s of %s, offline: %d programs, no generated ones (add some with --programs N)\n",
			o.fixtures, cmp.Or(o.recording, "an upstream"), len(cat.Programs))
	}
	fmt.Fprintf(w, "seed %d · now %s · %d programs × %d members · auth %s",
		o.seed, o.now.UTC().Format(time.RFC3339), o.programs, o.members, o.auth)
	if rl := o.rateLimit; rl != nil {
		fmt.Fprintf(w, " · rate limit %d/%s named, %d/%s anonymous", rl.Named, rl.Window, rl.Anonymous, rl.Window)
	}
	fmt.Fprintf(w, "\ndialect %s", cat.Dialect)
	if o.dialectFile != "" {
		fmt.Fprintf(w, " (from %s)", o.dialectFile)
	}
	if o.state != nil {
		fmt.Fprintf(w, "\ncontrol state shared on %s: fault rules, overlays, resets, the journal and rate limits are those of every replica on it · ready: /readyz", redacted(o.state.URL))
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "program\tname\tnewcomer\tregular\tfrequent\tsuspended\tlapsed")
	for _, p := range cat.Programs {
		ps := p.Personas
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\n", p.ID, p.Name, ps.Newcomer, ps.Regular, ps.Frequent, ps.Suspended, ps.Lapsed)
	}
	tw.Flush()
	if len(cat.Programs) > 0 {
		p := cat.Programs[0]
		auth := ""
		switch o.auth {
		case mockserver.AuthBearer:
			auth = " -H 'Authorization: Bearer dev-token'"
		case mockserver.AuthJWT:
			auth = " -H 'Authorization: Bearer " + devJWT + "'"
		}
		fmt.Fprintf(w, "\nTry:\n  curl -s -H 'ET-Client-Name: acme-travelapp'%s %s/v1/programs/%d/members/%d/transactions?perPage=5\n",
			auth, url, p.ID, p.Personas.Regular)
	}
	fmt.Fprintf(w, "Catalog: %s/__mock/catalog · OpenAPI: %s/openapi.yaml · stop with Ctrl-C\n", url, url)
	printControl(w, url, o)
}

// printProxyBanner says where the proxy forwards to and where its verdicts are.
func printProxyBanner(w io.Writer, url string, o options) {
	fmt.Fprintf(w, "Members API validating proxy listening on %s, forwarding to %s\n", url, o.upstream.Redacted())
	fmt.Fprintf(w, "Point your app at %s: every answer is the upstream's, checked against the contract.\n", url)
	fmt.Fprintf(w, "Try:\n  curl -s -H 'ET-Client-Name: acme-travelapp' -H 'Authorization: Bearer <token>' %s/v1/programs/<id>\n", url)
	if o.admin && o.journal > 0 {
		fmt.Fprintf(w, "Verdicts: %s/__mock/requests · coverage: %s/__mock/coverage · violations also go to the log\n", url, url)
	} else {
		fmt.Fprintln(w, "Verdicts: violations go to the log (the journal is off)")
	}
	if o.record != "" {
		raw := "customer ids pseudonymised"
		if o.recordRaw {
			raw = "customer ids as sent"
		}
		fmt.Fprintf(w, "Recording to %s (%s); replay offline with: mockserver --fixtures %s\n", o.record, raw, o.record)
	}
}

// printControl says how to drive the mock: the Prefer header, and the admin
// endpoints when they are on.
func printControl(w io.Writer, url string, o options) {
	fmt.Fprintf(w, "Control: send 'Prefer: status=404' or 'Prefer: delay=1500' on any API call")
	if !o.admin {
		fmt.Fprintln(w, " · admin endpoints off")
		return
	}
	token := ""
	if o.adminToken != "" {
		token = " (bearer token required)"
	}
	fmt.Fprintf(w, " · admin %s/__mock/{reset,faults,requests,fixtures}%s", url, token)
	if o.journal > 0 {
		fmt.Fprintf(w, " · journal of the last %d requests", o.journal)
	}
	if o.fixtures != "" {
		fmt.Fprintf(w, " · fixtures %s", o.fixtures)
		if o.watch {
			fmt.Fprint(w, " (watched)")
		}
	}
	fmt.Fprintln(w)
}

// devJWT is a token --auth jwt accepts until 2100: {"alg":"HS256","typ":"JWT"},
// {"sub":"dev","exp":4102444800}, and a signature the mock does not check.
const devJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkZXYiLCJleHAiOjQxMDI0NDQ4MDB9.ZGV2LXNpZ25hdHVyZQ"

// healthcheck asks a running mock for /healthz; the container image uses
// it as its HEALTHCHECK because a scratch image has no shell or curl.
func healthcheck(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz")
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %s", resp.Status)
	}
	return nil
}
