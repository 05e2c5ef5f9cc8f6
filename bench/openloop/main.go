// Command openloop sends GET requests at a constant arrival rate (vegeta, used as a library)
// and prints, as one JSON object, the latency percentiles measured from each request's
// intended send time: a request the generator could only send late, because earlier ones
// were slow, counts its wait. wrk, closed-loop, waits for each answer before sending the next
// and so never sees that queueing (coordinated omission).
//
// It is the bench command's open-loop generator (go run ./bench -run openloop), a module of
// its own so that vegeta stays out of the mock's dependency graph, as wrk is a program of
// its own for the closed-loop runs.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// tickPacer releases requests at a constant rate, in ticks of about a millisecond: Go's
// runtime sleeps no shorter than a millisecond when the process is otherwise idle, so
// vegeta's ConstantPacer, which sleeps before every request, cannot send more than about a
// thousand a second. A request whose time is less than a tick away goes now, up to a tick
// early; its latency still counts from its intended time when it is sent late, and is the
// server's own when it is sent early.
type tickPacer struct{ rate float64 }

const tick = time.Millisecond

// due is when request n (from 0) is meant to go, from the attack's start: the pacer and
// the latency from the intended time read it alike.
func (p tickPacer) due(n uint64) time.Duration {
	return time.Duration(float64(n) * float64(time.Second) / p.rate)
}

func (p tickPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if wait := p.due(hits) - elapsed; wait > tick {
		return wait - tick, false
	}
	return 0, false
}

func (p tickPacer) Rate(time.Duration) float64 { return p.rate }

// Report is what one attack measured; the bench command reads it.
type Report struct {
	Rate     float64 `json:"rate"`     // requests per second asked for
	Achieved float64 `json:"achieved"` // requests per second sent
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"` // transport errors and statuses outside 2xx
	FirstErr string  `json:"firstError,omitempty"`
	// Percentiles of the latency from the intended send time, in microseconds.
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	// Late is the share of requests sent more than a tick after their time: above a
	// few per cent the generator, not the server, limits the rate.
	Late float64 `json:"late"`
}

func main() {
	base := flag.String("url", "", "server base URL, e.g. http://127.0.0.1:8080")
	path := flag.String("path", "", "the path every request asks for")
	prefix := flag.String("random-prefix", "", "instead of -path: this prefix and a random id from -first to -first+-count-1")
	first := flag.Int64("first", 1, "the first id of -random-prefix")
	count := flag.Int64("count", 1, "how many ids -random-prefix draws from")
	rate := flag.Float64("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 5*time.Second, "length of the attack")
	warmup := flag.Duration("warmup", time.Second, "an attack at the same rate before, not reported: connections open, both sides warm")
	client := flag.String("client-name", "acme-loadtest", "ET-Client-Name of every request")
	seed := flag.Uint64("seed", 1, "seed of the random ids")
	flag.Parse()
	if *base == "" || (*path == "") == (*prefix == "") || *rate <= 0 {
		fmt.Fprintln(os.Stderr, "openloop: give -url, and -path or -random-prefix, and a positive -rate")
		os.Exit(2)
	}
	rep := attack(*base, *path, *prefix, *first, *count, *rate, *warmup, *duration, *client, *seed)
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "openloop:", err)
		os.Exit(1)
	}
}

func attack(base, path, prefix string, first, count int64, rate float64, warmup, d time.Duration, client string, seed uint64) Report {
	header := http.Header{"Et-Client-Name": {client}}
	r := rand.New(rand.NewPCG(seed, 7919))
	var mu sync.Mutex // vegeta's workers ask for targets concurrently
	targeter := func(t *vegeta.Target) error {
		t.Method, t.Header = http.MethodGet, header
		if prefix != "" {
			mu.Lock()
			id := first + r.Int64N(count)
			mu.Unlock()
			t.URL = base + prefix + strconv.FormatInt(id, 10)
		} else {
			t.URL = base + path
		}
		return nil
	}
	// One client for the warm-up and the measured attack, so that the connections the
	// warm-up opened serve the measurement (an Attacker attacks once).
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	newAttacker := func() *vegeta.Attacker {
		return vegeta.NewAttacker(vegeta.Client(hc), vegeta.Workers(64), vegeta.MaxWorkers(512), vegeta.MaxBody(0))
	}
	pacer := tickPacer{rate: rate}
	if warmup > 0 {
		for range newAttacker().Attack(targeter, pacer, warmup, "") {
		}
	}
	began := time.Now()
	var lat []time.Duration
	rep := Report{Rate: rate}
	late := 0
	var last time.Time
	for res := range newAttacker().Attack(targeter, pacer, d, "") {
		sentLate := res.Timestamp.Sub(began.Add(pacer.due(res.Seq)))
		if sentLate > tick {
			late++
		}
		lat = append(lat, res.Latency+max(0, sentLate))
		if res.Error != "" || res.Code < 200 || res.Code > 299 {
			rep.Errors++
			if rep.FirstErr == "" {
				rep.FirstErr = fmt.Sprintf("%d %s", res.Code, res.Error)
			}
		}
		if res.Timestamp.After(last) {
			last = res.Timestamp
		}
	}
	rep.Requests = len(lat)
	if rep.Requests == 0 {
		return rep
	}
	rep.Achieved = float64(rep.Requests) / last.Sub(began).Seconds()
	rep.Late = float64(late) / float64(rep.Requests)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := min(len(lat)-1, int(p*float64(len(lat))))
		return float64(lat[i]) / float64(time.Microsecond)
	}
	rep.P50, rep.P99, rep.P999, rep.Max = pct(0.50), pct(0.99), pct(0.999), pct(1)
	return rep
}
