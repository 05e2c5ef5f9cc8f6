package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
)

// componentSchemas maps every name under components/schemas to its schema. The document is
// embedded and never changes, so the map is computed once, on first use, and only read after.
var componentSchemas = sync.OnceValues(func() (map[string]*base.Schema, error) {
	doc, err := libopenapi.NewDocument(document)
	if err != nil {
		return nil, fmt.Errorf("parsing the embedded OpenAPI document: %w", err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("building the OpenAPI model: %w", err)
	}
	if model.Model.Components == nil || model.Model.Components.Schemas == nil {
		return nil, errors.New("the document has no components/schemas")
	}
	out := make(map[string]*base.Schema)
	for name, proxy := range model.Model.Components.Schemas.FromOldest() {
		if s := proxy.Schema(); s != nil {
			out[name] = s
		}
	}
	return out, nil
})

// SchemaNames returns the names under components/schemas, sorted.
func SchemaNames() ([]string, error) {
	schemas, err := componentSchemas()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(schemas))
	for name := range schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// SchemaError says where a JSON value breaks a schema of the document.
type SchemaError struct {
	Schema     string // e.g. "Member"
	Violations []SchemaViolation
}

// SchemaViolation is one finding of the validator.
type SchemaViolation struct {
	// Path leads from the root of the value to the offending part, one segment per object
	// key or array index: ["levels", "0", "name"]. Empty means the value itself (a missing
	// required property, an unknown one).
	Path    []string
	Message string
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the value does not match components/schemas/%s:", e.Schema)
	for _, v := range e.Violations {
		b.WriteString("\n  - ")
		if len(v.Path) > 0 {
			b.WriteString(strings.Join(v.Path, "."))
			b.WriteString(": ")
		}
		b.WriteString(v.Message)
	}
	return b.String()
}

// ValidateSchema validates a JSON value against components/schemas/<name>, with format
// assertions on, as response bodies are validated. nil when it conforms; otherwise a
// *SchemaError listing every violation with the path to it.
func (v *Validator) ValidateSchema(name string, jsonValue []byte) error {
	schemas, err := componentSchemas()
	if err != nil {
		return err
	}
	schema, ok := schemas[name]
	if !ok {
		return fmt.Errorf("the document has no components/schemas/%s", name)
	}
	dec := json.NewDecoder(bytes.NewReader(jsonValue))
	dec.UseNumber() // int64 ids beyond 2^53 keep their digits
	var decoded any
	if err := dec.Decode(&decoded); err != nil {
		return fmt.Errorf("the value for components/schemas/%s is not JSON: %w", name, err)
	}
	if decoded == nil {
		// The schema validator skips a JSON null instead of failing it.
		return &SchemaError{Schema: name, Violations: []SchemaViolation{{Message: "the value is null, want an object"}}}
	}
	ok, verrs := v.schemas.ValidateSchemaObject(schema, decoded)
	if ok {
		return nil
	}
	e := &SchemaError{Schema: name}
	for _, ve := range verrs {
		if len(ve.SchemaValidationErrors) == 0 {
			e.Violations = append(e.Violations, SchemaViolation{Message: validatorSentence(ve)})
			continue
		}
		for _, f := range ve.SchemaValidationErrors {
			e.Violations = append(e.Violations, violations(f.InstancePath, f.Reason)...)
		}
	}
	return e
}

var additionalProperties = regexp.MustCompile(`^additional propert(?:y|ies) (.+) (?:is|are)? ?not allowed$`)

// violations turns one finding into violations. A finding about unknown properties is about
// the object that holds them; it is split into one violation per property, each with the
// property's own path, so that a caller can point at the offending key.
func violations(path []string, reason string) []SchemaViolation {
	m := additionalProperties.FindStringSubmatch(reason)
	if m == nil {
		return []SchemaViolation{{Path: slices.Clone(path), Message: reason}}
	}
	var out []SchemaViolation
	for _, q := range quotedName.FindAllStringSubmatch(m[1], -1) {
		out = append(out, SchemaViolation{
			Path:    append(slices.Clone(path), q[1]),
			Message: fmt.Sprintf("unknown property %q: the schema allows no other properties than those it lists", q[1]),
		})
	}
	if len(out) == 0 {
		return []SchemaViolation{{Path: slices.Clone(path), Message: reason}}
	}
	return out
}
