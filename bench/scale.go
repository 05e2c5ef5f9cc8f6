package main

// This file is the scale mode: a large population, time to ready and resident memory.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

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
	atReady, _ := readMemory(pid)
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
	after, err := readMemory(pid)
	if err != nil {
		return err
	}
	fmt.Printf("## Scale: --members %d --programs %d\n\n", cfg.scaleMembers, cfg.programs)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---:|")
	fmt.Printf("| exec → first 200 on /healthz | %s |\n", ms(ready))
	fmt.Printf("| RSS when ready (anonymous + file) | %s (%s + %s) |\n", mib(atReady.rss), mib(atReady.anon), mib(atReady.file))
	fmt.Printf("| %d requests, random members × {%s}, 16 at a time | %s (%.0f req/s) |\n",
		cfg.scaleRequests, subResourceList(), took.Round(time.Millisecond), float64(cfg.scaleRequests)/took.Seconds())
	fmt.Printf("| RSS after them (VmRSS: anonymous + file) | %s (%s + %s) |\n", mib(after.rss), mib(after.anon), mib(after.file))
	fmt.Printf("| peak RSS (VmHWM) | %s |\n\n", mib(after.hwm))
	return nil
}
