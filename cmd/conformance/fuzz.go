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
	baseURL := fs.String("base-url", "", "base URL of the target, e.g. http://127.0.0.1:8080")
	profile := fs.String("profile", "", "YAML file mapping traits to the target's ids; without it the ids come from the mock's /__mock/catalog")
	token := fs.String("token", "", "bearer token sent on every request; curl lines read it from $CONFORMANCE_TOKEN")
	clientName := fs.String("client-name", steps.DefaultClientName, "value of the ET-Client-Name header, when the generator sends the usual one")
	dialect := fs.String("dialect", "", "dialect file (YAML) the target speaks: firstPage, perPageAboveMax, pastLastPage, clientName, emptyFilter")
	seed := fs.Uint64("seed", 0, "seed of the generator: the same seed against the same target sends the same requests; 0 picks one, which the summary prints")
	requests := fs.Uint64("requests", fuzz.DefaultRequests, "requests to generate over all operations; shrinking a failure sends more")
	timeLimit := fs.Duration("time", 0, "stop generating after this long, e.g. 30s; 0 means no bound")
	timeout := fs.Duration("timeout", 30*time.Second, "how long one request may take, answer included")
	jsonPath := fs.String("json", "", "write the run and its failures as JSON to this file")
	htmlPath := fs.String("html", "", "write the failures as the suite's HTML report, each with its curl line, to this file")
	budget := addBudgetFlags(fs)
	unsafeMethods := fs.Bool("unsafe-methods", false, "also send POST, PUT, PATCH and DELETE; off, only GET, HEAD and OPTIONS")
	if err := parseFlags(fs, args, fuzzEnv()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := budget.check(); err != nil {
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

// fuzzEnv binds the flags of conformance fuzz to their environment
// variables: the suite's for the flags they share, their own for the rest.
func fuzzEnv() envNames {
	return requestEnv().with(envNames{
		"base-url":       "CONFORMANCE_BASE_URL",
		"profile":        "CONFORMANCE_PROFILE",
		"dialect":        "CONFORMANCE_DIALECT",
		"seed":           "CONFORMANCE_SEED",
		"requests":       "CONFORMANCE_REQUESTS",
		"time":           "CONFORMANCE_FUZZ_TIME",
		"json":           "CONFORMANCE_FUZZ_JSON",
		"html":           "CONFORMANCE_FUZZ_HTML",
		"unsafe-methods": "CONFORMANCE_UNSAFE_METHODS",
	})
}
