# Members API mock and conformance harness. `make help` lists the targets.

GO      ?= go
ADDR    ?= :8080
IMAGE   ?= members-mock:dev
BASE_URL ?= http://127.0.0.1:8080

# testcontainers-go in this sandbox: the Ryuk reaper image cannot be pulled
# (no registry), and the default Docker host address is the sandbox gateway,
# which is unreachable. The tests remove their containers themselves.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= 127.0.0.1

.PHONY: help run build test deploy-test lint docs-check image conformance conformance-image report-screenshot conformance-fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## start the mock on $(ADDR) (flags: make run ARGS="--seed 7")
	@if [ ! -x bin/mockserver ] || [ -n "$$(find cmd mockserver fixtures spec go.mod go.sum -newer bin/mockserver -print -quit)" ]; then \
		echo "make run: building bin/mockserver first (the first build compiles every dependency: 4-5 minutes on 2 cores; later ones take seconds)"; fi
	@CGO_ENABLED=0 $(GO) build -trimpath -o bin/mockserver ./cmd/mockserver
	./bin/mockserver --addr $(ADDR) $(ARGS)

build: ## build bin/mockserver and bin/conformance
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ ./cmd/...

# The container tests run verbosely so that a log shows they ran rather
# than skipped (under REQUIRE_DOCKER=1 a skip fails anyway).
CONTAINER_PKG := ./internal/container/

test: ## run every test: unit, HTTP, the Gherkin suite, fuzz seed corpora, containers (no timed fuzzing: make fuzz)
	$(GO) test -count=1 $$($(GO) list ./... | grep -v '/internal/container$$')
	$(GO) test -count=1 -v $(CONTAINER_PKG)
	@$(MAKE) --no-print-directory deploy-test
	@$(MAKE) --no-print-directory docs-check

# A module of its own (deploy/go.mod): Helm and the Kubernetes libraries stay out of
# the mock's build. Its first build compiles them: a few minutes on 2 cores.
deploy-test: ## render the Helm chart with Helm's engine, lint it, and start the mock from what it renders
	cd deploy && $(GO) test -count=1 ./...

docs-check: ## lint both OpenAPI documents (Spectral), generate TypeScript types and compile them (needs node and npm)
	bash tools/docs/check.sh

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd deploy && $(GO) vet ./...
	cd bench/openloop && $(GO) vet ./...

image: ## build the mock's image $(IMAGE) (FROM scratch, static binary)
	IMAGE=$(IMAGE) bash docker/build-image.sh

conformance-image: ## run the Gherkin suite against IMAGE started through testcontainers
	$(GO) run ./cmd/conformance --image $(IMAGE) --unsafe-methods $(ARGS)

conformance: ## run the Gherkin suite against BASE_URL (make conformance BASE_URL=https://…)
	$(GO) run ./cmd/conformance --base-url $(BASE_URL) $(ARGS)

report-screenshot: ## regenerate docs/report.png: the HTML report of a failing run, in headless chromium
	REPORT_SCREENSHOT=$(CURDIR)/docs/report.png REQUIRE_BROWSER=1 $(GO) test -count=1 -run '^TestHTMLReportInBrowser$$' ./steps

# make test runs the same fuzzing against the in-process mock in every
# dialect, with a fixed seed (go test ./fuzz/).
conformance-fuzz: ## requests generated from the OpenAPI document against BASE_URL, failures shrunk to curl lines (ARGS="--seed 7")
	$(GO) run ./cmd/conformance fuzz --base-url $(BASE_URL) $(ARGS)

clean: ## remove build output
	rm -rf bin

# Benchmarks (issue 5). BENCHMARKS.md says how to read them.
DURATION ?= 10s
ROUNDS   ?= 2
SOAK     ?= 5m

.PHONY: bench bench-open bench-load bench-scale bench-soak bench-profile bench-bin

bench: ## Go benchmarks: generation, validation, JSON encoding, the nine handlers
	$(GO) test -run '^$$' -bench . -benchmem ./fixtures ./spec ./mockserver

# The benchmarks measure the mock as the image ships it (tools/release-build.sh).
bench-bin:
	GO=$(GO) tools/release-build.sh bin/ ./cmd/mockserver ./bench/baseline

bench-open: bench-bin ## open loop: mock and baseline at constant rates (1/32 … 1/2 of the baseline's max), p50/p99/p99.9 from the intended send time (vegeta, bench/openloop)
	$(GO) run ./bench -run openloop -duration $(DURATION)

bench-load: bench-bin ## wrk: mock vs a bare net/http baseline (DURATION=10s ROUNDS=2), then the 1M-member scale run
	$(GO) run ./bench -run load,scale -duration $(DURATION) -rounds $(ROUNDS)

bench-scale: bench-bin ## 1M members × 3 programs: exec to ready, RSS after 10,000 requests
	$(GO) run ./bench -run scale

bench-soak: bench-bin ## RSS under full load for SOAK=5m, 1M members per program (the soak of make soak, longer)
	$(GO) run ./bench -run soak -soak $(SOAK)

bench-profile: ## CPU profile of the mock under the three load scenarios (bin/mock.cpu.pprof)
	@mkdir -p bin
	$(GO) run ./bench -run profile -duration $(DURATION)
	$(GO) tool pprof -top -nodecount=40 bin/mock.cpu.pprof | head -50

# Reliability (issue 6): fuzzing and the soak. docs/modes.md says more.
FUZZTIME    ?= 10s
FUZZ_PKG    := ./mockserver/
CONNECTIONS ?= 64
# DURATION is shared with the benchmarks (10s there); the soak's own
# default is 60s unless DURATION is given on the command line.
SOAK_DURATION = $(if $(filter command line environment,$(origin DURATION)),$(DURATION),60s)

.PHONY: fuzz fuzz-short soak

fuzz: ## run each fuzz target for FUZZTIME (default 10s), one after the other
	@for t in $$($(GO) test -list '^Fuzz' $(FUZZ_PKG) | grep '^Fuzz'); do \
		echo "fuzz: $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $(FUZZ_PKG) || exit 1; \
	done

fuzz-short: ## run each fuzz target for 5s
	@$(MAKE) --no-print-directory fuzz FUZZTIME=5s

soak: bench-bin ## wrk at 64 connections for 60s against the mock: zero non-2xx, zero socket errors, RSS stable (DURATION=10m)
	$(GO) run ./bench -run soak -soak $(SOAK_DURATION) -connections $(CONNECTIONS) -threads 2 -members 250
