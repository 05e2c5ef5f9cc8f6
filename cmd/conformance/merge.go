package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/membersmock/membersmock/steps"
)

const mergeUsage = `usage: conformance merge-reports [--junit FILE] [--json FILE] [--html FILE] INPUT...

Merges the reports of the shards of one run (conformance --shard i/n) into
the reports of the whole run and prints its summary. INPUTs are the shards'
--json results and, for --junit, their --junit reports, in any order (each
file is recognised by its content); a quoted pattern such as
'shard-*/result.json' is expanded here.

Exit status: 0 when every shard is there and every scenario that ran passed,
1 when a scenario failed or a shard is missing (the reports are written all
the same), 2 when an input is unreadable or not a shard of the same run.
`

// runMergeReports is the merge-reports subcommand.
func runMergeReports(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance merge-reports", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, mergeUsage)
		fs.PrintDefaults()
	}
	junit := fs.String("junit", "", "write the merged JUnit XML report to this file (needs the shards' JUnit reports among the inputs)")
	jsonOut := fs.String("json", "", "write the merged result as JSON to this file")
	htmlOut := fs.String("html", "", "write the merged HTML report to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "conformance merge-reports: "+format+"\n", a...)
		return 2
	}
	paths, err := expandInputs(fs.Args())
	if err != nil {
		return fail("%v", err)
	}
	if len(paths) == 0 {
		return fail("give the shards' --json results (and --junit reports) to merge; see conformance merge-reports -h")
	}

	var results []steps.Result
	var junitNames []string
	var junitFiles []io.Reader
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return fail("%v", err)
		}
		switch first, _ := firstByte(data); first {
		case '<':
			junitNames, junitFiles = append(junitNames, p), append(junitFiles, bytes.NewReader(data))
		case '{':
			r, err := steps.ReadResult(bytes.NewReader(data))
			if err != nil {
				return fail("%s: %v", p, err)
			}
			results = append(results, r)
		default:
			return fail("%s is neither a result (conformance --json) nor a JUnit report (conformance --junit)", p)
		}
	}
	if len(results) == 0 {
		return fail("no result among the inputs: give each shard's --json file (the JUnit reports alone lack the shards' totals and coverage)")
	}
	if len(junitFiles) > 0 && *junit == "" {
		return fail("JUnit reports were given but no --junit file to write their merge to")
	}
	res, err := steps.MergeResults(results...)
	if err != nil {
		return fail("%v", err)
	}

	if *junit != "" {
		if len(junitFiles) == 0 {
			return fail("--junit needs the shards' JUnit reports among the inputs")
		}
		var b bytes.Buffer
		cases, err := steps.MergeJUnit(&b, junitNames, junitFiles...)
		if err != nil {
			return fail("%v", err)
		}
		if n := res.Passed + res.Failed + res.Skipped + res.Undefined; cases != n {
			return fail("the JUnit reports hold %d test cases, the results %d scenarios: a JUnit report is missing or given twice", cases, n)
		}
		if err := os.WriteFile(*junit, b.Bytes(), 0o644); err != nil {
			return fail("writing the JUnit report: %v", err)
		}
	}
	if *jsonOut != "" {
		if err := writeResult(*jsonOut, res); err != nil {
			return fail("%v", err)
		}
	}
	if *htmlOut != "" {
		if err := writeHTML(*htmlOut, res); err != nil {
			return fail("writing the HTML report: %v", err)
		}
	}

	if err := res.WriteSummary(stdout); err != nil {
		return fail("writing the summary: %v", err)
	}
	if !res.OK() || len(res.Shard.Missing()) > 0 {
		return 1
	}
	return 0
}

// expandInputs expands arguments that are patterns (for shells and CI
// steps that pass them quoted); a pattern that matches nothing is an error.
func expandInputs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", a, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no file matches %q", a)
		}
		out = append(out, m...)
	}
	return out, nil
}

// firstByte returns the first byte that is not white space or a UTF-8
// byte order mark.
func firstByte(data []byte) (byte, bool) {
	t := bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")))
	if len(t) == 0 {
		return 0, false
	}
	return t[0], true
}

// writeResult writes a result as steps.Result.WriteJSON does, to a file.
func writeResult(path string, res steps.Result) error {
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	return nil
}
