package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// results holds every measurement of one run of mapbench.
type results struct {
	cfg       *config
	workloads []*workloadResult
	// bytesPerEntry maps an implementation's name to its heap bytes per
	// entry at memoryEntries int keys; it is nil when not measured.
	bytesPerEntry map[string]float64
	started       time.Time
	elapsed       time.Duration
}

// A workloadResult holds the measurements of one workload at one goroutine
// count: a cell per implementation, in the order of -impls.
type workloadResult struct {
	spec  workload.Spec
	procs int
	cells []*cell
}

// A cell holds the repeats of one implementation on one workload, in the
// order they ran: samples[r] is from repeat r, so two cells' samples of the
// same index were measured close together in time.
type cell struct {
	impl    bench.Impl
	samples []sample
}

type sample struct {
	n           int
	nsPerOp     float64
	opsPerSec   float64
	bytesPerOp  float64
	allocsPerOp float64
}

// memoryEntries is the map size at which bytes/entry is measured: large
// enough that the table, not the map's fixed overhead, dominates.
const memoryEntries = 1_000_000

// measure runs every measurement cfg asks for. Repeat r of every workload
// and implementation runs before repeat r+1 of any, and the implementations
// take turns at going first, so that a change in the machine's speed during
// the run, or a cost that depends on what ran just before, falls on all of
// them alike.
func measure(cfg *config, prog *progress) (*results, error) {
	testing.Init()
	benchtime := flag.Lookup("test.benchtime")
	old := benchtime.Value.String()
	if err := benchtime.Value.Set(cfg.benchtime); err != nil {
		return nil, fmt.Errorf("-duration %q: %v", cfg.benchtime, err)
	}
	defer benchtime.Value.Set(old)

	res := &results{cfg: cfg, started: time.Now()}
	for _, s := range cfg.specs() {
		for _, g := range cfg.goroutines {
			w := &workloadResult{spec: s, procs: g}
			for _, im := range cfg.impls {
				w.cells = append(w.cells, &cell{impl: im})
			}
			res.workloads = append(res.workloads, w)
		}
	}
	defer prog.finish()

	if cfg.memory {
		res.bytesPerEntry = make(map[string]float64)
		for _, im := range cfg.impls {
			prog.describe("bytes/entry " + im.Name)
			res.bytesPerEntry[im.Name] = workload.BytesPerEntry(im.NewInt, memoryEntries)
			prog.add()
		}
	}

	keys := newKeyCache()
	for r := range cfg.count {
		for _, w := range res.workloads {
			for i := range w.cells {
				c := w.cells[(i+r)%len(w.cells)]
				// Short, so that bar and description fit an 80-column terminal.
				prog.describe(fmt.Sprintf("run %d/%d %s %s %s %s reads=%d g=%d", r+1, cfg.count,
					c.impl.Name, fmtCount(w.spec.Keys), w.spec.Key, w.spec.Dist, w.spec.Reads, w.procs))
				smp, err := measureOne(c.impl, w.spec, w.procs, keys)
				if err != nil {
					return nil, err
				}
				c.samples = append(c.samples, smp)
				prog.add()
			}
		}
	}
	res.elapsed = time.Since(res.started)
	return res, nil
}

// measureOne measures im on s with GOMAXPROCS set to procs, on a map of its
// own filled with every key, as the library's BenchmarkMap does.
func measureOne(im bench.Impl, s workload.Spec, procs int, keys *keyCache) (sample, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs)) // set now, restore on return
	var r testing.BenchmarkResult
	if s.Key == workload.IntKey {
		m, ks := im.NewInt(), keys.ints(s.Keys)
		workload.Fill(m, ks)
		r = testing.Benchmark(func(b *testing.B) { workload.Run(b, m, ks, s) })
	} else {
		m, ks := im.NewString(), keys.strings(s.Keys)
		workload.Fill(m, ks)
		r = testing.Benchmark(func(b *testing.B) { workload.Run(b, m, ks, s) })
	}
	if r.N == 0 {
		return sample{}, fmt.Errorf("%s: the benchmark failed", benchName(im.Name, s, procs))
	}
	n := float64(r.N)
	return sample{
		n:           r.N,
		nsPerOp:     float64(r.T.Nanoseconds()) / n,
		opsPerSec:   r.Extra["ops/s"],
		bytesPerOp:  float64(r.MemBytes) / n,
		allocsPerOp: float64(r.MemAllocs) / n,
	}, nil
}

// keyCache makes each key set once and shares it between measurements; the
// workloads never change a key slice.
type keyCache struct {
	intKeys    map[int][]int
	stringKeys map[int][]string
}

func newKeyCache() *keyCache {
	return &keyCache{intKeys: map[int][]int{}, stringKeys: map[int][]string{}}
}

func (k *keyCache) ints(n int) []int {
	if k.intKeys[n] == nil {
		k.intKeys[n] = workload.IntKeys(n)
	}
	return k.intKeys[n]
}

func (k *keyCache) strings(n int) []string {
	if k.stringKeys[n] == nil {
		k.stringKeys[n] = workload.StringKeys(n)
	}
	return k.stringKeys[n]
}

// benchName names a measurement as go test names the library's
// BenchmarkMap, so that benchstat can compare the two: for example
// BenchmarkMap/impl=xsync/key=int/keys=1000/dist=uniform/reads=90-2.
func benchName(impl string, s workload.Spec, procs int) string {
	name := "BenchmarkMap/impl=" + impl + "/" + s.Name()
	if procs != 1 {
		name += fmt.Sprintf("-%d", procs)
	}
	return name
}

// progress reports how far a run has got on stderr: as a bar on a
// terminal, and otherwise, so that the log of a long run shows it too, as a
// line at every twentieth of the measurements. It is silent with -quiet.
type progress struct {
	bar     *progressbar.ProgressBar // nil unless stderr is a terminal
	lines   io.Writer                // nil unless lines are written
	done    int
	total   int
	started time.Time
	desc    string
}

func newProgress(w io.Writer, cfg *config) *progress {
	total := cfg.count * len(cfg.specs()) * len(cfg.goroutines) * len(cfg.impls)
	if cfg.memory {
		total += len(cfg.impls)
	}
	p := &progress{total: total, started: time.Now()}
	switch {
	case cfg.quiet:
	case isTerminal(w):
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	default:
		p.lines = w
	}
	return p
}

// describe names the measurement that starts.
func (p *progress) describe(desc string) {
	p.desc = desc
	if p.bar != nil {
		p.bar.Describe(desc)
	}
}

// add counts a measurement done.
func (p *progress) add() {
	p.done++
	if p.bar != nil {
		p.bar.Add(1)
	}
	if p.lines == nil || p.done*20/p.total == (p.done-1)*20/p.total {
		return
	}
	elapsed := time.Since(p.started)
	left := time.Duration(float64(elapsed) * float64(p.total-p.done) / float64(p.done))
	fmt.Fprintf(p.lines, "mapbench: %3d%% of %d measurements, %s elapsed, about %s left (last: %s)\n",
		p.done*100/p.total, p.total, elapsed.Round(time.Second), left.Round(time.Second), p.desc)
}

// finish removes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// stats summarises the ns/op of a cell's samples.
type stats struct {
	median, min, max float64
}

func (c *cell) stats() stats {
	ns := make([]float64, len(c.samples))
	for i, s := range c.samples {
		ns[i] = s.nsPerOp
	}
	return summarise(ns)
}

func summarise(xs []float64) stats {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	med := xs[n/2]
	if n%2 == 0 {
		med = (xs[n/2-1] + xs[n/2]) / 2
	}
	return stats{median: med, min: xs[0], max: xs[n-1]}
}

// median returns the median of f over a cell's samples.
func (c *cell) median(f func(sample) float64) float64 {
	xs := make([]float64, len(c.samples))
	for i, s := range c.samples {
		xs[i] = f(s)
	}
	return summarise(xs).median
}

// pairedRatio summarises slow.ns/op ÷ fast.ns/op over repeats measured
// side by side, which cancels drift that affects both.
func pairedRatio(fast, slow *cell) stats {
	rs := make([]float64, len(fast.samples))
	for i := range rs {
		rs[i] = slow.samples[i].nsPerOp / fast.samples[i].nsPerOp
	}
	return summarise(rs)
}
