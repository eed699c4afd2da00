package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// config is what the flags ask for.
type config struct {
	args       []string // as given, for the report
	keyTypes   []string
	keys       []int
	dists      []string
	mixes      []mix
	goroutines []int
	impls      []bench.Impl
	valueSize  int      // 0 for int values
	keysFile   string   // the path given to -keys-file, or ""
	fileKeys   []string // the keys read from keysFile
	benchtime  string   // a duration or a count such as 100x, as for go test -benchtime
	count      int
	every      int // time one call in every; 0 times none
	memory     bool
	heap       bool
	out        string
	quiet      bool
	recommend  bool
	compare    *compareConfig // non-nil for -compare, which measures nothing
}

// A mix is one operation mix to measure: a read percentage of -reads, or a
// mix of -ops.
type mix struct {
	reads int          // for -reads
	ops   workload.Mix // for -ops; zero for -reads
}

func (m mix) opMix() workload.Mix {
	if m.ops.IsZero() {
		return workload.ReadMix(m.reads)
	}
	return m.ops
}

// specs returns the workloads in the order of workload.Matrix: key type,
// key count, distribution, mix.
func (c *config) specs() []workload.Spec {
	var specs []workload.Spec
	for _, key := range c.keyTypes {
		for _, n := range c.keys {
			for _, dist := range c.dists {
				for _, m := range c.mixes {
					specs = append(specs, workload.Spec{Key: key, Keys: n, Dist: dist, Reads: m.reads, Mix: m.ops, ValueSize: c.valueSize})
				}
			}
		}
	}
	return specs
}

// heapKeys and heapValueSize describe the workload with a large live heap
// (-heap): a million int keys, half of them present, each value a []byte
// that the garbage collector has to follow. (heapKeys is a variable so that
// tests can make it small.)
var heapKeys = 1_000_000

const heapValueSize = 64

// heapSpec returns the workload of -heap: heapKeys int keys chosen
// uniformly, values of -value-size bytes or heapValueSize, and the mix of
// the measured ones with the most writes, since writes are what allocate.
func (c *config) heapSpec() workload.Spec {
	best := c.mixes[0]
	for _, m := range c.mixes[1:] {
		if m.opMix().Writes() > best.opMix().Writes() {
			best = m
		}
	}
	size := c.valueSize
	if size == 0 {
		size = heapValueSize
	}
	return workload.Spec{Key: workload.IntKey, Keys: heapKeys, Dist: workload.Uniform, Reads: best.reads, Mix: best.ops, ValueSize: size}
}

// preset holds the value of each workload flag that is not given.
type preset struct {
	key, keys, dist, reads, goroutines, duration string
	count                                        int
}

// defaultCount is the fewest runs for which benchstat, and mapbench's own
// statistics, give a median a 95% confidence interval, and the fewest for
// which a difference can be significant at p ≤ 0.05.
const defaultCount = 6

// quick takes a little over a minute on two cores with every map.
var quick = preset{
	key: "int", keys: "1000", dist: "uniform", reads: "100,90,50",
	goroutines: strconv.Itoa(runtime.NumCPU()), duration: "150ms", count: defaultCount,
}

// full is the whole workload.Matrix on 1, 2 and 8 goroutines.
var full = preset{
	key: "int,string", keys: "1000,1000000", dist: "uniform,zipf", reads: "100,99,90,75,50,10",
	goroutines: "1,2,8", duration: "200ms", count: defaultCount,
}

// defaultEvery times one call in 256 of the most frequent method: two
// readings of the clock cost about 60ns on a virtual machine's clock source
// (kvm-clock), which spread over 256 calls is about 1% of the fastest
// maps' 20ns per call on one goroutine; measured, the difference was within
// the noise (see the report's section on latency).
const defaultEvery = 256

// maxGoroutines bounds -goroutines, which sets GOMAXPROCS.
const maxGoroutines = 1024

func parseFlags(args []string, stdout io.Writer) (*config, error) {
	fs := flag.NewFlagSet("mapbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, in one line
	var (
		key        = fs.String("key", "", "")
		keys       = fs.String("keys", "", "")
		keysFile   = fs.String("keys-file", "", "")
		dist       = fs.String("dist", "", "")
		reads      = fs.String("reads", "", "")
		ops        = fs.String("ops", "", "")
		valueSize  = fs.Int("value-size", 0, "")
		goroutines = fs.String("goroutines", "", "")
		impls      = fs.String("impls", "", "")
		duration   = fs.String("duration", "", "")
		count      = fs.Int("count", 0, "")
		every      = fs.Int("latency-every", defaultEvery, "")
		isFull     = fs.Bool("full", false, "")
		memory     = fs.Bool("memory", true, "")
		heap       = fs.Bool("heap", true, "")
		out        = fs.String("out", "mapbench-out", "")
		quiet      = fs.Bool("quiet", false, "")
		recommend  = fs.Bool("recommend", false, "")
		cmp        = fs.String("compare", "", "")
		in         = fs.String("in", "", "")
		limit      = fs.Float64("limit", 1, "")
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
	if *cmp != "" {
		return parseCompare(*cmp, *in, *limit)
	}
	p := quick
	if *isFull {
		p = full
	}
	or := func(s, preset string) string {
		if s == "" {
			return preset
		}
		return s
	}

	cfg := &config{args: args, memory: *memory, heap: *heap, out: *out, quiet: *quiet, recommend: *recommend}
	var err error
	if *keysFile != "" {
		if *key != "" || *keys != "" {
			return nil, errors.New("-keys-file gives the keys: leave out -key and -keys")
		}
		if cfg.fileKeys, err = readKeysFile(*keysFile); err != nil {
			return nil, err
		}
		cfg.keysFile = *keysFile
		cfg.keyTypes, cfg.keys = []string{workload.StringKey}, []int{len(cfg.fileKeys)}
	} else {
		if cfg.keyTypes, err = parseWords("key", or(*key, p.key), workload.IntKey, workload.StringKey); err != nil {
			return nil, err
		}
		if cfg.keys, err = parseInts("keys", or(*keys, p.keys), 1, 1<<30, "key counts"); err != nil {
			return nil, err
		}
	}
	if cfg.dists, err = parseWords("dist", or(*dist, p.dist), workload.Uniform, workload.Zipf); err != nil {
		return nil, err
	}
	switch {
	case *ops != "" && *reads != "":
		return nil, errors.New("-reads is a shorthand for -ops load=P,store=…,delete=…: give one or the other")
	case *ops != "":
		for _, s := range strings.Split(*ops, ";") {
			m, err := workload.ParseMix(s)
			if err != nil {
				return nil, fmt.Errorf("-ops %q: %v", s, err)
			}
			cfg.mixes = append(cfg.mixes, mix{ops: m})
		}
	default:
		rs, err := parseInts("reads", or(*reads, p.reads), 0, 100, "read percentages")
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			cfg.mixes = append(cfg.mixes, mix{reads: r})
		}
	}
	if *valueSize < 0 || *valueSize > workload.MaxValueSize {
		return nil, fmt.Errorf("-value-size %d: want 0 (int values) to %d bytes", *valueSize, workload.MaxValueSize)
	}
	cfg.valueSize = *valueSize
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
	if *every < 0 {
		return nil, fmt.Errorf("-latency-every %d: want 1 or more, or 0 to time no call", *every)
	}
	cfg.every = *every
	for _, s := range cfg.specs() {
		if err := s.Validate(); err != nil { // the checks above should make this unreachable
			return nil, err
		}
	}
	if runnable(cfg) == 0 {
		var why []string
		for _, im := range cfg.impls {
			why = append(why, im.Name+": "+skipReason(im, cfg.specs()[0]))
		}
		return nil, fmt.Errorf("no map can run these workloads (%s)", strings.Join(why, "; "))
	}
	if err := checkOut(cfg.out); err != nil {
		return nil, err
	}
	return cfg, nil
}

// runnable counts the maps that can run at least one workload.
func runnable(cfg *config) int {
	n := 0
	for _, im := range cfg.impls {
		for _, s := range cfg.specs() {
			if skipReason(im, s) == "" {
				n++
				break
			}
		}
	}
	return n
}

// skipReason says why im cannot run s, or "".
func skipReason(im bench.Impl, s workload.Spec) string {
	return im.Skip(s.OpMix(), s.ValueSize)
}

// checkOut makes the output directory and checks that a file can be
// written in it, so that a bad -out fails before the measurements rather
// than after them.
func checkOut(dir string) error {
	if dir == "" {
		return errors.New("-out: want a directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, ".mapbench-check-*")
	if err != nil {
		return fmt.Errorf("-out %s: cannot write there: %v", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// maxKeyLen bounds a line of -keys-file.
const maxKeyLen = 64 << 10

// readKeysFile reads the keys of -keys-file: one a line, without the line
// ending; empty lines are skipped and a key given twice counts once.
func readKeysFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		if wd, werr := os.Getwd(); werr == nil && !filepath.IsAbs(name) && errors.Is(err, os.ErrNotExist) {
			// make compare runs mapbench in bench/, not where make was typed.
			return nil, fmt.Errorf("-keys-file: %v (a relative path is taken from %s; give an absolute one)", err, wd)
		}
		return nil, fmt.Errorf("-keys-file: %v", err)
	}
	defer f.Close()
	var keys []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxKeyLen)
	line := 0
	for sc.Scan() {
		line++
		k := strings.TrimSuffix(sc.Text(), "\r")
		if k == "" || seen[k] {
			continue
		}
		if !utf8.ValidString(k) {
			return nil, fmt.Errorf("-keys-file %s:%d: not UTF-8 text; want one key a line", name, line)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("-keys-file %s:%d: a line longer than %d bytes; want one key a line", name, line+1, maxKeyLen)
		}
		return nil, fmt.Errorf("-keys-file %s: %v", name, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("-keys-file %s: no keys; want one key a line", name)
	}
	if len(keys) > 1<<30 {
		return nil, fmt.Errorf("-keys-file %s: %d keys, more than %d", name, len(keys), 1<<30)
	}
	return keys, nil
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

// keysFileName names the keys file in benchmark names and titles: its base
// name, with anything but letters, digits, '.', '_' and '-' made '_'.
func keysFileName(path string) string {
	if path == "" {
		return ""
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, filepath.Base(path))
}
