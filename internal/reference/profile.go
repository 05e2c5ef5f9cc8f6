package reference

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// Personas names the reference's members by the traits the conformance
// suite talks about.
type Personas struct {
	Now          time.Time        // the reference's "now"; its data never passes it
	Program      int64            // the program under test
	Members      map[string]int64 // trait (newcomer, regular, frequent, suspended, lapsed) → member id
	OtherProgram int64            // another program, for isolation
	OtherMembers map[string]int64 // its members by trait
}

// Profile returns the personas of the reference's data, which is the same
// for every New.
func Profile() Personas {
	ps := build()
	traits := func(p *program) map[string]int64 {
		out := map[string]int64{}
		for _, m := range p.members {
			if m.trait != "" {
				out[m.trait] = m.id
			}
		}
		return out
	}
	return Personas{Now: now, Program: ps[0].id, Members: traits(ps[0]), OtherProgram: ps[1].id, OtherMembers: traits(ps[1])}
}

// WriteYAML writes the personas as the suite's profile file (see
// steps.LoadProfile).
func (p Personas) WriteYAML(w io.Writer) error {
	prog := func(key string, id int64, members map[string]int64) string {
		names := make([]string, 0, len(members))
		for t := range members {
			names = append(names, t)
		}
		sort.Strings(names)
		s := fmt.Sprintf("%s:\n  id: %d\n  traits:\n", key, id)
		for _, t := range names {
			s += fmt.Sprintf("    %s: %d\n", t, members[t])
		}
		return s
	}
	_, err := fmt.Fprintf(w, "# The reference implementation's personas.\nnow: %s\n%s%s",
		ts(p.Now), prog("program", p.Program, p.Members), prog("otherProgram", p.OtherProgram, p.OtherMembers))
	if err != nil {
		return fmt.Errorf("writing the reference profile: %w", err)
	}
	return nil
}
