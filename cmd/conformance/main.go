// Command conformance runs the Members API conformance suite against a
// deployment: the mock (its catalog supplies the ids) or a real
// implementation (a --profile file supplies them). Every response is checked
// against the OpenAPI document and the contract's rules. It prints godog's
// progress, then a one-screen summary with the contract coverage.
//
// With --image it first starts that image through testcontainers, runs the
// suite against the mapped port, prints the container's log when anything
// fails, and always removes the container.
//
// Exit status: 0 when every scenario that ran passed (skipped scenarios are
// listed with their reason but do not fail the run, unless --strict), 1
// when a scenario failed, a --strict run skipped one or the coverage is
// below --fail-under, 2 on a usage or setup error such as an unreachable
// target, 130 when interrupted.
//
// conformance merge-reports merges the reports of the shards of one run
// (--shard i/n, --json) into the whole run's; see merge.go.
package main

import (
	"context"
	"encoding/json"
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

	"github.com/membersmock/membersmock/internal/container"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

func main() {
	// testcontainers announces every Docker connection on stderr; the
	// summary says all a reader needs.
	tclog.SetDefault(tclog.NewNoopLogger())
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand named by the first argument, or runs the
// suite.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		// Each subcommand lives in the file named for it.
		case "merge-reports":
			return runMergeReports(args[1:], stdout, stderr)
		case "fuzz":
			return runFuzz(args[1:], stdout, stderr)
		case "drift":
			return runDrift(args[1:], stdout, stderr)
		}
	}
	return runSuite(args, stdout, stderr)
}

// runSuite runs the conformance suite.
func runSuite(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baseURL := fs.String("base-url", "", "base URL of the target, e.g. http://127.0.0.1:8080")
	profile := fs.String("profile", "", "YAML file mapping traits to the target's ids; without it the ids come from the mock's /__mock/catalog")
	dialect := fs.String("dialect", "", "YAML file stating how the target decides what the contract leaves open (firstPage, perPageAboveMax, pastLastPage, clientName, emptyFilter); overrides the profile's dialect: block")
	tags := fs.String("tags", steps.DefaultTags, "godog tag expression selecting scenarios, e.g. \"@paging && ~@auth\"")
	token := fs.String("token", "", "bearer token sent on every request")
	adminToken := fs.String("admin-token", "", "the mock's --admin-token, for the @mock-control scenarios")
	clientName := fs.String("client-name", steps.DefaultClientName, "value of the ET-Client-Name header")
	concurrency := fs.Int("concurrency", 0, "scenarios run at once (default 2 per CPU)")
	format := fs.String("format", "progress", "console format: progress or pretty")
	junit := fs.String("junit", "", "write a JUnit XML report to this file")
	cucumber := fs.String("cucumber", "", "write a Cucumber JSON report to this file")
	coverage := fs.String("coverage", "", "write the contract coverage as JSON to this file")
	featuresDir := fs.String("features", "", "run the feature files in this directory instead of the built-in ones")
	maxPages := fs.Int("max-pages", steps.DefaultMaxPages, "most pages visited when walking one list; longer lists are sampled")
	image := fs.String("image", "", "start this Docker image through testcontainers and run the suite against it (instead of --base-url)")
	env := container.EnvFlag{}
	fs.Var(env, "env", "KEY=VALUE set in the --image container; repeat for more")
	port := fs.String("port", "8080/tcp", "the --image container's HTTP port")
	waitPath := fs.String("wait-path", "/healthz", "path that answers 200 once the --image container is ready")
	startupTimeout := fs.Duration("startup-timeout", 30*time.Second, "how long the --image container may take to become ready")
	unsafeMethods := fs.Bool("unsafe-methods", false, "also send POST, PUT, PATCH and DELETE (the @unsafe-methods scenarios); off, the suite sends only GET, HEAD and OPTIONS, which is safe against a shared deployment")
	budget := addBudgetFlags(fs)
	timeout := fs.Duration("timeout", 30*time.Second, "how long one request may take, answer included, before its scenario fails")
	htmlReport := fs.String("html", "", "write an HTML report for people to this file: one page that opens from disk")
	strict := fs.Bool("strict", false, "fail the run when any scenario is skipped, listing each with its reason")
	failUnder := fs.Float64("fail-under", 0, "fail the run when the contract coverage (the share of documented status codes and parameters exercised) is below this percentage, 0-100")
	shard := fs.String("shard", "", "run only part i of n stable parts of the scenarios, e.g. 2/3, for a CI matrix; merge the parts' --json with conformance merge-reports")
	dry := fs.Bool("dry-run", false, "print how many requests each feature will send, without sending any request of the suite to the target (it reads only the mock's catalog; see the README)")
	jsonOut := fs.String("json", "", "write the run's result as JSON to this file, for conformance merge-reports")
	if err := parseFlags(fs, args, suiteEnv()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := budget.check(); err != nil {
		fmt.Fprintf(stderr, "conformance: %v\n", err)
		return 2
	}
	if *failUnder < 0 || *failUnder > 100 {
		fmt.Fprintf(stderr, "conformance: --fail-under must be a percentage from 0 to 100, not %g\n", *failUnder)
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "conformance: --timeout must be positive, not %s\n", *timeout)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if (*baseURL == "") == (*image == "") {
		fmt.Fprintln(stderr, "conformance: give either --base-url (or CONFORMANCE_BASE_URL) or --image")
		return 2
	}
	if *format != "progress" && *format != "pretty" {
		fmt.Fprintf(stderr, "conformance: --format must be progress or pretty, not %q\n", *format)
		return 2
	}

	cfg := steps.Config{
		BaseURL:     *baseURL,
		Token:       *token,
		AdminToken:  *adminToken,
		ClientName:  *clientName,
		Tags:        *tags,
		Concurrency: *concurrency,
		Format:      *format,
		Output:      stdout,
		JUnit:       *junit,
		Cucumber:    *cucumber,
		MaxPages:    *maxPages,
		Colors:      isTerminal(stdout),
		HTTPClient:  &http.Client{Timeout: *timeout},

		UnsafeMethods: *unsafeMethods,
		Strict:        *strict,
		FailUnder:     *failUnder,
	}
	budget.apply(&cfg)
	if *shard != "" {
		s, err := steps.ParseShard(*shard)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: --shard (or CONFORMANCE_SHARD) %v\n", err)
			return 2
		}
		cfg.Shard = s
	}
	budget.apply(&cfg)
	if *profile != "" {
		p, err := steps.LoadProfile(*profile)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
		cfg.Profile = p
	}
	if *featuresDir != "" {
		cfg.Paths = []string{*featuresDir}
	}
	if *dialect != "" {
		d, err := spec.LoadDialect(*dialect)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
		cfg.Dialect = &d
	}

	if *dry {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return dryRun(ctx, cfg, stdout, stderr)
	}

	var res steps.Result
	var err error
	if *image != "" {
		opts := container.Options{Image: *image, Env: env, Port: *port, WaitPath: *waitPath, StartupTimeout: *startupTimeout}
		err = container.Run(context.Background(), opts, func(ctx context.Context, t *container.Target) error {
			fmt.Fprintf(stdout, "conformance: %s is ready at %s\n", *image, t.BaseURL)
			cfg.BaseURL = t.BaseURL
			var runErr error
			res, runErr = steps.Run(ctx, cfg)
			if runErr != nil || !res.OK() {
				if logs, lerr := t.Logs(ctx); lerr == nil {
					fmt.Fprintf(stderr, "--- log of the %s container ---\n%s--- end of log ---\n", *image, logs)
				}
			}
			return runErr
		})
		if errors.Is(err, container.ErrInterrupted) {
			fmt.Fprintln(stderr, "conformance: interrupted; the container was removed")
			return 130
		}
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		res, err = steps.Run(ctx, cfg)
	}
	if err != nil {
		// Run's errors already start with "conformance: ".
		fmt.Fprintln(stderr, "conformance:", strings.TrimPrefix(err.Error(), "conformance: "))
		return 2
	}
	fmt.Fprintln(stdout)
	if err := res.WriteSummary(stdout); err != nil {
		fmt.Fprintf(stderr, "conformance: writing the summary: %v\n", err)
	}
	if *coverage != "" {
		if err := writeJSON(*coverage, res.Coverage); err != nil {
			fmt.Fprintf(stderr, "conformance: writing the coverage: %v\n", err)
			return 2
		}
	}
	if *htmlReport != "" {
		if err := writeHTML(*htmlReport, res); err != nil {
			fmt.Fprintf(stderr, "conformance: writing the HTML report: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "HTML report: %s (open it in a browser)\n", *htmlReport)
	}
	if *jsonOut != "" {
		if err := writeResult(*jsonOut, res); err != nil {
			fmt.Fprintf(stderr, "conformance: %v\n", err)
			return 2
		}
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// suiteEnv binds the suite's flags to their environment variables.
func suiteEnv() envNames {
	return requestEnv().with(envNames{
		"base-url":        "CONFORMANCE_BASE_URL",
		"profile":         "CONFORMANCE_PROFILE",
		"dialect":         "CONFORMANCE_DIALECT",
		"tags":            "CONFORMANCE_TAGS",
		"admin-token":     "CONFORMANCE_ADMIN_TOKEN",
		"concurrency":     "CONFORMANCE_CONCURRENCY",
		"format":          "CONFORMANCE_FORMAT",
		"junit":           "CONFORMANCE_JUNIT",
		"cucumber":        "CONFORMANCE_CUCUMBER",
		"coverage":        "CONFORMANCE_COVERAGE",
		"features":        "CONFORMANCE_FEATURES",
		"max-pages":       "CONFORMANCE_MAX_PAGES",
		"image":           "CONFORMANCE_TARGET_IMAGE", // not CONFORMANCE_IMAGE: docker/build-image.sh names the suite's own image so
		"port":            "CONFORMANCE_TARGET_PORT",
		"wait-path":       "CONFORMANCE_TARGET_WAIT_PATH",
		"startup-timeout": "CONFORMANCE_TARGET_STARTUP_TIMEOUT",
		"unsafe-methods":  "CONFORMANCE_UNSAFE_METHODS",
		"html":            "CONFORMANCE_HTML",
		"strict":          "CONFORMANCE_STRICT",
		"fail-under":      "CONFORMANCE_FAIL_UNDER",
		"shard":           "CONFORMANCE_SHARD",
		"dry-run":         "CONFORMANCE_DRY_RUN",
		"json":            "CONFORMANCE_JSON",
	})
}

func writeHTML(path string, res steps.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := res.WriteHTML(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// isTerminal reports whether w is a character device, to colour the
// console output only for people.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
