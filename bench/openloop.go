package main

// This file is the open-loop mode: the mock and the baseline at the same constant arrival
// rates, latency measured from each request's intended send time (bench/openloop, vegeta).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// openLoopShares are the rates of the open-loop runs, as shares of the baseline's
// closed-loop maximum: from light load to what one core of generator can send.
var openLoopShares = []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}

// openLoopReport is bench/openloop's answer (its Report).
type openLoopReport struct {
	Rate, Achieved      float64
	Requests, Errors    int
	FirstError          string
	P50, P99, P999, Max float64 // µs from the intended send time
	Late                float64
}

func buildOpenLoop(cfg config, tmp string) (string, error) {
	bin := filepath.Join(tmp, "openloop")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = cfg.openLoopDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the open-loop generator in %s: %w\n%s", cfg.openLoopDir, err, out)
	}
	return bin, nil
}

func runOpenLoopOnce(bin string, p *proc, sc scenario, rate float64, d time.Duration) (openLoopReport, error) {
	args := []string{"-url", p.url, "-rate", strconv.FormatFloat(rate, 'f', 0, 64), "-duration", d.String(), "-client-name", clientName}
	if sc.randomPrefix != "" {
		args = append(args, "-random-prefix", sc.randomPrefix, "-first", strconv.FormatInt(sc.first, 10), "-count", strconv.FormatInt(sc.count, 10))
	} else {
		args = append(args, "-path", sc.path)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		return openLoopReport{}, fmt.Errorf("openloop %v: %w", args, err)
	}
	var r openLoopReport
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("openloop's report %q: %w", out, err)
	}
	if r.Errors > 0 {
		return r, fmt.Errorf("%s at %.0f req/s: %d of %d requests failed against %s (first: %s)", sc.name, rate, r.Errors, r.Requests, p.url, r.FirstError)
	}
	return r, nil
}

func runOpenLoop(cfg config, tmp string) error {
	gen, err := buildOpenLoop(cfg, tmp)
	if err != nil {
		return err
	}
	mock, pop, err := startLoadedMock(cfg)
	if err != nil {
		return err
	}
	defer mock.stop()
	fmt.Printf("## Open loop: constant arrival rates, %s per run, median of %d rounds, latency from the intended send time\n\n", cfg.openDuration, max(cfg.openRounds, 1))
	fmt.Printf("generator: bench/openloop (vegeta %s as a library), GOMAXPROCS=%s like the servers; rates are shares of the baseline's closed-loop maximum (wrk, %s)\n\n",
		"v12.13.0", os.Getenv("GOMAXPROCS"), cfg.duration)
	fmt.Println("| scenario | rate (share of max) | mock p50 | mock p99 | mock p99.9 | baseline p50 | baseline p99 | baseline p99.9 | mock p99 / baseline p99 | sent late (mock, baseline) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, sc := range scenarios(pop, cfg.only) {
		base, _, scriptFile, err := startBaseline(cfg, tmp, i, sc, mock.url, pop)
		if err != nil {
			return err
		}
		err = func() error {
			defer base.stop()
			top, err := runWrk(cfg, base.url, sc, cfg.duration, scriptFile)
			if err != nil {
				return err
			}
			// Warm both up (connections, caches) at the lightest rate, unreported.
			for _, p := range []*proc{mock, base} {
				if _, err := runOpenLoopOnce(gen, p, sc, top.rps*openLoopShares[0], time.Second); err != nil {
					return err
				}
			}
			for j, share := range openLoopShares {
				rate := top.rps * share
				var mockRuns, baseRuns []openLoopReport
				for round := range max(cfg.openRounds, 1) {
					first, second := mock, base
					if (j+round)%2 == 1 {
						first, second = base, mock
					}
					for _, p := range []*proc{first, second} {
						r, err := runOpenLoopOnce(gen, p, sc, rate, cfg.openDuration)
						if err != nil {
							return err
						}
						if p == mock {
							mockRuns = append(mockRuns, r)
						} else {
							baseRuns = append(baseRuns, r)
						}
					}
				}
				m, bl := medianOpenLoop(mockRuns), medianOpenLoop(baseRuns)
				// More than 5 % of requests sent late: the generator, not the server, sets the
				// latency from there on; the row says so.
				bound := ""
				if m.Late > 0.05 || bl.Late > 0.05 {
					bound = " (generator-bound)"
				}
				fmt.Printf("| `%s` | %.0f req/s (1/%.0f of %.0f) | %s | %s | %s | %s | %s | %s | %.1f | %.1f %%, %.1f %%%s |\n",
					sc.name, rate, 1/share, top.rps, usms(m.P50), usms(m.P99), usms(m.P999), usms(bl.P50), usms(bl.P99), usms(bl.P999),
					m.P99/bl.P99, 100*m.Late, 100*bl.Late, bound)
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	fmt.Println()
	return nil
}

// medianOpenLoop is the median of each figure over rounds at the same rate: a single short
// run's 99th percentile moves by a factor of 2–3 with the host's hiccups.
func medianOpenLoop(runs []openLoopReport) openLoopReport {
	by := func(f func(openLoopReport) float64) float64 { return f(medianBy(runs, f)) }
	return openLoopReport{
		Rate:     runs[0].Rate,
		Achieved: by(func(r openLoopReport) float64 { return r.Achieved }),
		P50:      by(func(r openLoopReport) float64 { return r.P50 }),
		P99:      by(func(r openLoopReport) float64 { return r.P99 }),
		P999:     by(func(r openLoopReport) float64 { return r.P999 }),
		Max:      by(func(r openLoopReport) float64 { return r.Max }),
		Late:     by(func(r openLoopReport) float64 { return r.Late }),
	}
}

func usms(µs float64) string { return fmt.Sprintf("%.2f ms", µs/1000) }
