// Package fuzz generates requests to the Members API from the parameter
// schemas of the OpenAPI document and holds every answer to the contract:
// valid values across each schema (bounds, every legal spelling of a
// date-time, long, non-ASCII and percent-encoded strings, ids near the int64
// limits, ids of the profile that exist and that do not) and invalid ones
// (wrong types, out of range, malformed dates, empty values, missing
// required headers). It is what `conformance fuzz` runs.
//
// The scenarios of package steps check the rules someone wrote down with
// the inputs someone imagined; fuzzing checks the same kinds of rules (see
// Checks) with inputs nobody picked. pgregory.net/rapid draws the requests
// and shrinks each failure to a minimal request, which the Result gives as
// a curl line. The same seed against the same target sends the same
// requests.
package fuzz
