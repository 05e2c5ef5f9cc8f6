package steps

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// Shard is one of Count stable parts of the scenarios a run's tags select,
// numbered from 1, so that a CI matrix can split a long run. The zero Shard
// is the whole run.
//
// A scenario's part is a hash of its feature file, its name and, for a row
// of a Scenario Outline, the row's values: it does not depend on the order
// or concurrency of the run, nor on line numbers, so the same scenario lands
// in the same part for the same Count as long as it is named the same.
type Shard struct {
	Index int // 1..Count
	Count int
}

// ParseShard reads "i/n", e.g. "2/3", the second of three parts.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case !ok || ierr != nil || nerr != nil:
		return Shard{}, fmt.Errorf("%q is not of the form i/n, e.g. 2/3 for the second of three parts", s)
	case n < 1:
		return Shard{}, fmt.Errorf("%q: the number of parts must be at least 1", s)
	case i < 1 || i > n:
		return Shard{}, fmt.Errorf("%q: the part must be from 1 to %d, e.g. 1/%d for the first", s, n, n)
	}
	return Shard{Index: i, Count: n}, nil
}

// String is "i/n", or "" for the whole run.
func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ShardRun says which part of the scenarios a run held.
type ShardRun struct {
	Shard
	// Scenarios is how many scenarios the part holds; Of how many the tags
	// select in all parts together.
	Scenarios, Of int
	// Merged lists the parts a result merged from shards holds (see
	// MergeResults); Index is 0 then.
	Merged []int
}

// Missing returns the parts of a merged result that it lacks.
func (s ShardRun) Missing() []int {
	var out []int
	for i := 1; s.Merged != nil && i <= s.Count; i++ {
		if !slices.Contains(s.Merged, i) {
			out = append(out, i)
		}
	}
	return out
}

// writeLine adds the summary's line on the part, if the run was one.
func (s ShardRun) writeLine(w io.Writer) {
	switch {
	case s.Count == 0:
	case s.Merged != nil:
		names := make([]string, len(s.Merged))
		for i, m := range s.Merged {
			names[i] = Shard{m, s.Count}.String()
		}
		fmt.Fprintf(w, "Merged from shards %s: %d of %d scenarios\n", strings.Join(names, ", "), s.Scenarios, s.Of)
		if missing := s.Missing(); len(missing) > 0 {
			names = names[:0]
			for _, m := range missing {
				names = append(names, Shard{m, s.Count}.String())
			}
			fmt.Fprintf(w, "Missing shards %s: their scenarios are in none of the totals; rerun them and merge again\n", strings.Join(names, ", "))
		}
	default:
		fmt.Fprintf(w, "Shard %s: %d of the %d scenarios the tags select (merge the shards' --json files with conformance merge-reports)\n", s, s.Scenarios, s.Of)
	}
}

// shardKey names a scenario the same way in every run: its feature file,
// its name and, for an outline's row, the row's values.
func shardKey(uri, name string, row *messages.TableRow) string {
	k := uri + "\x00" + name
	if row != nil {
		for _, c := range row.Cells {
			k += "\x00" + c.Value
		}
	}
	return k
}

// part returns the part, 1..n, a scenario key falls into.
func part(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(n)) + 1
}

// selectShard narrows opts to the scenarios of the shard. godog selects
// scenarios only by tags or by a path's line, and a line suffix renames the
// feature in every report, so the feature files are handed to godog as
// contents in which every scenario (or outline row) of other parts is
// commented out, line for line: the locations, the features and the reports
// stay those of an ordinary run, and the other scenarios do not exist for
// godog (they are neither passed nor skipped). opts must already hold the
// run's tags.
func selectShard(opts *godog.Options, s Shard) (ShardRun, error) {
	run := ShardRun{Shard: s}
	if s.Count == 0 {
		return run, nil
	}
	probe := *opts
	feats, err := godog.TestSuite{Options: &probe}.RetrieveFeatures()
	if err != nil {
		return run, fmt.Errorf("reading the feature files to cut shard %s: %w", s, err)
	}
	if len(feats) == 0 {
		return run, nil // the tags select nothing; nothing to cut
	}
	var contents []godog.Feature
	for _, ft := range feats {
		var out [][]int // line ranges, 1-based and inclusive, to comment out
		for _, p := range ft.Pickles {
			run.Of++
			sc := ft.FindScenario(p.AstNodeIds[0])
			if sc == nil {
				return run, fmt.Errorf("cutting shard %s: %s: scenario %q not found in its feature", s, p.Uri, p.Name)
			}
			var row *messages.TableRow
			if len(p.AstNodeIds) > 1 {
				_, row = ft.FindExample(p.AstNodeIds[1])
				if row == nil {
					return run, fmt.Errorf("cutting shard %s: %s: an example row of %q not found in its feature", s, p.Uri, p.Name)
				}
			}
			if part(shardKey(p.Uri, p.Name, row), s.Count) == s.Index {
				run.Scenarios++
				continue
			}
			if row != nil {
				out = append(out, []int{int(row.Location.Line), int(row.Location.Line)})
			} else {
				out = append(out, scenarioLines(ft.GherkinDocument, sc))
			}
		}
		contents = append(contents, godog.Feature{Name: ft.Uri, Contents: commentOut(ft.Content, out)})
	}
	opts.Paths, opts.FS, opts.FeatureContents = nil, nil, contents
	return run, nil
}

// scenarioLines returns the first and last line of a scenario's block: from
// its first tag to the line before the next scenario, background or rule
// (or the end of the file).
func scenarioLines(doc *messages.GherkinDocument, sc *messages.Scenario) []int {
	first := startLine(sc.Location, sc.Tags)
	var starts []int
	add := func(c *messages.Background, s *messages.Scenario) {
		if c != nil {
			starts = append(starts, int(c.Location.Line))
		}
		if s != nil {
			starts = append(starts, startLine(s.Location, s.Tags))
		}
	}
	for _, c := range doc.Feature.Children {
		add(c.Background, c.Scenario)
		if r := c.Rule; r != nil {
			starts = append(starts, startLine(r.Location, r.Tags))
			for _, rc := range r.Children {
				add(rc.Background, rc.Scenario)
			}
		}
	}
	last := -1 // to the end of the file
	for _, st := range starts {
		if st > first && (last == -1 || st-1 < last) {
			last = st - 1
		}
	}
	return []int{first, last}
}

// startLine is the line of a node's first tag, or of its keyword.
func startLine(loc *messages.Location, tags []*messages.Tag) int {
	line := int(loc.Line)
	for _, t := range tags {
		line = min(line, int(t.Location.Line))
	}
	return line
}

// commentOut prefixes "#" to every line in the ranges (last -1: to the
// end), which keeps every other line where it was.
func commentOut(content []byte, ranges [][]int) []byte {
	if len(ranges) == 0 {
		return content
	}
	lines := bytes.SplitAfter(content, []byte("\n"))
	for _, r := range ranges {
		last := r[1]
		if last == -1 || last > len(lines) {
			last = len(lines)
		}
		for i := r[0]; i <= last; i++ {
			if len(lines[i-1]) > 0 {
				lines[i-1] = append([]byte("#"), lines[i-1]...)
			}
		}
	}
	return bytes.Join(lines, nil)
}
