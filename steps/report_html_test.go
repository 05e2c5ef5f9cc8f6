package steps_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// handMadeResult has one scenario of every outcome, a failure whose answer
// holds markup, and a flaky scenario: what a real run against the mock
// cannot be made to show all at once.
func handMadeResult() steps.Result {
	return steps.Result{
		Target: "https://staging.example/personalisation", Profile: "staging.yaml", Tags: steps.DefaultTags,
		Passed: 2, Failed: 1, Skipped: 1,
		Dialect: spec.Dialect{FirstPage: 1},
		Started: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Scenarios: []steps.ScenarioResult{
			{Feature: "Paging", Scenario: "Walking all pages returns every item exactly once", Location: "paging.feature:10", Tags: []string{"@paging"}, Status: steps.StatusPassed},
			{Feature: "Paging", Scenario: "A page past the last one is empty", Location: "paging.feature:20", Tags: []string{"@paging", "@errors"}, Status: steps.StatusFailed},
			{Feature: "Members", Scenario: "A member is found by customerId", Location: "members.feature:5", Tags: []string{"@members"}, Status: steps.StatusPassed},
			{Feature: "Members", Scenario: "A suspended member's suspensions", Location: "members.feature:9", Tags: []string{"@members"}, Status: steps.StatusSkipped},
		},
		Failures: []steps.Failure{{
			Scenario: "A page past the last one is empty", Location: "paging.feature:20",
			Step: `the response status is 200`, Message: "GET /v1/programs/1/members?page=99 answered 500, want 200: <b>boom</b>",
			Exchange: &steps.Exchange{
				Method: "GET", URL: "https://staging.example/personalisation/v1/programs/1/members?page=99",
				RequestHeaders:  http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer $CONFORMANCE_TOKEN"}},
				Status:          500,
				ResponseHeaders: http.Header{"Content-Type": {"application/json"}, "X-Correlation-Id": {"c-42"}},
				BodyExcerpt:     `{"title": "<script>alert(1)</script>"}`,
			},
		}},
		Skips: []steps.Skip{{Scenario: "A suspended member's suspensions", Location: "members.feature:9", Reason: "the profile names no suspended member"}},
		Flaky: []steps.Flake{{Scenario: "A member is found by customerId", Location: "members.feature:5", Retries: 2,
			Reasons: []string{"GET /v1/programs/1/members answered 503", "GET /v1/programs/1/members answered 429 (Retry-After: 1)"}}},
		Coverage: steps.Coverage{Operations: []steps.OperationCoverage{{
			ID: "getMembers", Method: "GET", Path: "/v1/programs/{programId}/members", Requests: 7,
			StatusesExercised: []int{200, 500}, StatusesMissed: []int{400, 404},
			ParamsExercised: []string{"programId", "page"}, ParamsMissed: []string{"customerId", "perPage"},
			Undocumented: []int{418},
		}}},
	}
}

func writeHTML(t *testing.T, res steps.Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := res.WriteHTML(&b); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	return b.String()
}

func TestWriteHTML(t *testing.T) {
	page := writeHTML(t, handMadeResult())
	for _, want := range []string{
		`<span class="verdict failed">failed</span>`,
		"https://staging.example/personalisation",
		"firstPage: 1",                  // the dialect
		"2026-06-01 12:00:00 UTC",       // the start
		"1.5s",                          // the duration
		`data-status="flaky"`,           // the passed scenario Flaky names
		`data-tags="@paging @errors"`,   // for the tag filter
		`<option value="@errors">`,      // the tag filter offers every tag
		"Flaky scenarios",               // their section
		"answered 429 (Retry-After: 1)", // with the reason of each retry
		"the profile names no suspended member",
		"&lt;script&gt;alert(1)&lt;/script&gt;", // the body, escaped
		"&lt;b&gt;boom&lt;/b&gt;",               // the message, escaped
		"curl -sS -i --globoff",
		`-H &#39;Authorization: Bearer &#39;&#34;$CONFORMANCE_TOKEN&#34;`,
		`<span class="code undocumented">418</span>`,
		`<span class="code miss">404</span>`,
		"50.0% (4 of 8 documented status codes and parameters)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<b>boom") {
		t.Error("the report lets markup of the answer through unescaped")
	}
	if refs := externalReferences(page); len(refs) > 0 {
		t.Errorf("the report references things outside itself: %q", refs)
	}
}

// TestWriteHTMLFailureOfNoScenario: a failure no scenario recorded (godog's
// own) is shown, not lost.
func TestWriteHTMLFailureOfNoScenario(t *testing.T) {
	page := writeHTML(t, steps.Result{Failed: 1, Failures: []steps.Failure{{Scenario: "(suite)", Message: "godog reported a failure that no scenario recorded"}}})
	for _, want := range []string{`data-status="failed"`, "(suite)", "godog reported a failure that no scenario recorded", "No answer to show"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}

// TestWriteHTMLFlakyRun: a scenario that passed only after a retry shows
// as flaky in the report of a real run, with the reason of its retry,
// under the name of its feature read from the file on disk.
func TestWriteHTMLFlakyRun(t *testing.T) {
	dir := t.TempDir()
	feature := "Feature: The program, once more\n  Scenario: A program can be read\n    Given a program\n    When the client asks for the program\n    Then the response status is 200\n"
	if err := os.WriteFile(filepath.Join(dir, "again.feature"), []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	v := newValidator(t)
	mock := startMock(t, v, "")
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/programs/1" && asked.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		mock.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	res, err := steps.Run(context.Background(), steps.Config{BaseURL: srv.URL, Validator: v, Paths: []string{dir}, Retries: 1})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.OK() || len(res.Flaky) != 1 {
		t.Fatalf("want a passing run with one flaky scenario; got %d passed, %d failed, flaky %+v", res.Passed, res.Failed, res.Flaky)
	}
	page := writeHTML(t, res)
	for _, want := range []string{`data-status="flaky"`, "The program, once more", "Flaky scenarios", "answered 503", `<div class="card flaky"><b>1</b>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
}

// externalReferences finds whatever would make a browser load something
// from outside the page: src/href/action attributes that are not a
// fragment, stylesheets, imports and url(…) in styles.
func externalReferences(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?i)\s(src|href|action|srcset|poster|data|formaction)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`).FindAllStringSubmatch(page, -1) {
		if v := strings.Trim(m[2], `"'`); !strings.HasPrefix(v, "#") {
			out = append(out, m[0])
		}
	}
	for _, bad := range []string{`(?i)<link\b`, `(?i)@import`, `(?i)url\s*\(`, `(?i)<(img|iframe|object|embed|video|audio|source)\b`, `(?i)<script\b[^>]*\bsrc`} {
		out = append(out, regexp.MustCompile(bad).FindAllString(page, -1)...)
	}
	return out
}

// TestHTMLReportInBrowser runs the suite against a broken mock, writes the
// HTML report of that failing run and checks it: it names the failed
// scenarios, its curl commands reproduce their requests, it references
// nothing outside itself, and in a real headless chromium, opened from
// disk, it renders and its filters (read from the URL's fragment) show
// what they say. With REPORT_SCREENSHOT=path it also takes the screenshot
// of the docs (make report-screenshot).
func TestHTMLReportInBrowser(t *testing.T) {
	browser := findBrowser(t)
	v := newValidator(t)
	ds, err := fixtures.New(1)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := mockserver.New(mockserver.Config{Dataset: ds, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	// Two broken rules: the 404 of an unknown program has a wrong title,
	// and the members' totals count one member too many.
	broken := answers(func(r *http.Request, rt route, a *answer) {
		switch {
		case rt.op == "getProgram" && a.status == http.StatusNotFound:
			b := a.object()
			b["title"] = "Missing"
			a.setObject(b)
		case rt.op == "getMembers" && a.status == http.StatusOK:
			b := a.object()
			b["totalItems"] = num(intIn(b, "totalItems") + 1)
			a.setObject(b)
		}
	})(inner)
	// sent records the requests by X-Correlation-Id, so that the test
	// sees what a curl command of the report sends again.
	var mu sync.Mutex
	sent := map[string][]*http.Request{}
	srv := httptest.NewServer(withInner(inner, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		id := r.Header.Get("X-Correlation-Id")
		sent[id] = append(sent[id], r.Clone(context.Background()))
		mu.Unlock()
		broken.ServeHTTP(w, r)
	})))
	defer srv.Close()

	ctx := context.Background()
	profile, err := steps.CatalogProfile(ctx, http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	profile.OtherProgram = nil // the isolation scenarios skip: the report shows skips too
	const token = "s3cret-token"
	res, err := steps.Run(ctx, steps.Config{BaseURL: srv.URL, Validator: v, Profile: profile, Token: token, Tags: "@program,@members,@isolation"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.OK() || res.Passed == 0 || res.Skipped == 0 {
		t.Fatalf("want a failing run with passed and skipped scenarios: %d passed, %d failed, %d skipped", res.Passed, res.Failed, res.Skipped)
	}
	page := writeHTML(t, res)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("static", func(t *testing.T) {
		for _, f := range res.Failures {
			if !strings.Contains(page, html.EscapeString(f.Scenario)) {
				t.Errorf("the report does not name the failed scenario %q", f.Scenario)
			}
			if f.Exchange == nil {
				t.Errorf("%s: the failure has no exchange", f.Scenario)
			}
		}
		if strings.Contains(page, token) {
			t.Error("the report holds the bearer token itself; it must show $CONFORMANCE_TOKEN")
		}
		if refs := externalReferences(page); len(refs) > 0 {
			t.Errorf("the report references things outside itself: %q", refs)
		}
	})

	t.Run("curl reproduces", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skipf("curl is not installed: %v", err)
		}
		commands := regexp.MustCompile(`(?s)<pre class="curl-command">(.*?)</pre>`).FindAllStringSubmatch(page, -1)
		if len(commands) == 0 {
			t.Fatal("the report holds no curl command")
		}
		for _, m := range commands {
			command := html.UnescapeString(m[1])
			cmd := exec.Command("sh", "-c", command)
			cmd.Env = append(os.Environ(), steps.TokenVariable+"="+token)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", command, err, out)
			}
			id := regexp.MustCompile(`X-Correlation-Id: ([^']+)'`).FindStringSubmatch(command)
			if id == nil {
				t.Fatalf("%s: no X-Correlation-Id", command)
			}
			mu.Lock()
			reqs := sent[id[1]]
			mu.Unlock()
			if len(reqs) != 2 {
				t.Fatalf("%s: the target saw %d requests with its X-Correlation-Id, want the run's and the command's", command, len(reqs))
			}
			orig, again := reqs[0], reqs[1]
			if again.Method != orig.Method || again.URL.String() != orig.URL.String() {
				t.Errorf("%s: sent %s %s, the run sent %s %s", command, again.Method, again.URL, orig.Method, orig.URL)
			}
			for name := range orig.Header {
				if name != "User-Agent" && name != "Accept-Encoding" && again.Header.Get(name) != orig.Header.Get(name) {
					t.Errorf("%s: %s is %q, the run sent %q", command, name, again.Header.Get(name), orig.Header.Get(name))
				}
			}
		}
	})

	t.Run("in the browser", func(t *testing.T) {
		tags := map[string]int{}
		for _, sc := range res.Scenarios {
			for _, tag := range sc.Tags {
				tags[tag]++
			}
		}
		tag := "@errors"
		if tags[tag] == 0 || tags[tag] == len(res.Scenarios) {
			t.Fatalf("the run's scenarios do not tell a filter by %s apart: %d of %d have it", tag, tags[tag], len(res.Scenarios))
		}
		tests := []struct {
			fragment string
			filter   string // the body's data-filter once the script ran
			shown    func(status string, tags []string) bool
		}{
			{"", "status=&amp;tag=", func(string, []string) bool { return true }},
			{"#status=failed", "status=failed&amp;tag=", func(s string, _ []string) bool { return s == steps.StatusFailed }},
			{"#status=passed,skipped", "status=passed,skipped&amp;tag=", func(s string, _ []string) bool { return s == steps.StatusPassed || s == steps.StatusSkipped }},
			{"#tag=" + tag, "status=&amp;tag=" + tag, func(_ string, ts []string) bool { return slices.Contains(ts, tag) }},
			{"#status=failed&tag=" + tag, "status=failed&amp;tag=" + tag, func(s string, ts []string) bool { return s == steps.StatusFailed && slices.Contains(ts, tag) }},
		}
		for _, tt := range tests {
			dom := dumpDOM(t, browser, "file://"+file+tt.fragment)
			if !strings.Contains(dom, `data-filter="`+tt.filter+`"`) {
				t.Errorf("%q: the page's script did not run or read the fragment (no data-filter=%q)", tt.fragment, tt.filter)
				continue
			}
			rows := scenarioRows(dom)
			if len(rows) != len(res.Scenarios) {
				t.Fatalf("%q: the page shows %d scenario rows, the run had %d", tt.fragment, len(rows), len(res.Scenarios))
			}
			shown := 0
			for i, sc := range res.Scenarios {
				want := tt.shown(sc.Status, sc.Tags)
				if rows[i].status != sc.Status || rows[i].hidden == want {
					t.Errorf("%q: %s (%s) is %s, hidden=%v; want %s, shown=%v", tt.fragment, sc.Scenario, sc.Location, rows[i].status, rows[i].hidden, sc.Status, want)
				}
				if want {
					shown++
				}
			}
			if wantText := fmt.Sprintf("%d of %d scenarios shown", shown, len(res.Scenarios)); !strings.Contains(dom, wantText) {
				t.Errorf("%q: the page does not say %q", tt.fragment, wantText)
			}
		}
	})

	if out := os.Getenv("REPORT_SCREENSHOT"); out != "" {
		screenshot(t, browser, "file://"+file+"#status=failed", out)
	}
}

// scenarioRow is one scenario element of the page after its script ran.
type scenarioRow struct {
	status string
	hidden bool
}

func scenarioRows(dom string) []scenarioRow {
	var rows []scenarioRow
	status := regexp.MustCompile(`\bdata-status="([a-z]+)"`)
	hidden := regexp.MustCompile(`\shidden(=""|\s|>|$)`)
	for _, tag := range regexp.MustCompile(`<(?:div|details)\s[^>]*class="scenario [^"]*"[^>]*>`).FindAllString(dom, -1) {
		m := status.FindStringSubmatch(tag)
		if m == nil {
			continue
		}
		rows = append(rows, scenarioRow{m[1], hidden.MatchString(tag)})
	}
	return rows
}

// findBrowser returns Debian's chromium (or another Chrome on PATH). Without
// one the browser test skips, unless REQUIRE_BROWSER=1 (as .ci/run sets),
// which makes the skip a failure.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no chromium on PATH: install it (apt-get install -y chromium) to test the HTML report in a browser"
	if os.Getenv("REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (REQUIRE_BROWSER=1 makes this a failure)")
	}
	t.Skip(msg)
	return ""
}

// headless runs the browser headless, with a profile of its own so that
// tests running at once do not share one.
func headless(t *testing.T, browser string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", browser, args, err, stderr.String())
	}
	return out
}

func dumpDOM(t *testing.T, browser, url string) string {
	t.Helper()
	return string(headless(t, browser, "--dump-dom", url))
}

// maxScreenshot is the most the docs' screenshot may weigh.
const maxScreenshot = 150 << 10

// screenshot takes a screenshot of url into out, as the docs show it.
func screenshot(t *testing.T, browser, url, out string) {
	t.Helper()
	headless(t, browser, "--hide-scrollbars", "--window-size=1280,900", "--screenshot="+out, url)
	if err := shrinkPNG(out); err != nil {
		t.Fatalf("the screenshot: %v", err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatalf("the screenshot: %v", err)
	}
	if fi.Size() > maxScreenshot {
		t.Errorf("the screenshot %s is %d KB, more than the %d KB the docs allow", out, fi.Size()>>10, maxScreenshot>>10)
	}
	t.Logf("screenshot written to %s (%d KB)", out, fi.Size()>>10)
}

// shrinkPNG rewrites a PNG with a palette of its 256 most frequent
// colours: a page of text has few colours but many shades at the edges
// of its letters, which the nearest palette colour draws as well, at less
// than half the size.
func shrinkPNG(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	slices.SortFunc(colors, func(a, b color.RGBA) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(uint32(a.R)<<16|uint32(a.G)<<8|uint32(a.B), uint32(b.R)<<16|uint32(b.G)<<8|uint32(b.B)))
	})
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	p := image.NewPaletted(b, pal)
	draw.Draw(p, b, img, b.Min, draw.Src)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, p); err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}
