// Package features holds the conformance suite: Gherkin files that state the
// rules of the Members API contract in business language. They are embedded
// so that the conformance binary runs anywhere without the source tree.
package features

import "embed"

// FS holds every *.feature file of this directory. Treat it as read-only.
//
//go:embed *.feature
var FS embed.FS
