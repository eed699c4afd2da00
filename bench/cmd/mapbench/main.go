// Mapbench compares concurrent maps on a workload you choose and says which
// one to pick.
//
// It measures safemap's maps and the maps a user would otherwise pick, all
// driven by the workload code of safemap's own benchmarks, prints a table per
// workload, and writes raw results in benchstat format, charts and a
// Markdown report. With -recommend it names the fastest map for the
// workload, or says that the fastest ones are tied within the noise.
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
	"time"

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

// config is what the flags ask for.
type config struct {
	args       []string // as given, for the report
	keyTypes   []string
	keys       []int
	dists      []string
	reads      []int
	goroutines []int
	impls      []bench.Impl
	benchtime  string // a duration or a count such as 100x, as for go test -benchtime
	count      int
	memory     bool
	out        string
	quiet      bool
	recommend  bool
}

// specs returns the workloads in the order of workload.Matrix.
func (c *config) specs() []workload.Spec {
	var specs []workload.Spec
	for _, key := range c.keyTypes {
		for _, n := range c.keys {
			for _, dist := range c.dists {
				for _, reads := range c.reads {
					specs = append(specs, workload.Spec{Key: key, Keys: n, Dist: dist, Reads: reads})
				}
			}
		}
	}
	return specs
}

// preset holds the value of each workload flag that is not given.
type preset struct {
	key, keys, dist, reads, goroutines, duration string
	count                                        int
}

// quick takes about a minute on two cores with every map.
var quick = preset{
	key: "int", keys: "1000", dist: "uniform", reads: "100,90,50",
	goroutines: strconv.Itoa(runtime.NumCPU()), duration: "300ms", count: 3,
}

// full is the whole workload.Matrix on 1, 2 and 8 goroutines, six runs
// each: the fewest for which benchstat reports a confidence interval.
var full = preset{
	key: "int,string", keys: "1000,1000000", dist: "uniform,zipf", reads: "100,99,90,75,50,10",
	goroutines: "1,2,8", duration: "200ms", count: 6,
}

// recommendCount is the default -count of -recommend: enough repeats that
// a range which does not overlap another means something.
const recommendCount = 5

// maxGoroutines bounds -goroutines, which sets GOMAXPROCS.
const maxGoroutines = 1024

func parseFlags(args []string, stdout io.Writer) (*config, error) {
	fs := flag.NewFlagSet("mapbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, in one line
	var (
		key        = fs.String("key", "", "")
		keys       = fs.String("keys", "", "")
		dist       = fs.String("dist", "", "")
		reads      = fs.String("reads", "", "")
		goroutines = fs.String("goroutines", "", "")
		impls      = fs.String("impls", "", "")
		duration   = fs.String("duration", "", "")
		count      = fs.Int("count", 0, "")
		isFull     = fs.Bool("full", false, "")
		memory     = fs.Bool("memory", true, "")
		out        = fs.String("out", "mapbench-out", "")
		quiet      = fs.Bool("quiet", false, "")
		recommend  = fs.Bool("recommend", false, "")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: mapbench takes only flags", fs.Arg(0))
	}
	p := quick
	if *isFull {
		p = full
	}
	if *recommend {
		p.count = recommendCount
	}
	or := func(s, preset string) string {
		if s == "" {
			return preset
		}
		return s
	}

	cfg := &config{args: args, memory: *memory, out: *out, quiet: *quiet, recommend: *recommend}
	var err error
	if cfg.keyTypes, err = parseWords("key", or(*key, p.key), workload.IntKey, workload.StringKey); err != nil {
		return nil, err
	}
	if cfg.dists, err = parseWords("dist", or(*dist, p.dist), workload.Uniform, workload.Zipf); err != nil {
		return nil, err
	}
	if cfg.keys, err = parseInts("keys", or(*keys, p.keys), 1, 1<<30, "key counts"); err != nil {
		return nil, err
	}
	if cfg.reads, err = parseInts("reads", or(*reads, p.reads), 0, 100, "read percentages"); err != nil {
		return nil, err
	}
	if cfg.goroutines, err = parseInts("goroutines", or(*goroutines, p.goroutines), 1, maxGoroutines, "goroutine counts"); err != nil {
		return nil, err
	}
	if cfg.impls, err = parseImpls(*impls); err != nil {
		return nil, err
	}
	if cfg.benchtime, err = parseBenchtime(or(*duration, p.duration)); err != nil {
		return nil, err
	}
	cfg.count = p.count
	if flagGiven(fs, "count") {
		cfg.count = *count
	}
	if cfg.count < 2 {
		return nil, fmt.Errorf("-count %d: want 2 or more, because the spread of the repeats is what tells a winner from noise", cfg.count)
	}
	if cfg.out == "" {
		return nil, errors.New("-out: want a directory")
	}
	for _, s := range cfg.specs() {
		if err := s.Validate(); err != nil { // the checks above should make this unreachable
			return nil, err
		}
	}
	return cfg, nil
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// parseWords parses a comma-separated list of words from valid, dropping
// repeats.
func parseWords(name, list string, valid ...string) ([]string, error) {
	var words []string
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		if !contains(valid, w) {
			return nil, fmt.Errorf("-%s: %q is not one of %s", name, w, strings.Join(valid, ", "))
		}
		if !contains(words, w) {
			words = append(words, w)
		}
	}
	return words, nil
}

// parseInts parses a comma-separated list of whole numbers from lo to hi,
// dropping repeats.
func parseInts(name, list string, lo, hi int, what string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("-%s: %q: want %s from %d to %d, comma-separated", name, f, what, lo, hi)
		}
		if !contains(ns, n) {
			ns = append(ns, n)
		}
	}
	return ns, nil
}

// parseImpls parses -impls; empty means every map.
func parseImpls(list string) ([]bench.Impl, error) {
	if list == "" || list == "all" {
		return bench.Impls, nil
	}
	var impls []bench.Impl
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		im, ok := bench.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("-impls: unknown map %q; want some of %s, or all", name, strings.Join(bench.Names(), ", "))
		}
		if !containsImpl(impls, name) {
			impls = append(impls, im)
		}
	}
	return impls, nil
}

// parseBenchtime accepts what go test -benchtime accepts: a positive
// duration, or a positive count of operations followed by x.
func parseBenchtime(s string) (string, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		if i, err := strconv.Atoi(n); err == nil && i > 0 {
			return s, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return s, nil
	}
	return "", fmt.Errorf("-duration %q: want a positive duration such as 300ms, or a count of operations such as 10000x", s)
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func containsImpl(impls []bench.Impl, name string) bool {
	for _, im := range impls {
		if im.Name == name {
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `Usage: mapbench [flags]

Mapbench measures concurrent maps on the workloads the flags describe, prints
a table per workload and writes results.txt (benchstat format), report.md and
charts into -out. Every map is driven by the same code: a mix of Load, Store
and Delete on prepopulated keys, run by testing.B.RunParallel.

With no flags it runs a quick comparison (about a minute on two cores):
-key %s -keys %s -dist %s -reads %s -goroutines %s -count %d -duration %s.

Workload (each takes a comma-separated list; every combination is measured):
  -key int,string        key type
  -keys N,...            distinct keys, all stored before the clock starts (1 to 1073741824)
  -dist uniform,zipf     key choice: uniform, or Zipf-skewed with s = %.1f
  -reads P,...           percent of operations that are Load (0 to 100); the
                         rest split evenly between Store and Delete
  -goroutines N,...      goroutine counts. As with go test -cpu, GOMAXPROCS is set
                         to each and RunParallel runs that many goroutines. This
                         machine has %d CPUs: counts above it show behaviour under
                         oversubscription, not scaling.

Measuring:
  -impls NAME,...        maps to measure (default all); see below
  -duration D            time per measurement, as go test -benchtime: 300ms, or
                         a count of operations such as 10000x
  -count N               repeats of every measurement, at least 2 (default %d, or
                         %d with -recommend). Repeats are interleaved: repeat 1 of
                         every map, then repeat 2, ..., each in a rotated order,
                         so that drift in the machine's speed hits all alike.
  -memory=false          skip bytes/entry (heap per entry of 1,000,000 int
                         keys, measured once per map; a few seconds in all)
  -full                  the whole matrix: -key %s -keys %s -dist %s
                         -reads %s -goroutines %s -count %d -duration %s.
                         With every map it takes well over an hour on two
                         cores (filling the maps of 1,000,000 keys alone takes
                         half an hour); flags given with it override these values.
  -recommend             after the table, name the map to use for each workload
                         and its margin over the runner-up; a tie when their
                         ranges overlap

Output:
  -out DIR               where results.txt, report.md and the charts go (default mapbench-out)
  -quiet                 no progress on stderr (a bar on a terminal, else a line per 5%%)

Maps:
`, quick.key, quick.keys, quick.dist, quick.reads, quick.goroutines, quick.count, quick.duration,
		workload.ZipfS, runtime.NumCPU(), quick.count, recommendCount,
		full.key, full.keys, full.dist, full.reads, full.goroutines, full.count, full.duration)
	for _, im := range bench.Impls {
		fmt.Fprintf(w, "  %-14s %s\n", im.Name, im.Doc)
		if im.Flaw != "" {
			fmt.Fprintf(w, "  %-14s beware: %s\n", "", im.Flaw)
		}
	}
	fmt.Fprint(w, `
Compare two runs with benchstat:
  benchstat old/results.txt new/results.txt
  benchstat -col /impl mapbench-out/results.txt
`)
}
