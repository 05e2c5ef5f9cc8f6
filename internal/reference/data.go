package reference

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The data is made from fixed seeds, so every New serves the same bytes.
const seedA, seedB = 0x5eed_f70d, 0x0b5e_55ed

// now is the reference's notion of the current instant: nothing in its
// data happens after it. Profile hands it to the suite.
var now = time.Date(2026, 3, 18, 9, 30, 0, 0, time.UTC)

type pointDef struct {
	id  int64
	ref string
}

type reward struct {
	id        int64
	ref, name string
	typ       string
	value     float64 // 0: none
	hasValue  bool
}

type level struct {
	id      int64
	name    string
	rank    int
	need    float64 // of the program's main point definition, within a period
	rewards []reward
}

type program struct {
	id, org, version int64
	name, ref, info  string
	preset           string
	access, admins   []int64
	created, updated time.Time
	defs             []pointDef // defs[0] is the one the levels count
	levels           []level
	members          []*member // id ascending
}

type member struct {
	id       int64
	customer string
	created  time.Time
	updated  *time.Time
	userType string
	trait    string // the persona it was made as; "" for the others
	periods  []period
	txs      []transaction
	events   []pointEvent
	susps    []suspension
}

type period struct {
	id         int64
	start, end time.Time
	from, to   string // the member's usual stop places
	userType   string
}

type transaction struct {
	id               int64
	amount           float64
	created, valid   time.Time
	def              pointDef
	periodID         int64 // 0: none
	expire, cancel   *time.Time
	order, orderLine string
	from, to         string
}

type pointEvent struct {
	id       int64
	typ      string
	amount   float64
	ref      string
	created  time.Time
	txID     int64
	periodID int64
}

type suspension struct {
	id          int64
	start       time.Time
	end         *time.Time
	referenceID string
	reason      string
}

// plan says how much activity a generated member has.
type plan struct {
	trait        string
	joinedDays   int // days before now
	trips        int // transactions in all
	recent       int // of which in the current period
	pastSusp     int
	openSusp     bool
	lapsed       bool // old activity only, expired and cancelled points
	cancelChance float64
}

// gen hands out ids from one sequence, so that no two things of the API share
// an id, and shuffles each batch so that ids do not rise with time.
type gen struct {
	r    *rand.Rand
	next int64
}

func (g *gen) ids(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		g.next += 1 + g.r.Int64N(23)
		out[i] = g.next
	}
	g.r.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) between(a, b time.Time) time.Time {
	span := b.Sub(a) / time.Second
	if span <= 0 {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(span))) * time.Second)
}

var userTypes = []string{"ADULT", "ADULT", "ADULT", "CHILD", "SENIOR", "STUDENT", "YOUTH"}

// Stop places of NeTEx's national stop register, as ids.
var stopPlaces = []string{"NSR:StopPlace:548", "NSR:StopPlace:59872", "NSR:StopPlace:4000", "NSR:StopPlace:41742",
	"NSR:StopPlace:58366", "NSR:StopPlace:6505", "NSR:StopPlace:30810", "NSR:StopPlace:2133", "NSR:StopPlace:11721"}

// build makes the two programs of the reference.
func build() []*program {
	g := &gen{r: rand.New(rand.NewPCG(seedA, seedB)), next: 7_300_000}
	a := &program{
		name: "Fjordpass Fordel", ref: "fjordpass-fordel", info: "https://fjordpass.example.no/fordel",
		preset: "CUSTOM", created: time.Date(2023, 8, 21, 7, 0, 0, 0, time.UTC), updated: time.Date(2025, 11, 3, 13, 45, 0, 0, time.UTC),
	}
	b := &program{
		name: "Nordlys Reisepoeng", ref: "nordlys-reisepoeng", preset: "CAMPAIGN_CODE_PROGRAM",
		created: time.Date(2024, 2, 5, 10, 30, 0, 0, time.UTC), updated: time.Date(2024, 2, 5, 10, 30, 0, 0, time.UTC),
	}
	pids := g.ids(2)
	a.id, b.id = min(pids[0], pids[1]), max(pids[0], pids[1])
	a.org, a.version, a.access, a.admins = 4_217, 31, []int64{4_217, 4_388}, []int64{4_217}
	b.org, b.version, b.access, b.admins = 5_609, 8, []int64{5_609}, []int64{5_609, 4_217}
	d := g.ids(3)
	a.defs = []pointDef{{d[0], "fjordpass-reise"}, {d[1], "fjordpass-kampanje"}}
	b.defs = []pointDef{{d[2], "nordlys-poeng"}}
	a.levels = ladder(g, []string{"Bronse", "Sølv", "Gull"}, []float64{150, 600, 1500})
	b.levels = ladder(g, []string{"Start", "Pluss", "Ekstra", "Topp"}, []float64{100, 400, 900, 2000})

	personas := []plan{
		{trait: "newcomer", joinedDays: 6},
		{trait: "regular", joinedDays: 250, trips: 60, recent: 20, pastSusp: 1, cancelChance: 0.03},
		{trait: "frequent", joinedDays: 420, trips: 150, recent: 60, cancelChance: 0.02},
		{trait: "suspended", joinedDays: 700, trips: 30, recent: 4, pastSusp: 2, openSusp: true, cancelChance: 0.03},
		{trait: "lapsed", joinedDays: 820, trips: 26, lapsed: true, cancelChance: 0.2},
	}
	a.members = members(g, a, personas, 33)
	b.members = members(g, b, personas[1:2], 11)
	return []*program{a, b}
}

func ladder(g *gen, names []string, needs []float64) []level {
	ids, rids := g.ids(len(names)), g.ids(2*len(names))
	out := make([]level, len(names))
	for i := range names {
		pct := float64(5 * (i + 1))
		out[i] = level{id: ids[i], name: names[i], rank: i + 1, need: needs[i], rewards: []reward{
			{id: rids[2*i], ref: fmt.Sprintf("rabatt-%d", int(pct)), name: fmt.Sprintf("%d %% rabatt på enkeltbillett", int(pct)), typ: "DISCOUNT", value: pct, hasValue: true},
			{id: rids[2*i+1], ref: fmt.Sprintf("fordel-%d", i+1), name: []string{"Gratis sykkel på toget", "Gratis setereservasjon", "Tilgang til ventesal", "Gratis ekstra bagasje", "Fri oppgradering til komfort"}[i], typ: "BENEFIT"},
		}}
	}
	return out
}

func members(g *gen, p *program, personas []plan, fillers int) []*member {
	plans := slices.Clone(personas)
	for range fillers {
		days := 10 + g.r.IntN(900)
		trips := g.r.IntN(min(days/3, 90) + 1)
		plans = append(plans, plan{joinedDays: days, trips: trips, recent: trips * min(77, days) / days / 2, pastSusp: g.r.IntN(5) / 3, cancelChance: 0.03})
	}
	ids := g.ids(len(plans))
	seen := map[string]bool{}
	out := make([]*member, len(plans))
	for i, pl := range plans {
		m := &member{id: ids[i], trait: pl.trait, userType: g.pick(userTypes)}
		for m.customer == "" || seen[m.customer] {
			m.customer = fmt.Sprintf("NO-%09d", g.r.IntN(1_000_000_000))
		}
		seen[m.customer] = true
		m.created = now.AddDate(0, 0, -pl.joinedDays).Add(-time.Duration(g.r.IntN(80_000)) * time.Second)
		if g.r.IntN(2) == 0 {
			u := g.between(m.created, now)
			m.updated = &u
		}
		activity(g, p, m, pl)
		out[i] = m
	}
	slices.SortFunc(out, func(x, y *member) int { return int(x.id - y.id) })
	return out
}

// quarter returns the calendar quarter holding t: point periods are quarters.
func quarter(t time.Time) (time.Time, time.Time) {
	s := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return s, s.AddDate(0, 3, 0)
}

func activity(g *gen, p *program, m *member, pl plan) {
	if pl.trips == 0 {
		return
	}
	from, to := g.pick(stopPlaces), g.pick(stopPlaces)
	for to == from {
		to = g.pick(stopPlaces)
	}
	var starts []time.Time
	for s, _ := quarter(m.created); s.Before(now); s = s.AddDate(0, 3, 0) {
		starts = append(starts, s)
	}
	pids := g.ids(len(starts))
	for i, s := range starts {
		m.periods = append(m.periods, period{id: pids[i], start: s, end: s.AddDate(0, 3, 0), from: from, to: to, userType: m.userType})
	}
	periodOf := func(t time.Time) int64 {
		for _, pp := range m.periods {
			if !t.Before(pp.start) && t.Before(pp.end) {
				return pp.id
			}
		}
		return 0
	}
	curStart, _ := quarter(now)
	window := [2]time.Time{m.created.Add(time.Hour), now.Add(-3 * time.Hour)}
	if pl.lapsed {
		window[1] = m.created.AddDate(0, 0, 200)
	}
	tids := g.ids(pl.trips)
	var order string
	var line int
	for i := range pl.trips {
		tx := transaction{id: tids[i], from: from, to: to, def: p.defs[0]}
		if g.r.IntN(5) == 0 {
			tx.from, tx.to = to, from
		}
		if i > 0 && g.r.IntN(8) == 0 { // a second line of the previous order: same instants
			prev := m.txs[i-1]
			tx.valid, tx.created, tx.from, tx.to = prev.valid, prev.created, prev.from, prev.to
			line++
		} else {
			lo := window[0]
			if i < pl.recent {
				if c := curStart.Add(time.Hour); c.After(lo) {
					lo = c
				}
			}
			tx.valid = g.between(lo, window[1])
			tx.created = tx.valid.Add(time.Duration(g.r.IntN(1200)) * time.Second)
			order, line = fmt.Sprintf("%s%07d", g.pick([]string{"VY", "RT", "SK", "AT"}), g.r.IntN(10_000_000)), 1
		}
		tx.order, tx.orderLine = order, fmt.Sprint(line)
		switch {
		case g.r.IntN(14) == 0 && !pl.lapsed && i >= pl.recent: // points spent on a reward
			tx.amount = -float64(100 + 50*g.r.IntN(6))
		case len(p.defs) > 1 && g.r.IntN(7) == 0:
			tx.def, tx.amount = p.defs[1], float64(50*(1+g.r.IntN(2)))
		default:
			tx.amount = float64(20 + 5*g.r.IntN(21))
		}
		if tx.amount > 0 {
			tx.periodID = periodOf(tx.valid)
			months := 12
			if tx.def != p.defs[0] {
				months = 3
			}
			e := tx.created.AddDate(0, months, 0)
			tx.expire = &e
			if g.r.Float64() < pl.cancelChance || (pl.lapsed && i < 2) {
				c := tx.created.Add(time.Duration(1+g.r.IntN(14*24)) * time.Hour)
				if c.Before(now) {
					tx.cancel, tx.expire = &c, nil // cancelled points cannot expire as well
				}
			}
		}
		m.txs = append(m.txs, tx)
	}
	m.events = events(g, m.txs)
	m.susps = suspensions(g, m, pl)
}

// events derives the points history from the transactions, as the contract says.
func events(g *gen, txs []transaction) []pointEvent {
	var out []pointEvent
	add := func(tx transaction, typ string, amount float64, at time.Time) {
		out = append(out, pointEvent{typ: typ, amount: amount, ref: tx.def.ref, created: at, txID: tx.id, periodID: tx.periodID})
	}
	for _, tx := range txs {
		if tx.amount > 0 {
			add(tx, "EARNED", tx.amount, tx.created)
		} else {
			add(tx, "CONSUMED", tx.amount, tx.created)
		}
		if tx.cancel != nil {
			add(tx, "CANCELLED", -tx.amount, *tx.cancel)
		}
		if tx.expire != nil && tx.amount > 0 && tx.expire.Before(now) {
			add(tx, "EXPIRED", -tx.amount, *tx.expire)
		}
	}
	ids := g.ids(len(out))
	for i := range out {
		out[i].id = ids[i]
	}
	return out
}

// suspensions walks back from now: an optional open one, then past ones with
// gaps between them, all after the member joined.
func suspensions(g *gen, m *member, pl plan) []suspension {
	reasons := []string{"PAYMENT_OVERDUE", "SHARED_ACCOUNT", "CUSTOMER_REQUEST", "CHARGEBACK"}
	var out []suspension
	t := now
	if pl.openSusp {
		t = now.AddDate(0, 0, -9).Add(-time.Duration(g.r.IntN(40_000)) * time.Second)
		out = append(out, suspension{start: t})
	}
	for range pl.pastSusp {
		end := t.AddDate(0, 0, -(20 + g.r.IntN(60)))
		start := end.AddDate(0, 0, -(3 + g.r.IntN(25)))
		if start.Before(m.created) {
			break
		}
		out = append(out, suspension{start: start, end: &end})
		t = start
	}
	ids := g.ids(len(out))
	for i := range out {
		out[i].id, out[i].reason = ids[i], g.pick(reasons)
		out[i].referenceID = fmt.Sprintf("SAK-%d-%05d", out[i].start.Year(), g.r.IntN(100_000))
	}
	return out
}

// currentLevel is the highest level the non-cancelled points of the current
// period meet, and false when none is met.
func (p *program) currentLevel(m *member) (level, bool) {
	var cur int64
	for _, pp := range m.periods {
		if !now.Before(pp.start) && now.Before(pp.end) {
			cur = pp.id
		}
	}
	pts := 0.0
	for _, tx := range m.txs {
		if cur != 0 && tx.periodID == cur && tx.cancel == nil && tx.def == p.defs[0] {
			pts += tx.amount
		}
	}
	var best level
	found := false
	for _, l := range p.levels {
		if cur != 0 && pts >= l.need {
			best, found = l, true
		}
	}
	return best, found
}
