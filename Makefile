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

.PHONY: help run build test lint image conformance clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## start the mock on $(ADDR) (flags: make run ARGS="--seed 7")
	$(GO) run ./cmd/mockserver --addr $(ADDR) $(ARGS)

build: ## build bin/mockserver and bin/conformance
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/ ./cmd/...

test: ## run every test: unit, HTTP, the Gherkin suite, containers
	$(GO) test -count=1 ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

conformance: ## run the Gherkin suite against BASE_URL (make conformance BASE_URL=https://…)
	$(GO) run ./cmd/conformance --base-url $(BASE_URL) $(ARGS)

clean: ## remove build output
	rm -rf bin
