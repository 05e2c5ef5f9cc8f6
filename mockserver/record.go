package mockserver

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/membersmock/membersmock/spec"
)

// Recorder keeps what passes through the proxy as a fixture overlay (the format --fixtures
// loads, see fixtures.Overlay): programs, members and their transactions, point periods
// and suspension periods, exactly as the upstream sent them, and the program's levels and
// point definitions as the members' reward ladders and transactions show them. The points
// history and the member's level are not recorded: the mock derives them from the
// transactions. Customer ids are pseudonymised unless the recorder is raw. The file is
// rewritten whenever something new passed, so that it is whole whenever the proxy stops.
type Recorder struct {
	file     string
	upstream string // as the recording names it: without user info, query or fragment
	raw      bool
	key      []byte // of the pseudonyms: random, so that no one can tell a customer id from its pseudonym
	log      *slog.Logger

	mu       sync.Mutex
	programs map[int64]*recordedProgram
	members  map[int64]*recordedMember
	err      error // the last write's
}

type recordedProgram struct {
	fields map[string]any   // getProgram's answer; nil when only its members were seen
	levels []any            // from a reward ladder
	defs   map[string]int64 // point definition reference -> id (0 when only the reference is known)
}

type recordedMember struct {
	programID    int64
	fields       map[string]any // nil when only its lists were seen
	transactions recordedList
	periods      recordedList
	suspensions  recordedList
}

// recordedList keeps items by id in the order they were first seen.
type recordedList struct {
	ids   []int64
	items map[int64]map[string]any
}

func (l *recordedList) put(item map[string]any) bool {
	id, ok := jsonID(item["id"])
	if !ok {
		return false
	}
	if l.items == nil {
		l.items = make(map[int64]map[string]any)
	}
	if _, seen := l.items[id]; !seen {
		l.ids = append(l.ids, id)
	}
	l.items[id] = item
	return true
}

func (l *recordedList) list() []any {
	out := make([]any, len(l.ids))
	for i, id := range l.ids {
		out[i] = l.items[id]
	}
	return out
}

// NewRecorder records what the proxy forwards to upstream into file; raw keeps customer ids
// as they are. log (nil for none) hears of a recording that cannot be written.
func NewRecorder(file string, upstream *url.URL, raw bool, log *slog.Logger) (*Recorder, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("making the key of the pseudonyms: %w", err)
	}
	named := url.URL{Scheme: upstream.Scheme, Host: upstream.Host, Path: upstream.Path}
	r := &Recorder{file: file, upstream: named.String(), raw: raw, key: key, log: log,
		programs: make(map[int64]*recordedProgram), members: make(map[int64]*recordedMember)}
	// Write the empty recording now, so that a file that cannot be written fails at start.
	if err := r.write(); err != nil {
		return nil, err
	}
	return r, nil
}

// observe records a 200 answer to operation opID.
func (r *Recorder) observe(opID string, c *gin.Context, body []byte) {
	programID, okP := strconv.ParseInt(c.Param("programId"), 10, 64)
	if okP != nil {
		return
	}
	memberID, _ := strconv.ParseInt(c.Param("memberId"), 10, 64)
	decoded, err := spec.DecodeJSON(body)
	if err != nil {
		return
	}
	obj, _ := decoded.(map[string]any)
	if obj == nil {
		return
	}
	items := func() []map[string]any {
		raw, _ := obj["items"].([]any)
		out := make([]map[string]any, 0, len(raw))
		for _, it := range raw {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	switch opID {
	case "getProgram":
		r.program(programID).fields = obj
		changed = true
	case "getMembers":
		for _, m := range items() {
			changed = r.member(programID, m) || changed
		}
	case "getMember":
		changed = r.member(programID, obj)
	case "getMemberTransactions":
		for _, tx := range items() {
			changed = r.memberLists(programID, memberID).transactions.put(tx) || changed
			if ref, ok := tx["pointDefinitionReference"].(string); ok {
				id, _ := jsonID(tx["pointDefinitionId"])
				r.definition(programID, ref, id)
			}
		}
	case "getMemberPointPeriods":
		for _, pp := range items() {
			changed = r.memberLists(programID, memberID).periods.put(pp) || changed
		}
	case "getMemberPointPeriod":
		changed = r.memberLists(programID, memberID).periods.put(obj)
	case "getMemberSuspensionPeriods":
		for _, sp := range items() {
			changed = r.memberLists(programID, memberID).suspensions.put(sp) || changed
		}
	case "getMemberRewardLadder":
		levels, _ := obj["levels"].([]any)
		if len(levels) == 0 {
			return
		}
		r.program(programID).levels = levels
		for _, l := range levels {
			lm, _ := l.(map[string]any)
			reqs, _ := lm["requirements"].([]any)
			for _, q := range reqs {
				qm, _ := q.(map[string]any)
				if ref, ok := qm["pointDefinitionReference"].(string); ok {
					r.definition(programID, ref, 0)
				}
			}
		}
		changed = true
	}
	if !changed {
		return
	}
	err = r.write()
	if err != nil && r.log != nil && (r.err == nil || r.err.Error() != err.Error()) {
		// Once per kind of failure, not once per request.
		r.log.Error("the recording could not be written", "file", r.file, "error", err.Error())
	}
	r.err = err
}

func (r *Recorder) program(id int64) *recordedProgram {
	p := r.programs[id]
	if p == nil {
		p = &recordedProgram{defs: make(map[string]int64)}
		r.programs[id] = p
	}
	return p
}

func (r *Recorder) definition(programID int64, ref string, id int64) {
	defs := r.program(programID).defs
	if id != 0 || defs[ref] == 0 {
		defs[ref] = id
	}
}

func (r *Recorder) memberLists(programID, memberID int64) *recordedMember {
	m := r.members[memberID]
	if m == nil {
		m = &recordedMember{programID: programID}
		r.members[memberID] = m
	}
	return m
}

func (r *Recorder) member(programID int64, fields map[string]any) bool {
	id, ok := jsonID(fields["id"])
	if !ok {
		return false
	}
	m := r.memberLists(programID, id)
	f := maps.Clone(fields)
	if cid, ok := f["customerId"].(string); ok && !r.raw {
		f["customerId"] = r.pseudonym(programID, cid)
	}
	m.fields = f
	return true
}

// pseudonym stands for a customer id in the recording: the same customer, the same
// pseudonym, for as long as the recorder runs.
func (r *Recorder) pseudonym(programID int64, customerID string) string {
	h := hmac.New(sha256.New, r.key)
	fmt.Fprintf(h, "%d\x00%s", programID, customerID)
	return "rec-" + hex.EncodeToString(h.Sum(nil)[:10])
}

// overlayFile is the shape of a fixture overlay file (fixtures.Overlay). The recording
// block marks it as what a real service said: loading it warns about, rather than refuses,
// data that breaks a realistic-data rule of generated data.
type overlayFile struct {
	Recording recordingMark    `json:"recording"`
	Programs  []map[string]any `json:"programs"`
	Members   []map[string]any `json:"members"`
}

type recordingMark struct {
	Upstream string `json:"upstream"`
}

// overlay is the recording as a fixture overlay: programs and members by id; a member
// only when its own fields were seen (an overlay member needs them), a program only when
// getProgram was.
func (r *Recorder) overlay() overlayFile {
	out := overlayFile{Recording: recordingMark{Upstream: r.upstream}, Programs: []map[string]any{}, Members: []map[string]any{}}
	for _, id := range slices.Sorted(maps.Keys(r.programs)) {
		p := r.programs[id]
		if p.fields == nil {
			continue
		}
		f := maps.Clone(p.fields)
		if len(p.defs) > 0 {
			defs := make([]any, 0, len(p.defs))
			refs := make([]string, 0, len(p.defs))
			for ref := range p.defs {
				refs = append(refs, ref)
			}
			slices.SortFunc(refs, func(a, b string) int {
				unknown := func(ref string) int {
					if p.defs[ref] == 0 {
						return 1
					}
					return 0
				}
				return cmp.Or(cmp.Compare(unknown(a), unknown(b)), cmp.Compare(p.defs[a], p.defs[b]), cmp.Compare(a, b))
			})
			for _, ref := range refs {
				d := map[string]any{"reference": ref}
				if p.defs[ref] != 0 {
					d["id"] = p.defs[ref]
				}
				defs = append(defs, d)
			}
			f["pointDefinitions"] = defs
		}
		if p.levels != nil {
			f["levels"] = p.levels
		}
		out.Programs = append(out.Programs, f)
	}
	for _, id := range slices.Sorted(maps.Keys(r.members)) {
		m := r.members[id]
		if m.fields == nil {
			continue
		}
		f := maps.Clone(m.fields)
		f["programId"] = m.programID
		f["transactions"] = m.transactions.list()
		f["pointPeriods"] = m.periods.list()
		f["suspensionPeriods"] = m.suspensions.list()
		out.Members = append(out.Members, f)
	}
	return out
}

// write replaces the file with the recording, through a temporary file in the same
// directory, so that the file is never half written.
func (r *Recorder) write() error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.overlay()); err != nil {
		return fmt.Errorf("encoding the recording: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.file), "."+filepath.Base(r.file)+".*")
	if err != nil {
		return fmt.Errorf("writing the recording: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing the recording: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing the recording: %w", err)
	}
	if err := os.Rename(tmp.Name(), r.file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing the recording: %w", err)
	}
	return nil
}

func jsonID(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil && i >= 1
}
