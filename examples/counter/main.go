// Command counter shows per-key counters updated from many goroutines: a
// log processor counts requests per path and remembers the first status
// code seen for each path. Add is one atomic read-modify-write, so no
// increment is lost, where m[k]++ under no lock would crash and Load plus
// Store would drop updates.
//
// Run it with: go run ./examples/counter
package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/gosafemap/safemap"
)

// logLines stands in for an access log: path and status.
var logLines = []string{
	"/api/users 200", "/api/orders 200", "/api/users 200", "/healthz 200",
	"/api/orders 500", "/api/users 404", "/healthz 200", "/api/users 200",
}

func run(w io.Writer) error {
	const workers, rounds = 8, 1000
	var hits safemap.ShardedMap[string, int64]
	firstStatus := safemap.NewSyncMap[string, string]()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				for _, line := range logLines {
					path, status, _ := strings.Cut(line, " ")
					safemap.Add(&hits, path, 1)
					firstStatus.LoadOrStore(path, status)
				}
			}
		}()
	}
	wg.Wait()

	type row struct {
		path string
		n    int64
	}
	var rows []row
	var total int64
	for path, n := range hits.All() {
		rows = append(rows, row{path, n})
		total += n
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.path, b.path))
	})
	for _, r := range rows {
		fmt.Fprintf(w, "%-12s %6d\n", r.path, r.n)
	}
	fmt.Fprintf(w, "total %d of %d lines, %d paths\n", total, workers*rounds*len(logLines), firstStatus.Len())
	if total != int64(workers*rounds*len(logLines)) {
		return fmt.Errorf("lost %d increments", int64(workers*rounds*len(logLines))-total)
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "counter:", err)
		os.Exit(1)
	}
}
