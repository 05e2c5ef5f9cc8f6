package spec

import _ "embed"

//go:embed control.yaml
var controlDocument []byte

// ControlDocument returns the embedded OpenAPI 3.1 document of the mock's control plane, the
// endpoints under /__mock/ (YAML bytes, do not modify). It is the mock's, not the Members
// API's: a real deployment has none of these endpoints.
func ControlDocument() []byte { return controlDocument }

// ControlDocumentJSON returns the control plane's document converted to JSON, keys in
// document order.
func ControlDocumentJSON() ([]byte, error) { return toJSON(controlDocument) }
