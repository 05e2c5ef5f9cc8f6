package steps

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/membersmock/membersmock/spec"
)

// resultKind and resultVersion mark a file written by WriteJSON, so that a
// Cucumber or coverage file given to merge-reports by mistake is refused
// with a sentence instead of read as an empty run.
const (
	resultKind    = "membersmock conformance result"
	resultVersion = 1
)

type resultFile struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
	Result  Result `json:"result"`
}

// WriteJSON writes the result as JSON, for merging the results of shards
// (ReadResult, MergeResults) and for tools.
func (r Result) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(resultFile{Kind: resultKind, Version: resultVersion, Result: r}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ReadResult reads a result WriteJSON wrote.
func ReadResult(rd io.Reader) (Result, error) {
	var f resultFile
	if err := json.NewDecoder(rd).Decode(&f); err != nil {
		return Result{}, fmt.Errorf("not a result written by conformance --json: %w", err)
	}
	if f.Kind != resultKind {
		return Result{}, errors.New("not a result written by conformance --json (no \"kind\": \"" + resultKind + "\")")
	}
	if f.Version != resultVersion {
		return Result{}, fmt.Errorf("a result of version %d; this conformance reads version %d: merge with the conformance that ran the shards", f.Version, resultVersion)
	}
	return f.Result, nil
}

// MergeResults merges the results of the shards of one run (Config.Shard)
// into the result of the whole run: totals added, failures, skips and flaky
// scenarios in location order, request counts added, coverage merged. It
// refuses results that are not shards of the same run: another target,
// profile, tags, dialect or number of parts, the same part twice, or parts
// cut from different scenarios. A missing part is no error; the result's
// Shard.Missing names it.
func MergeResults(rs ...Result) (Result, error) {
	if len(rs) == 0 {
		return Result{}, errors.New("merging results: no result to merge")
	}
	first := rs[0]
	m := Result{
		Target: first.Target, Profile: first.Profile, Tags: first.Tags, Dialect: first.Dialect,
		Shard: ShardRun{Shard: Shard{Count: first.Shard.Count}, Of: first.Shard.Of, Merged: []int{}},
	}
	var end time.Time
	var covs []Coverage
	for i, r := range rs {
		name := fmt.Sprintf("result %d (shard %s)", i+1, r.Shard.Shard)
		if r.Shard.Count == 0 || r.Shard.Merged != nil {
			return Result{}, fmt.Errorf("merging results: result %d is not one shard (it ran without --shard or was merged already); merging it would count its scenarios twice", i+1)
		}
		for _, d := range []struct{ what, got, want string }{
			{"number of shards", strconv.Itoa(r.Shard.Count), strconv.Itoa(first.Shard.Count)},
			{"target", r.Target, first.Target},
			{"profile", r.Profile, first.Profile},
			{"tags", r.Tags, first.Tags},
			{"dialect", r.Dialect.String(), first.Dialect.String()},
			{"number of scenarios cut", strconv.Itoa(r.Shard.Of), strconv.Itoa(first.Shard.Of)},
		} {
			if d.got != d.want {
				return Result{}, fmt.Errorf("merging results: %s has %s %q, result 1 %q: they are not shards of one run", name, d.what, d.got, d.want)
			}
		}
		if slices.Contains(m.Shard.Merged, r.Shard.Index) {
			return Result{}, fmt.Errorf("merging results: shard %s is given twice; its scenarios would count twice", r.Shard.Shard)
		}
		m.Shard.Merged = append(m.Shard.Merged, r.Shard.Index)
		m.Shard.Scenarios += r.Shard.Scenarios

		m.Passed += r.Passed
		m.Failed += r.Failed
		m.Skipped += r.Skipped
		m.Undefined += r.Undefined
		m.Failures = append(m.Failures, r.Failures...)
		m.Skips = append(m.Skips, r.Skips...)
		m.Flaky = append(m.Flaky, r.Flaky...)
		m.Scenarios = append(m.Scenarios, r.Scenarios...)
		for f, n := range r.Requests {
			if m.Requests == nil {
				m.Requests = make(map[string]int)
			}
			m.Requests[f] += n
		}
		covs = append(covs, r.Coverage)
		// The shards ran side by side: the whole run lasted from the
		// first start to the last end.
		if !r.Started.IsZero() && (m.Started.IsZero() || r.Started.Before(m.Started)) {
			m.Started = r.Started
		}
		if e := r.Started.Add(r.Duration); e.After(end) {
			end = e
		}
		m.Duration = max(m.Duration, r.Duration)
	}
	if !m.Started.IsZero() {
		m.Duration = end.Sub(m.Started)
	}
	slices.Sort(m.Shard.Merged)
	slices.SortFunc(m.Failures, func(a, b Failure) int { return byLocation(a.Location, a.Scenario, b.Location, b.Scenario) })
	slices.SortFunc(m.Skips, func(a, b Skip) int { return byLocation(a.Location, a.Scenario, b.Location, b.Scenario) })
	slices.SortFunc(m.Flaky, func(a, b Flake) int { return byLocation(a.Location, a.Scenario, b.Location, b.Scenario) })
	slices.SortFunc(m.Scenarios, func(a, b ScenarioResult) int { return byLocation(a.Location, a.Scenario, b.Location, b.Scenario) })
	cov, err := mergeCoverage(first.Dialect, covs)
	if err != nil {
		return Result{}, err
	}
	m.Coverage = cov
	return m, nil
}

// byLocation orders by feature file, then line as a number, then name, as
// a run's own result is ordered.
func byLocation(locA, nameA, locB, nameB string) int {
	fa, la := splitLocation(locA)
	fb, lb := splitLocation(locB)
	return cmp.Or(cmp.Compare(fa, fb), cmp.Compare(la, lb), cmp.Compare(nameA, nameB))
}

func splitLocation(loc string) (string, int) {
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return loc, 0
	}
	n, err := strconv.Atoi(loc[i+1:])
	if err != nil {
		return loc, 0
	}
	return loc[:i], n
}

// mergeCoverage adds the coverage of shards: an operation's status or
// parameter is exercised when any shard exercised it. The document's
// operations give the order, as in a run's own coverage.
func mergeCoverage(d spec.Dialect, covs []Coverage) (Coverage, error) {
	v, err := spec.NewValidator(spec.WithDialect(d))
	if err != nil {
		return Coverage{}, fmt.Errorf("merging the coverage: building the spec validator: %w", err)
	}
	byID := map[string][]OperationCoverage{}
	out := Coverage{Operations: []OperationCoverage{}}
	for _, c := range covs {
		out.Undocumented += c.Undocumented
		for _, oc := range c.Operations {
			byID[oc.ID] = append(byID[oc.ID], oc)
		}
	}
	for _, op := range v.Operations() {
		oc := OperationCoverage{
			ID: op.ID, Method: op.Method, Path: op.Path,
			StatusesExercised: []int{}, StatusesMissed: []int{},
			ParamsExercised: []string{}, ParamsMissed: []string{},
		}
		statuses, params, undocumented := map[int]bool{}, map[string]bool{}, map[int]bool{}
		for _, s := range byID[op.ID] {
			oc.Requests += s.Requests
			for _, st := range s.StatusesExercised {
				statuses[st] = true
			}
			for _, p := range s.ParamsExercised {
				params[p] = true
			}
			for _, st := range s.Undocumented {
				undocumented[st] = true
			}
		}
		for _, st := range op.Statuses {
			if statuses[st] {
				oc.StatusesExercised = append(oc.StatusesExercised, st)
			} else {
				oc.StatusesMissed = append(oc.StatusesMissed, st)
			}
		}
		for _, p := range op.Params {
			if params[p] {
				oc.ParamsExercised = append(oc.ParamsExercised, p)
			} else {
				oc.ParamsMissed = append(oc.ParamsMissed, p)
			}
		}
		oc.Undocumented = slices.Sorted(maps.Keys(undocumented))
		out.Operations = append(out.Operations, oc)
	}
	return out, nil
}
