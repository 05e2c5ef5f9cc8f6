// Package steps runs the conformance suite: the Gherkin scenarios of package
// features, executed with godog against any deployment of the Members API (the
// mock or a real implementation) over HTTP. Every response is validated against
// the OpenAPI document of package spec and against the contract rules a schema
// cannot express (UTC timestamps, the correlation id, the Error body), and a
// violation fails the step with the validator's own message. Scenarios never
// hard-code ids: a Profile maps traits such as "a member with more than 100
// transactions" to real ids, read from the mock's catalog or from a YAML file,
// and a scenario whose trait the profile lacks is skipped with a reason.
// Run executes the suite and returns a Result with the outcome of every
// scenario and the contract coverage of the run. State lives per scenario in
// the context, so scenarios run concurrently.
package steps
