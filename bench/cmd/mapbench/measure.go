package main

import (
	"flag"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
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
// count: a cell per implementation that can run it, in the order of -impls.
type workloadResult struct {
	spec     workload.Spec
	procs    int
	keysFile string // the base name of -keys-file, when the keys come from it
	// heap marks the large-heap workload of -heap: each map is filled once,
	// measured count times in a row, alone in the heap.
	heap    bool
	cells   []*cell
	skipped []skipped // the maps that cannot run it
}

type skipped struct {
	impl bench.Impl
	why  string
}

// A cell holds the runs of one implementation on one workload, in the
// order they ran: samples[r] is from run r, so two cells' samples of the
// same index were measured close together in time (except on the heap
// workload, where each map's runs follow each other).
type cell struct {
	impl    bench.Impl
	samples []sample
	// lat holds the latency of the timed calls of every run, per method.
	lat [workload.NumOps]latDist
	// gc adds up the garbage collector's work over the runs.
	gc gcStats
	// heap is what the map costs each collection; only on the heap workload.
	heap *heapStats
}

type sample struct {
	every       int // the timing interval of the run (see measurer.every)
	n           int
	nsPerOp     float64
	opsPerSec   float64
	bytesPerOp  float64
	allocsPerOp float64
	// p holds the run's latency at the quantiles, then its longest timed
	// call, over every method, in ns; NaN when no call was timed.
	p   [4]float64
	gc  gcStats
	ran time.Duration // wall time of the whole measurement, filling included
}

// memoryEntries is the map size at which bytes/entry is measured: large
// enough that the table, not the map's fixed overhead, dominates.
const memoryEntries = 1_000_000

// workloads lays out what cfg asks for: the matrix at every goroutine
// count, then the heap workload at the charts' goroutine count.
func workloads(cfg *config) []*workloadResult {
	var ws []*workloadResult
	add := func(s workload.Spec, procs int, heap bool) {
		w := &workloadResult{spec: s, procs: procs, heap: heap}
		if s.Key == workload.StringKey && cfg.keysFile != "" && !heap {
			w.keysFile = keysFileName(cfg.keysFile)
		}
		for _, im := range cfg.impls {
			if why := skipReason(im, s); why != "" {
				w.skipped = append(w.skipped, skipped{im, why})
				continue
			}
			w.cells = append(w.cells, &cell{impl: im})
		}
		ws = append(ws, w)
	}
	for _, s := range cfg.specs() {
		for _, g := range cfg.goroutines {
			add(s, g, false)
		}
	}
	if cfg.heap {
		hs, procs := cfg.heapSpec(), chartProcs(cfg.goroutines)
		dup := false
		for _, w := range ws {
			if w.spec == hs && w.procs == procs && w.keysFile == "" {
				w.heap, dup = true, true // measure it the heap's way
			}
		}
		if !dup {
			add(hs, procs, true)
		}
	}
	return ws
}

// A task is one step of the run: a measurement of one cell, all runs of a
// heap cell, or the bytes/entry of one map.
type task struct {
	kind taskKind
	w    *workloadResult
	c    *cell
	impl bench.Impl
}

type taskKind int

const (
	runTask    taskKind = iota // one run of a cell
	heapTask                   // fill once, measure the heap, then every run of a heap cell
	memoryTask                 // bytes/entry of one map
)

// plan orders the tasks. The bytes/entry of every map comes first: it
// tells the progress estimate how long each map takes to fill and collect,
// which its heap task repeats. Then run r of every workload and
// implementation runs before run r+1 of any, and the implementations take
// turns at going first, so that a change in the machine's speed during the
// run, or a cost that depends on what ran just before, falls on all of them
// alike. The heap workload's maps, each measured alone, are spread evenly
// among those runs.
func plan(cfg *config, ws []*workloadResult) []task {
	var tasks, runs, heaps []task
	if cfg.memory {
		for _, im := range cfg.impls {
			tasks = append(tasks, task{kind: memoryTask, impl: im})
		}
	}
	for r := range cfg.count {
		for _, w := range ws {
			if w.heap {
				continue
			}
			for i := range w.cells {
				runs = append(runs, task{kind: runTask, w: w, c: w.cells[(i+r)%len(w.cells)]})
			}
		}
	}
	for _, w := range ws {
		if w.heap {
			for _, c := range w.cells {
				heaps = append(heaps, task{kind: heapTask, w: w, c: c})
			}
		}
	}
	// Heap task j goes before run (j+½)·len(runs)/len(heaps), so that the
	// first follows a few runs and the last precedes a few.
	j := 0
	for i, t := range runs {
		for j < len(heaps) && (2*j+1)*len(runs) <= 2*i*len(heaps) {
			tasks = append(tasks, heaps[j])
			j++
		}
		tasks = append(tasks, t)
	}
	return append(tasks, heaps[j:]...)
}

// measure runs every task cfg asks for.
func measure(cfg *config, prog *progress) (*results, error) {
	testing.Init()
	benchtime := flag.Lookup("test.benchtime")
	old := benchtime.Value.String()
	if err := benchtime.Value.Set(cfg.benchtime); err != nil {
		return nil, fmt.Errorf("-duration %q: %v", cfg.benchtime, err)
	}
	defer benchtime.Value.Set(old)

	res := &results{cfg: cfg, started: time.Now(), workloads: workloads(cfg)}
	tasks := plan(cfg, res.workloads)
	prog.start(tasks)
	defer prog.finish()
	m := newMeasurer(cfg)
	for _, t := range tasks {
		prog.describe(t, cfg)
		start := time.Now()
		switch t.kind {
		case memoryTask:
			if res.bytesPerEntry == nil {
				res.bytesPerEntry = make(map[string]float64)
			}
			res.bytesPerEntry[t.impl.Name] = workload.BytesPerEntry(t.impl.NewInt, memoryEntries)
		case heapTask:
			if err := m.heapCell(t.w, t.c); err != nil {
				return nil, err
			}
		default:
			if err := m.runCell(t.w, t.c); err != nil {
				return nil, err
			}
		}
		prog.done(t, time.Since(start))
	}
	res.elapsed = time.Since(res.started)
	return res, nil
}

// A measurer makes each set of keys and values once and shares it between
// measurements; the workloads never change them.
type measurer struct {
	cfg        *config
	intKeys    map[int][]int
	stringKeys map[int][]string
	byteValues map[int][][]byte
	intValues  []int
}

func newMeasurer(cfg *config) *measurer {
	return &measurer{cfg: cfg, intKeys: map[int][]int{}, stringKeys: map[int][]string{},
		byteValues: map[int][][]byte{}, intValues: workload.IntValues()}
}

func (m *measurer) ints(n int) []int {
	if m.intKeys[n] == nil {
		m.intKeys[n] = workload.IntKeys(n)
	}
	return m.intKeys[n]
}

func (m *measurer) strings(w *workloadResult) []string {
	if w.keysFile != "" {
		return m.cfg.fileKeys
	}
	n := w.spec.Keys
	if m.stringKeys[n] == nil {
		m.stringKeys[n] = workload.StringKeys(n)
	}
	return m.stringKeys[n]
}

func (m *measurer) bytes(size int) [][]byte {
	if m.byteValues[size] == nil {
		m.byteValues[size] = workload.ByteValues(size)
	}
	return m.byteValues[size]
}

// runCell measures one run of c on w, on a map of its own filled with half
// the keys, as the library's BenchmarkMap does.
func (m *measurer) runCell(w *workloadResult, c *cell) error {
	return m.dispatch(w, c, false)
}

// heapCell fills c's map once, measures what it costs each collection, and
// then measures every run on it.
func (m *measurer) heapCell(w *workloadResult, c *cell) error {
	return m.dispatch(w, c, true)
}

func (m *measurer) dispatch(w *workloadResult, c *cell, heap bool) error {
	s := w.spec
	switch {
	case s.Key == workload.IntKey && s.ValueSize == 0:
		return measureCell(m, w, c, heap, m.ints(s.Keys), m.intValues)
	case s.Key == workload.IntKey:
		return measureCell(m, w, c, heap, m.ints(s.Keys), m.bytes(s.ValueSize))
	case s.ValueSize == 0:
		return measureCell(m, w, c, heap, m.strings(w), m.intValues)
	default:
		return measureCell(m, w, c, heap, m.strings(w), m.bytes(s.ValueSize))
	}
}

func measureCell[K int | string, V any](m *measurer, w *workloadResult, c *cell, heap bool, keys []K, values []V) error {
	start := time.Now()
	mp := bench.NewMap[K, V](c.impl)
	if !heap {
		workload.FillValues(mp, keys, values)
		smp, err := measureRun(m, w, c, mp, keys, values)
		if err != nil {
			return err
		}
		smp.ran = time.Since(start)
		c.samples = append(c.samples, smp)
		return nil
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(w.procs))
	hs := measureHeap(func() { workload.FillValues(mp, keys, values) })
	c.heap = &hs
	for range m.cfg.count {
		t := time.Now()
		smp, err := measureHeapRun(m, w, c, mp, keys, values)
		if err != nil {
			return err
		}
		smp.ran = time.Since(t)
		c.samples = append(c.samples, smp)
	}
	runtime.KeepAlive(mp)
	return nil
}

// measureHeapRun measures one run of the heap workload with
// workload.DriveFor rather than testing.B, which would collect garbage
// before every run: here the collector paces itself from run to run, as in
// a program that runs on, and the collections the map's allocations cause
// happen during the runs. Allocations come from runtime/metrics.
func measureHeapRun[K comparable, V any](m *measurer, w *workloadResult, c *cell, mp safemap.Map[K, V], keys []K, values []V) (sample, error) {
	recs := newRecorderSet(w.spec.OpMix().Ops())
	every := m.every(c, w)
	if every > 0 {
		recs.prepare(w.procs) // before the first reading, so that their memory does not count
	}
	before := readGC()
	calls, elapsed, err := workload.DriveFor(mp, keys, values, w.spec,
		workload.Timing{Every: every, NewRecorder: recs.newRecorder}, w.procs, m.budget())
	gc := readGC().since(before)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v", benchName(c.impl.Name, w), err)
	}
	return m.record(c, recs, gc, sample{
		every:       every,
		n:           calls,
		nsPerOp:     float64(elapsed.Nanoseconds()) / float64(calls),
		opsPerSec:   float64(calls) / elapsed.Seconds(),
		bytesPerOp:  float64(gc.allocBytes) / float64(calls),
		allocsPerOp: float64(gc.allocObjects) / float64(calls),
	}), nil
}

// maxTimingShare bounds the estimated cost of timing calls, as a share of
// a call's time, beyond what -latency-every alone gives.
const maxTimingShare = 0.003

// every returns the timing interval of c's next run: -latency-every for its
// first, and then, where calls are slow enough that timing more of them
// costs under maxTimingShare of a call, a shorter one, so that slow maps
// and methods get enough timed calls for their p99.9.
func (m *measurer) every(c *cell, w *workloadResult) int {
	every := m.cfg.every
	if every == 0 || len(c.samples) == 0 {
		return every
	}
	perCall := c.samples[0].nsPerOp * float64(w.procs) // ns a call takes on one goroutine
	mix := w.spec.OpMix()
	// Timed share and interval are inversely proportional.
	timedAtEvery := workload.Timing{Every: every}.TimedShare(mix) * float64(every)
	want := int(math.Ceil(timedAtEvery * float64(timedCallCost()) / (maxTimingShare * perCall)))
	return max(1, min(every, want))
}

// budget turns -duration into a workload.Budget.
func (m *measurer) budget() workload.Budget {
	if n, ok := strings.CutSuffix(m.cfg.benchtime, "x"); ok {
		calls, _ := strconv.Atoi(n)
		return workload.Budget{Calls: calls}
	}
	d, _ := time.ParseDuration(m.cfg.benchtime)
	return workload.Budget{Duration: d}
}

// measureRun measures one run of w.spec on mp with GOMAXPROCS set to
// w.procs, adds its latencies and collector statistics to c and returns
// the rest.
func measureRun[K comparable, V any](m *measurer, w *workloadResult, c *cell, mp safemap.Map[K, V], keys []K, values []V) (sample, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(w.procs)) // set now, restore on return
	ops := w.spec.OpMix().Ops()
	var (
		recs  *recorderSet
		gc    gcStats
		every = m.every(c, w)
	)
	r := testing.Benchmark(func(b *testing.B) {
		// testing.B calls this once for each b.N it tries; the figures
		// kept are those of the last call, the one it reports.
		recs = newRecorderSet(ops)
		before := readGC() // just after the collection testing.B starts each call with
		workload.Drive(b, mp, keys, values, w.spec, workload.Timing{Every: every, NewRecorder: recs.newRecorder})
		b.StopTimer()
		gc = readGC().since(before)
	})
	if r.N == 0 {
		return sample{}, fmt.Errorf("%s: the benchmark failed", benchName(c.impl.Name, w))
	}
	n := float64(r.N)
	return m.record(c, recs, gc, sample{
		every:       every,
		n:           r.N,
		nsPerOp:     float64(r.T.Nanoseconds()) / n,
		opsPerSec:   r.Extra["ops/s"],
		bytesPerOp:  float64(r.MemBytes) / n,
		allocsPerOp: float64(r.MemAllocs) / n,
	}), nil
}

// record adds a run's latencies and collector statistics to c, and to the
// run's sample.
func (m *measurer) record(c *cell, recs *recorderSet, gc gcStats, smp sample) sample {
	lat := recs.merge()
	for op := range lat {
		c.lat[op] = c.lat[op].merge(lat[op])
	}
	c.gc = c.gc.add(gc)
	smp.gc = gc
	d := all(lat)
	for i := range smp.p {
		smp.p[i] = nan
	}
	if d.count() > 0 {
		h := d.hist()
		for i, q := range quantiles {
			smp.p[i] = float64(h.ValueAtQuantile(q.q))
		}
		smp.p[3] = float64(d.max())
	}
	return smp
}

// benchName names a measurement as go test names the library's
// BenchmarkMap, so that benchstat can compare the two: for example
// BenchmarkMap/impl=xsync/key=int/keys=1000/dist=uniform/reads=90-2.
func benchName(impl string, w *workloadResult) string {
	name := "BenchmarkMap/impl=" + impl + "/" + w.spec.Name()
	if w.keysFile != "" {
		name += "/keys-from=" + w.keysFile
	}
	if w.procs != 1 {
		name += "-" + strconv.Itoa(w.procs)
	}
	return name
}
