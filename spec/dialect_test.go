package spec

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseDialect(t *testing.T) {
	tests := []struct {
		name, file string
		want       Dialect
		errs       []string // each must appear in the error; none means no error
	}{
		{name: "empty file is the contract's", file: "", want: Dialect{}},
		{name: "comments only", file: "# nothing\n", want: Dialect{}},
		{
			name: "every setting",
			file: "firstPage: 1\nperPageAboveMax: clamp\npastLastPage: notFound\nclientName: optional\nemptyFilter: ignore\n",
			want: Dialect{FirstPage: 1, PerPageAboveMax: "clamp", PastLastPage: "notFound", ClientName: "optional", EmptyFilter: "ignore"},
		},
		{name: "defaults spelled out", file: "firstPage: 0\nperPageAboveMax: reject\n", want: Dialect{PerPageAboveMax: "reject"}},
		{
			name: "unknown key names line, key and the settings",
			file: "firstPage: 1\npageSize: 20\n",
			errs: []string{"d.yaml:2:", `"pageSize"`, "firstPage, perPageAboveMax, pastLastPage, clientName, emptyFilter"},
		},
		{name: "misspelt key gets a hint", file: "first_page: 1\n", errs: []string{"d.yaml:1:", "did you mean firstPage?"}},
		{
			name: "bad value names line, key and the allowed values",
			file: "\n\npastLastPage: missing\n",
			errs: []string{"d.yaml:3:", "pastLastPage", `"missing"`, "empty or notFound"},
		},
		{name: "first page 2", file: "firstPage: 2\n", errs: []string{"d.yaml:1:", "firstPage", "0 or 1"}},
		{name: "list value", file: "clientName: [optional]\n", errs: []string{"d.yaml:1:", "a list", "required or optional"}},
		{name: "set twice", file: "clientName: optional\nclientName: required\n", errs: []string{"d.yaml:2:", "set twice", "line 1"}},
		{name: "not a mapping", file: "- firstPage: 1\n", errs: []string{"d.yaml:1:", "a mapping of settings"}},
		{name: "not YAML", file: "firstPage: [1\n", errs: []string{"d.yaml", "not YAML"}},
		{name: "every error at once", file: "a: 1\nb: 2\n", errs: []string{"d.yaml:1:", "d.yaml:2:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDialect("d.yaml", []byte(tt.file))
			if len(tt.errs) == 0 {
				if err != nil {
					t.Fatalf("ParseDialect: %v", err)
				}
				if got.normal() != tt.want.normal() {
					t.Fatalf("ParseDialect = %+v, want %+v", got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseDialect accepted %q as %+v", tt.file, got)
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestDialectWritesWhatItReads(t *testing.T) {
	d := Dialect{FirstPage: 1, PastLastPage: "notFound"}
	back, err := ParseDialect("written", d.YAML())
	if err != nil {
		t.Fatalf("reading what YAML wrote: %v\n%s", err, d.YAML())
	}
	if back.normal() != d.normal() {
		t.Fatalf("read back %+v, wrote %+v", back, d)
	}
	if got := d.String(); got != "firstPage: 1, pastLastPage: notFound" {
		t.Errorf("String = %q", got)
	}
	if got := (Dialect{}).String(); got != "the contract's" {
		t.Errorf("String of the zero dialect = %q", got)
	}
	var decoded map[string]any
	b, _ := json.Marshal(d)
	if err := json.Unmarshal(b, &decoded); err != nil || decoded["firstPage"] != float64(1) || decoded["clientName"] != "required" {
		t.Errorf("JSON %s: every setting spelled out, firstPage a number", b)
	}
}

func TestDefaultDialectKeepsTheDocument(t *testing.T) {
	v := newTestValidator(t)
	if string(v.Document()) != string(Document()) {
		t.Fatal("the contract's dialect must serve the embedded document byte for byte")
	}
	want := Paging{FirstPage: 0, DefaultPerPage: 20, MaxPerPage: 100}
	if v.Paging() != want {
		t.Fatalf("Paging = %+v, want %+v", v.Paging(), want)
	}
}

// TestDialectDocumentSaysWhatTheDialectDoes builds a validator for every departure and
// checks that the document's validation agrees with the setting.
func TestDialectDocumentSaysWhatTheDialectDoes(t *testing.T) {
	d := Dialect{FirstPage: 1, PerPageAboveMax: "clamp", PastLastPage: "notFound", ClientName: "optional", EmptyFilter: "ignore"}
	v, err := NewValidator(WithDialect(d))
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	if v.Dialect() != d.normal() {
		t.Errorf("Dialect = %+v", v.Dialect())
	}
	if want := (Paging{FirstPage: 1, DefaultPerPage: 20, MaxPerPage: 100, ClampsPerPage: true}); v.Paging() != want {
		t.Errorf("Paging = %+v, want %+v", v.Paging(), want)
	}
	const tx = "/v1/programs/1/members/88/transactions"
	tests := []struct {
		target  string
		named   bool
		invalid string // the parameter named, "" when valid
	}{
		{target: tx + "?page=0", named: true, invalid: "page"},
		{target: tx + "?page=1", named: true},
		{target: tx + "?perPage=500", named: true},
		{target: tx + "?perPage=0", named: true, invalid: "perPage"},
		{target: tx, named: false},
		{target: tx + "?orderId=", named: true},
		{target: "/v1/programs/1/members?customerId=", named: true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.target, nil)
		if tt.named {
			r.Header.Set("ET-Client-Name", "acme-travelapp")
		}
		errs, found := v.ValidateRequest(r)
		if !found {
			t.Fatalf("%s: not a documented operation", tt.target)
		}
		switch {
		case tt.invalid == "" && len(errs) > 0:
			t.Errorf("%s (client named: %v): refused %v, the dialect allows it", tt.target, tt.named, errs)
		case tt.invalid != "" && (len(errs) != 1 || errs[0].Field != tt.invalid):
			t.Errorf("%s: got %v, want one error naming %s", tt.target, errs, tt.invalid)
		}
	}
	doc := string(v.Document())
	for _, want := range []string{"the first page is `page=1`", "gives 404", "Optional in this deployment's dialect", "**Dialect.**"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the dialect's document does not say %q", want)
		}
	}
	if _, err := v.DocumentJSON(); err != nil {
		t.Errorf("DocumentJSON: %v", err)
	}
}
