package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/membersmock/membersmock/spec"
	"gopkg.in/yaml.v3"
)

// Trait names a kind of member the scenarios talk about. A profile maps each
// trait to the id of one member that has it.
type Trait string

// The traits the suite uses. They match the personas of the mock's catalog.
const (
	Newcomer  Trait = "newcomer"  // joined recently; no transactions, point periods, history or suspensions; no level
	Regular   Trait = "regular"   // 21–100 transactions, at least two point periods, a level reached
	Frequent  Trait = "frequent"  // more than 100 transactions, the top level reached
	Suspended Trait = "suspended" // one open suspension and at least two past ones
	Lapsed    Trait = "lapsed"    // points history with EXPIRED and CANCELLED events
)

// traitOrder lists every trait, in the order used to pick "a member" of a
// program: members with activity first.
var traitOrder = []Trait{Regular, Frequent, Suspended, Lapsed, Newcomer}

// Traits returns every trait the suite knows, in a stable order.
func Traits() []Trait { return slices.Clone(traitOrder) }

// DefaultUnknownID is the id the suite uses for programs, members and point
// periods that must not exist, unless the profile names another one.
// 2^53-1 is a valid int64 that fits a JavaScript number and is far beyond any
// id a seeded or real database hands out.
const DefaultUnknownID int64 = 1<<53 - 1

// Profile tells the suite which ids of the target stand for the traits the
// scenarios talk about, and what "now" is.
type Profile struct {
	// Source says where the profile came from, for the summary.
	Source string
	// Now is the target's notion of the current instant. The zero time means
	// "use the server's clock": the Date header of each response.
	Now time.Time
	// Program is the program under test ("a program").
	Program ProgramProfile
	// OtherProgram is "another program", for the isolation scenarios; nil
	// when the target has only one program the client may read.
	OtherProgram *ProgramProfile
	// UnknownID is an id that is neither a program, a member nor a point
	// period of the target. Zero means DefaultUnknownID.
	UnknownID int64
	// Fault says how to make the target answer 500 on purpose (@fault
	// scenarios); nil skips them.
	Fault *FaultInjection
	// Dialect is how the target decides what the contract leaves open, when
	// the profile says; nil means the contract's choices.
	Dialect *spec.Dialect
	// Declared is the dialect the mock's catalog says it speaks. It is not
	// what the run expects (a dialect is stated, never taken from the
	// target under test); the summary points out a difference.
	Declared *spec.Dialect
}

// ProgramProfile is one program of the target and its members by trait.
type ProgramProfile struct {
	ID     int64
	Traits map[Trait]int64 // member id per trait; a missing trait skips the scenarios that need it
}

// FaultInjection is a request header that makes the target fail with 500.
type FaultInjection struct {
	Header string
	Value  string
}

// member returns the id of the program's member with the trait.
func (p ProgramProfile) member(t Trait) (int64, bool) {
	id, ok := p.Traits[t]
	return id, ok && id > 0
}

// anyMember returns some member of the program, preferring members with
// activity, and the trait it was found under.
func (p ProgramProfile) anyMember() (int64, Trait, bool) {
	for _, t := range traitOrder {
		if id, ok := p.member(t); ok {
			return id, t, true
		}
	}
	return 0, "", false
}

func (p *Profile) unknownID() int64 {
	if p.UnknownID > 0 {
		return p.UnknownID
	}
	return DefaultUnknownID
}

// profileFile is the YAML form of a Profile. See LoadProfile.
type profileFile struct {
	Now          string              `yaml:"now"`
	Program      *programFile        `yaml:"program"`
	OtherProgram *programFile        `yaml:"otherProgram"`
	UnknownID    int64               `yaml:"unknownId"`
	Fault        *faultInjectionFile `yaml:"fault"`
	Dialect      yaml.Node           `yaml:"dialect"`
}

type programFile struct {
	ID     int64            `yaml:"id"`
	Traits map[string]int64 `yaml:"traits"`
}

type faultInjectionFile struct {
	Header string `yaml:"header"`
	Value  string `yaml:"value"`
}

// LoadProfile reads a profile from a YAML file. The format:
//
//	# What "now" is for the target: "server" (the default) uses the Date
//	# header of each response; an RFC 3339 instant fixes it.
//	now: server
//	# The program under test and one member id per trait. Every trait is
//	# optional; scenarios that need a missing one are skipped, naming it.
//	program:
//	  id: 1
//	  traits:
//	    newcomer: 1000005   # joined recently, no activity, no level
//	    regular: 1000017    # 21–100 transactions, 2+ point periods, a level
//	    frequent: 1000042   # more than 100 transactions, top level
//	    suspended: 1000003  # one open suspension and 2+ past ones
//	    lapsed: 1000011     # EXPIRED and CANCELLED points history events
//	# Optional: another program the same client may read, and at least one
//	# of its members (any trait), for the isolation scenarios.
//	otherProgram:
//	  id: 2
//	  traits:
//	    regular: 2000017
//	# Optional: an id that is no program, member or point period
//	# (default 9007199254740991).
//	unknownId: 9007199254740991
//	# Optional: a request header that makes the target answer 500 (@fault).
//	fault:
//	  header: X-Inject-Fault
//	  value: "500"
//	# Optional: the target's dialect, as a dialect file holds it (see
//	# spec.ParseDialect); --dialect overrides it.
//	dialect:
//	  firstPage: 1
//	  pastLastPage: notFound
func LoadProfile(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the profile: %w", err)
	}
	p, err := parseProfile(path, data)
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", path, err)
	}
	p.Source = path
	return p, nil
}

// ParseProfile parses the YAML form of a profile described at LoadProfile.
// Unknown keys and unknown traits are errors, so that a typo does not
// silently skip scenarios.
func ParseProfile(data []byte) (*Profile, error) { return parseProfile("profile", data) }

// parseProfile is ParseProfile for a file called name, which errors in the
// dialect block are reported against.
func parseProfile(name string, data []byte) (*Profile, error) {
	var f profileFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the profile is empty")
		}
		return nil, fmt.Errorf("parsing the profile: %w", err)
	}
	p := &Profile{Source: "profile", UnknownID: f.UnknownID}
	switch now := strings.TrimSpace(f.Now); now {
	case "", "server":
	default:
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return nil, fmt.Errorf(`now: want "server" or an RFC 3339 instant, got %q`, now)
		}
		p.Now = t.UTC()
	}
	if f.Program == nil {
		return nil, errors.New("program: missing (the program under test, with its id and traits)")
	}
	prog, err := f.Program.profile("program")
	if err != nil {
		return nil, err
	}
	p.Program = prog
	if f.OtherProgram != nil {
		other, err := f.OtherProgram.profile("otherProgram")
		if err != nil {
			return nil, err
		}
		if other.ID == prog.ID {
			return nil, fmt.Errorf("otherProgram: id %d is the program under test", other.ID)
		}
		p.OtherProgram = &other
	}
	if f.UnknownID < 0 {
		return nil, fmt.Errorf("unknownId: want a positive id, got %d", f.UnknownID)
	}
	if f.Fault != nil {
		if f.Fault.Header == "" {
			return nil, errors.New("fault: header is missing")
		}
		p.Fault = &FaultInjection{Header: f.Fault.Header, Value: f.Fault.Value}
	}
	if !f.Dialect.IsZero() {
		d, err := spec.DecodeDialect(name, &f.Dialect)
		if err != nil {
			return nil, err
		}
		p.Dialect = &d
	}
	return p, nil
}

func (f *programFile) profile(key string) (ProgramProfile, error) {
	if f.ID < 1 {
		return ProgramProfile{}, fmt.Errorf("%s.id: want a program id of at least 1, got %d", key, f.ID)
	}
	p := ProgramProfile{ID: f.ID, Traits: make(map[Trait]int64)}
	for name, id := range f.Traits {
		t := Trait(name)
		if !slices.Contains(traitOrder, t) {
			return ProgramProfile{}, fmt.Errorf("%s.traits.%s: unknown trait (known: %s)", key, name, traitList())
		}
		if id < 1 {
			return ProgramProfile{}, fmt.Errorf("%s.traits.%s: want a member id of at least 1, got %d", key, name, id)
		}
		p.Traits[t] = id
	}
	return p, nil
}

func traitList() string {
	names := make([]string, len(traitOrder))
	for i, t := range traitOrder {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// catalog is the body of the mock's GET /__mock/catalog.
type catalog struct {
	Seed     int64         `json:"seed"`
	Now      time.Time     `json:"now"`
	Dialect  *spec.Dialect `json:"dialect"`
	Programs []struct {
		ID       int64            `json:"id"`
		Name     string           `json:"name"`
		Members  int64            `json:"members"`
		Personas map[string]int64 `json:"personas"`
	} `json:"programs"`
}

// CatalogProfile reads the profile from the mock's GET /__mock/catalog at
// baseURL: the first program is "a program", the second "another program",
// each persona is the trait of the same name, now is the mock's now, and a
// fault is injected with the mock's "Prefer: status=500".
func CatalogProfile(ctx context.Context, hc *http.Client, baseURL string) (*Profile, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	u := strings.TrimRight(baseURL, "/") + "/__mock/catalog"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the mock catalog: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the mock catalog (is the target running at %s?): %w", baseURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the mock catalog: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the mock catalog: GET %s answered %d; a target that is not the mock needs --profile", u, resp.StatusCode)
	}
	var c catalog
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("reading the mock catalog: %w", err)
	}
	if len(c.Programs) == 0 {
		return nil, errors.New("reading the mock catalog: it lists no programs")
	}
	// The mock answers any status its spec documents when asked with Prefer.
	p := &Profile{Source: "mock catalog " + u, Now: c.Now.UTC(), Fault: &FaultInjection{Header: "Prefer", Value: "status=500"}, Declared: c.Dialect}
	for i, cp := range c.Programs[:min(2, len(c.Programs))] {
		prog := ProgramProfile{ID: cp.ID, Traits: make(map[Trait]int64)}
		for name, id := range cp.Personas {
			if slices.Contains(traitOrder, Trait(name)) && id > 0 {
				prog.Traits[Trait(name)] = id
			}
		}
		if i == 0 {
			p.Program = prog
		} else {
			p.OtherProgram = &prog
		}
	}
	return p, nil
}
