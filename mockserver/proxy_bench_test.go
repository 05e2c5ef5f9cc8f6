package mockserver

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// BenchmarkProxyAddedLatency measures what the validating proxy adds to an answer: each
// iteration gets the same page of transactions from the mock directly and through a proxy
// in front of it, both over loopback, and reports the difference of the medians. The
// proxy judges after the app has its answer, so the checks are not in the figure; the
// extra hop is.
//
//	go test ./mockserver -run '^$' -bench ProxyAddedLatency -benchtime 2000x
func BenchmarkProxyAddedLatency(b *testing.B) {
	upstream := newMock(b, 1)
	u, _ := url.Parse(upstream.url)
	p := newMock(b, 1, func(c *Config) {
		c.Upstream = &Upstream{URL: u}
		c.JournalSize = 200
	})
	path := "/v1/programs/1/members/3/transactions?perPage=20"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(base string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("ET-Client-Name", "acme-bench")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s%s: %d", base, path, resp.StatusCode)
		}
		return d
	}
	get(upstream.url) // warm both connections
	get(p.url)
	direct := make([]time.Duration, 0, b.N)
	proxied := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		direct = append(direct, get(upstream.url))
		proxied = append(proxied, get(p.url))
	}
	b.StopTimer()
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	d, px := median(direct), median(proxied)
	b.ReportMetric(d, "direct-p50-ms")
	b.ReportMetric(px, "proxied-p50-ms")
	b.ReportMetric(px-d, "added-p50-ms")
}
