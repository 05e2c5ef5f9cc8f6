package mockserver

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/membersmock/membersmock/fixtures"
)

var updateDigests = flag.Bool("update-digests", false,
	"rewrite testdata/responses.sha256 from what the mock answers now (only for an intended change of the data or of the answers)")

const digestsFile = "testdata/responses.sha256"

// TestResponsesStayByteForByte holds every answer to the byte-identity probes (every
// operation, personas and ordinary members, filters, pages, every kind of 400 and 404, HEAD)
// to a SHA-256 recorded in testdata: status, headers and body. Work that should change only
// speed (caches, fewer allocations, another encoder) must leave each digest as it is; a change
// of data or answers that is meant shows here request by request, and is recorded with
// -update-digests.
func TestResponsesStayByteForByte(t *testing.T) {
	data, err := fixtures.New(identicalSeed)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Dataset: data, Validator: validator(t), JournalSize: DefaultJournalSize})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range identicalProbes(t, data, 11) {
		s := serve(h, p)
		sum := sha256.New()
		fmt.Fprintf(sum, "%d\n", s.status)
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range s.header {
				if !yield(k) {
					return
				}
			}
		}) {
			fmt.Fprintf(sum, "%s: %s\n", k, strings.Join(s.header[k], ", "))
		}
		sum.Write(s.body)
		got = append(got, fmt.Sprintf("%x  %s", sum.Sum(nil), p))
	}
	text := []byte(strings.Join(got, "\n") + "\n")
	if *updateDigests {
		if err := os.WriteFile(filepath.FromSlash(digestsFile), text, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d digests to %s", len(got), digestsFile)
		return
	}
	recorded, err := os.ReadFile(filepath.FromSlash(digestsFile))
	if err != nil {
		t.Fatalf("reading the recorded digests: %v (record them with go test ./mockserver -run TestResponsesStayByteForByte -update-digests)", err)
	}
	if bytes.Equal(recorded, text) {
		return
	}
	want := strings.Split(strings.TrimSuffix(string(recorded), "\n"), "\n")
	if len(want) != len(got) {
		t.Errorf("%d probes answered, %d digests recorded: the probe list changed; record it anew with -update-digests", len(got), len(want))
	}
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Errorf("answer changed:\n  now      %s\n  recorded %s", got[i], want[i])
		}
	}
}
