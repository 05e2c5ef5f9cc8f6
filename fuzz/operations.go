package fuzz

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/membersmock/membersmock/spec"
)

// operation is one documented operation and what generating requests for it
// needs: its parameters with their schemas, as the document states them.
type operation struct {
	spec.Operation
	params []parameter // spec order
}

// parameter is one parameter of an operation.
type parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"` // path, query or header
	Required bool   `json:"required"`
	Schema   schema `json:"schema"`
	Ref      string `json:"$ref"`
}

// schema is the part of a parameter's JSON Schema that generation reads.
type schema struct {
	Type      typeName `json:"type"`
	Format    string   `json:"format"`
	Minimum   *int64   `json:"minimum"`
	Maximum   *int64   `json:"maximum"`
	MinLength *int     `json:"minLength"`
	Enum      []string `json:"enum"`
}

// typeName is a schema's type: OpenAPI 3.1 allows a list ([string, "null"]);
// generation uses its first type that is not null.
type typeName string

func (t *typeName) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = typeName(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a schema type is a string or a list of strings: %w", err)
	}
	for _, s := range many {
		if s != "null" {
			*t = typeName(s)
			break
		}
	}
	return nil
}

// documentJSON is the part of the OpenAPI document generation reads.
type documentJSON struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]parameter `json:"parameters"`
	} `json:"components"`
}

type operationJSON struct {
	Parameters []parameter `json:"parameters"`
}

// operations reads every documented operation and its parameters from the
// validator's document, in document order.
func operations(v *spec.Validator) ([]operation, error) {
	raw, err := v.DocumentJSON()
	if err != nil {
		return nil, err
	}
	var doc documentJSON
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("reading the parameters of the OpenAPI document: %w", err)
	}
	resolve := func(p parameter) (parameter, error) {
		if p.Ref == "" {
			return p, nil
		}
		name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
		target, found := doc.Components.Parameters[name]
		if !ok || !found {
			return p, fmt.Errorf("reading the OpenAPI document: parameter reference %q does not resolve", p.Ref)
		}
		return target, nil
	}
	var out []operation
	for _, op := range v.Operations() {
		item := doc.Paths[op.Path]
		var lists [][]parameter
		for _, key := range []string{"parameters", strings.ToLower(op.Method)} {
			raw, ok := item[key]
			if !ok {
				continue
			}
			var ps []parameter
			if key == "parameters" {
				err = json.Unmarshal(raw, &ps)
			} else {
				var o operationJSON
				err = json.Unmarshal(raw, &o)
				ps = o.Parameters
			}
			if err != nil {
				return nil, fmt.Errorf("reading the parameters of %s: %w", op.ID, err)
			}
			lists = append(lists, ps)
		}
		byName := make(map[string]parameter)
		for _, ps := range lists {
			for _, p := range ps {
				r, err := resolve(p)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", op.ID, err)
				}
				byName[r.Name] = r // the operation's own override the path item's
			}
		}
		o := operation{Operation: op}
		for _, name := range op.Params {
			if p, ok := byName[name]; ok {
				o.params = append(o.params, p)
			}
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("reading the OpenAPI document: it documents no operation")
	}
	return out, nil
}

// param returns the operation's parameter of that name.
func (o operation) param(name string) (parameter, bool) {
	for _, p := range o.params {
		if p.Name == name {
			return p, true
		}
	}
	return parameter{}, false
}

// isList reports whether the operation answers pages: it takes page and perPage.
func (o operation) isList() bool {
	_, page := o.param("page")
	_, perPage := o.param("perPage")
	return page && perPage
}

// documents reports whether the operation documents the status.
func (o operation) documents(status int) bool {
	for _, s := range o.Statuses {
		if s == status {
			return true
		}
	}
	return false
}
