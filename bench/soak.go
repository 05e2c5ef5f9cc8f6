package main

// This file is the soak mode: full load for a long run, RSS sampled.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func runSoak(cfg config, tmp string) error {
	mock, pop, err := startLoadedMock(cfg)
	if err != nil {
		return err
	}
	defer mock.stop()
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
			if mem, err := readMemory(pid); err == nil {
				samples = append(samples, sample{time.Since(t0).Round(time.Second), mem.rss})
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

	// The verdict (make soak): every answer 2xx, no socket error, the mock healthy afterwards,
	// and RSS stable: the run added at most half of what warm-up left, plus 32 MiB for the
	// GC's sawtooth.
	var failed []string
	if res.non2xx != 0 {
		failed = append(failed, fmt.Sprintf("%d answers were not 2xx", res.non2xx))
	}
	if res.errors != "" {
		failed = append(failed, "wrk saw "+res.errors)
	}
	if _, err := get(mock.url + "/healthz"); err != nil {
		failed = append(failed, fmt.Sprintf("the mock is not healthy after the soak: %v", err))
	}
	warm, end := steady[0].rss, samples[len(samples)-1].rss
	if limit := warm*3/2 + 32*1024; end > limit {
		failed = append(failed, fmt.Sprintf("RSS grew from %s after warm-up to %s (limit %s)", mib(warm), mib(end), mib(limit)))
	}
	if len(failed) > 0 {
		return fmt.Errorf("soak: FAIL: %s", strings.Join(failed, "; "))
	}
	fmt.Println("soak: PASS: zero non-2xx, zero socket errors, healthy afterwards, RSS stable")
	return nil
}
