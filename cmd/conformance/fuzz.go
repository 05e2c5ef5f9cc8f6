package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/membersmock/membersmock/fuzz"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// runFuzz runs `conformance fuzz`: requests generated from the OpenAPI
// document, every answer checked, every failure shrunk to a curl line.
// Exit 0 when no check failed, 1 when one did, 2 on a usage or setup error.
func runFuzz(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance fuzz", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "conformance fuzz: "+format+"\n", a...)
		return 2
	}
	defaultSeed, seedErr := envUint("CONFORMANCE_SEED", 0)
	defaultRequests, requestsErr := envUint("CONFORMANCE_REQUESTS", fuzz.DefaultRequests)
	defaultTime, timeErr := envDuration("CONFORMANCE_FUZZ_TIME", 0)
	defaultTimeout, timeoutErr := envDuration("CONFORMANCE_TIMEOUT", 30*time.Second)

	baseURL := fs.String("base-url", os.Getenv("CONFORMANCE_BASE_URL"), "base URL of the target, e.g. http://127.0.0.1:8080 (env CONFORMANCE_BASE_URL)")
	profile := fs.String("profile", os.Getenv("CONFORMANCE_PROFILE"), "YAML file mapping traits to the target's ids; without it the ids come from the mock's /__mock/catalog (env CONFORMANCE_PROFILE)")
	token := fs.String("token", os.Getenv("CONFORMANCE_TOKEN"), "bearer token sent on every request (env CONFORMANCE_TOKEN); curl lines read it from $CONFORMANCE_TOKEN")
	clientName := fs.String("client-name", envOr("CONFORMANCE_CLIENT_NAME", steps.DefaultClientName), "value of the ET-Client-Name header, when the generator sends the usual one (env CONFORMANCE_CLIENT_NAME)")
	dialect := fs.String("dialect", os.Getenv("CONFORMANCE_DIALECT"), "dialect file (YAML) the target speaks: firstPage, perPageAboveMax, pastLastPage, clientName, emptyFilter (env CONFORMANCE_DIALECT)")
	seed := fs.Uint64("seed", defaultSeed, "seed of the generator: the same seed against the same target sends the same requests; 0 picks one, which the summary prints (env CONFORMANCE_SEED)")
	requests := fs.Uint64("requests", defaultRequests, "requests to generate over all operations; shrinking a failure sends more (env CONFORMANCE_REQUESTS)")
	timeLimit := fs.Duration("time", defaultTime, "stop generating after this long, e.g. 30s; 0 means no bound (env CONFORMANCE_FUZZ_TIME)")
	timeout := fs.Duration("timeout", defaultTimeout, "how long one request may take, answer included (env CONFORMANCE_TIMEOUT)")
	jsonPath := fs.String("json", os.Getenv("CONFORMANCE_FUZZ_JSON"), "write the run and its failures as JSON to this file (env CONFORMANCE_FUZZ_JSON)")
	htmlPath := fs.String("html", os.Getenv("CONFORMANCE_FUZZ_HTML"), "write the failures as the suite's HTML report, each with its curl line, to this file (env CONFORMANCE_FUZZ_HTML)")
	budget := addBudgetFlags(fs)
	unsafeMethods := fs.Bool("unsafe-methods", envBool("CONFORMANCE_UNSAFE_METHODS"), "also send POST, PUT, PATCH and DELETE; off, only GET, HEAD and OPTIONS (env CONFORMANCE_UNSAFE_METHODS=1)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	for _, e := range []struct {
		err  error
		flag string
	}{{seedErr, "seed"}, {requestsErr, "requests"}, {timeErr, "time"}, {timeoutErr, "timeout"}} {
		if e.err != nil && !flagSet(fs, e.flag) {
			return fail("%v", e.err)
		}
	}
	if err := budget.check(fs); err != nil {
		return fail("%v", err)
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected arguments %q", fs.Args())
	case *baseURL == "":
		return fail("give --base-url (or CONFORMANCE_BASE_URL)")
	case *requests == 0:
		return fail("--requests must be at least 1")
	case *timeLimit < 0:
		return fail("--time must not be negative, not %s", *timeLimit)
	case *timeout <= 0:
		return fail("--timeout must be positive, not %s", *timeout)
	}

	// The dialect: --dialect, else the profile's dialect: block, else the
	// contract's, as in the suite.
	var prof *steps.Profile
	if *profile != "" {
		p, err := steps.LoadProfile(*profile)
		if err != nil {
			return fail("%v", err)
		}
		prof = p
	}
	var given *spec.Dialect
	if *dialect != "" {
		loaded, err := spec.LoadDialect(*dialect)
		if err != nil {
			return fail("%v", err)
		}
		given = &loaded
	}
	v, err := spec.NewValidator(spec.WithDialect(steps.ChooseDialect(given, prof)))
	if err != nil {
		return fail("building the spec validator: %v", err)
	}
	cfg := fuzz.Config{
		BaseURL:       *baseURL,
		Token:         *token,
		ClientName:    *clientName,
		Validator:     v,
		HTTPClient:    &http.Client{Timeout: *timeout},
		Seed:          *seed,
		Requests:      int(min(*requests, 1<<30)),
		Time:          *timeLimit,
		UnsafeMethods: *unsafeMethods,
		Rate:          budget.rate,
		MaxRequests:   budget.maxRequests,
		Retries:       budget.retries,
		Profile:       prof,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := fuzz.Run(ctx, cfg)
	if err != nil {
		return fail("%v", err)
	}
	if err := res.WriteSummary(stdout); err != nil {
		fmt.Fprintf(stderr, "conformance fuzz: writing the summary: %v\n", err)
	}
	if *jsonPath != "" {
		if err := writeJSON(*jsonPath, res); err != nil {
			return fail("writing %s: %v", *jsonPath, err)
		}
	}
	if *htmlPath != "" {
		if err := writeHTML(*htmlPath, res.Report()); err != nil {
			return fail("writing %s: %v", *htmlPath, err)
		}
		fmt.Fprintf(stdout, "HTML report: %s (open it in a browser)\n", *htmlPath)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "conformance fuzz: interrupted")
		return 130
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// envUint reads a non-negative integer from the environment, def when the
// variable is unset or empty.
func envUint(name string, def uint64) (uint64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return def, fmt.Errorf("%s=%q is not a whole number: %v", name, v, err)
	}
	return n, nil
}

// envOr reads a string from the environment, def when unset or empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
