package main

import (
	"bytes"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // "" for none
		want    string // the flags' values after parsing, as "name=value ..."
	}{
		{"defaults", nil, nil, "", "n=3 d=1s on=false s=x"},
		{"from the environment", map[string]string{"T_N": "7", "T_D": "2m", "T_ON": "1", "T_S": "y"}, nil, "", "n=7 d=2m0s on=true s=y"},
		{"the command line wins", map[string]string{"T_N": "7", "T_S": "y"}, []string{"-n", "9", "-s", "z"}, "", "n=9 d=1s on=false s=z"},
		{"an empty variable is unset", map[string]string{"T_N": ""}, nil, "", "n=3 d=1s on=false s=x"},
		{"a bad number", map[string]string{"T_N": "lots"}, nil, `T_N="lots" is not a whole number; give e.g. T_N=3, or the flag --n`, ""},
		{"a bad duration", map[string]string{"T_D": "soon"}, nil, `T_D="soon" is not a duration such as 10s`, ""},
		{"a bad boolean", map[string]string{"T_ON": "yes"}, nil, `T_ON="yes" is not true or false (1 or 0); give e.g. T_ON=1`, ""},
		{"the command line overrides a bad variable", map[string]string{"T_N": "lots"}, []string{"-n", "4"}, "", "n=4 d=1s on=false s=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"T_N", "T_D", "T_ON", "T_S"} {
				t.Setenv(k, tt.env[k])
			}
			var out bytes.Buffer
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(&out)
			n := fs.Int("n", 3, "a number")
			d := fs.Duration("d", time.Second, "a duration")
			on := fs.Bool("on", false, "a switch")
			s := fs.String("s", "x", "a string")
			err := parseFlags(fs, tt.args, envNames{"n": "T_N", "d": "T_D", "on": "T_ON", "s": "T_S"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(out.String(), tt.wantErr) {
					t.Fatalf("error %v, output %q; want the output to say %q", err, out.String(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFlags: %v (output %q)", err, out.String())
			}
			got := fmt.Sprintf("n=%d d=%s on=%t s=%s", *n, *d, *on, *s)
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Every flag of every subcommand that sends requests can be given in the
// environment, and its help says by which variable.
func TestEveryFlagHasAnEnvironmentVariable(t *testing.T) {
	// The suite's --env is repeatable (KEY=VALUE pairs for the container): no
	// single variable can stand for it.
	exempt := map[string]bool{"conformance --env": true}
	flagLine := regexp.MustCompile(`^  -(\S+)`)
	for _, cmd := range [][]string{{}, {"fuzz"}, {"drift"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append(cmd, "-h"), &stdout, &stderr); code != 0 {
			t.Fatalf("%v -h: exit %d\n%s", cmd, code, stderr.String())
		}
		lines := strings.Split(stderr.String(), "\n")
		seen := 0
		for i, line := range lines {
			m := flagLine.FindStringSubmatch(line)
			if m == nil || i+1 >= len(lines) {
				continue
			}
			seen++
			name := strings.TrimSpace(strings.Join(append([]string{"conformance"}, cmd...), " ")) + " --" + m[1]
			if !exempt[name] && !strings.Contains(lines[i+1], "(env CONFORMANCE_") {
				t.Errorf("%s has no environment variable in its help: %q", name, lines[i+1])
			}
		}
		if seen < 5 {
			t.Fatalf("%v -h listed %d flags; the help's layout changed:\n%s", cmd, seen, stderr.String())
		}
	}
}
