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
// Open loop: the same scenarios at constant arrival rates, from 1/32 of the baseline's
// closed-loop maximum to half of it, against both servers, with the latency of each request
// measured from the time it should have been sent (bench/openloop: vegeta, in a module of its
// own), so that a server that queues is not flattered as wrk's closed loop flatters it.
//
// Soak (optional): random members and sub-resources under full load for a long run, sampling
// VmRSS, to show that memory stays flat.
//
// Profile (optional): the three load scenarios against the mock served in this process under
// the CPU profiler, to see what dominates the cost of a request.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
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
	mockArgs       []string // more flags of the mock, e.g. --state redis://…
	openDuration   time.Duration
	openRounds     int
	openLoopDir    string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.mock, "mock", "bin/mockserver", "mock binary (a release build)")
	flag.StringVar(&cfg.baseline, "baseline", "bin/baseline", "baseline binary (bench/baseline)")
	flag.StringVar(&cfg.run, "run", "load,scale", "what to run: any of load, openloop, scale, soak, profile, comma-separated")
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
	flag.DurationVar(&cfg.openDuration, "open-duration", 5*time.Second, "length of each open-loop run")
	flag.IntVar(&cfg.openRounds, "open-rounds", 3, "open-loop runs per rate and server, alternating which goes first; each percentile is the median of the rounds")
	flag.StringVar(&cfg.openLoopDir, "openloop", "bench/openloop", "directory of the open-loop generator's module (vegeta)")
	only := flag.String("scenarios", "", "regexp: run only the load scenarios whose name matches")
	mockArgs := flag.String("mock-args", "", "more flags for the mock, space-separated, e.g. \"--state redis://127.0.0.1:6379/0\"")
	flag.Parse()
	cfg.mockArgs = strings.Fields(*mockArgs)
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
		case "openloop":
			err = runOpenLoop(cfg, tmp)
		case "scale":
			err = runScale(cfg)
		case "soak":
			err = runSoak(cfg, tmp)
		case "profile":
			err = runProfile(cfg, tmp)
		default:
			err = fmt.Errorf("-run: unknown %q (want load, openloop, scale, soak or profile)", what)
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
