package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"
)

// envNames binds flags (by name, without dashes) to the environment
// variables that stand in for them, so that every flag of every subcommand
// can be given either way, in CI above all.
type envNames map[string]string

// The bindings shared by the subcommands that send requests; each
// subcommand adds its own.
func requestEnv() envNames {
	return envNames{
		"token":        "CONFORMANCE_TOKEN",
		"client-name":  "CONFORMANCE_CLIENT_NAME",
		"timeout":      "CONFORMANCE_TIMEOUT",
		"rate":         "CONFORMANCE_RATE",
		"max-requests": "CONFORMANCE_MAX_REQUESTS",
		"retries":      "CONFORMANCE_RETRIES",
	}
}

// with returns the bindings of e and more together.
func (e envNames) with(more envNames) envNames {
	all := maps.Clone(e)
	maps.Copy(all, more)
	return all
}

// parseFlags parses args into fs and then gives every bound flag that the
// command line left out the value of its environment variable, when that is
// set and not empty: the command line wins over the environment, the
// environment over the default. A value the flag cannot take is reported on
// fs's output as a sentence naming the variable, and returned. Each bound
// flag's help ends with its variable, so the help and the binding cannot
// disagree.
func parseFlags(fs *flag.FlagSet, args []string, env envNames) error {
	for _, name := range slices.Sorted(maps.Keys(env)) {
		f := fs.Lookup(name)
		if f == nil {
			panic("conformance: an environment variable is bound to --" + name + ", which " + fs.Name() + " does not have")
		}
		f.Usage += " (env " + env[name] + isBool(f) + ")"
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, name := range slices.Sorted(maps.Keys(env)) {
		v := os.Getenv(env[name])
		if given[name] || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			err = fmt.Errorf("%s=%q is not %s; give e.g. %s=%s, or the flag --%s", env[name], v, kind(fs.Lookup(name)), env[name], example(fs.Lookup(name)), name)
			fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
			return err
		}
	}
	return nil
}

// isBool is "=1" for a boolean flag, whose variable turns it on that way.
func isBool(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "=1"
	}
	return ""
}

// kind says in words what a flag's value must be.
func kind(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "a value --" + f.Name + " takes"
	}
	switch g.Get().(type) {
	case bool:
		return "true or false (1 or 0)"
	case time.Duration:
		return "a duration such as 10s"
	case int, int64, uint, uint64:
		return "a whole number"
	case float64:
		return "a number"
	}
	return "a value --" + f.Name + " takes"
}

// example is a value the flag takes: its default, or a sample of its kind.
func example(f *flag.Flag) string {
	if isBool(f) != "" {
		return "1"
	}
	if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" {
		return f.DefValue
	}
	switch kind(f) {
	case "a duration such as 10s":
		return "10s"
	case "a whole number", "a number":
		return "10"
	}
	return "…"
}
