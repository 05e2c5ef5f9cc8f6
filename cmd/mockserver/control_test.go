package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

func TestControlFlags(t *testing.T) {
	o, err := parseFlags(nil, envOf())
	if err != nil {
		t.Fatal(err)
	}
	if !o.admin || o.adminToken != "" || o.fixtures != "" || o.watch || o.journal != mockserver.DefaultJournalSize {
		t.Fatalf("defaults: %+v", o)
	}
	cases := []struct {
		name string
		args []string
		env  []string
		want func(options) bool
	}{
		{"--admin=false", []string{"--admin=false"}, nil, func(o options) bool { return !o.admin }},
		{"MOCK_ADMIN=false", nil, []string{"MOCK_ADMIN", "false"}, func(o options) bool { return !o.admin }},
		{"--admin over MOCK_ADMIN", []string{"--admin"}, []string{"MOCK_ADMIN", "false"}, func(o options) bool { return o.admin }},
		{"--admin-token", []string{"--admin-token", "t0k"}, nil, func(o options) bool { return o.adminToken == "t0k" }},
		{"MOCK_ADMIN_TOKEN", nil, []string{"MOCK_ADMIN_TOKEN", "env"}, func(o options) bool { return o.adminToken == "env" }},
		{"--fixtures and --watch", []string{"--fixtures", "a.yaml", "--watch"}, nil,
			func(o options) bool { return o.fixtures == "a.yaml" && o.watch }},
		{"MOCK_FIXTURES and MOCK_WATCH", nil, []string{"MOCK_FIXTURES", "b.json", "MOCK_WATCH", "true"},
			func(o options) bool { return o.fixtures == "b.json" && o.watch }},
		{"--journal 0", []string{"--journal", "0"}, nil, func(o options) bool { return o.journal == 0 }},
		{"MOCK_JOURNAL", nil, []string{"MOCK_JOURNAL", "1000"}, func(o options) bool { return o.journal == 1000 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, envOf(tc.env...))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(o) {
				t.Fatalf("options %+v", o)
			}
		})
	}
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--watch"}, nil, "--fixtures"},
		{[]string{"--journal", "-1"}, nil, "--journal"},
		{[]string{"--journal", "many"}, nil, "--journal"},
		{nil, []string{"MOCK_ADMIN", "perhaps"}, "MOCK_ADMIN"},
		{nil, []string{"MOCK_WATCH", "perhaps"}, "MOCK_WATCH"},
	} {
		if _, err := parseFlags(tc.args, envOf(tc.env...)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("args %v env %v: error %v, want one about %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestBannerShowsTheControlPlane(t *testing.T) {
	file := filepath.Join(t.TempDir(), "accounts.yaml")
	overlay := `programs:
  - id: 9
    name: Testprogram
    organisationId: 99
    pointDefinitions: [{reference: testpoeng}]
    levels:
      - {name: A, requirements: [{pointDefinitionReference: testpoeng, amount: 1}]}
      - {name: B, requirements: [{pointDefinitionReference: testpoeng, amount: 2}]}
`
	if err := os.WriteFile(file, []byte(overlay), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := parseFlags([]string{"--fixtures", file, "--watch", "--admin-token", "x"}, envOf())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := fixtures.New(1)
	v, err := spec.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	mock, err := mockserver.New(mockserver.Config{Dataset: data, Validator: v, FixturesFile: o.fixtures})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	printBanner(&out, "http://localhost:8080", o, mock.Catalog())
	for _, want := range []string{"Testprogram", "Prefer: status=404", "/__mock/{reset,faults,requests,fixtures} (bearer token required)",
		"journal of the last 200 requests", "accounts.yaml (watched)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, out.String())
		}
	}
	o.admin = false
	out.Reset()
	printControl(&out, "http://localhost:8080", o)
	if !strings.Contains(out.String(), "admin endpoints off") {
		t.Errorf("with --admin=false: %s", out.String())
	}
}
