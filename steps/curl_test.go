package steps_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/membersmock/membersmock/steps"
)

func TestCurl(t *testing.T) {
	tests := []struct {
		name string
		ex   steps.Exchange
		want string
	}{
		{"get", steps.Exchange{Method: "GET", URL: "http://127.0.0.1:8080/v1/programs/1", RequestHeaders: http.Header{"Accept": {"application/json"}}},
			"curl -sS -i --globoff 'http://127.0.0.1:8080/v1/programs/1' \\\n  -H 'Accept: application/json'"},
		{"no method is GET", steps.Exchange{URL: "http://h/v1"}, "curl -sS -i --globoff 'http://h/v1'"},
		{"head", steps.Exchange{Method: "HEAD", URL: "http://h/v1"}, "curl -sS -i --globoff --head 'http://h/v1'"},
		{"delete", steps.Exchange{Method: "DELETE", URL: "http://h/v1"}, "curl -sS -i --globoff -X 'DELETE' 'http://h/v1'"},
		{"headers sorted by name", steps.Exchange{URL: "http://h/", RequestHeaders: http.Header{"X-Correlation-Id": {"c-1"}, "Et-Client-Name": {"acme-app"}, "Accept": {"application/json"}}},
			"curl -sS -i --globoff 'http://h/' \\\n  -H 'Accept: application/json' \\\n  -H 'Et-Client-Name: acme-app' \\\n  -H 'X-Correlation-Id: c-1'"},
		{"repeated header", steps.Exchange{URL: "http://h/", RequestHeaders: http.Header{"X-A": {"1", "2"}}},
			"curl -sS -i --globoff 'http://h/' \\\n  -H 'X-A: 1' \\\n  -H 'X-A: 2'"},
		{"query with sh and curl specials", steps.Exchange{URL: "http://h/m?customerId=a%27b&x=$HOME&r=[1-2]{a,b}"},
			"curl -sS -i --globoff 'http://h/m?customerId=a%27b&x=$HOME&r=[1-2]{a,b}'"},
		{"single quote in a header", steps.Exchange{URL: "http://h/", RequestHeaders: http.Header{"X-Note": {"it's `here` $now"}}},
			"curl -sS -i --globoff 'http://h/' \\\n  -H 'X-Note: it'\\''s `here` $now'"},
		{"token from the environment", steps.Exchange{URL: "http://h/", RequestHeaders: http.Header{"Authorization": {"Bearer $CONFORMANCE_TOKEN"}}},
			"curl -sS -i --globoff 'http://h/' \\\n  -H 'Authorization: Bearer '\"$CONFORMANCE_TOKEN\""},
		{"a malformed authorization is sent as it is", steps.Exchange{URL: "http://h/", RequestHeaders: http.Header{"Authorization": {"Basic $(id)"}}},
			"curl -sS -i --globoff 'http://h/' \\\n  -H 'Authorization: Basic $(id)'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ex.Curl(); got != tt.want {
				t.Errorf("Curl() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestCurlReproduces runs the commands Curl writes in sh with the real
// curl, against a server that records what arrives: the method, the path
// and query, and every header the suite sent arrive as they were, the
// token read from $CONFORMANCE_TOKEN.
func TestCurlReproduces(t *testing.T) {
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()

	tests := []struct {
		method string
		query  string
		header http.Header
	}{
		{"GET", "customerId=o%27brien%20%24HOME&page=0", http.Header{"Accept": {"application/json"}, "Et-Client-Name": {"acme-app"}, "Authorization": {"Bearer $CONFORMANCE_TOKEN"}}},
		{"GET", "r=[1-2]&b={x,y}", http.Header{"X-Note": {"it's `x` $(id) \"q\""}, "X-Correlation-Id": {"c-1"}}},
		{"HEAD", "", http.Header{"Authorization": {"Bearer not-a-jwt"}}},
		{"DELETE", "", nil},
	}
	for _, tt := range tests {
		ex := steps.Exchange{Method: tt.method, URL: srv.URL + "/v1/programs/1?" + tt.query, RequestHeaders: tt.header}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, "sh", "-c", ex.Curl())
		cmd.Env = append(os.Environ(), steps.TokenVariable+"=s3cret")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", ex.Curl(), err, out)
		}
		if !strings.HasPrefix(string(out), "HTTP/1.1 418") {
			t.Errorf("%s: curl printed %q, want the answer's status line first", ex.Curl(), out)
		}
		r := <-got
		if r.Method != tt.method || r.URL.RawQuery != tt.query {
			t.Errorf("%s: arrived as %s ?%s, want %s ?%s", ex.Curl(), r.Method, r.URL.RawQuery, tt.method, tt.query)
		}
		for name, vs := range tt.header {
			want := strings.ReplaceAll(vs[0], "$"+steps.TokenVariable, "s3cret")
			if r.Header.Get(name) != want {
				t.Errorf("%s: %s arrived as %q, want %q", ex.Curl(), name, r.Header.Get(name), want)
			}
		}
	}
}
