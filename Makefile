# faultline — run `make help` for the targets.
GO          ?= go
BIN         := $(CURDIR)/bin
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
FUZZTIME    ?= 20s
PKGS        := ./...

.PHONY: help build test unit race outside lint doctest doctest-update fuzz bench bench-large pgo demo soak validate clean

help: ## show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

# CGO_ENABLED=0: a static binary starts without the dynamic loader and
# libc, about 3 ms of CPU less per command (BENCHMARKS.md, issue 20).
# Nothing in the CLI needs cgo; `go test` builds with the default.
build: ## build bin/faultline (static, without cgo: it starts sooner)
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -o $(BIN)/faultline ./cmd/faultline

test: lint unit race outside ## lint, unit tests, the race detector, then the outside module in examples/fencing (what CI runs)

unit: ## unit, property, golden, determinism and docs tests
	$(GO) test -count=1 $(PKGS)

race: ## every test again under the race detector (about 2 minutes on 2 cores)
	$(GO) test -count=1 -race $(PKGS)

outside: $(STATICCHECK) ## examples/fencing as an outside user's module: vet, staticcheck, its tests (they build and run its own binary)
	cd examples/fencing && $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) test -count=1 ./...

lint: $(STATICCHECK) ## gofmt check, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

doctest: ## run every `$ faultline` command the docs show and compare the output (unit runs it too)
	$(GO) test -count=1 -run TestDocs ./docs/

doctest-update: ## rewrite the output the docs show with what the commands print now; read the diff
	$(GO) test -count=1 -run TestDocs ./docs/ -update

$(STATICCHECK):
	GOBIN=$(BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

fuzz: ## run every fuzz target for FUZZTIME each
	@$(GO) list -f '{{.ImportPath}}' ./... | while read pkg; do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench: build ## benchmarks: engine vs bare heap, network, sweeps, start-up; then one speed table of every scenario
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./sim/ ./network/ ./nodes/... ./scenarios/... ./cmd/faultline/
	$(BIN)/faultline bench

bench-large: ## large worlds: 1 000 000 messages in flight over 10 000 nodes, a gossip of 100 000 nodes (minutes)
	FAULTLINE_BENCH_LARGE=1 $(GO) test -run '^$$' -bench 'MillionInFlight|Gossip' -benchmem -benchtime 1000000x -cpu 1 -count 1 ./network/ ./nodes/

pgo: build ## refresh cmd/faultline/default.pgo, the profile go build optimizes the CLI with
	$(BIN)/faultline bench --seeds 60 --cpuprofile cmd/faultline/default.pgo >/dev/null
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -o $(BIN)/faultline ./cmd/faultline

demo: build ## the showcase: run a scenario, show a failure and its replay
	@./scripts/demo.sh

soak: ## 1 000 seeds of every scenario, twice on parallel workers, hashes compared (several minutes)
	FAULTLINE_SOAK_SEEDS=1000 $(GO) test -count=1 -timeout 60m -run TestEveryScenarioTwice -v ./scenarios/catalog/ | grep -E '^ *(---|ok|FAIL|PASS)'

validate: build ## reproduce the published results of docs/validation.md, and the pattern tests against their peers' specs
	$(GO) test -count=1 -v -run '^TestValidation$$' ./scenarios/overload/ | grep -E '^ *(---|ok|FAIL|validation_test)'
	$(GO) test -count=1 -run 'Gobreaker|EvaluateOn|ExcludedResult|Finagle|PercentCanRetry|TokenBucket|ChargesRetryable|InvalidRequests|RetryBreaker|StopsRetrying|Jitter|DeterministicKinds|TestProbability|TestPorcupine|Zero' ./patterns/... ./checks/linearizability/

clean: ## remove build output
	rm -rf $(BIN)
