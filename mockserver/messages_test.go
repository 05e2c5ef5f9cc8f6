package mockserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// validatorWords are the validator's own wording, which a client developer cannot act on.
var validatorWords = []string{"failed to validate", "got 0, want", "minLength", "maxLength", "minimum:", "schema", "jsonschema", "keyword", "instance"}

// TestEveryParameterErrorIsASentence walks every parameter of every operation (as the
// validator lists them) with an empty, a mistyped and an out-of-range value over HTTP, and
// requires each 400 to name the parameter in a sentence without validator wording.
func TestEveryParameterErrorIsASentence(t *testing.T) {
	m := newMock(t, 1)
	for _, op := range m.v.Operations() {
		for _, param := range op.Params {
			refused := 0
			for _, value := range []string{"", "abc", "-1", "99999999999999999999999"} {
				path := op.Path
				query := url.Values{}
				headers := []string{}
				isPath := strings.Contains(op.Path, "{"+param+"}")
				for _, p := range op.Params {
					if strings.Contains(path, "{"+p+"}") {
						v := "1"
						if p == param {
							v = url.PathEscape(value)
						}
						path = strings.ReplaceAll(path, "{"+p+"}", v)
					}
				}
				switch {
				case isPath && value == "":
					continue // an empty segment is another route, not a parameter
				case isPath:
				case param == "ET-Client-Name" || param == "X-Correlation-Id":
					headers = []string{param, value}
					if value == "" {
						headers = []string{param, ""} // helpers' do drops it: missing
					}
				default:
					query.Set(param, value)
				}
				target := path
				if len(query) > 0 {
					target += "?" + query.Encode()
				}
				r := m.get(target, headers...)
				if r.status != http.StatusBadRequest {
					continue
				}
				var body struct {
					Errors []struct{ Field, Message string }
				}
				if err := json.Unmarshal(r.body, &body); err != nil {
					t.Fatalf("%s: %v", target, err)
				}
				for _, e := range body.Errors {
					if e.Field != param {
						continue
					}
					refused++
					if !strings.Contains(e.Message, param) {
						t.Errorf("%s %s=%q: message %q does not name %s", op.ID, param, value, e.Message, param)
					}
					for _, w := range validatorWords {
						if strings.Contains(e.Message, w) {
							t.Errorf("%s %s=%q: message %q speaks validator (%q)", op.ID, param, value, e.Message, w)
						}
					}
				}
			}
			if refused == 0 && param != "X-Correlation-Id" {
				t.Errorf("%s: no empty, mistyped or out-of-range %s was refused", op.ID, param)
			}
		}
	}
}
