package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// A dry run counts the requests of a run without sending them to the
// target. The number of requests depends on the target's data (walking a
// list sends one request per page), so it is counted, not guessed: the
// same run goes to a mock in this process, built as much like the target
// as can be known without asking it anything but its catalog.
//
//   - Without --profile the target is the mock: its GET /__mock/catalog (the
//     one request the dry run sends, and no request of the suite) names its
//     seed, sizes, now and dialect. The twin is built from those; when its
//     catalog equals the target's, the counts are exact for a target that
//     answers as the mock does. (A scenario that fails stops early and
//     sends fewer.)
//   - With --profile (a real deployment) or --image (not started), nothing
//     is sent at all. The twin is the default mock, asked with the traits
//     the profile names, so that the same scenarios run and skip; lists of
//     another length page differently, so the counts are an estimate.

// dryRun prints the requests per feature file that cfg would send.
func dryRun(ctx context.Context, cfg steps.Config, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "conformance: --dry-run: %v\n", err)
		return 2
	}
	target := cfg.BaseURL
	var cat *mockserver.Catalog
	if cfg.Profile == nil && target != "" {
		c, err := readCatalog(ctx, cfg.HTTPClient, target)
		if err != nil {
			return fail(err)
		}
		cat = &c
	}
	// Without a catalog the twin speaks the dialect the run expects, so
	// that its pages are those the run will ask for.
	twin, how, err := newTwin(cat, steps.ChooseDialect(cfg.Dialect, cfg.Profile))
	if err != nil {
		return fail(err)
	}
	url, stop, err := serve(twin)
	if err != nil {
		return fail(err)
	}
	defer stop()

	run := cfg
	run.BaseURL, run.Output, run.JUnit, run.Cucumber = url, io.Discard, "", ""
	run.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	// The budget is the target's; the twin is counted at full speed, in full.
	run.Rate, run.MaxRequests, run.Retries = 0, 0, 0
	if cat == nil {
		p, err := steps.CatalogProfile(ctx, run.HTTPClient, url)
		if err != nil {
			return fail(err)
		}
		run.Profile = likeProfile(p, cfg.Profile)
	} else {
		run.Profile = nil // the twin's own catalog, as the run would read the target's
	}
	res, err := steps.Run(ctx, run)
	if err != nil {
		return fail(err)
	}
	writeDryRun(stdout, target, cat != nil, how, res)
	return 0
}

// readCatalog reads GET /__mock/catalog of the target.
func readCatalog(ctx context.Context, hc *http.Client, baseURL string) (mockserver.Catalog, error) {
	var c mockserver.Catalog
	u := strings.TrimRight(baseURL, "/") + "/__mock/catalog"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return c, fmt.Errorf("reading the target's catalog: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return c, fmt.Errorf("reading the target's catalog (is it running at %s?): %w", baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c, fmt.Errorf("GET %s answered %d: a target that is not the mock needs --profile, and the dry run then estimates from the default mock", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&c); err != nil {
		return c, fmt.Errorf("reading the target's catalog %s: %w", u, err)
	}
	if len(c.Programs) == 0 {
		return c, fmt.Errorf("the target's catalog %s lists no programs", u)
	}
	return c, nil
}

// newTwin builds the mock the dry run counts against, and says how like
// the target it is: built from the target's catalog, or without one the
// default mock speaking dialect.
func newTwin(cat *mockserver.Catalog, dialect spec.Dialect) (http.Handler, string, error) {
	seed, opts := int64(1), []fixtures.Option(nil)
	if cat != nil {
		seed, dialect = cat.Seed, cat.Dialect
		opts = []fixtures.Option{fixtures.WithPrograms(len(cat.Programs)), fixtures.WithMembers(int(cat.Programs[0].Members)), fixtures.WithNow(cat.Now)}
	}
	data, err := fixtures.New(seed, opts...)
	if err != nil {
		return nil, "", fmt.Errorf("building a mock like the target: %w", err)
	}
	v, err := spec.NewValidator(spec.WithDialect(dialect))
	if err != nil {
		return nil, "", fmt.Errorf("building a mock like the target: %w", err)
	}
	m, err := mockserver.New(mockserver.Config{Dataset: data, Validator: v})
	if err != nil {
		return nil, "", fmt.Errorf("building a mock like the target: %w", err)
	}
	if cat == nil {
		return m, "an estimate: counted against the default mock (seed 1) with the traits your profile names; lists of another length in the target page differently", nil
	}
	got, _ := json.Marshal(m.Catalog())
	want, _ := json.Marshal(cat)
	desc := fmt.Sprintf("seed %d, %d programs × %d members, now %s, dialect %s", cat.Seed, len(cat.Programs), cat.Programs[0].Members, cat.Now.Format(time.RFC3339), cat.Dialect)
	if !bytes.Equal(got, want) {
		return m, "an estimate: the target's catalog (" + desc + ") differs from that of a mock built from its seed and sizes (a fixtures overlay?), so the data may page differently", nil
	}
	return m, "exact for a target that answers as the mock does: counted against a mock in this process built like the target (" + desc + "; the same catalog); a scenario that fails stops early and sends fewer", nil
}

// likeProfile narrows the twin's profile to what the user's profile names,
// so that the scenarios that would skip skip here too.
func likeProfile(twin, user *steps.Profile) *steps.Profile {
	if user == nil {
		return twin
	}
	p := *twin
	p.Source = "the default mock, with the traits of " + user.Source
	p.Dialect = user.Dialect
	keep := func(tw steps.ProgramProfile, us steps.ProgramProfile) steps.ProgramProfile {
		out := steps.ProgramProfile{ID: tw.ID, Traits: map[steps.Trait]int64{}}
		for t, id := range tw.Traits {
			if _, ok := us.Traits[t]; ok {
				out.Traits[t] = id
			}
		}
		return out
	}
	p.Program = keep(twin.Program, user.Program)
	p.OtherProgram = nil
	if user.OtherProgram != nil && twin.OtherProgram != nil {
		o := keep(*twin.OtherProgram, *user.OtherProgram)
		p.OtherProgram = &o
	}
	if user.Fault == nil {
		p.Fault = nil
	}
	return &p
}

// serve serves h on a free loopback port until stop is called.
func serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("serving the mock the dry run counts against: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

func writeDryRun(w io.Writer, target string, askedCatalog bool, how string, res steps.Result) {
	var b strings.Builder
	switch {
	case target == "":
		b.WriteString("Dry run: nothing was started or sent (--image is not started in a dry run).\n")
	case askedCatalog:
		fmt.Fprintf(&b, "Dry run: no request of the suite was sent to %s; only its GET /__mock/catalog was read, to learn what it holds.\n", target)
	default:
		fmt.Fprintf(&b, "Dry run: nothing was sent to %s.\n", target)
	}
	fmt.Fprintf(&b, "The counts are %s.\n\n", how)
	fmt.Fprintf(&b, "Requests each feature will send (tags %q", res.Tags)
	if res.Shard.Count > 0 {
		fmt.Fprintf(&b, ", shard %s", res.Shard.Shard)
	}
	b.WriteString("):\n")
	type row struct {
		feature string
		n       int
	}
	var rows []row
	total := 0
	for f, n := range res.Requests {
		rows = append(rows, row{f, n})
		total += n
	}
	slices.SortFunc(rows, func(a, c row) int { return cmp.Compare(a.feature, c.feature) })
	last := fmt.Sprintf("total, %d scenarios", res.Passed+res.Failed+res.Skipped+res.Undefined)
	width := len(last)
	for _, r := range rows {
		width = max(width, len(r.feature))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s %7d\n", width, r.feature, r.n)
	}
	fmt.Fprintf(&b, "  %-*s %7d\n", width, last, total)
	// steps.Run reads the catalog, or with a profile probes the target, once.
	b.WriteString("\nBefore the scenarios the run sends one more: it reads the catalog (against the mock) or, with --profile, checks that the target answers.\n")
	if res.Skipped > 0 {
		fmt.Fprintf(&b, "%d scenarios would be skipped (their traits are missing) and send nothing.\n", res.Skipped)
	}
	b.WriteString("Run without --dry-run to send them; --rate and --max-requests bound a real run.\n")
	io.WriteString(w, b.String())
}
