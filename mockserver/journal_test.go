package mockserver

import (
	"net/http/httptest"
	"testing"
)

// TestJournalRingKeepsRecordsByValue: the ring holds the latest records in order across a
// wrap, keeps a verdict once it is judged, and forgets cleared records, with each record
// copied in rather than allocated.
func TestJournalRingKeepsRecordsByValue(t *testing.T) {
	j := newJournal(3, validator(t), nil)
	for _, path := range []string{"/v1/programs/1", "/v1/programs/2", "/v1/programs/3", "/v1/programs/4", "/v1/programs/5"} {
		r := httptest.NewRequest("GET", path, nil)
		rec := newJournalRecord(r, 404, nil, nil)
		if seq := j.add(&rec); seq == 0 {
			t.Fatal("add returned seq 0")
		}
	}
	got := j.list(journalFilter{}, 0)
	if len(got) != 3 || got[0].Path != "/v1/programs/3" || got[2].Path != "/v1/programs/5" || got[2].Seq != 5 {
		t.Fatalf("after 5 records in a ring of 3: %+v", got)
	}
	for i := range j.ring {
		if j.ring[i].checked == nil {
			t.Errorf("slot %d (seq %d): the verdict of the first read was not kept", i, j.ring[i].entry.Seq)
		}
	}
	if again := j.list(journalFilter{}, 0); again[1].RequestValid == nil || *again[1].RequestValid != *got[1].RequestValid {
		t.Errorf("second read: %+v, first: %+v", again[1], got[1])
	}
	j.clear(journalFilter{status: 404})
	if left := j.list(journalFilter{}, 0); len(left) != 0 {
		t.Errorf("after clearing every 404, the journal lists %+v", left)
	}
	if j.recorded() != 5 {
		t.Errorf("recorded %d, want 5: seq numbers go on after a clear", j.recorded())
	}
	r := httptest.NewRequest("GET", "/v1/programs/6", nil)
	rec := newJournalRecord(r, 404, nil, nil)
	if seq := j.add(&rec); seq != 6 {
		t.Errorf("the next record has seq %d, want 6", seq)
	}
	if left := j.list(journalFilter{}, 0); len(left) != 1 || left[0].Path != "/v1/programs/6" {
		t.Errorf("after a clear and one more record: %+v", left)
	}
	if n := testing.AllocsPerRun(100, func() { j.add(&rec) }); n != 0 {
		t.Errorf("recording a request allocates %.0f times, want 0", n)
	}
}
