package main

// This file is the profile mode: the mock served in this process under the CPU profiler.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/google/uuid"
	"github.com/membersmock/membersmock/fixtures"
	"github.com/membersmock/membersmock/mockserver"
	"github.com/membersmock/membersmock/spec"
)

// runProfile serves the mock from this process (the handler cmd/mockserver serves, built the
// same way, journal on as by default, without access log, behind a server with the same timeouts) and profiles it under
// the three load scenarios, one after the other.
func runProfile(cfg config, tmp string) error {
	uuid.EnableRandPool() // as cmd/mockserver's main does
	data, err := fixtures.New(1, fixtures.WithMembers(cfg.members), fixtures.WithPrograms(cfg.programs))
	if err != nil {
		return err
	}
	v, err := spec.NewValidator()
	if err != nil {
		return err
	}
	h, err := mockserver.New(mockserver.Config{Dataset: data, Validator: v, JournalSize: mockserver.DefaultJournalSize})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The timeouts of cmd/mockserver's server: they cost a deadline per request.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Shutdown(context.Background())
	url := "http://" + ln.Addr().String()
	pop, err := discover(url)
	if err != nil {
		return err
	}
	f, err := os.Create(cfg.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Printf("## Profile: the three load scenarios, %s each, mock in-process under the CPU profiler\n\n", cfg.duration)
	for i, sc := range scenarios(pop, cfg.only) {
		script := filepath.Join(tmp, fmt.Sprintf("profile-%d.lua", i))
		if err := os.WriteFile(script, []byte(sc.script), 0o644); err != nil {
			return err
		}
		if _, err := runWrk(cfg, url, sc, cfg.warmup, script); err != nil {
			return err
		}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	for i, sc := range scenarios(pop, cfg.only) {
		r, err := runWrk(cfg, url, sc, cfg.duration, filepath.Join(tmp, fmt.Sprintf("profile-%d.lua", i)))
		if err != nil {
			pprof.StopCPUProfile()
			return err
		}
		fmt.Printf("%s: %.0f req/s, p99 %s\n", sc.name, r.rps, ms(r.p99))
	}
	pprof.StopCPUProfile()
	fmt.Printf("\nCPU profile written to %s; read it with: go tool pprof -top %s\n\n", cfg.profile, cfg.profile)
	return nil
}
