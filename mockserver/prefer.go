package mockserver

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxDelay is the longest delay a Prefer header or a fault rule may ask for: well under the
// 30 s a response may take to write (cmd/mockserver), so a delayed answer still arrives.
const MaxDelay = 20 * time.Second

// preference is what a request's Prefer headers ask of the mock (RFC 7240): an answer with
// another documented status, and a delay before the answer.
type preference struct {
	status int           // 0: the normal answer
	delay  time.Duration // 0: none
}

// applied is the Preference-Applied header for the preferences the mock honoured.
func (p preference) applied() string {
	var parts []string
	if p.status != 0 {
		parts = append(parts, "status="+strconv.Itoa(p.status))
	}
	if p.delay != 0 {
		parts = append(parts, "delay="+strconv.FormatInt(p.delay.Milliseconds(), 10))
	}
	return strings.Join(parts, ", ")
}

// parsePrefer reads the Prefer headers of a request. Preferences are separated by commas
// (or come in several headers) and, as the mock reads them, by semicolons too, so that
// "status=404; delay=1500" and "status=404, delay=1500" mean the same. Names are
// case-insensitive and values may be quoted. The mock honours status (Prism's name for it,
// code, too) and delay in milliseconds; other preferences (return=minimal, …) are ignored
// as RFC 7240 says, and only the first of a repeated preference counts.
func parsePrefer(headers []string) (preference, error) {
	var p preference
	seen := map[string]bool{}
	for _, h := range headers {
		for _, tok := range strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ';' }) {
			name, value, hasValue := strings.Cut(strings.TrimSpace(tok), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			value = strings.Trim(strings.TrimSpace(value), `"`)
			if name == "code" {
				name = "status"
			}
			if name != "status" && name != "delay" {
				continue
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			if !hasValue || value == "" {
				return p, fmt.Errorf("%s needs a value, e.g. %s", name, example(name))
			}
			n, err := strconv.ParseInt(value, 10, 64)
			switch name {
			case "status":
				if err != nil || n < 100 || n > 599 {
					return p, fmt.Errorf("status=%s is not an HTTP status code; write e.g. status=404", value)
				}
				p.status = int(n)
			case "delay":
				if err != nil || n < 0 || n > MaxDelay.Milliseconds() {
					return p, fmt.Errorf("delay=%s must be a whole number of milliseconds from 0 to %d, e.g. delay=1500", value, MaxDelay.Milliseconds())
				}
				p.delay = time.Duration(n) * time.Millisecond
			}
		}
	}
	return p, nil
}

func example(name string) string {
	if name == "status" {
		return "status=404"
	}
	return "delay=1500"
}
