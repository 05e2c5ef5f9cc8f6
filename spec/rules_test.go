package spec

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestResponseProblems(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}, "X-Correlation-Id": {"abc"}}
	tests := []struct {
		name   string
		sent   string
		status int
		header http.Header
		body   string
		want   []string // in the problems, in order; none when empty
	}{
		{"a good page", "abc", 200, json, `{"items":[{"createdAt":"2025-03-14T08:15:00Z"}]}`, nil},
		{"not echoed", "xyz", 200, json, `{}`, []string{`the request sent "xyz"`}},
		{"no id", "", 200, http.Header{"Content-Type": {"application/json"}}, `{}`, []string{"carry X-Correlation-Id"}},
		{"not JSON", "", 200, http.Header{"Content-Type": {"text/plain"}, "X-Correlation-Id": {"abc"}}, `oops`, []string{"Content-Type", "not JSON"}},
		{"a good Error body", "", 404, json, `{"title":"Not Found","status":404,"message":"No such member.","correlationId":"abc"}`, nil},
		{"an Error body at odds with its response", "", 404, json,
			`{"title":"Bad Request","status":400,"message":" ","correlationId":"other","errors":[{"field":"page"},{"field":"page"}]}`,
			[]string{"status is 400", `title is "Bad Request"`, `correlationId is "other"`, "message is empty", `names "page" more than once`}},
		{"a local time", "", 200, json, `{"validFrom":"2025-03-14T09:15:00+01:00","metadata":{"startAt":"whenever"}}`, []string{"validFrom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, _ := ResponseProblems(tt.sent, tt.status, tt.header, []byte(tt.body))
			if len(problems) != len(tt.want) {
				t.Fatalf("problems %+v, want %d naming %q", problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(problems[i].Text, w) {
					t.Errorf("problem %d is %q, want it to name %q", i, problems[i].Text, w)
				}
			}
		})
	}
}

func TestPageProblems(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	tx := func(id, validFrom string) string { return `{"id":` + id + `,"validFrom":"` + validFrom + `"}` }
	a, b, c := tx("3", "2026-05-03T00:00:00Z"), tx("2", "2026-05-02T00:00:00Z"), tx("1", "2026-05-02T00:00:00Z")
	tests := []struct {
		name, op, query, body string
		want                  []string
	}{
		{"in order", "getMemberTransactions", "perPage=3", `{"items":[` + a + `,` + b + `,` + c + `],"totalItems":3,"totalPages":1}`, nil},
		{"a tie broken the wrong way", "getMemberTransactions", "perPage=3", `{"items":[` + a + `,` + c + `,` + b + `],"totalItems":3,"totalPages":1}`, []string{"ties broken by id descending"}},
		{"more than perPage", "getMemberTransactions", "perPage=2", `{"items":[` + a + `,` + b + `,` + c + `],"totalItems":3,"totalPages":2}`, []string{"more than perPage 2", "not perPage"}},
		{"totals that do not add up", "getMemberTransactions", "perPage=2", `{"items":[` + a + `,` + b + `],"totalItems":3,"totalPages":1}`, []string{"want ceil(totalItems 3 / perPage 2) = 2"}},
		{"the default page size", "getMembers", "", `{"items":[{"id":1},{"id":2}],"totalItems":41,"totalPages":3}`, []string{"not perPage 20"}},
		{"past the end with items", "getMembers", "page=5", `{"items":[{"id":1}],"totalItems":1,"totalPages":1}`, []string{"past the last page"}},
		{"past the end, empty", "getMembers", "page=5", `{"items":[],"totalItems":1,"totalPages":1}`, nil},
		{"members out of order", "getMembers", "", `{"items":[{"id":2},{"id":1}],"totalItems":2,"totalPages":1}`, []string{"ordered by id ascending"}},
		{"no list", "getMember", "", `{"id":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := DecodeJSON([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			q, _ := url.ParseQuery(tt.query)
			got := v.PageProblems(tt.op, q, body)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %q, want %d naming %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d is %q, want it to name %q", i, got[i], w)
				}
			}
		})
	}
}
