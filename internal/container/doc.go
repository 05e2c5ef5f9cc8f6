// Package container runs an implementation of the Members API from its image
// with testcontainers-go and hands back a Target: the base URL of its mapped
// port, its logs, and a Terminate that always removes it.
//
// Containers are never left behind, even though the Ryuk reaper is not used
// (its image cannot be pulled where this project is built): every container
// and every image built here carries a run label and the host and pid of the
// process that started it. Terminate removes by that label, Run removes on
// SIGINT/SIGTERM, and the next Start (or RemoveStale) removes whatever a
// process that died without cleaning up (SIGKILL, a crash) left running.
//
// When no Docker engine answers, Start returns an error wrapping ErrNoDocker
// whose message says how to enable one.
package container
