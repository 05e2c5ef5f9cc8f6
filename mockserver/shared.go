package mockserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedState makes replicas of the mock one mock: their control state lives in Redis
// instead of each process's memory. Fault rules (with their counts: "the next 3" fires 3
// times across all replicas), posted overlays, the seed of the last reset, the journal and
// the rate-limit windows are shared. The data itself never is: it is computed from the seed
// and the ids, the same in every replica, so the API's hot path does not touch Redis.
type SharedState struct {
	// URL is redis://[user:password@]host:port/db, or rediss:// for TLS.
	URL string
	// Password, when set, is used instead of the URL's (MOCK_STATE_PASSWORD keeps it out
	// of process listings).
	Password string
	// CAFile, with rediss://, is a PEM file of CA certificates to trust besides the
	// system's, for a Redis whose certificate a private CA signed.
	CAFile string
	// Prefix starts every key and the channel; replicas with the same prefix on the same
	// database are one mock. "" means DefaultStatePrefix.
	Prefix string
	// SyncInterval is how often a replica compares its state's version with Redis's, in
	// case a change notice was missed; 0 means DefaultSyncInterval.
	SyncInterval time.Duration
}

// DefaultStatePrefix starts the keys of the shared state.
const DefaultStatePrefix = "membersmock:"

// DefaultSyncInterval bounds how long a replica may serve an old state after a missed
// change notice: changes normally arrive at once, by pub/sub.
const DefaultSyncInterval = 500 * time.Millisecond

// Timeouts of one call to Redis. Short: an API request that consults Redis (a matching
// fault rule, a rate-limit window) must not hang when Redis does.
const (
	sharedDialTimeout = time.Second
	sharedIOTimeout   = 500 * time.Millisecond
	// A change made through the admin endpoints waits a little longer.
	sharedAdminTimeout = 2 * time.Second
)

// Bounds of the shared journal: what one entry carries of a body, and how many entries may
// wait for the writer before new ones are dropped rather than slowing the API.
const (
	maxSharedJournalBody = 64 << 10
	sharedJournalQueue   = 4096
	sharedJournalFlush   = 200 * time.Millisecond // at most one batch per interval
)

// errStateUnavailable marks an admin call that could not reach the shared state.
var errStateUnavailable = errors.New("the shared state cannot be reached")

// shared is a replica's connection to the shared state.
type shared struct {
	rdb     *redis.Client
	prefix  string
	where   string // host:port/db, for messages
	log     *slog.Logger
	sync    time.Duration
	reload  func(ctx context.Context) error // rebuilds the replica's state from Redis
	healthy atomic.Bool
	version atomic.Int64 // of the state this replica serves

	nudge       chan struct{} // a change notice arrived
	journal     chan *journalRecord
	journalSize int // how many entries the stream keeps
	// bodySeed keys the bodies this replica stores: equal bodies get equal keys, so one
	// is stored for all the entries of a batch that answer with it.
	bodySeed maphash.Seed

	// stuck is why the replica cannot apply the shared state's latest version (say, a
	// posted overlay that does not fit its own --fixtures file); nil when it serves it.
	stuck   atomic.Pointer[string]
	stuckAt atomic.Int64 // the version that failed, logged once

	errors atomic.Int64 // calls to Redis that failed since start: the metric /readyz shows
}

func newShared(cfg SharedState, log *slog.Logger) (*shared, error) {
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("the state URL %q: %w (want redis://host:port/db or rediss://…)", redactURL(cfg.URL), err)
	}
	if cfg.Password != "" {
		opt.Password = cfg.Password
	}
	if cfg.CAFile != "" {
		if opt.TLSConfig == nil {
			return nil, fmt.Errorf("a CA file for the state (%s) needs a rediss:// URL: redis:// is not encrypted", cfg.CAFile)
		}
		if opt.TLSConfig.RootCAs, err = caPool(cfg.CAFile, "the state's CA file"); err != nil {
			return nil, err
		}
	}
	opt.DialTimeout = sharedDialTimeout
	opt.ReadTimeout = sharedIOTimeout
	opt.WriteTimeout = sharedIOTimeout
	opt.MaxRetries = -1 // fail fast: the replica falls back to its last known state
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultStatePrefix
	}
	interval := cfg.SyncInterval
	if interval <= 0 {
		interval = DefaultSyncInterval
	}
	return &shared{
		rdb:      redis.NewClient(opt),
		prefix:   prefix,
		where:    fmt.Sprintf("Redis at %s/%d", opt.Addr, opt.DB),
		log:      log,
		sync:     interval,
		nudge:    make(chan struct{}, 1),
		journal:  make(chan *journalRecord, sharedJournalQueue),
		bodySeed: maphash.MakeSeed(),
	}, nil
}

// redactURL hides a URL's password, for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}

func (s *shared) key(name string) string { return s.prefix + name }

// Keys of the shared state.
const (
	keyVersion     = "version"        // INCR on every change
	keySeed        = "seed"           // the seed of the last reset; absent: the replicas' own
	keyOverlays    = "overlays"       // list of sharedOverlay, in the order they were posted
	keyFaults      = "faults"         // hash rule id -> FaultRule (JSON, counters zero)
	keyFaultNext   = "fault-next"     // the last rule id given out
	keyFaultCounts = "fault-counts"   // hash "<id>:m" and "<id>:f" -> matched and fired
	keyJournal     = "journal"        // stream of sharedRecord, capped at the journal size
	keyJournalSeq  = "journal-seq"    // the last journal seq given out
	keyBodies      = "journal-bodies" // hash body key -> body: each distinct body once
	keyBodyRefs    = "journal-refs"   // sorted set body key -> the last seq that refers to it
	keyChanges     = "changes"        // pub/sub channel: the new version
)

// sharedOverlay is a posted overlay as the shared state keeps it: its text, so that each
// replica parses and applies it against its own dataset and fixtures file.
type sharedOverlay struct {
	Source string `json:"source"`
	Body   []byte `json:"body"`
}

// snapshot is the shared control state at one version.
type snapshot struct {
	version  int64
	seed     int64 // 0: none set
	overlays []sharedOverlay
	rules    []FaultRule
}

// failed records that Redis could not be reached, logging the change once.
func (s *shared) failed(err error) error {
	s.errors.Add(1)
	if s.healthy.CompareAndSwap(true, false) {
		s.log.Error("shared state unreachable: the API answers from the last state this replica knew; admin calls answer 503",
			"state", s.where, "error", err.Error())
	}
	return fmt.Errorf("%w (%s): %v", errStateUnavailable, s.where, err)
}

// load reads the whole shared control state.
func (s *shared) load(ctx context.Context) (snapshot, error) {
	var snap snapshot
	pipe := s.rdb.Pipeline()
	version := pipe.Get(ctx, s.key(keyVersion))
	seed := pipe.Get(ctx, s.key(keySeed))
	overlays := pipe.LRange(ctx, s.key(keyOverlays), 0, -1)
	faults := pipe.HGetAll(ctx, s.key(keyFaults))
	counts := pipe.HGetAll(ctx, s.key(keyFaultCounts))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return snap, s.failed(err)
	}
	snap.version, _ = strconv.ParseInt(version.Val(), 10, 64)
	snap.seed, _ = strconv.ParseInt(seed.Val(), 10, 64)
	for _, raw := range overlays.Val() {
		var o sharedOverlay
		if err := json.Unmarshal([]byte(raw), &o); err != nil {
			return snap, fmt.Errorf("reading a shared overlay: %w", err)
		}
		snap.overlays = append(snap.overlays, o)
	}
	snap.rules = rulesOf(faults.Val(), counts.Val())
	return snap, nil
}

// rulesOf decodes the rules hash with their counters, ordered by id.
func rulesOf(faults, counts map[string]string) []FaultRule {
	rules := make([]FaultRule, 0, len(faults))
	for _, raw := range faults {
		var r FaultRule
		if json.Unmarshal([]byte(raw), &r) != nil {
			continue
		}
		id := strconv.FormatInt(r.ID, 10)
		r.Matched, _ = strconv.ParseInt(counts[id+":m"], 10, 64)
		r.Fired, _ = strconv.ParseInt(counts[id+":f"], 10, 64)
		r.Active = r.Times == 0 || r.Fired < r.Times
		rules = append(rules, r)
	}
	slices.SortFunc(rules, func(a, b FaultRule) int { return cmp.Compare(a.ID, b.ID) })
	return rules
}

// change applies a change to the shared state in one transaction, gives the state a new
// version and tells every replica.
func (s *shared) change(ctx context.Context, fn func(redis.Pipeliner)) error {
	var version *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		fn(pipe)
		version = pipe.Incr(ctx, s.key(keyVersion))
		return nil
	})
	if err != nil {
		return s.failed(err)
	}
	if err := s.rdb.Publish(ctx, s.key(keyChanges), version.Val()).Err(); err != nil {
		return s.failed(err)
	}
	return nil
}

// run keeps the replica's state in step with Redis until ctx is done: at once on a change
// notice, and every sync interval in case one was missed or Redis was away.
func (s *shared) run(ctx context.Context) {
	ps := s.rdb.Subscribe(ctx, s.key(keyChanges))
	defer ps.Close()
	go func() {
		for range ps.Channel() {
			select {
			case s.nudge <- struct{}{}:
			default:
			}
		}
	}()
	go s.writeJournal(ctx)
	t := time.NewTicker(s.sync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.nudge:
		}
		s.catchUp(ctx)
	}
}

// catchUp reloads the state when Redis's version is not the replica's, and after Redis
// comes back.
func (s *shared) catchUp(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, sharedIOTimeout)
	defer cancel()
	v, err := s.rdb.Get(cctx, s.key(keyVersion)).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		s.failed(err)
		return
	}
	back := !s.healthy.Load()
	if !back && v == s.version.Load() {
		return
	}
	rctx, rcancel := context.WithTimeout(ctx, sharedAdminTimeout)
	defer rcancel()
	if err := s.reload(rctx); err != nil {
		if !errors.Is(err, errStateUnavailable) && s.stuckAt.Swap(v) != v {
			why := fmt.Sprintf("The shared state's version %d cannot be applied here: %v. The replica serves the version before it.", v, err)
			s.stuck.Store(&why)
			s.log.Error("the shared state could not be applied; the replica keeps its state until the next change", "state", s.where, "version", v, "error", err.Error())
		}
		return
	}
	s.stuck.Store(nil)
	if back && s.healthy.CompareAndSwap(false, true) {
		s.log.Info("shared state reachable again: the replica serves its state and takes admin calls", "state", s.where)
	}
}

// faultScript counts a matching request of a rule and decides, where the decision needs
// only the counts, whether it fires: atomically, so that "every Nth" and "the next N" count
// the requests of every replica. It returns {matched, fired: 1, 0, or -1 when the caller
// decides (a probability), fired so far}.
var faultScript = redis.NewScript(`
local f = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':f') or '0')
local every, times, decide = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if times > 0 and f >= times then
  -- spent: it no longer matches, as a spent rule of one process does not
  return {tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':m') or '0'), 0, f}
end
local m = redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':m', 1)
local fire = 1
if every > 0 then
  if m % every ~= 0 then fire = 0 end
elseif decide == 1 then
  return {m, -1, f}
end
if fire == 1 then f = redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':f', 1) end
return {m, fire, f}
`)

// fire counts a matching request of r in Redis and decides whether r fires on it, and
// with what delay. A probability and a delay range are drawn from the mock's seed, the
// rule's id and the request's place among the rule's matches, so every replica draws the
// same for the same match. ok is false when Redis could not be asked.
func (s *shared) fire(ctx context.Context, r *FaultRule, seed int64) (fired bool, delay time.Duration, exhausted, ok bool) {
	if !s.healthy.Load() {
		return false, 0, false, false
	}
	decide := 0
	if r.Probability > 0 {
		decide = 1
	}
	id := strconv.FormatInt(r.ID, 10)
	res, err := faultScript.Run(ctx, s.rdb, []string{s.key(keyFaultCounts)}, id, r.Every, r.Times, decide).Int64Slice()
	if err != nil || len(res) != 3 {
		if err == nil {
			err = fmt.Errorf("the fault script answered %v", res)
		}
		s.failed(err)
		return false, 0, false, false
	}
	matched, verdict, firedSoFar := res[0], res[1], res[2]
	draw := rand.New(rand.NewPCG(uint64(seed), uint64(r.ID)<<32^uint64(matched)))
	if verdict == -1 {
		if draw.Float64() >= r.Probability {
			return false, 0, false, true
		}
		if err := s.rdb.HIncrBy(ctx, s.key(keyFaultCounts), id+":f", 1).Err(); err != nil {
			s.failed(err)
		}
		verdict = 1
	}
	if verdict != 1 {
		return false, 0, r.Times > 0 && firedSoFar >= r.Times, true
	}
	d := r.DelayMs
	if r.DelayMaxMs > r.DelayMs {
		d += draw.Int64N(r.DelayMaxMs - r.DelayMs + 1)
	}
	return true, time.Duration(d) * time.Millisecond, r.Times > 0 && firedSoFar >= r.Times, true
}

// addRule stores a checked rule under the next id.
func (s *shared) addRule(ctx context.Context, r FaultRule) (FaultRule, error) {
	id, err := s.rdb.Incr(ctx, s.key(keyFaultNext)).Result()
	if err != nil {
		return r, s.failed(err)
	}
	r.ID, r.Matched, r.Fired, r.Active = id, 0, 0, true
	raw, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("encoding the rule: %w", err)
	}
	return r, s.change(ctx, func(p redis.Pipeliner) { p.HSet(ctx, s.key(keyFaults), strconv.FormatInt(id, 10), raw) })
}

// rules reads the rules with their counts across replicas.
func (s *shared) rules(ctx context.Context) ([]FaultRule, error) {
	pipe := s.rdb.Pipeline()
	faults := pipe.HGetAll(ctx, s.key(keyFaults))
	counts := pipe.HGetAll(ctx, s.key(keyFaultCounts))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, s.failed(err)
	}
	return rulesOf(faults.Val(), counts.Val()), nil
}

// removeRule removes one rule; false when there is none with that id.
func (s *shared) removeRule(ctx context.Context, id int64) (bool, error) {
	field := strconv.FormatInt(id, 10)
	n, err := s.rdb.HExists(ctx, s.key(keyFaults), field).Result()
	if err != nil {
		return false, s.failed(err)
	}
	if !n {
		return false, nil
	}
	return true, s.change(ctx, func(p redis.Pipeliner) {
		p.HDel(ctx, s.key(keyFaults), field)
		p.HDel(ctx, s.key(keyFaultCounts), field+":m", field+":f")
	})
}

// clearRules removes every rule; ids start from 1 again, as after a reset.
func (s *shared) clearRules(ctx context.Context) error {
	return s.change(ctx, func(p redis.Pipeliner) {
		p.Del(ctx, s.key(keyFaults), s.key(keyFaultCounts), s.key(keyFaultNext))
	})
}

// reset goes back to the start state everywhere: the seed (0 keeps the replicas' own), no
// posted overlays, no rules, an empty journal (its seq numbers go on).
func (s *shared) reset(ctx context.Context, seed int64) error {
	return s.change(ctx, func(p redis.Pipeliner) {
		p.Del(ctx, s.key(keyOverlays), s.key(keyFaults), s.key(keyFaultCounts), s.key(keyFaultNext),
			s.key(keyJournal), s.key(keyBodies), s.key(keyBodyRefs))
		if seed != 0 {
			p.Set(ctx, s.key(keySeed), seed, 0)
		}
	})
}

// addOverlay appends a posted overlay.
func (s *shared) addOverlay(ctx context.Context, source string, body []byte) error {
	raw, err := json.Marshal(sharedOverlay{Source: source, Body: body})
	if err != nil {
		return fmt.Errorf("encoding the overlay: %w", err)
	}
	return s.change(ctx, func(p redis.Pipeliner) { p.RPush(ctx, s.key(keyOverlays), raw) })
}

// The shared journal.

// sharedRecord is a journal record as the stream keeps it: what judging it needs, so that
// any replica can judge what another answered.
type sharedRecord struct {
	Entry           JournalEntry `json:"entry"`
	HasClientName   bool         `json:"hasClientName,omitempty"`
	ReqCorrelation  []string     `json:"reqCorrelation,omitempty"`
	RespContentType string       `json:"respContentType,omitempty"`
	RetryAfter      []string     `json:"retryAfter,omitempty"`
	Body            []byte       `json:"-"` // a field of its own: bytes, neither base64 nor escaped
	Truncated       bool         `json:"truncated,omitempty"`
}

func (rec *journalRecord) shared() sharedRecord {
	sr := sharedRecord{Entry: rec.entry, HasClientName: rec.hasClientName, ReqCorrelation: rec.reqCorrelation,
		RespContentType: rec.respContentType, RetryAfter: rec.retryAfter, Body: rec.body, Truncated: rec.truncated}
	if len(sr.Body) > maxSharedJournalBody {
		sr.Body, sr.Truncated = nil, true
	}
	return sr
}

func (sr sharedRecord) record() *journalRecord {
	return &journalRecord{entry: sr.Entry, hasClientName: sr.HasClientName, reqCorrelation: sr.ReqCorrelation,
		respContentType: sr.RespContentType, retryAfter: sr.RetryAfter, body: sr.Body, truncated: sr.Truncated}
}

// journalScript appends a batch of entries to the stream, numbered on from the last seq,
// and trims the stream to ARGV[1] entries. ARGV[2] is how many entries the batch numbers
// (the writer leaves out those the trim would drop at once), ARGV[3] how many it sends,
// then a record and a body key ("" without a body) for each, then the batch's distinct
// bodies as key and bytes. A body is stored once however many entries answer with it (a
// load test asks for the same page thousands of times a second), and dropped when no entry
// left in the stream refers to it.
var journalScript = redis.NewScript(`
local size = tonumber(ARGV[1])
local sent = tonumber(ARGV[3])
local last = redis.call('INCRBY', KEYS[2], tonumber(ARGV[2]))
local seq = last - sent
for i = 0, sent - 1 do
  local n = seq + i + 1
  local body = ARGV[5 + 2*i]
  redis.call('XADD', KEYS[1], '*', 'seq', n, 'rec', ARGV[4 + 2*i], 'body', body)
  if body ~= '' then redis.call('ZADD', KEYS[4], n, body) end
end
for j = 4 + 2*sent, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[j], ARGV[j + 1])
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', size)
local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', last - size)
for k = 1, #gone, 1000 do
  redis.call('HDEL', KEYS[3], unpack(gone, k, math.min(k + 999, #gone)))
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', last - size)
return last
`)

// bodyRef is a body by its bytes' address: a cached answer is the same slice each time.
type bodyRef struct {
	first *byte
	n     int
}

// record hands an entry to the writer; it never waits. An entry the writer has no room for
// (it is behind a load Redis cannot follow) is dropped rather than slowing the API.
func (s *shared) record(rec *journalRecord) {
	select {
	case s.journal <- rec:
	default:
	}
}

// writeJournal appends what record queued, in batches. At most one batch goes out per
// sharedJournalFlush: under load the stream keeps only the last journalSize entries anyway,
// so entries it would trim at once are numbered, never encoded or sent. At light load an
// entry is in the stream one round trip after its answer; under load, within the interval.
func (s *shared) writeJournal(ctx context.Context) {
	var last time.Time
	for {
		var first *journalRecord
		select {
		case <-ctx.Done():
			return
		case first = <-s.journal:
		}
		if wait := time.Until(last.Add(sharedJournalFlush)); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		batch := []*journalRecord{first} // at most the queue's capacity more
	drain:
		for {
			select {
			case rec := <-s.journal:
				batch = append(batch, rec)
			default:
				break drain
			}
		}
		// Entries the stream would trim at once are numbered, not sent.
		numbered := len(batch)
		batch = batch[max(0, len(batch)-s.journalSize):]
		last = time.Now()
		if !s.healthy.Load() {
			continue // answered while Redis was away: not in the shared journal
		}
		args := []any{s.journalSize, numbered, len(batch)}
		var bodies []any
		bodyKeys := map[bodyRef]string{}
		for _, rec := range batch {
			sr := rec.shared()
			raw, err := json.Marshal(sr)
			if err != nil {
				raw = []byte("{}")
			}
			key := ""
			if len(sr.Body) > 0 {
				// The same cached body is the same slice: hashed once per batch.
				ref := bodyRef{&sr.Body[0], len(sr.Body)}
				if key = bodyKeys[ref]; key == "" {
					key = strconv.FormatUint(maphash.Bytes(s.bodySeed, sr.Body), 36) + "." + strconv.Itoa(len(sr.Body))
					bodyKeys[ref] = key
					bodies = append(bodies, key, sr.Body)
				}
			}
			args = append(args, raw, key)
		}
		args = append(args, bodies...)
		wctx, cancel := context.WithTimeout(ctx, sharedAdminTimeout)
		keys := []string{s.key(keyJournal), s.key(keyJournalSeq), s.key(keyBodies), s.key(keyBodyRefs)}
		if err := journalScript.Run(wctx, s.rdb, keys, args...).Err(); err != nil {
			s.failed(err)
		}
		cancel()
	}
}

// journalEntries reads the stream, oldest first, and how many entries were recorded.
func (s *shared) journalEntries(ctx context.Context) ([]*journalRecord, []string, uint64, error) {
	pipe := s.rdb.Pipeline()
	msgs := pipe.XRange(ctx, s.key(keyJournal), "-", "+")
	seq := pipe.Get(ctx, s.key(keyJournalSeq))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, 0, s.failed(err)
	}
	recorded, _ := strconv.ParseUint(seq.Val(), 10, 64)
	var recs []*journalRecord
	var ids, bodyKeys []string
	for _, m := range msgs.Val() {
		raw, _ := m.Values["rec"].(string)
		var sr sharedRecord
		if json.Unmarshal([]byte(raw), &sr) != nil {
			continue
		}
		n, _ := strconv.ParseUint(fmt.Sprint(m.Values["seq"]), 10, 64)
		sr.Entry.Seq = n
		key, _ := m.Values["body"].(string)
		recs = append(recs, sr.record())
		ids = append(ids, m.ID)
		bodyKeys = append(bodyKeys, key)
	}
	// Each distinct body once: a journal of a load test is the same few pages.
	bodies := map[string][]byte{}
	var distinct []string
	for _, k := range bodyKeys {
		if _, seen := bodies[k]; k != "" && !seen {
			bodies[k] = nil
			distinct = append(distinct, k)
		}
	}
	if len(distinct) == 0 {
		return recs, ids, recorded, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.key(keyBodies), distinct...).Result()
	if err != nil {
		return nil, nil, 0, s.failed(err)
	}
	for i, v := range vals {
		if b, ok := v.(string); ok {
			bodies[distinct[i]] = []byte(b)
		}
	}
	for i, key := range bodyKeys {
		switch {
		case key == "":
		case bodies[key] != nil:
			recs[i].body = bodies[key]
		default:
			// Another replica's batch trimmed it between the two reads, or a reset did.
			recs[i].truncated = true
		}
	}
	return recs, ids, recorded, nil
}

// clearJournal removes the entries that pass the filter.
func (s *shared) clearJournal(ctx context.Context, f journalFilter) error {
	recs, ids, _, err := s.journalEntries(ctx)
	if err != nil {
		return err
	}
	var del []string
	for i, rec := range recs {
		if f.keeps(&rec.entry) {
			del = append(del, ids[i])
		}
	}
	if len(del) == 0 {
		return nil
	}
	if err := s.rdb.XDel(ctx, s.key(keyJournal), del...).Err(); err != nil {
		return s.failed(err)
	}
	return nil
}

// Rate-limit windows.

// take counts one request of key in the window that ends at windowEnd, across replicas.
// ok is false when Redis could not be asked.
func (s *shared) take(ctx context.Context, key clientKey, windowEnd time.Time, window time.Duration) (count int64, ok bool) {
	if !s.healthy.Load() {
		return 0, false
	}
	kind := "n:"
	switch {
	case key.anonymous:
		kind = "a:"
	case key.overflow:
		kind = "o:"
	}
	k := s.key("rl:" + strconv.FormatInt(windowEnd.UnixMilli(), 10) + ":" + kind + key.id)
	pipe := s.rdb.Pipeline()
	incr := pipe.Incr(ctx, k)
	pipe.PExpire(ctx, k, 2*window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		s.failed(err)
		return 0, false
	}
	return incr.Val(), true
}
