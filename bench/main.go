// Command bench is the load and scale benchmark of the mock (make bench-load).
//
// Load: it starts the mock binary and, beside it, the baseline (bench/baseline: a bare net/http
// server writing precomputed bytes, the mock's own body for the scenario) and drives both with
// wrk over loopback, alternating, for three scenarios: a page of 20 members, the frequent
// persona's first 100 transactions, and members chosen at random over the whole population
// (a wrk Lua script picks the ids). It prints requests/s, p50 and p99 latency and the ratio
// mock/baseline per scenario.
//
// Scale: it starts the mock with a large population, measures the time from exec to the first
// 200 on /healthz, sends requests for random members and their sub-resources, and reads the
// mock's resident memory (VmRSS) from /proc.
//
// Soak (optional): random members and sub-resources under full load for a long run, sampling
// VmRSS, to show that memory stays flat.
//
// Profile (optional): the three load scenarios against the mock served in this process under
// the CPU profiler, to see what dominates the cost of a request.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

const clientName = "acme-loadtest"

type config struct {
	mock, baseline string
	run            string
	duration       time.Duration
	warmup         time.Duration
	rounds         int
	connections    int
	threads        int
	members        int
	programs       int
	scaleMembers   int
	scaleRequests  int
	soak           time.Duration
	profile        string
	only           *regexp.Regexp
}

func main() {
	var cfg config
	flag.StringVar(&cfg.mock, "mock", "bin/mockserver", "mock binary (a release build)")
	flag.StringVar(&cfg.baseline, "baseline", "bin/baseline", "baseline binary (bench/baseline)")
	flag.StringVar(&cfg.run, "run", "load,scale", "what to run: any of load, scale, soak, profile, comma-separated")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of each wrk run")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "wrk run before each measured one, not reported")
	flag.IntVar(&cfg.rounds, "rounds", 1, "measured runs per scenario and server, alternating mock and baseline; the median is reported")
	flag.IntVar(&cfg.connections, "connections", 16, "wrk connections")
	flag.IntVar(&cfg.threads, "threads", 1, "wrk threads")
	serverProcs := flag.Int("server-procs", 1, "GOMAXPROCS of the mock and the baseline (0: all CPUs); with 1 and one wrk thread, load generator and server each have a core of a 2-core machine instead of fighting over both")
	flag.IntVar(&cfg.members, "members", 1_000_000, "members per program of the mock under load")
	flag.IntVar(&cfg.programs, "programs", 3, "programs of the mock")
	flag.IntVar(&cfg.scaleMembers, "scale-members", 1_000_000, "members per program of the scale run")
	flag.IntVar(&cfg.scaleRequests, "scale-requests", 10_000, "requests of the scale run")
	flag.DurationVar(&cfg.soak, "soak", 5*time.Minute, "length of the soak run")
	flag.StringVar(&cfg.profile, "profile", "bin/mock.cpu.pprof", "where the profile run writes the CPU profile")
	only := flag.String("scenarios", "", "regexp: run only the load scenarios whose name matches")
	flag.Parse()
	if *serverProcs > 0 {
		// The servers inherit the environment; this process read its own
		// GOMAXPROCS at start and is not affected.
		if err := os.Setenv("GOMAXPROCS", strconv.Itoa(*serverProcs)); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(2)
		}
	}
	var err error
	if cfg.only, err = regexp.Compile(*only); err != nil {
		fmt.Fprintln(os.Stderr, "bench: -scenarios:", err)
		os.Exit(2)
	}
	if err = run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	if _, err := exec.LookPath("wrk"); err != nil && cfg.run != "scale" {
		return errors.New("wrk is not installed (apt-get install -y wrk)")
	}
	tmp, err := os.MkdirTemp("", "membersmock-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	printMachine()
	for _, what := range strings.Split(cfg.run, ",") {
		var err error
		switch strings.TrimSpace(what) {
		case "load":
			err = runLoad(cfg, tmp)
		case "scale":
			err = runScale(cfg)
		case "soak":
			err = runSoak(cfg, tmp)
		case "profile":
			err = runProfile(cfg, tmp)
		default:
			err = fmt.Errorf("-run: unknown %q (want load, scale, soak or profile)", what)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func printMachine() {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	wrkVersion := "not installed"
	if out, err := exec.Command("wrk", "-v").CombinedOutput(); len(out) > 0 {
		_ = err // wrk -v exits 1
		wrkVersion, _, _ = strings.Cut(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), " Copyright")
	}
	kernel := "?"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Printf("machine: %d CPUs (nproc), %s, Linux %s, %s %s/%s, %s, load average %s\n\n",
		runtime.NumCPU(), model, kernel, runtime.Version(), runtime.GOOS, runtime.GOARCH, wrkVersion, load)
}

// ---- processes ----

type proc struct {
	cmd  *exec.Cmd
	addr string // host:port
	url  string
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs a server binary on a free loopback port and waits until path answers 200. ready
// is the time from exec to that first 200.
func start(bin string, path string, args ...string) (p *proc, ready time.Duration, err error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, append([]string{"--addr", addr}, args...)...)
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} // no server outlives the benchmark
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting %s: %w", bin, err)
	}
	p = &proc{cmd: cmd, addr: addr, url: "http://" + addr}
	client := &http.Client{Timeout: time.Second}
	for time.Since(t0) < 30*time.Second {
		resp, err := client.Get(p.url + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, time.Since(t0), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	p.stop()
	return nil, 0, fmt.Errorf("%s did not answer 200 on %s within 30 s", bin, path)
}

func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// rssKiB reads the resident set size (and its peak) of a process from /proc.
func rssKiB(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm, nil
}

// cpuTime is the CPU time (user plus system) a process has used, from /proc/PID/stat, whose
// unit is the clock tick: 1/100 s on Linux.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields count from after its ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// ---- HTTP helpers ----

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func get(url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("ET-Client-Name", clientName)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// population is what the load needs to know of the mock's data.
type population struct {
	programs []programRange
}

type programRange struct {
	id, first, count, frequent int64
}

func discover(base string) (population, error) {
	var cat mockserver.Catalog
	b, err := get(base + "/__mock/catalog")
	if err != nil {
		return population{}, err
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		return population{}, fmt.Errorf("reading the catalog: %w", err)
	}
	var pop population
	for _, p := range cat.Programs {
		b, err := get(fmt.Sprintf("%s/v1/programs/%d/members?perPage=1", base, p.ID))
		if err != nil {
			return pop, err
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &page); err != nil || len(page.Items) != 1 {
			return pop, fmt.Errorf("reading the first member of program %d: %v", p.ID, err)
		}
		pop.programs = append(pop.programs, programRange{id: p.ID, first: page.Items[0].ID, count: p.Members, frequent: p.Personas.Frequent})
	}
	if len(pop.programs) == 0 {
		return pop, errors.New("the catalog lists no program")
	}
	return pop, nil
}

// ---- wrk ----

type scenario struct {
	name   string
	path   string // fixed path, or "" when script picks one per request
	script string // Lua
	sample string // a path whose body stands for the scenario's (its size is the baseline's)
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	requests int64
	non2xx   int64
	errors   string
	cpu      time.Duration // server CPU time (user+system) per request
}

// luaHeader sets the header every request carries and gives each wrk thread its own random
// sequence.
const luaHeader = `wrk.method = "GET"
wrk.headers["ET-Client-Name"] = "` + clientName + `"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(tid * 7919 + 17)
end
`

func scenarios(pop population, only *regexp.Regexp) []scenario {
	p := pop.programs[0]
	fixed := func(name, path string) scenario {
		return scenario{name: name, path: path, script: luaHeader, sample: path}
	}
	spread := scenario{
		name: fmt.Sprintf("GET /v1/programs/%d/members/{random of %d}", p.id, p.count),
		script: luaHeader + fmt.Sprintf(`local first, n = %d, %d
request = function()
  return wrk.format(nil, "/v1/programs/%d/members/" .. (first + math.random(0, n - 1)))
end
`, p.first, p.count, p.id),
	}
	all := []scenario{
		fixed(fmt.Sprintf("GET /v1/programs/%d/members?perPage=20", p.id), fmt.Sprintf("/v1/programs/%d/members?perPage=20", p.id)),
		fixed(fmt.Sprintf("GET /v1/programs/%d/members/{frequent}/transactions?perPage=100", p.id),
			fmt.Sprintf("/v1/programs/%d/members/%d/transactions?perPage=100", p.id, p.frequent)),
		spread,
	}
	return slices.DeleteFunc(all, func(sc scenario) bool { return !only.MatchString(sc.name) })
}

// sampleBody is the body the baseline serves for a scenario: the mock's own, for the fixed
// path, or for random members the one of median size among 101.
func sampleBody(base string, sc scenario, pop population) ([]byte, error) {
	if sc.path != "" {
		return get(base + sc.path)
	}
	p := pop.programs[0]
	r := rand.New(rand.NewPCG(1, 2))
	var bodies [][]byte
	for range 101 {
		b, err := get(fmt.Sprintf("%s/v1/programs/%d/members/%d", base, p.id, p.first+r.Int64N(p.count)))
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, b)
	}
	slices.SortFunc(bodies, func(a, b []byte) int { return len(a) - len(b) })
	return bodies[len(bodies)/2], nil
}

func runWrk(cfg config, url string, sc scenario, d time.Duration, scriptFile string) (result, error) {
	args := []string{"-t", strconv.Itoa(cfg.threads), "-c", strconv.Itoa(cfg.connections),
		"-d", fmt.Sprintf("%ds", int(d.Seconds())), "--latency", "-s", scriptFile, url + sc.path}
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return parseWrk(out)
}

var (
	reRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reReqs    = regexp.MustCompile(`(\d+) requests in`)
	rePct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	reNon2xx  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSockErr = regexp.MustCompile(`Socket errors: .*`)
)

func parseWrk(out []byte) (result, error) {
	var r result
	m := reRPS.FindSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := reReqs.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	for _, m := range rePct.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[string(m[3])]
		d := time.Duration(v * float64(unit))
		if string(m[1]) == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := reNon2xx.FindSubmatch(out); m != nil {
		r.non2xx, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := reSockErr.Find(out); m != nil {
		r.errors = string(m)
	}
	return r, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func median(rs []result) result {
	pick := func(f func(result) float64) result {
		s := slices.Clone(rs)
		slices.SortFunc(s, func(a, b result) int {
			switch fa, fb := f(a), f(b); {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		})
		return s[len(s)/2]
	}
	out := pick(func(r result) float64 { return r.rps })
	out.p50 = pick(func(r result) float64 { return float64(r.p50) }).p50
	out.p99 = pick(func(r result) float64 { return float64(r.p99) }).p99
	out.cpu = pick(func(r result) float64 { return float64(r.cpu) }).cpu
	return out
}

// startMock starts the mock as every run measures it: access log off,
// members per program, cfg.programs programs, everything else default.
func startMock(cfg config, members int) (*proc, time.Duration, error) {
	return start(cfg.mock, "/healthz", "--log", "off",
		"--members", strconv.Itoa(members), "--programs", strconv.Itoa(cfg.programs))
}

// ---- load ----

func runLoad(cfg config, tmp string) error {
	mock, _, err := startMock(cfg, cfg.members)
	if err != nil {
		return err
	}
	defer mock.stop()
	pop, err := discover(mock.url)
	if err != nil {
		return err
	}
	fmt.Printf("## Load: %d connections, %d wrk threads, %s per run (after %s of warm-up), %d round(s), loopback\n\n",
		cfg.connections, cfg.threads, cfg.duration, cfg.warmup, cfg.rounds)
	fmt.Printf("mock: %s --log off --members %d --programs %d (request validation on, as always)\n", cfg.mock, cfg.members, cfg.programs)
	fmt.Printf("baseline: %s --body <the mock's body for the scenario>\n", cfg.baseline)
	fmt.Printf("both servers with GOMAXPROCS=%s (empty: all CPUs)\n", os.Getenv("GOMAXPROCS"))
	fmt.Printf("wrk -t %d -c %d -d %s --latency -s <scenario>.lua <url>\n\n", cfg.threads, cfg.connections, cfg.duration)

	type row struct {
		sc         scenario
		size       int
		mock, base result
	}
	var rows []row
	for i, sc := range scenarios(pop, cfg.only) {
		body, err := sampleBody(mock.url, sc, pop)
		if err != nil {
			return err
		}
		bodyFile := filepath.Join(tmp, fmt.Sprintf("body-%d.json", i))
		scriptFile := filepath.Join(tmp, fmt.Sprintf("scenario-%d.lua", i))
		if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(scriptFile, []byte(sc.script), 0o644); err != nil {
			return err
		}
		base, _, err := start(cfg.baseline, "/", "--body", bodyFile)
		if err != nil {
			return err
		}
		var mockRuns, baseRuns []result
		measure := func(p *proc, runs *[]result) error {
			if cfg.warmup > 0 {
				if _, err := runWrk(cfg, p.url, sc, cfg.warmup, scriptFile); err != nil {
					return err
				}
			}
			cpu0, _ := cpuTime(p.cmd.Process.Pid)
			r, err := runWrk(cfg, p.url, sc, cfg.duration, scriptFile)
			if err != nil {
				return err
			}
			if cpu1, err := cpuTime(p.cmd.Process.Pid); err == nil && r.requests > 0 {
				r.cpu = (cpu1 - cpu0) / time.Duration(r.requests)
			}
			if r.non2xx > 0 {
				return fmt.Errorf("%s: %d responses other than 2xx from %s", sc.name, r.non2xx, p.url)
			}
			*runs = append(*runs, r)
			return nil
		}
		for round := range cfg.rounds {
			first, second := mock, base
			firstRuns, secondRuns := &mockRuns, &baseRuns
			if round%2 == 1 {
				first, second, firstRuns, secondRuns = base, mock, &baseRuns, &mockRuns
			}
			if err := measure(first, firstRuns); err != nil {
				base.stop()
				return err
			}
			if err := measure(second, secondRuns); err != nil {
				base.stop()
				return err
			}
		}
		base.stop()
		r := row{sc: sc, size: len(body), mock: median(mockRuns), base: median(baseRuns)}
		rows = append(rows, r)
		rss, _, _ := rssKiB(mock.cmd.Process.Pid)
		fmt.Fprintf(os.Stderr, "  %s: mock %.0f req/s, baseline %.0f req/s (mock RSS %s)\n", sc.name, r.mock.rps, r.base.rps, mib(rss))
		for _, m := range append(slices.Clone(mockRuns), baseRuns...) {
			if m.errors != "" {
				fmt.Fprintf(os.Stderr, "  wrk reported %s\n", m.errors)
			}
		}
	}
	fmt.Println("| scenario | body bytes | mock req/s | baseline req/s | mock/baseline | mock p50 | mock p99 | baseline p50 | baseline p99 | CPU µs/req mock | CPU µs/req baseline |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| `%s` | %d | %.0f | %.0f | %.0f %% | %s | %s | %s | %s | %.1f | %.1f |\n", r.sc.name, r.size,
			r.mock.rps, r.base.rps, 100*r.mock.rps/r.base.rps, ms(r.mock.p50), ms(r.mock.p99), ms(r.base.p50), ms(r.base.p99),
			us(r.mock.cpu), us(r.base.cpu))
	}
	rss, hwm, err := rssKiB(mock.cmd.Process.Pid)
	if err == nil {
		fmt.Printf("\nmock RSS after the load: %s (peak %s)\n\n", mib(rss), mib(hwm))
	}
	return nil
}

// ---- scale ----

// subResources are what the scale and soak runs ask for, under a random member ("" is the
// member itself).
var subResources = []string{"", "/transactions", "/point-periods", "/reward-ladder", "/points-history", "/suspension-periods",
	"/transactions?perPage=100", "/points-history?perPage=100&pointEventType=EARNED"}

func subResourceList() string {
	names := slices.Clone(subResources)
	names[0] = "the member"
	return strings.Join(names, ", ")
}

func runScale(cfg config) error {
	mock, ready, err := startMock(cfg, cfg.scaleMembers)
	if err != nil {
		return err
	}
	defer mock.stop()
	pid := mock.cmd.Process.Pid
	rssReady, _, _ := rssKiB(pid)
	pop, err := discover(mock.url)
	if err != nil {
		return err
	}
	t0 := time.Now()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed error
	)
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			for i := w; i < cfg.scaleRequests; i += workers {
				p := pop.programs[r.IntN(len(pop.programs))]
				path := fmt.Sprintf("/v1/programs/%d/members/%d%s", p.id, p.first+r.Int64N(p.count), subResources[r.IntN(len(subResources))])
				if _, err := get(mock.url + path); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		return failed
	}
	took := time.Since(t0)
	rss, hwm, err := rssKiB(pid)
	if err != nil {
		return err
	}
	fmt.Printf("## Scale: --members %d --programs %d\n\n", cfg.scaleMembers, cfg.programs)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---:|")
	fmt.Printf("| exec → first 200 on /healthz | %s |\n", ms(ready))
	fmt.Printf("| RSS when ready | %s |\n", mib(rssReady))
	fmt.Printf("| %d requests, random members × {%s}, 16 at a time | %s (%.0f req/s) |\n",
		cfg.scaleRequests, subResourceList(), took.Round(time.Millisecond), float64(cfg.scaleRequests)/took.Seconds())
	fmt.Printf("| RSS after them (VmRSS) | %s |\n", mib(rss))
	fmt.Printf("| peak RSS (VmHWM) | %s |\n\n", mib(hwm))
	return nil
}

// ---- soak ----

func runSoak(cfg config, tmp string) error {
	mock, _, err := startMock(cfg, cfg.members)
	if err != nil {
		return err
	}
	defer mock.stop()
	pop, err := discover(mock.url)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(luaHeader)
	b.WriteString("local programs = {")
	for _, p := range pop.programs {
		fmt.Fprintf(&b, "{%d, %d, %d}, ", p.id, p.first, p.count)
	}
	b.WriteString("}\nlocal subs = {")
	for _, s := range subResources {
		fmt.Fprintf(&b, "%q, ", s)
	}
	b.WriteString(`}
request = function()
  local p = programs[math.random(#programs)]
  return wrk.format(nil, "/v1/programs/" .. p[1] .. "/members/" .. (p[2] + math.random(0, p[3] - 1)) .. subs[math.random(#subs)])
end
`)
	script := filepath.Join(tmp, "soak.lua")
	if err := os.WriteFile(script, []byte(b.String()), 0o644); err != nil {
		return err
	}
	sc := scenario{name: "soak", script: b.String()}
	pid := mock.cmd.Process.Pid
	type sample struct {
		at  time.Duration
		rss int64
	}
	var samples []sample
	done := make(chan struct{})
	var res result
	var wrkErr error
	go func() {
		defer close(done)
		res, wrkErr = runWrk(cfg, mock.url, sc, cfg.soak, script)
	}()
	t0 := time.Now()
	tick := time.NewTicker(max(cfg.soak/30, time.Second))
	defer tick.Stop()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			rss, _, err := rssKiB(pid)
			if err == nil {
				samples = append(samples, sample{time.Since(t0).Round(time.Second), rss})
			}
		}
	}
	if wrkErr != nil {
		return wrkErr
	}
	if len(samples) < 4 {
		return errors.New("soak: too few RSS samples; make the run longer")
	}
	// The first tenth is warm-up: caches fill and the heap finds its size. After it, the GC's
	// sawtooth moves RSS up and down; growth shows as a difference between the mean of the
	// first and of the last fifth.
	steady := samples[len(samples)/10:]
	lo, hi := steady[0].rss, steady[0].rss
	for _, s := range steady {
		lo, hi = min(lo, s.rss), max(hi, s.rss)
	}
	mean := func(ss []sample) float64 {
		sum := 0.0
		for _, s := range ss {
			sum += float64(s.rss)
		}
		return sum / float64(len(ss))
	}
	fifth := max(1, len(steady)/5)
	early, late := mean(steady[:fifth]), mean(steady[len(steady)-fifth:])
	fmt.Printf("## Soak: %s of random members × {%s} over %d programs, %d connections\n\n",
		cfg.soak, subResourceList(), len(pop.programs), cfg.connections)
	fmt.Printf("%.0f req/s, p50 %s, p99 %s, %d responses other than 2xx\n\n", res.rps, ms(res.p50), ms(res.p99), res.non2xx)
	fmt.Println("| time | VmRSS |")
	fmt.Println("|---:|---:|")
	for _, s := range samples {
		fmt.Printf("| %s | %s |\n", s.at, mib(s.rss))
	}
	fmt.Printf("\nafter warm-up (from %s): min %s, max %s; mean of the first fifth %s, of the last fifth %s: %+.1f %%\n\n",
		steady[0].at, mib(lo), mib(hi), mib(int64(early)), mib(int64(late)), 100*(late-early)/early)
	return nil
}

// ---- profile ----

// runProfile serves the mock from this process (the handler cmd/mockserver serves, built the
// same way, without access log, behind a server with the same timeouts) and profiles it under
// the three load scenarios, one after the other.
func runProfile(cfg config, tmp string) error {
	data, err := fixtures.New(1, fixtures.WithMembers(cfg.members), fixtures.WithPrograms(cfg.programs))
	if err != nil {
		return err
	}
	v, err := spec.NewValidator()
	if err != nil {
		return err
	}
	h, err := mockserver.New(mockserver.Config{Dataset: data, Validator: v})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The timeouts of cmd/mockserver's server: they cost a deadline per request.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String()
	pop, err := discover(url)
	if err != nil {
		return err
	}
	f, err := os.Create(cfg.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Printf("## Profile: the three load scenarios, %s each, mock in-process under the CPU profiler\n\n", cfg.duration)
	for i, sc := range scenarios(pop, cfg.only) {
		script := filepath.Join(tmp, fmt.Sprintf("profile-%d.lua", i))
		if err := os.WriteFile(script, []byte(sc.script), 0o644); err != nil {
			return err
		}
		if _, err := runWrk(cfg, url, sc, cfg.warmup, script); err != nil {
			return err
		}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	for i, sc := range scenarios(pop, cfg.only) {
		r, err := runWrk(cfg, url, sc, cfg.duration, filepath.Join(tmp, fmt.Sprintf("profile-%d.lua", i)))
		if err != nil {
			pprof.StopCPUProfile()
			return err
		}
		fmt.Printf("%s: %.0f req/s, p99 %s\n", sc.name, r.rps, ms(r.p99))
	}
	pprof.StopCPUProfile()
	fmt.Printf("\nCPU profile written to %s; read it with: go tool pprof -top %s\n\n", cfg.profile, cfg.profile)
	return nil
}
