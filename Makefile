# The Makefile is the CI: .ci/run calls `make test` and `make lint`.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
EXAMPLES    := jsonrpc registry counter

.PHONY: test fmt-check vet race lint cover bench examples bench-test compare compare-full benchmarks

## test: gofmt check, go vet, and every test under the race detector, in both modules
test: fmt-check vet race bench-test

fmt-check:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...

race:
	$(GO) test -race ./...

## lint: staticcheck at a pinned version, fetched through the module proxy
lint:
	$(STATICCHECK) ./...
	cd bench && $(STATICCHECK) ./...

## cover: test coverage of the library
cover:
	$(GO) test -coverprofile=cover.out .
	$(GO) tool cover -func=cover.out | tail -n 1

## bench: the library's benchmarks, six runs each, for benchstat
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 . | tee bench.txt

## examples: run every example program
examples:
	@for e in $(EXAMPLES); do echo "== $$e"; $(GO) run ./examples/$$e || exit 1; done

# The nested module bench/ holds the peers' adapters and mapbench; ./... in
# the root does not reach it.
bench-test:
	cd bench && $(GO) vet ./... && $(GO) test -race ./...

MAPBENCH_OUT ?= mapbench-out

## compare: which map to pick, in about a minute: a table on stdout, and
## report.md, charts and results.txt in mapbench-out/ (flags in MAPBENCH_FLAGS)
compare:
	cd bench && $(GO) run ./cmd/mapbench -out $(CURDIR)/$(MAPBENCH_OUT) $(MAPBENCH_FLAGS)

## compare-full: the whole matrix on 1, 2, 4 and 8 goroutines (well over an hour)
compare-full:
	cd bench && $(GO) run ./cmd/mapbench -full -out $(CURDIR)/$(MAPBENCH_OUT) $(MAPBENCH_FLAGS)

## benchmarks: measure the full matrix into docs/benchmarks/ and put the
## summary into BENCHMARKS.md; run it on a quiet machine
benchmarks:
	bench/benchmarks.sh $(MAPBENCH_FLAGS)
