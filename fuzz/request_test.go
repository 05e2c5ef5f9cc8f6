package fuzz

import (
	"net/http"
	"testing"
)

func TestCurl(t *testing.T) {
	tests := []struct {
		method string
		url    string
		header http.Header
		token  bool
		want   string
	}{
		{"GET", "http://h/v1/programs/1", http.Header{"ET-Client-Name": {"a-b"}}, false,
			`curl -sS -g -H 'ET-Client-Name: a-b' 'http://h/v1/programs/1'`},
		{"GET", "http://h/v1/programs/1", http.Header{"ET-Client-Name": {""}}, true,
			`curl -sS -g -H 'ET-Client-Name;' -H "Authorization: Bearer $CONFORMANCE_TOKEN" 'http://h/v1/programs/1'`},
		{"HEAD", "http://h/x", nil, false, `curl -sS -g --head 'http://h/x'`},
		{"DELETE", "http://h/x?q=it's", nil, false, `curl -sS -g -X DELETE 'http://h/x?q=it'\''s'`},
	}
	for _, tt := range tests {
		if got := curl(tt.method, tt.url, tt.header, tt.token); got != tt.want {
			t.Errorf("curl(%s %s) =\n%s\nwant\n%s", tt.method, tt.url, got, tt.want)
		}
	}
}
