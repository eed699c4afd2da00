# The Makefile is the CI: .ci/run calls `make test` and `make lint`.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
EXAMPLES    := jsonrpc registry counter

.PHONY: test fmt-check vet race lint cover bench examples fuzz

## test: gofmt check, go vet, and every test under the race detector
test: fmt-check vet race

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
