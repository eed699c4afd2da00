// Mapbench compares concurrent maps on a workload you choose and says which
// one to pick.
//
// It measures safemap's maps and the maps a user would otherwise pick, all
// driven by the workload code of safemap's own benchmarks, on a mix of the
// methods of safemap.Map, values and keys the user chooses. It prints a
// table per workload: throughput, the latency percentiles of a sample of
// the calls, and what each map costs the garbage collector; and it writes
// raw results in benchstat format, charts and a Markdown report. Its
// statistics are benchstat's. With -recommend it names the fastest map for
// the workload, or says that the fastest ones are tied within the noise.
//
// The files are organised by concern: flags.go (the command line),
// measure.go (what runs when), latency.go and gcstats.go (what a run
// records), stats.go (medians, intervals, significance), progress.go,
// table.go (stdout), results.go (results.txt), chart.go and
// latencychart.go, report.go (report.md) and compare.go (-compare).
//
// Usage:
//
//	mapbench [flags]
//
// Run mapbench -help for the flags, their defaults and the maps.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is mapbench with its arguments and outputs. It returns the exit status:
// 0 for success, 1 when a measurement or an output file fails, 2 for bad
// flags. It changes GOMAXPROCS and the testing package's benchtime while it
// runs, so two calls must not overlap.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mapbench: %v (see mapbench -help)\n", err)
		return 2
	}
	if cfg.compare != nil {
		if err := runCompare(stdout, cfg.compare); err != nil {
			fmt.Fprintf(stderr, "mapbench: %v\n", err)
			return 1
		}
		return 0
	}
	res, err := measure(cfg, newProgress(stderr, cfg))
	if err != nil {
		fmt.Fprintf(stderr, "mapbench: %v\n", err)
		return 1
	}
	writeTables(stdout, res)
	if cfg.recommend {
		writeRecommendations(stdout, res)
	}
	files, err := writeOutputs(cfg.out, res)
	if err != nil {
		fmt.Fprintf(stderr, "mapbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "\nWrote %s\n", strings.Join(files, ", "))
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `Usage: mapbench [flags]

Mapbench measures concurrent maps on the workloads the flags describe, prints
a table per workload (throughput, latency percentiles, what the map costs the
garbage collector) and writes results.txt (benchstat format), report.md and
charts into -out. Every map is driven by the same code: a mix of calls of its
methods on prepopulated keys, run by testing.B.RunParallel.

With no flags it runs a quick comparison (a little over a minute on two
cores): -key %s -keys %s -dist %s -reads %s -goroutines %s
-count %d -duration %s, and the large-heap workload of -heap.

Workload (each takes a comma-separated list; every combination is measured):
  -key int,string        key type
  -keys N,...            distinct keys, half of them stored before the clock
                         starts (1 to 1073741824)
  -keys-file FILE        your own keys, one a line, as strings, in place of
                         -key and -keys (empty lines are skipped, repeats
                         counted once)
  -dist uniform,zipf     key choice: uniform, or Zipf-skewed with s = %.1f
  -reads P,...           percent of calls that are Load (0 to 100); the rest
                         split evenly between Store and Delete
  -ops MIX;...           your own mix in place of -reads: the percentage of
                         calls of each method of safemap.Map, adding up to 100,
                         for example
                         load=90,store=4,delete=2,loadorstore=2,compute=1.9,range=0.1
                         Methods: %s.
                         compute adds 1 to an int value (a counter), range and
                         all visit every entry. A peer without a method is
                         skipped, with the reason; one whose closest method
                         differs is measured with it, and the report says how.
                         Several mixes are separated by ";".
  -value-size N          values of N bytes ([]byte, which the garbage collector
                         follows) instead of ints (default 0: int values)
  -goroutines N,...      goroutine counts. As with go test -cpu, GOMAXPROCS is set
                         to each and RunParallel runs that many goroutines. This
                         machine has %d CPUs: counts above it show behaviour under
                         oversubscription, not scaling.

Measuring:
  -impls NAME,...        maps to measure (default all); see below
  -duration D            time per measurement, as go test -benchtime: 150ms, or
                         a count of calls such as 10000x
  -count N               runs of every measurement, at least 2 (default %d, the
                         fewest for which benchstat gives a confidence interval).
                         Runs are interleaved: run 1 of every map, then run 2,
                         ..., each in a rotated order, so that drift in the
                         machine's speed hits all alike.
  -latency-every N       for the latency percentiles, time one call in N of the
                         most frequent method on each goroutine, and of rarer
                         ones in proportion, so that each gets about as many
                         (default %d; 0 times none). A timed call costs two
                         readings of the clock: at the default, about 1%% of
                         the throughput of the fastest maps, within the noise.
                         Where calls are slow, runs after the first time more
                         of them, while the cost stays under 0.3%% of a call.
  -heap=false            skip the large-heap workload: %s int keys whose values
                         are []byte of -value-size bytes (or %d), at the mix with
                         the most writes, one map at a time, filled once, so
                         that its garbage collection cost is the map's own
  -memory=false          skip bytes/entry (heap per entry of 1,000,000 int
                         keys, measured once per map; a few seconds in all)
  -full                  the whole matrix: -key %s -keys %s -dist %s
                         -reads %s -goroutines %s -count %d -duration %s.
                         With every map it takes well over an hour on two
                         cores (filling the maps of 1,000,000 keys alone takes
                         half an hour); flags given with it override these values.
  -recommend             after the tables, name the map to use for each workload
                         and its margin over the runner-up, or the maps tied
                         for it, and what each of them promises

Statistics: every median comes with its 95%% confidence interval, and two maps
differ only where a Mann-Whitney U test finds p ≤ 0.05 (golang.org/x/perf's
benchmath, the rule benchstat uses); elsewhere they are tied, marked ~.

Output:
  -out DIR               where results.txt, report.md and the charts go (default
                         mapbench-out); checked before anything is measured
  -quiet                 no progress on stderr (a bar on a terminal, else a line per 5%%)

Comparing two maps in a results.txt, measuring nothing:
  -compare OURS,PEER -in FILE [-limit X]
                         for every workload in FILE, OURS's time per call over
                         PEER's, whether the difference is significant, and how
                         many workloads meet OURS ≤ X × PEER (default 1), as
                         Markdown

Maps:
`, quick.key, quick.keys, quick.dist, quick.reads, quick.goroutines, quick.count, quick.duration,
		workload.ZipfS, wrap(strings.Join(workload.OpNames(), ", "), 56, "\n                         "), runtime.NumCPU(), defaultCount, defaultEvery,
		fmtThousands(heapKeys), heapValueSize,
		full.key, full.keys, full.dist, full.reads, full.goroutines, full.count, full.duration)
	for _, im := range bench.Impls {
		fmt.Fprintf(w, "  %-14s %s\n", im.Name, im.Doc)
		if im.Flaw != "" {
			fmt.Fprintf(w, "  %-14s beware: %s\n", "", im.Flaw)
		}
	}
	fmt.Fprint(w, `
mutex, rw, sync, sharded and bucket are safemap's; the others are what you
would use instead. sync is safemap.SyncMap, syncmap-raw a sync.Map used
directly; mutex is safemap.MutexMap, mutex-plain a map and a Mutex by hand.

Compare two runs with benchstat, from bench/ (go.mod has it as a tool):
  go tool benchstat old/results.txt new/results.txt
  go tool benchstat -col /impl mapbench-out/results.txt
`)
}

// wrap breaks s into lines of at most width bytes at spaces, joined by sep.
func wrap(s string, width int, sep string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), sep)
}

// fmtThousands writes n with commas: 1,000,000.
func fmtThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
