package fuzz

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// rapid is a library for go test: rapid.Check takes its settings (how many
// cases, the seed, fail files, how long to shrink) from flags of the
// process's flag set, reads testing.Short, and reports through a testing.TB.
// check gives it all three outside a test: the flags set for each check,
// the testing flags registered and parsed (with no arguments) when no test
// binary did it, and a TB that records instead of failing a test. Because
// the settings are the process's, one check runs at a time.
var rapidMu sync.Mutex

// rapidSettings are the settings of one check.
type rapidSettings struct {
	checks     int           // cases to generate
	seed       uint64        // never 0, which rapid reads as "random"
	shrinkTime time.Duration // most time spent minimising a failure
}

// check runs prop through rapid.Check with the settings. It returns whether
// rapid found a failing case, and rapid's report of it; what the case was,
// prop itself records.
func check(s rapidSettings, prop func(*rapid.T)) (failed bool, report string, err error) {
	rapidMu.Lock()
	defer rapidMu.Unlock()
	if !flag.Parsed() {
		testing.Init()
		if err := flag.CommandLine.Parse(nil); err != nil {
			return false, "", fmt.Errorf("preparing rapid's settings: %w", err)
		}
	}
	checks := s.checks
	if testing.Short() {
		checks *= 5 // rapid.Check divides by 5 under -short; the budget is the run's
	}
	settings := map[string]string{
		"rapid.checks":     strconv.Itoa(checks),
		"rapid.seed":       strconv.FormatUint(s.seed, 10),
		"rapid.shrinktime": s.shrinkTime.String(),
		"rapid.nofailfile": "true", // a run writes only what it is asked to
		"rapid.failfile":   "",
		"rapid.v":          "false",
		"rapid.log":        "false",
		"rapid.debug":      "false",
		"rapid.debugvis":   "false",
	}
	for name, v := range settings {
		f := flag.Lookup(name)
		if f == nil {
			return false, "", fmt.Errorf("rapid has no flag %s; is it v1.3.0?", name)
		}
		// Put back what a test binary's command line said.
		defer flag.Set(name, f.Value.String())
		if err := flag.Set(name, v); err != nil {
			return false, "", fmt.Errorf("setting rapid's %s: %w", name, err)
		}
	}
	tb := &recorder{}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errStop {
				panic(r)
			}
		}()
		rapid.Check(tb, prop)
	}()
	return tb.failed, strings.Join(tb.messages, "\n"), nil
}

// errStop unwinds rapid.Check when it calls FailNow or SkipNow, as
// testing.T does with runtime.Goexit.
var errStop = &struct{ string }{"rapid stopped the check"}

// recorder is the testing.TB rapid reports to. rapid's own words are not
// needed: prop records every failing case itself.
type recorder struct {
	mu       sync.Mutex
	failed   bool
	messages []string
}

func (r *recorder) fail(msg ...string) {
	r.mu.Lock()
	r.failed = true
	r.messages = append(r.messages, msg...)
	r.mu.Unlock()
}

func (*recorder) Helper()                             {}
func (*recorder) Name() string                        { return "conformance-fuzz" }
func (*recorder) Logf(string, ...any)                 {}
func (*recorder) Log(...any)                          {}
func (*recorder) Skipf(string, ...any)                { panic(errStop) }
func (*recorder) Skip(...any)                         { panic(errStop) }
func (*recorder) SkipNow()                            { panic(errStop) }
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	panic(errStop)
}
func (r *recorder) Fatal(args ...any) {
	r.fail(fmt.Sprint(args...))
	panic(errStop)
}
func (r *recorder) FailNow() {
	r.fail()
	panic(errStop)
}
func (r *recorder) Fail() { r.fail() }
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
