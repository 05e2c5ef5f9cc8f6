package mockserver

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/membersmock/membersmock/fixtures"
)

// encodeJSON is the one encoding of every body: encoding/json's, whose map key ordering keeps
// responses byte-identical for the same data. Members, the one body a load spread over the
// whole population never finds in a cache, take a hand-written path that writes exactly the
// bytes encoding/json writes (TestEncodeMatchesEncodingJSON) and hands anything it does not
// cover back to encoding/json.
func encodeJSON(v any) []byte {
	switch v := v.(type) {
	case fixtures.Member:
		if b, ok := appendMember(make([]byte, 0, 256), &v); ok {
			return b
		}
	case pageBody[fixtures.Member]:
		if b, ok := appendMemberPage(make([]byte, 0, 64+256*len(v.Items)), &v); ok {
			return b
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only a programming error can get here: every body is a plain struct.
		panic(err)
	}
	return b
}

func appendMemberPage(b []byte, p *pageBody[fixtures.Member]) ([]byte, bool) {
	if p.Items == nil {
		return b, false // encoded as null; never built by newPage
	}
	b = append(b, `{"items":[`...)
	for i := range p.Items {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendMember(b, &p.Items[i]); !ok {
			return b, false
		}
	}
	b = append(b, `],"totalItems":`...)
	b = strconv.AppendInt(b, p.TotalItems, 10)
	b = append(b, `,"totalPages":`...)
	b = strconv.AppendInt(b, p.TotalPages, 10)
	return append(b, '}'), true
}

// appendMember appends m as encoding/json encodes a fixtures.Member (fields in declaration
// order, under their json tags, none omitted); false when m holds a value this path leaves to
// encoding/json.
func appendMember(b []byte, m *fixtures.Member) ([]byte, bool) {
	var ok bool
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, m.ID, 10)
	b = append(b, `,"createdAt":`...)
	if b, ok = appendTime(b, m.CreatedAt); !ok {
		return b, false
	}
	b = append(b, `,"customerId":`...)
	b = appendString(b, m.CustomerID)
	b = append(b, `,"organisationId":`...)
	b = strconv.AppendInt(b, m.OrganisationID, 10)
	b = append(b, `,"metadata":`...)
	if b, ok = appendStringMap(b, m.Metadata); !ok {
		return b, false
	}
	b = append(b, `,"updatedAt":`...)
	if m.UpdatedAt == nil {
		b = append(b, "null"...)
	} else if b, ok = appendTime(b, *m.UpdatedAt); !ok {
		return b, false
	}
	return append(b, '}'), true
}

// appendTime appends t as its MarshalJSON does: RFC 3339 with nanoseconds, quoted. false for
// the times MarshalJSON refuses (a year outside 0..9999, a zone offset of 24 hours or more).
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	n0 := len(b) + 1
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	if b[n0+len("9999")] != '-' {
		return b, false
	}
	if b[len(b)-1] != 'Z' {
		c := b[len(b)-len("Z07:00")]
		if ('0' <= c && c <= '9') || 10*(b[len(b)-5]-'0')+(b[len(b)-4]-'0') >= 24 {
			return b, false
		}
	}
	return append(b, '"'), true
}

// appendString appends s as a JSON string, quoted as encoding/json quotes it: plain printable
// ASCII as it is, anything else (quotes, backslashes, control characters, the HTML
// characters <, > and &, non-ASCII) through encoding/json itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendStringMap appends a metadata object whose values are all strings, keys sorted as
// encoding/json sorts them; false when a value is anything else.
func appendStringMap(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	var keysBuf [8]string
	keys := keysBuf[:0]
	for k, v := range m {
		if _, ok := v.(string); !ok {
			return b, false
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k].(string))
	}
	return append(b, '}'), true
}
