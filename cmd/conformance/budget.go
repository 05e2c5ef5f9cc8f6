package main

import (
	"flag"
	"fmt"
	"math"

	"github.com/membersmock/membersmock/steps"
)

// budgetFlags are the flags of the request budget (their environment
// variables are in requestEnv): how fast the run may send, how much, and how
// often it sends a request again after a transient fault.
type budgetFlags struct {
	rate        float64
	maxRequests int
	retries     int
}

func addBudgetFlags(fs *flag.FlagSet) *budgetFlags {
	b := &budgetFlags{}
	fs.Float64Var(&b.rate, "rate", 0,
		"most requests per second over the whole run, across concurrent scenarios and retries included; 0 = unlimited")
	fs.IntVar(&b.maxRequests, "max-requests", 0,
		"most requests the run sends, retries included; a request beyond it is not sent and its scenario fails; 0 = unlimited")
	fs.IntVar(&b.retries, "retries", 0,
		"times a request answered 429, 502, 503 or 504, or not answered, is sent again, honouring Retry-After; a scenario that passes only so is reported flaky")
	return b
}

// check reports the first bad value, as a sentence naming the flag.
func (b *budgetFlags) check() error {
	switch {
	case b.rate < 0 || math.IsNaN(b.rate) || math.IsInf(b.rate, 0):
		return fmt.Errorf("--rate must be a number of requests per second, 0 for unlimited, not %v", b.rate)
	case b.maxRequests < 0:
		return fmt.Errorf("--max-requests must be a number of requests, 0 for unlimited, not %d", b.maxRequests)
	case b.retries < 0:
		return fmt.Errorf("--retries must be 0 or more, not %d", b.retries)
	}
	return nil
}

func (b *budgetFlags) apply(cfg *steps.Config) {
	cfg.Rate, cfg.MaxRequests, cfg.Retries = b.rate, b.maxRequests, b.retries
}
