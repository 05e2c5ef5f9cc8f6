package admit

import "testing"

func TestSecondOfferIsAdmitted(t *testing.T) {
	f := New()
	for _, tc := range []struct {
		name  string
		offer func() bool
	}{
		{"bytes", func() bool { return f.Bytes([]byte("/v1/programs/1/members")) }},
		{"int", func() bool { return f.Int(1_000_042) }},
	} {
		if tc.offer() {
			t.Errorf("%s: admitted on its first offer", tc.name)
		}
		if !tc.offer() {
			t.Errorf("%s: refused on its second offer", tc.name)
		}
		if !tc.offer() {
			t.Errorf("%s: refused on its third offer", tc.name)
		}
	}
}

// TestOneOffKeysStayOut: of many keys offered once each, almost none gets in (only by a
// fingerprint collision).
func TestOneOffKeysStayOut(t *testing.T) {
	f := New()
	admitted := 0
	for id := range int64(10_000) {
		if f.Int(id) {
			admitted++
		}
	}
	if admitted > 10 {
		t.Errorf("%d of 10,000 keys offered once were admitted", admitted)
	}
}
