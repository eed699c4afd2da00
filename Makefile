# The Makefile is the CI: .ci/run calls `make test`, `make test-386`,
# `make lint` and `make examples`.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
EXAMPLES    := jsonrpc registry counter watcher headers

.PHONY: test fmt-check vet race vet-386 test-386 run-386 tools-386 bench-test vet-test vet-tool verify lint api cover bench examples fuzz compare compare-full benchmarks

## test: gofmt check, go vet, and every test under the race detector, in both
## modules. It needs only Go, and no root.
test: fmt-check vet race bench-test vet-test

fmt-check:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet ./...

# The suite takes about a minute; a lock a broken map leaves held fails its
# test within seconds, but can hang an Example for good, so a hang ends the
# run after 5 minutes rather than go test's default 10.
race:
	$(GO) test -race -timeout 5m ./...

## test-386: go vet and the short tests for 386, run under qemu-i386, since
## padding and 64-bit atomics are where 32-bit bugs hide. It installs Debian's
## qemu-user if qemu-i386 is missing, which needs root or sudo.
test-386: vet-386 run-386

vet-386:
	GOARCH=386 $(GO) vet ./...

# The race detector does not support 386, and -short keeps the emulated run
# short. qemu-i386 (7.2) mishandles the signals of Go's asynchronous
# preemption, and Go programs crash under it at random unless it is off;
# goroutines are still preempted at function calls.
run-386: tools-386
	GODEBUG=asyncpreemptoff=1 GOARCH=386 $(GO) test -short -exec qemu-i386 ./...

# A 386 test binary runs under qemu-i386, from Debian's qemu-user package,
# installed here when missing: amd64 kernels may not run 386 binaries.
tools-386:
	@command -v qemu-i386 >/dev/null || { \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		echo "installing qemu-user to run 386 test binaries"; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null; }

## verify: the long checks, under the race detector: LIN_HISTORIES
## linearizability histories and RAPID_CHECKS state-machine runs per
## implementation (make test runs 500 and 100), then the concurrency and
## panic tests of the suite VERIFY_COUNT times over. The first two print
## their figures, or everything if they fail.
LIN_HISTORIES ?= 20000
RAPID_CHECKS  ?= 5000
VERIFY_COUNT  ?= 20
verify:
	@echo "== linearizability, $(LIN_HISTORIES) histories per map"; \
	log=$$(mktemp); $(GO) test -race -timeout 60m -v -run '^TestLinearizable$$' -lin.histories $(LIN_HISTORIES) . >$$log 2>&1; \
	rc=$$?; if [ $$rc -eq 0 ]; then grep -E 'histories linearizable|^ok' $$log; else cat $$log; fi; rm -f $$log; exit $$rc
	@echo "== state machines, $(RAPID_CHECKS) runs per map"; \
	log=$$(mktemp); $(GO) test -race -timeout 60m -v -run '^TestStateMachine$$' -rapid.checks $(RAPID_CHECKS) . >$$log 2>&1; \
	rc=$$?; if [ $$rc -eq 0 ]; then grep -E 'state-machine runs|^ok' $$log; else cat $$log; fi; rm -f $$log; exit $$rc
	@echo "== concurrency and panic tests, $(VERIFY_COUNT) times"
	$(GO) test -race -timeout 60m -run '^TestMap$$/.*/.*/(Concurrent|Panic)/' -count $(VERIFY_COUNT) .

## lint: the API check, then staticcheck at a pinned version, fetched
## through the module proxy
lint: api
	$(STATICCHECK) ./...
	cd bench && $(STATICCHECK) ./...
	cd vet && $(STATICCHECK) ./...

## api: fail if the exported API differs from the lines of api/*.txt
api:
	$(GO) test -count=1 -run '^TestAPI$$' .

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

# The nested module vet/ holds safemapvet's analyzers; ./... in the root does
# not reach it either.
vet-test:
	cd vet && $(GO) vet ./... && $(GO) test ./...

SAFEMAPVET ?= $(CURDIR)/vet/bin/safemapvet

## vet-tool: build safemapvet and run it over this repository's root and
## bench modules, standalone and as go vet's vettool; it must report nothing
vet-tool:
	cd vet && $(GO) build -o $(SAFEMAPVET) ./cmd/safemapvet
	$(SAFEMAPVET) ./...
	$(GO) vet -vettool=$(SAFEMAPVET) ./...
	cd bench && $(SAFEMAPVET) ./... && $(GO) vet -vettool=$(SAFEMAPVET) ./...

MAPBENCH_OUT ?= mapbench-out

## compare: which map to pick, in a little over a minute: a table per
## workload on stdout (throughput, latency percentiles, GC cost), and
## report.md, charts and results.txt in mapbench-out/ (flags in
## MAPBENCH_FLAGS, e.g. MAPBENCH_FLAGS='-ops load=70,compute=30 -value-size 256')
compare:
	cd bench && $(GO) run ./cmd/mapbench -out $(abspath $(MAPBENCH_OUT)) $(MAPBENCH_FLAGS)

## compare-full: the whole matrix on 1, 2 and 8 goroutines (about an hour)
compare-full:
	cd bench && $(GO) run ./cmd/mapbench -full -out $(abspath $(MAPBENCH_OUT)) $(MAPBENCH_FLAGS)

## benchmarks: measure the full matrix into bench/results/ and put the
## summary into BENCHMARKS.md; run it on a quiet machine
benchmarks:
	bench/benchmarks.sh $(MAPBENCH_FLAGS)

## fuzz: each fuzz target of the library in turn for FUZZTIME; the seed
## corpus in testdata/fuzz already runs in make test. Inputs the fuzzer finds
## interesting are minimized for at most FUZZMINIMIZETIME, not the default
## minute, so that a short run mostly fuzzes. A failing input is written to
## testdata/fuzz/FuzzXxx. Go 1.26's fuzz coordinator can also fail a run that
## found nothing, with "context deadline exceeded" as -fuzztime expires
## (go.dev/issue/75804); such a run, with no new input written, is reported
## and passes.
FUZZTIME         ?= 30s
FUZZMINIMIZETIME ?= 5s
fuzz:
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	for f in $$($(GO) test -list '^Fuzz' . | grep '^Fuzz'); do \
		echo "== $$f"; \
		before=$$(ls testdata/fuzz/$$f 2>/dev/null | wc -l); \
		{ $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) . 2>&1; \
		  echo $$? > $$tmp/rc; } | tee $$tmp/log; \
		[ "$$(cat $$tmp/rc)" -eq 0 ] && continue; \
		if [ "$$(ls testdata/fuzz/$$f 2>/dev/null | wc -l)" -eq "$$before" ] && \
		   grep -qx '    context deadline exceeded' $$tmp/log; then \
			echo "$$f: no failing input; the run ended on the fuzz coordinator's deadline race"; \
		else \
			exit 1; \
		fi; \
	done
