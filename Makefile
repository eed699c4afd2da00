# The Makefile is the CI: .ci/run calls `make test` and `make lint`.

GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
EXAMPLES    := jsonrpc registry counter

.PHONY: test fmt-check vet race lint cover bench examples

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
