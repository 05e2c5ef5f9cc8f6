package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/membersmock/membersmock/drift"
	"github.com/membersmock/membersmock/steps"
)

// runDrift compares the mock with a target by behaviour: conformance drift
// --mock URL --target URL. Exit status: 0 no behavioural difference, 1
// differences, 2 a usage or setup error.
func runDrift(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: conformance drift --mock URL --target URL [flags]\n\n"+
			"Sends the same kinds of requests to the mock and to the target and compares how they behave\n"+
			"(statuses, headers, JSON shapes, paging and errors; never values). Exit 0: no difference,\n"+
			"1: differences, 2: usage or setup error.\n\nflags:")
		fs.PrintDefaults()
	}
	mockURL := fs.String("mock", "", "base URL of the mock, e.g. http://127.0.0.1:8080")
	targetURL := fs.String("target", "", "base URL of the deployment to compare with the mock")
	mockProfile := fs.String("mock-profile", "", "profile file (as for --profile) naming the mock's ids; without it they come from its /__mock/catalog")
	targetProfile := fs.String("target-profile", "", "profile file naming the target's program and persona members; without it they come from its /__mock/catalog")
	token := fs.String("token", "", "bearer token sent to both sides")
	clientName := fs.String("client-name", steps.DefaultClientName, "value of the ET-Client-Name header")
	jsonFile := fs.String("json", "", "write every difference, with an example request for both sides, as JSON to this file")
	htmlFile := fs.String("html", "", "write the differences as one self-contained HTML page to this file")
	writeDialect := fs.String("write-dialect", "", "when dialect settings explain every difference, write that dialect file here")
	maxPages := fs.Int("max-pages", drift.DefaultMaxPages, "most pages visited when walking one list")
	timeout := fs.Duration("timeout", 30*time.Second, "how long one request may take")
	if err := parseFlags(fs, args, driftEnv()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "conformance drift: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected arguments %q", fs.Args())
	case *mockURL == "" || *targetURL == "":
		return fail("give both --mock URL and --target URL (or CONFORMANCE_DRIFT_MOCK and CONFORMANCE_DRIFT_TARGET)")
	case *timeout <= 0:
		return fail("--timeout must be positive, not %s", *timeout)
	case *maxPages < 1:
		return fail("--max-pages must be at least 1, not %d", *maxPages)
	}
	cfg := drift.Config{
		Mock:       drift.Side{BaseURL: *mockURL},
		Target:     drift.Side{BaseURL: *targetURL},
		Token:      *token,
		ClientName: *clientName,
		HTTPClient: &http.Client{Timeout: *timeout},
		MaxPages:   *maxPages,
	}
	for _, p := range []struct {
		file string
		into **steps.Profile
	}{{*mockProfile, &cfg.Mock.Profile}, {*targetProfile, &cfg.Target.Profile}} {
		if p.file == "" {
			continue
		}
		prof, err := steps.LoadProfile(p.file)
		if err != nil {
			return fail("%v", err)
		}
		*p.into = prof
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := drift.Run(ctx, cfg)
	if err != nil {
		return fail("%s", strings.TrimPrefix(err.Error(), "drift: "))
	}
	if err := rep.WriteSummary(stdout); err != nil {
		return fail("%v", err)
	}
	for _, out := range []struct {
		file  string
		write func(io.Writer) error
	}{{*jsonFile, rep.WriteJSON}, {*htmlFile, rep.WriteHTML}} {
		if out.file == "" {
			continue
		}
		var b bytes.Buffer
		if err := out.write(&b); err != nil {
			return fail("%v", err)
		}
		if err := os.WriteFile(out.file, b.Bytes(), 0o644); err != nil {
			return fail("writing the report: %v", err)
		}
	}
	if *writeDialect != "" {
		if len(rep.Differences) == 0 || !rep.Explained() {
			fmt.Fprintf(stdout, "conformance drift: %s not written: %s\n", *writeDialect, whyNoDialect(rep))
		} else if err := os.WriteFile(*writeDialect, rep.Dialect.YAML(), 0o644); err != nil {
			return fail("writing the dialect file: %v", err)
		} else {
			fmt.Fprintf(stdout, "conformance drift: wrote %s; start the mock with --dialect %s and run the suite with --dialect %s\n", *writeDialect, *writeDialect, *writeDialect)
		}
	}
	if len(rep.Differences) > 0 {
		return 1
	}
	return 0
}

func whyNoDialect(rep *drift.Report) string {
	if len(rep.Differences) == 0 {
		return "there is no difference, so the mock's dialect already fits"
	}
	return fmt.Sprintf("%d differences are explained by no dialect setting", rep.Unexplained())
}

// driftEnv binds the flags of conformance drift to their environment
// variables.
func driftEnv() envNames {
	return envNames{
		"mock":           "CONFORMANCE_DRIFT_MOCK",
		"target":         "CONFORMANCE_DRIFT_TARGET",
		"mock-profile":   "CONFORMANCE_DRIFT_MOCK_PROFILE",
		"target-profile": "CONFORMANCE_DRIFT_TARGET_PROFILE",
		"token":          "CONFORMANCE_TOKEN",
		"client-name":    "CONFORMANCE_CLIENT_NAME",
		"timeout":        "CONFORMANCE_TIMEOUT",
		"json":           "CONFORMANCE_DRIFT_JSON",
		"html":           "CONFORMANCE_DRIFT_HTML",
		"write-dialect":  "CONFORMANCE_DRIFT_WRITE_DIALECT",
		"max-pages":      "CONFORMANCE_MAX_PAGES",
	}
}
