package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A Dialect states how one deployment answers where the contract leaves room: each of the
// contract's open decisions (rules marked D that a correct deployment may decide otherwise)
// is one setting. The zero Dialect is the contract's own choice in every setting.
//
// A validator built WithDialect validates with a document rewritten to say the same (page
// bounds and defaults, header requirements, descriptions), so the mock that serves that
// document, its request validation and the suite's response checks never disagree.
type Dialect struct {
	// FirstPage is the number of the first page, and the default of page: 0 or 1.
	FirstPage int `json:"firstPage"`
	// PerPageAboveMax is what a perPage above the largest page size gets: "reject" (400
	// naming perPage) or "clamp" (answered as the largest page size).
	PerPageAboveMax string `json:"perPageAboveMax"`
	// PastLastPage is what a page past the last one gets: "empty" (200, items [], the same
	// totals) or "notFound" (404 with the Error body). The first page is never past the
	// last one: an empty list answers it with items [] and totals 0.
	PastLastPage string `json:"pastLastPage"`
	// ClientName says whether ET-Client-Name is "required" (400 without it) or "optional".
	ClientName string `json:"clientName"`
	// EmptyFilter is what a filter given with an empty value (customerId=) gets: "reject"
	// (400 naming it) or "ignore" (as if it were not given).
	EmptyFilter string `json:"emptyFilter"`
}

// DialectSetting describes one setting of a Dialect.
type DialectSetting struct {
	Key     string   // as written in a dialect file, e.g. "firstPage"
	Values  []string // allowed values, the contract's first
	Meaning string   // one sentence per value, in the order of Values
	get     func(Dialect) string
	set     func(*Dialect, string)
}

// Default is the contract's choice: the first of Values.
func (s DialectSetting) Default() string { return s.Values[0] }

// dialectSettings is the one list of the contract's open decisions.
var dialectSettings = []DialectSetting{
	{
		Key: "firstPage", Values: []string{"0", "1"},
		Meaning: "the number of the first page, and the default of page (page below it is a 400)",
		get:     func(d Dialect) string { return strconv.Itoa(d.FirstPage) },
		set:     func(d *Dialect, v string) { d.FirstPage, _ = strconv.Atoi(v) },
	},
	textSetting("perPageAboveMax", []string{"reject", "clamp"},
		"a perPage above the largest page size is refused with 400 naming perPage, or answered as the largest size",
		func(d *Dialect) *string { return &d.PerPageAboveMax }),
	textSetting("pastLastPage", []string{"empty", "notFound"},
		"a page past the last one answers 200 with items [] and the same totals, or 404 with the Error body",
		func(d *Dialect) *string { return &d.PastLastPage }),
	textSetting("clientName", []string{"required", "optional"},
		"a request without ET-Client-Name is refused with 400 naming it, or answered",
		func(d *Dialect) *string { return &d.ClientName }),
	textSetting("emptyFilter", []string{"reject", "ignore"},
		"an empty customerId, orderId or pointDefinitionReference is refused with 400 naming it, or ignored",
		func(d *Dialect) *string { return &d.EmptyFilter }),
}

// textSetting is a setting held in a string field of Dialect, where "" means the
// contract's choice (the first of values).
func textSetting(key string, values []string, meaning string, field func(*Dialect) *string) DialectSetting {
	return DialectSetting{
		Key: key, Values: values, Meaning: meaning,
		get: func(d Dialect) string {
			if v := *field(&d); v != "" {
				return v
			}
			return values[0]
		},
		set: func(d *Dialect, v string) { *field(d) = v },
	}
}

// DialectSettings returns every setting a dialect file may hold, in file order.
func DialectSettings() []DialectSetting { return slices.Clone(dialectSettings) }

// Value returns the dialect's value of the setting key ("firstPage", ...), "" for an unknown key.
func (d Dialect) Value(key string) string {
	for _, s := range dialectSettings {
		if s.Key == key {
			return s.get(d)
		}
	}
	return ""
}

// ClampsPerPage reports whether a perPage above the largest page size is answered as it.
func (d Dialect) ClampsPerPage() bool { return d.PerPageAboveMax == "clamp" }

// PastLastPageNotFound reports whether a page past the last one is answered 404.
func (d Dialect) PastLastPageNotFound() bool { return d.PastLastPage == "notFound" }

// ClientNameOptional reports whether a request without ET-Client-Name is answered.
func (d Dialect) ClientNameOptional() bool { return d.ClientName == "optional" }

// IgnoresEmptyFilters reports whether an empty filter is as if it were not given.
func (d Dialect) IgnoresEmptyFilters() bool { return d.EmptyFilter == "ignore" }

// normal returns d with every setting spelled out, so that equal dialects compare equal.
func (d Dialect) normal() Dialect {
	var n Dialect
	for _, s := range dialectSettings {
		s.set(&n, s.get(d))
	}
	return n
}

// Same reports whether d and o decide every setting alike (an unset setting is the contract's choice).
func (d Dialect) Same(o Dialect) bool { return d.normal() == o.normal() }

// IsDefault reports whether every setting is the contract's choice.
func (d Dialect) IsDefault() bool { return d.normal() == Dialect{}.normal() }

// Departures returns "key: value" for every setting that is not the contract's choice.
func (d Dialect) Departures() []string {
	var out []string
	for _, s := range dialectSettings {
		if v := s.get(d); v != s.Default() {
			out = append(out, s.Key+": "+v)
		}
	}
	return out
}

// String is a one-line summary, e.g. "the contract's" or "firstPage: 1, pastLastPage: notFound".
func (d Dialect) String() string {
	if dep := d.Departures(); len(dep) > 0 {
		return strings.Join(dep, ", ")
	}
	return "the contract's"
}

// YAML writes every setting, spelled out, as a dialect file holds them.
func (d Dialect) YAML() []byte {
	var b bytes.Buffer
	b.WriteString("# Where this deployment departs from the contract's open decisions.\n")
	for _, s := range dialectSettings {
		fmt.Fprintf(&b, "%s: %s # %s\n", s.Key, s.get(d), strings.Join(s.Values, " or "))
	}
	return b.Bytes()
}

// MarshalJSON writes every setting, spelled out, in file order (firstPage as a number).
func (d Dialect) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, s := range dialectSettings {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, s.Key)
		b = append(b, ':')
		if v := s.get(d); s.Key == "firstPage" {
			b = append(b, v...)
		} else {
			b = strconv.AppendQuote(b, v)
		}
	}
	return append(b, '}'), nil
}

// LoadDialect reads a dialect file.
func LoadDialect(path string) (Dialect, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Dialect{}, fmt.Errorf("reading the dialect file: %w", err)
	}
	return ParseDialect(path, data)
}

// ParseDialect reads a dialect from YAML; name (the file's path) starts every error message.
func ParseDialect(name string, data []byte) (Dialect, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Dialect{}, fmt.Errorf("%s: the dialect is not YAML: %w", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return Dialect{}, nil // an empty file: the contract's choices
	}
	return DecodeDialect(name, doc.Content[0])
}

// DecodeDialect reads a dialect from a YAML mapping node, for files that hold a dialect as
// one of their parts (a conformance profile's dialect: block). Errors name the file (name),
// the line, the key and the allowed values.
func DecodeDialect(name string, n *yaml.Node) (Dialect, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return Dialect{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return Dialect{}, fmt.Errorf("%s:%d: a dialect is a mapping of settings (%s), not %s",
			name, n.Line, strings.Join(keys(), ", "), kindName(n))
	}
	var d Dialect
	seen := make(map[string]int)
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s, ok := findSetting(k.Value)
		switch {
		case !ok:
			hint := ""
			if near, found := nearSetting(k.Value); found {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			errs = append(errs, fmt.Errorf("%s:%d: unknown dialect setting %q%s; the settings are %s",
				name, k.Line, k.Value, hint, strings.Join(keys(), ", ")))
		case seen[s.Key] != 0:
			errs = append(errs, fmt.Errorf("%s:%d: %s is set twice (first on line %d)", name, k.Line, s.Key, seen[s.Key]))
		case v.Kind != yaml.ScalarNode || !slices.Contains(s.Values, v.Value):
			got := v.Value
			if v.Kind != yaml.ScalarNode {
				got = kindName(v)
			}
			errs = append(errs, fmt.Errorf("%s:%d: %s: %q is not allowed; use %s (%s)",
				name, v.Line, s.Key, got, strings.Join(s.Values, " or "), s.Meaning))
		default:
			s.set(&d, v.Value)
		}
		if ok && seen[s.Key] == 0 {
			seen[s.Key] = k.Line
		}
	}
	if len(errs) > 0 {
		return Dialect{}, errors.Join(errs...)
	}
	return d, nil
}

func findSetting(key string) (DialectSetting, bool) {
	for _, s := range dialectSettings {
		if s.Key == key {
			return s, true
		}
	}
	return DialectSetting{}, false
}

// nearSetting finds the setting a misspelt key means: the same letters in another case, or
// with separators.
func nearSetting(key string) (string, bool) {
	flat := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(key))
	for _, s := range dialectSettings {
		if strings.ToLower(s.Key) == flat {
			return s.Key, true
		}
	}
	return "", false
}

func keys() []string {
	out := make([]string, len(dialectSettings))
	for i, s := range dialectSettings {
		out[i] = s.Key
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}
