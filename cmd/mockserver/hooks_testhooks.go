//go:build testhooks

package main

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// withTestHooks adds GET /__test/slow?ms=N, a request that takes N
// milliseconds, so the shutdown test can have one in flight. It is compiled
// only with -tags testhooks, never into the mock people run.
func withTestHooks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__test/slow" {
			h.ServeHTTP(w, r)
			return
		}
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		fmt.Fprintf(w, "started\n")
		w.(http.Flusher).Flush()
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintf(w, "slept %dms\n", ms)
	})
}
