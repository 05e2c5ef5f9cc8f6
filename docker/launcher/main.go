//go:build linux

// Command launcher runs a gzip-compressed static binary from memory, so that
// the mock's image fits its 20 MB budget.
//
// The mock's static binary is about 37 MB (gin, libopenapi, gofakeit; -s -w
// already applied) and no executable packer such as UPX can be installed
// where this project is built. So the image holds this small launcher as
// /mockserver and the gzip-compressed mock (about 11 MB) as /mockserver.gz.
// The launcher inflates the mock into an anonymous in-memory file
// (memfd_create) and execs it with the same arguments and environment: the
// mock replaces the launcher, runs as PID 1 and receives signals directly.
// Inflating takes about 0.2 s of one core at start.
//
// `--healthcheck` is answered by the launcher itself, without inflating the
// mock (the image's HEALTHCHECK runs every second): it sends GET /healthz to
// 127.0.0.1 on the port of --addr or MOCK_ADDR (default :8080) and exits 0
// on 200, 1 otherwise — the same contract as `mockserver --healthcheck`.
//
// docker/build-image.sh builds the launcher and the payload.
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if hasFlag(os.Args[1:], "healthcheck") {
		if err := healthcheck(addr(os.Args[1:], os.Getenv("MOCK_ADDR"))); err != nil {
			fmt.Fprintln(os.Stderr, "healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	err := launch()
	fmt.Fprintln(os.Stderr, "launcher:", err)
	os.Exit(1)
}

// launch only returns on failure: on success the process image is replaced.
func launch() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this executable: %w", err)
	}
	payload := self + ".gz"
	f, err := os.Open(payload)
	if err != nil {
		return fmt.Errorf("opening the compressed program: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("reading %s: %w", payload, err)
	}

	// MFD_CLOEXEC: the mock must not inherit the descriptor; the kernel has
	// opened the file by the time close-on-exec applies.
	fd, err := unix.MemfdCreate(filepath.Base(self), unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("creating an in-memory file: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "memfd")
	if _, err := io.Copy(mem, zr); err != nil {
		return fmt.Errorf("inflating %s: %w", payload, err)
	}
	if err := zr.Close(); err != nil {
		return fmt.Errorf("inflating %s: %w", payload, err)
	}
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	if err := unix.Exec(path, os.Args, os.Environ()); err != nil {
		return fmt.Errorf("executing the inflated program (%s): %w", path, err)
	}
	return errors.New("exec returned")
}

// hasFlag reports whether args hold -name or --name (optionally =true).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || a == name+"=true" {
			return true
		}
	}
	return false
}

// addr is the value of --addr in args, else env, else ":8080", as the mock
// itself resolves it.
func addr(args []string, env string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "addr="); ok {
			return v
		}
		if a == "addr" && i+1 < len(args) {
			return args[i+1]
		}
	}
	if env != "" {
		return env
	}
	return ":8080"
}

// healthcheck speaks just enough HTTP/1.0 to read a status line, so the
// launcher needs no HTTP client.
func healthcheck(listen string) error {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("address %q: %w", listen, err)
	}
	target := net.JoinHostPort("127.0.0.1", port)
	conn, err := net.DialTimeout("tcp", target, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(conn, "GET /healthz HTTP/1.0\r\nHost: %s\r\nET-Client-Name: docker-healthcheck\r\n\r\n", target); err != nil {
		return err
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading the status line from %s: %w", target, err)
	}
	if f := strings.Fields(status); len(f) < 2 || f[1] != "200" {
		return fmt.Errorf("GET http://%s/healthz answered %q", target, strings.TrimSpace(status))
	}
	return nil
}
