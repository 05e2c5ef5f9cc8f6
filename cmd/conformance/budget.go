package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/membersmock/membersmock/steps"
)

// budgetFlags are the flags of the request budget, each with its
// environment variable: how fast the run may send, how much, and how often
// it sends a request again after a transient fault.
type budgetFlags struct {
	rate        float64
	maxRequests int
	retries     int
	envErrs     map[string]error // by flag: an environment value that is not a number
}

func addBudgetFlags(fs *flag.FlagSet) *budgetFlags {
	b := &budgetFlags{envErrs: map[string]error{}}
	fs.Float64Var(&b.rate, "rate", b.envNumber("rate", "CONFORMANCE_RATE", "40", false),
		"most requests per second over the whole run, across concurrent scenarios and retries included; 0 = unlimited (env CONFORMANCE_RATE)")
	fs.IntVar(&b.maxRequests, "max-requests", int(b.envNumber("max-requests", "CONFORMANCE_MAX_REQUESTS", "5000", true)),
		"most requests the run sends, retries included; a request beyond it is not sent and its scenario fails; 0 = unlimited (env CONFORMANCE_MAX_REQUESTS)")
	fs.IntVar(&b.retries, "retries", int(b.envNumber("retries", "CONFORMANCE_RETRIES", "2", true)),
		"times a request answered 429, 502, 503 or 504, or not answered, is sent again, honouring Retry-After; a scenario that passes only so is reported flaky (env CONFORMANCE_RETRIES)")
	return b
}

// envNumber reads a number from the environment, 0 when unset. An
// unreadable value is kept for check, which reports it unless the flag is
// given and overrides it.
func (b *budgetFlags) envNumber(flagName, env, example string, whole bool) float64 {
	v := os.Getenv(env)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseFloat(v, 64)
	if whole && err == nil {
		var i int64
		i, err = strconv.ParseInt(v, 10, 32)
		n = float64(i)
	}
	if err != nil {
		b.envErrs[flagName] = fmt.Errorf("%s=%q is not a number; give e.g. %s=%s", env, v, env, example)
		return 0
	}
	return n
}

// check reports the first bad value, as a sentence naming the flag.
func (b *budgetFlags) check(fs *flag.FlagSet) error {
	for _, name := range []string{"rate", "max-requests", "retries"} {
		if err := b.envErrs[name]; err != nil && !flagSet(fs, name) {
			return err
		}
	}
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
