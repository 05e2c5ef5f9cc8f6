package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/membersmock/membersmock/steps"
)

// learn builds the world from the profile, then reads a little of the
// target so that generated requests also name real things: each profile
// member's customerId, the order ids and point definitions of its
// transactions, and its point periods. A read that fails teaches nothing;
// the fuzzing itself will show what is wrong. Only a target that does not
// answer at all stops the run.
func (f *fuzzer) learn(ctx context.Context, ops []operation) (*world, error) {
	p := f.cfg.Profile
	w := &world{
		members:      map[int64][]int64{},
		pointPeriods: map[int64][]int64{},
		samples:      map[string][]string{},
		unknownID:    p.UnknownID,
	}
	if w.unknownID <= 0 {
		w.unknownID = steps.DefaultUnknownID
	}
	progs := []steps.ProgramProfile{p.Program}
	if p.OtherProgram != nil {
		progs = append(progs, *p.OtherProgram)
	}
	for _, prog := range progs {
		w.programs = append(w.programs, prog.ID)
		for _, trait := range steps.Traits() {
			if id, ok := prog.Traits[trait]; ok && id > 0 && !slices.Contains(w.members[prog.ID], id) {
				w.members[prog.ID] = append(w.members[prog.ID], id)
			}
		}
	}
	paths := map[string]string{}
	for _, op := range ops {
		paths[op.ID] = op.Path
	}
	read := func(opID string, program, member int64, into any) error {
		path, ok := paths[opID]
		if !ok {
			return nil
		}
		r := &request{op: &operation{}}
		r.op.Path = path
		r.params = []sent{
			{name: "programId", in: "path", value: value{text: strconv.FormatInt(program, 10)}},
			{name: "memberId", in: "path", value: value{text: strconv.FormatInt(member, 10)}},
		}
		u := f.base + r.path()
		if opID != "getMember" {
			u += "?perPage=" + strconv.FormatInt(f.check.paging.MaxPerPage, 10)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("reading %s: %w", u, err)
		}
		req.Header.Set("ET-Client-Name", f.cfg.ClientName)
		if f.cfg.Token != "" {
			req.Header.Set("Authorization", "Bearer "+f.cfg.Token)
		}
		resp, err := f.cfg.HTTPClient.Do(req)
		if err != nil {
			return fmt.Errorf("the target at %s is unreachable: %w", f.cfg.BaseURL, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			_ = json.NewDecoder(resp.Body).Decode(into) // a body that does not decode teaches nothing
		}
		return nil
	}
	add := func(name, v string) {
		if v != "" && !slices.Contains(w.samples[name], v) {
			w.samples[name] = append(w.samples[name], v)
		}
	}
	for _, program := range w.programs[:1] {
		for _, member := range w.members[program] {
			var m struct {
				CustomerID string `json:"customerId"`
			}
			var txs struct {
				Items []struct {
					PointDefinitionReference string `json:"pointDefinitionReference"`
					Metadata                 struct {
						OrderID string `json:"orderId"`
					} `json:"metadata"`
				} `json:"items"`
			}
			var pps struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			for _, rd := range []struct {
				op   string
				into any
			}{{"getMember", &m}, {"getMemberTransactions", &txs}, {"getMemberPointPeriods", &pps}} {
				if err := read(rd.op, program, member, rd.into); err != nil {
					return nil, err
				}
			}
			add("customerId", m.CustomerID)
			for i, tx := range txs.Items {
				if i < 5 {
					add("orderId", tx.Metadata.OrderID)
				}
				add("pointDefinitionReference", tx.PointDefinitionReference)
			}
			for i, pp := range pps.Items {
				if i < 5 {
					w.pointPeriods[member] = append(w.pointPeriods[member], pp.ID)
				}
			}
		}
	}
	return w, nil
}
