package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBudgetFlags(t *testing.T) {
	url := startMock(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"negative rate", nil, []string{"--rate", "-1"}, 2, "--rate must be"},
		{"rate not a number", nil, []string{"--rate", "fast"}, 2, "-rate"},
		{"negative max-requests", nil, []string{"--max-requests", "-5"}, 2, "--max-requests must be"},
		{"negative retries", nil, []string{"--retries", "-1"}, 2, "--retries must be"},
		{"bad CONFORMANCE_RATE", map[string]string{"CONFORMANCE_RATE": "fast"}, nil, 2, `CONFORMANCE_RATE="fast" is not a number`},
		{"bad CONFORMANCE_RETRIES", map[string]string{"CONFORMANCE_RETRIES": "1.5"}, nil, 2, "CONFORMANCE_RETRIES"},
		{"bad CONFORMANCE_MAX_REQUESTS", map[string]string{"CONFORMANCE_MAX_REQUESTS": "lots"}, nil, 2, "CONFORMANCE_MAX_REQUESTS"},
		{"negative CONFORMANCE_RETRIES", map[string]string{"CONFORMANCE_RETRIES": "-2"}, nil, 2, "--retries must be"},
		{"the flag overrides a bad environment value", map[string]string{"CONFORMANCE_RATE": "fast"}, []string{"--rate", "200"}, 0, "--rate 200/s"},
		{"a budget that suffices", nil, []string{"--rate", "200", "--retries", "2", "--max-requests", "1000"}, 0, "--rate 200/s, --max-requests 1000, --retries 2"},
		{"from the environment", map[string]string{"CONFORMANCE_RATE": "150", "CONFORMANCE_RETRIES": "1", "CONFORMANCE_MAX_REQUESTS": "900"}, nil, 0, "--rate 150/s, --max-requests 900, --retries 1"},
		{"a budget that runs out", nil, []string{"--max-requests", "3"}, 1, "The request budget ran out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := append([]string{"--base-url", url, "--tags", "@program"}, tt.args...)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.out, stdout.String(), stderr.String())
			}
		})
	}
}
