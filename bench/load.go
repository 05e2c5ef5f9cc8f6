package main

// This file is the load mode: the mock against the baseline, three scenarios.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

func runLoad(cfg config, tmp string) error {
	mock, pop, err := startLoadedMock(cfg)
	if err != nil {
		return err
	}
	defer mock.stop()
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
		base, body, scriptFile, err := startBaseline(cfg, tmp, i, sc, mock.url, pop)
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
		mem, _ := readMemory(mock.cmd.Process.Pid)
		fmt.Fprintf(os.Stderr, "  %s: mock %.0f req/s, baseline %.0f req/s (mock RSS %s)\n", sc.name, r.mock.rps, r.base.rps, mib(mem.rss))
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
	if mem, err := readMemory(mock.cmd.Process.Pid); err == nil {
		fmt.Printf("\nmock RSS after the load: %s (peak %s)\n\n", mib(mem.rss), mib(mem.hwm))
	}
	return nil
}

// startBaseline starts the baseline serving the mock's body for scenario i, and writes the
// scenario's wrk script beside it: what every mode that compares the two needs first.
func startBaseline(cfg config, tmp string, i int, sc scenario, mockURL string, pop population) (base *proc, body []byte, scriptFile string, err error) {
	if body, err = sampleBody(mockURL, sc, pop); err != nil {
		return nil, nil, "", err
	}
	bodyFile := filepath.Join(tmp, fmt.Sprintf("body-%d.json", i))
	scriptFile = filepath.Join(tmp, fmt.Sprintf("scenario-%d.lua", i))
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return nil, nil, "", err
	}
	if err := os.WriteFile(scriptFile, []byte(sc.script), 0o644); err != nil {
		return nil, nil, "", err
	}
	if base, _, err = start(cfg.baseline, "/", "--body", bodyFile); err != nil {
		return nil, nil, "", err
	}
	return base, body, scriptFile, nil
}
