package mockserver

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/membersmock/membersmock/fixtures"
)

// TestEncodeMatchesEncodingJSON holds the hand-written member encoding to encoding/json's
// bytes: generated members of several seeds and programs, one at a time and in pages, and
// members crafted to need escaping or to fall back.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	same := func(t *testing.T, v any) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeJSON(v); !bytes.Equal(got, want) {
			t.Fatalf("encodeJSON differs from encoding/json:\ngot  %s\nwant %s", got, want)
		}
	}
	n := 0
	for _, seed := range []int64{1, 2, -9} {
		data, err := fixtures.New(seed, fixtures.WithMembers(100_000))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range data.Programs() {
			for off := int64(0); off < 100_000; off += 4999 {
				ms := data.Members(p.ID, off, 20)
				same(t, newPage(ms, 100_000, paging{perPage: 20}))
				for _, m := range ms {
					same(t, m)
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("compared only %d members", n)
	}

	at := time.Date(2025, 3, 14, 8, 15, 0, 0, time.UTC)
	later := at.Add(90 * time.Minute)
	oslo := time.FixedZone("CET", 3600)
	for _, m := range []fixtures.Member{
		{},
		{ID: 1, CreatedAt: at, CustomerID: "0000000001", OrganisationID: 21, Metadata: map[string]any{}, UpdatedAt: &later},
		{ID: 2, CreatedAt: at.In(oslo), CustomerID: `a"b\c<d>&e`, Metadata: map[string]any{"z": "1", "a": "æøå", "<k>": "\u2028", "ctl": "\x01\t"}},
		{ID: 3, CreatedAt: at.Add(123456789), CustomerID: "\xff\xfe", Metadata: map[string]any{"stationPair": map[string]any{"from": "NSR:StopPlace:11"}}},
		{ID: 4, CreatedAt: at, Metadata: map[string]any{"n": 7, "s": "x"}},
		{ID: 5, CreatedAt: at, UpdatedAt: &time.Time{}, Metadata: map[string]any{"": ""}},
	} {
		same(t, m)
		same(t, newPage([]fixtures.Member{m, m}, 2, paging{perPage: 20}))
	}
	same(t, newPage[fixtures.Member](nil, 0, paging{perPage: 20}))
	same(t, pageBody[fixtures.Member]{})

	// Times MarshalJSON refuses still fail, as they did through encoding/json.
	defer func() {
		if recover() == nil {
			t.Fatal("a year past 9999 encoded without error")
		}
	}()
	encodeJSON(fixtures.Member{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
}

func BenchmarkEncodeMember(b *testing.B) {
	data, err := fixtures.New(1)
	if err != nil {
		b.Fatal(err)
	}
	m, _ := data.Member(1, data.Personas(1).Regular)
	b.Run("encodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			encodeJSON(m)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
