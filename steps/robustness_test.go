package steps_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/membersmock/membersmock/spec"
	"github.com/membersmock/membersmock/steps"
)

// robustnessProfile lets the scenarios run without the mock's catalog, so
// that a broken target fails scenarios rather than the catalog load.
const robustnessProfile = `
now: 2026-06-01T12:00:00Z
program:
  id: 1
  traits: {regular: 88, newcomer: 250}
`

// answerProbeFirst answers the first request (Run's reachability probe) with
// a plain 200 and hands every later one to h, so that the scenarios, not the
// setup, meet the misbehaviour.
func answerProbeFirst(h http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusOK)
			return
		}
		h(w, r)
	}
}

// slow answers nothing until the client gives up (or the test ends).
func slow(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// notJSON answers 200 text/plain "hello" to everything.
func notJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("hello"))
}

// hangUp accepts the request and closes the connection without answering.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// downURL is the address of a port nobody listens on.
func downURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestRobustTargets(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		handler  http.HandlerFunc // nil: nobody listens
		setupErr []string         // Run fails before any scenario, saying all of these
		failMsg  []string         // else every scenario that ran fails, saying one of these
	}{
		{name: "down", setupErr: []string{"unreachable", "127.0.0.1:"}},
		{name: "slow from the start", handler: slow, setupErr: []string{"unreachable", "Timeout"}},
		{name: "slow", handler: answerProbeFirst(slow), failMsg: []string{"Timeout exceeded"}},
		{name: "not JSON", handler: notJSON, failMsg: []string{"not JSON", "Content-Type"}},
		{name: "hangs up from the start", handler: hangUp, setupErr: []string{"unreachable", "EOF"}},
		{name: "hangs up", handler: answerProbeFirst(hangUp), failMsg: []string{"EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := ""
			if tt.handler == nil {
				base = downURL(t)
			} else {
				srv := httptest.NewServer(tt.handler)
				t.Cleanup(srv.Close)
				base = srv.URL
			}
			profile, err := steps.ParseProfile([]byte(robustnessProfile))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			var res steps.Result
			var runErr error
			done := make(chan struct{})
			go func() {
				defer close(done)
				res, runErr = steps.Run(ctx, steps.Config{
					BaseURL:    base,
					Profile:    profile,
					Validator:  v,
					Tags:       "@program",
					HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
				})
			}()
			select {
			case <-done:
			case <-time.After(25 * time.Second):
				t.Fatal("the run did not end: it hangs")
			}
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("the run only ended at the test's deadline (%s)", took)
			}

			if tt.setupErr != nil {
				if runErr == nil {
					t.Fatalf("no setup error; result %+v", res)
				}
				for _, want := range tt.setupErr {
					if !strings.Contains(runErr.Error(), want) {
						t.Errorf("the setup error lacks %q: %v", want, runErr)
					}
				}
				t.Logf("%s: setup error in %s: %v", tt.name, took.Round(time.Millisecond), runErr)
				return
			}
			if runErr != nil {
				t.Fatalf("setup error: %v", runErr)
			}
			if res.OK() || res.Failed == 0 || res.Passed != 0 {
				t.Fatalf("want every scenario that ran failed; passed %d, failed %d, skipped %d", res.Passed, res.Failed, res.Skipped)
			}
			for _, f := range res.Failures {
				if !containsAny(f.Message, tt.failMsg) {
					t.Errorf("%s (%s): the message names none of %q:\n%s", f.Scenario, f.Step, tt.failMsg, f.Message)
				}
			}
			first := res.Failures[0].Message
			if i := strings.IndexByte(first, '\n'); i >= 0 {
				first = first[:i]
			}
			t.Logf("%s: %d failed, %d skipped in %s; e.g. %s", tt.name, res.Failed, res.Skipped, took.Round(time.Millisecond), first)
		})
	}
}

// TestRobustCancelled checks that cancelling the run (Ctrl-C) against a
// target that never answers ends it promptly even with a long client timeout.
func TestRobustCancelled(t *testing.T) {
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(answerProbeFirst(slow))
	t.Cleanup(srv.Close)
	profile, err := steps.ParseProfile([]byte(robustnessProfile))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := steps.Run(ctx, steps.Config{BaseURL: srv.URL, Profile: profile, Validator: v, Tags: "@program"})
	took := time.Since(start)
	if err == nil && res.OK() {
		t.Errorf("a cancelled run against a silent target passed: %+v", res)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline") {
		t.Logf("setup error: %v", err)
	}
	t.Logf("cancelled run ended in %s: err %v, passed %d, failed %d", took.Round(time.Millisecond), err, res.Passed, res.Failed)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
