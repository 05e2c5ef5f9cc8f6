package steps

import (
	"strings"
	"testing"
	"time"
)

func TestParseProfile(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(t *testing.T, p *Profile)
	}{
		{
			name: "full",
			yaml: `
now: 2026-06-01T12:00:00Z
program:
  id: 1
  traits: {newcomer: 250, regular: 88, frequent: 38, suspended: 151, lapsed: 13}
otherProgram:
  id: 2
  traits: {regular: 338}
unknownId: 77
fault: {header: X-Fault, value: "500"}
`,
			check: func(t *testing.T, p *Profile) {
				if !p.Now.Equal(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)) {
					t.Errorf("now = %v", p.Now)
				}
				if p.Program.ID != 1 || p.Program.Traits[Frequent] != 38 || len(p.Program.Traits) != 5 {
					t.Errorf("program = %+v", p.Program)
				}
				if p.OtherProgram == nil || p.OtherProgram.ID != 2 || p.OtherProgram.Traits[Regular] != 338 {
					t.Errorf("otherProgram = %+v", p.OtherProgram)
				}
				if p.unknownID() != 77 || p.Fault == nil || p.Fault.Header != "X-Fault" {
					t.Errorf("unknownId %d, fault %+v", p.unknownID(), p.Fault)
				}
			},
		},
		{
			name: "minimal: server clock, no other program",
			yaml: "program:\n  id: 5\n",
			check: func(t *testing.T, p *Profile) {
				if !p.Now.IsZero() || p.OtherProgram != nil || p.unknownID() != DefaultUnknownID {
					t.Errorf("profile = %+v", p)
				}
				if _, ok := p.Program.member(Regular); ok {
					t.Errorf("a missing trait was found")
				}
			},
		},
		{name: "now server", yaml: "now: server\nprogram: {id: 1}\n", check: func(t *testing.T, p *Profile) {
			if !p.Now.IsZero() {
				t.Errorf("now = %v", p.Now)
			}
		}},
		{name: "empty", yaml: "", wantErr: "empty"},
		{name: "no program", yaml: "now: server\n", wantErr: "program: missing"},
		{name: "bad now", yaml: "now: yesterday\nprogram: {id: 1}\n", wantErr: "now:"},
		{name: "unknown trait", yaml: "program: {id: 1, traits: {vip: 3}}\n", wantErr: "unknown trait"},
		{name: "bad member id", yaml: "program: {id: 1, traits: {regular: 0}}\n", wantErr: "regular"},
		{name: "bad program id", yaml: "program: {id: 0}\n", wantErr: "program.id"},
		{name: "same programs", yaml: "program: {id: 1}\notherProgram: {id: 1}\n", wantErr: "otherProgram"},
		{name: "typo in a key", yaml: "program: {id: 1}\nunknownID: 5\n", wantErr: "unknownID"},
		{name: "fault without header", yaml: "program: {id: 1}\nfault: {value: x}\n", wantErr: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile([]byte(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseProfile: %v", err)
			}
			tt.check(t, p)
		})
	}
}

func TestCheckTags(t *testing.T) {
	for expr, ok := range map[string]bool{
		DefaultTags:            true,
		"@paging":              true,
		"@paging,@filters":     true,
		"~@auth":               true,
		"@a && ~@b, @c":        true,
		"paging":               false,
		"@a &&":                false,
		"@a && @ b":            false,
		"":                     false,
		"@paging && ~@auth,,@": false,
	} {
		if err := checkTags(expr); (err == nil) != ok {
			t.Errorf("checkTags(%q) = %v, want ok=%v", expr, err, ok)
		}
	}
}
