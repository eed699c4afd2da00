// Command safemapvet reports built-in maps shared between goroutines without
// a lock, check-then-act races on concurrent maps, and sync.Maps that can
// become typed safemap.SyncMaps.
//
// Run it on packages, applying suggested fixes with -fix:
//
//	safemapvet ./...
//	safemapvet -fix ./...
//
// or through go vet, which runs it on each package with its test files:
//
//	go vet -vettool=$(command -v safemapvet) ./...
//
// Each analyzer can be turned off by name, for example -typedsyncmap=false.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/gosafemap/safemap/vet/checkthenact"
	"github.com/gosafemap/safemap/vet/sharedmap"
	"github.com/gosafemap/safemap/vet/typedsyncmap"
)

func main() {
	multichecker.Main(
		sharedmap.Analyzer,
		checkthenact.Analyzer,
		typedsyncmap.Analyzer,
	)
}
