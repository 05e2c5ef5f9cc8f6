//go:build !testhooks

package main

import "net/http"

// withTestHooks adds nothing: the endpoints the shutdown test needs exist
// only in a binary built with -tags testhooks (see hooks_testhooks.go).
func withTestHooks(h http.Handler) http.Handler { return h }
