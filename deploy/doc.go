// Package deploy holds the Helm chart of the mock (helm/members-mock) and the
// tests that render it with Helm's own engine and start the real mock from
// what it renders.
//
// It is a module of its own so that Helm and the Kubernetes libraries stay out
// of the mock's dependency graph: `go test ./...` in this directory (or
// `make deploy-test` at the root) runs them.
package deploy
