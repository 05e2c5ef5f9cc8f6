package main

// This file runs wrk and parses its report.

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type scenario struct {
	name   string
	path   string // fixed path, or "" when script picks one per request
	script string // Lua
	sample string // a path whose body stands for the scenario's (its size is the baseline's)
	// The random members the script picks, for the open-loop generator: prefix and an id
	// from first to first+count-1.
	randomPrefix string
	first, count int64
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
		randomPrefix: fmt.Sprintf("/v1/programs/%d/members/", p.id), first: p.first, count: p.count,
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

// medianBy is the element of xs whose f is the median (the upper of the two middle ones for
// an even count), the one definition every table's medians use.
func medianBy[T any](xs []T, f func(T) float64) T {
	s := slices.Clone(xs)
	slices.SortFunc(s, func(a, b T) int { return cmp.Compare(f(a), f(b)) })
	return s[len(s)/2]
}

func median(rs []result) result {
	out := medianBy(rs, func(r result) float64 { return r.rps })
	out.p50 = medianBy(rs, func(r result) float64 { return float64(r.p50) }).p50
	out.p99 = medianBy(rs, func(r result) float64 { return float64(r.p99) }).p99
	out.cpu = medianBy(rs, func(r result) float64 { return float64(r.cpu) }).cpu
	return out
}

// startMock starts the mock as every run measures it: access log off,
// members per program, cfg.programs programs, everything else default.
func startMock(cfg config, members int) (*proc, time.Duration, error) {
	args := append([]string{"--log", "off", "--members", strconv.Itoa(members), "--programs", strconv.Itoa(cfg.programs)}, cfg.mockArgs...)
	return start(cfg.mock, "/healthz", args...)
}

// startLoadedMock starts the mock with cfg.members members per program and
// finds the members the load scenarios ask for, as the load and soak runs
// both need.
func startLoadedMock(cfg config) (*proc, population, error) {
	mock, _, err := startMock(cfg, cfg.members)
	if err != nil {
		return nil, population{}, err
	}
	pop, err := discover(mock.url)
	if err != nil {
		mock.stop()
		return nil, population{}, err
	}
	return mock, pop, nil
}
