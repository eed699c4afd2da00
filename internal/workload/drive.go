package workload

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
)

// ValuePool is the number of distinct values a workload stores: Drive
// stores values[i%ValuePool] for key i, from a pool made before the clock
// starts, so that the allocations it reports are the map's own.
const ValuePool = 1024

// IntValues returns the pool of int values: 0 to ValuePool-1.
func IntValues() []int {
	vs := make([]int, ValuePool)
	for i := range vs {
		vs[i] = i
	}
	return vs
}

// ByteValues returns a pool of []byte values of size bytes each, every one
// with its own backing array, which the map's entries then point to.
func ByteValues(size int) [][]byte {
	vs := make([][]byte, ValuePool)
	for i := range vs {
		vs[i] = make([]byte, size)
		for j := range vs[i] {
			vs[i][j] = byte(i + j)
		}
	}
	return vs
}

// FillValues stores every other key, as Fill does, with the value
// values[i%len(values)] for key i.
func FillValues[K comparable, V any](m safemap.Map[K, V], keys []K, values []V) {
	for i := 0; i < len(keys); i += 2 {
		m.Store(keys[i], values[i%len(values)])
	}
}

// A Recorder receives the latencies of the calls that Drive times. Each
// goroutine of a run has its own, so Record needs no lock.
type Recorder interface {
	Record(op Op, d time.Duration)
}

// Timing says which calls Drive times.
type Timing struct {
	// Every times one call in Every of the mix's most frequent method on
	// each goroutine, and the other methods' calls in proportion, so that
	// each method gets about as many timed calls (see Intervals); 0 times
	// none. A timed call costs two readings of the monotonic clock, tens
	// of nanoseconds, so Every must be large enough that the timed calls do
	// not slow the run (see BenchmarkDriveTiming).
	Every int
	// NewRecorder returns the Recorder of one goroutine. Drive calls it
	// once per goroutine before the clock starts.
	NewRecorder func() Recorder
}

// Drive measures s on m, which must already hold half the keys (see
// FillValues), the way Run does: b.RunParallel, one generator per
// goroutine, a key and an operation drawn per call. It calls the methods of
// the spec's mix (Spec.OpMix): one operation is one call, a Range or a loop
// over All is one call that visits every entry, Compute stores old+1 for
// int values and a value from the pool otherwise, and the valueFn of
// LoadOrCompute and LoadOrTryCompute returns a value from the pool at once.
// values is the pool of values to store; its length must be a power of
// two. It reports allocations and an ops/s metric.
func Drive[K comparable, V any](b *testing.B, m safemap.Map[K, V], keys []K, values []V, s Spec, t Timing) {
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	if len(keys) != s.Keys {
		b.Fatalf("%d keys for a spec of %d", len(keys), s.Keys)
	}
	if n := len(values); n == 0 || n&(n-1) != 0 {
		b.Fatalf("a pool of %d values: want a power of two", n)
	}
	if t.Every < 0 || t.Every > 0 && t.NewRecorder == nil {
		b.Fatalf("timing one call in %d with no recorder", t.Every)
	}
	p := newMixPicker(s)
	mask := uint64(len(values) - 1)

	// Everything a goroutine needs is made before the clock starts, so
	// that the run itself allocates nothing but what the map does.
	workers := make([]*worker[K, V], runtime.GOMAXPROCS(0))
	for g := range workers {
		w := &worker[K, V]{rng: *NewRNG(uint64(g) + 1)}
		w.compute = computeFunc(w)
		w.valueFn = func() V { return w.cur }
		w.tryFn = func() (V, error) { return w.cur, nil }
		if t.Every > 0 {
			w.rec = t.NewRecorder()
		}
		workers[g] = w
	}
	var next atomic.Int64
	yield := func(K, V) bool { return true }
	every := t.Intervals(s.OpMix())

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := workers[next.Add(1)-1]
		left := every // calls of each method until its next timed one; never 0 again where every is 0
		base := time.Now()
		for pb.Next() {
			i, op := p.pick(w.rng.Next())
			k := keys[i]
			left[op]--
			timed := left[op] == 0
			var t0 time.Duration
			if timed {
				left[op] = every[op]
				t0 = time.Since(base)
			}
			switch op {
			case OpLoad:
				m.Load(k)
			case OpStore:
				m.Store(k, values[i&mask])
			case OpDelete:
				m.Delete(k)
			case OpLoadOrStore:
				m.LoadOrStore(k, values[i&mask])
			case OpLoadOrCompute:
				w.cur = values[i&mask]
				m.LoadOrCompute(k, w.valueFn)
			case OpLoadOrTryCompute:
				w.cur = values[i&mask]
				m.LoadOrTryCompute(k, w.tryFn)
			case OpLoadAndDelete:
				m.LoadAndDelete(k)
			case OpSwap:
				m.Swap(k, values[i&mask])
			case OpCompute:
				w.cur = values[i&mask]
				m.Compute(k, w.compute)
			case OpRange:
				m.Range(yield)
			case OpAll:
				for range m.All() {
				}
			case OpLen:
				m.Len()
			default:
				m.Clear()
			}
			if timed {
				w.rec.Record(op, time.Since(base)-t0)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// A worker is the state of one goroutine of Drive.
type worker[K comparable, V any] struct {
	rng RNG
	rec Recorder
	cur V // the value the callbacks below return
	// The callbacks are made once, so that passing them allocates nothing.
	compute func(V, bool) (V, safemap.ComputeOp)
	valueFn func() V
	tryFn   func() (V, error)
}

// computeFunc returns Compute's function for w: a counter for int values,
// the way Compute is mostly used, and otherwise a replacement by w.cur.
func computeFunc[K comparable, V any](w *worker[K, V]) func(V, bool) (V, safemap.ComputeOp) {
	if f, ok := any(addOne).(func(V, bool) (V, safemap.ComputeOp)); ok {
		return f
	}
	return func(V, bool) (V, safemap.ComputeOp) { return w.cur, safemap.UpdateOp }
}

func addOne(old int, _ bool) (int, safemap.ComputeOp) { return old + 1, safemap.UpdateOp }

// Intervals returns, for each method of m, the calls of it between two
// timed ones: Every for the most frequent, Every·share/largest share,
// rounded and at least 1, for the others; 0 for a method m does not call,
// or when Every is 0.
func (t Timing) Intervals(m Mix) [NumOps]int {
	var every [NumOps]int
	if t.Every <= 0 {
		return every
	}
	top := slices.Max(m[:])
	for op, x := range m {
		if x > 0 {
			every[op] = max(1, int(math.Round(float64(t.Every)*x/top)))
		}
	}
	return every
}

// TimedShare returns the share of m's calls that t times.
func (t Timing) TimedShare(m Mix) float64 {
	share := 0.0
	for op, n := range t.Intervals(m) {
		if n > 0 {
			share += m[op] / 100 / float64(n)
		}
	}
	return share
}

// A Budget says how long DriveFor runs: for Duration, or for Calls calls in
// all when Calls is above zero.
type Budget struct {
	Duration time.Duration
	Calls    int
}

// DriveFor runs s on m as Drive does, but without testing.B, on procs
// goroutines (setting GOMAXPROCS is the caller's business) until the budget
// is spent. Unlike testing.B, it forces no garbage collection before it
// starts, so that from one call of DriveFor to the next the collector paces
// itself as in a program that runs on: what it costs shows in the runs.
// It returns the calls made and the time they took.
func DriveFor[K comparable, V any](m safemap.Map[K, V], keys []K, values []V, s Spec, t Timing, procs int, budget Budget) (calls int, elapsed time.Duration, err error) {
	if err := s.Validate(); err != nil {
		return 0, 0, err
	}
	switch n := len(values); {
	case len(keys) != s.Keys:
		return 0, 0, fmt.Errorf("%d keys for a spec of %d", len(keys), s.Keys)
	case n == 0 || n&(n-1) != 0:
		return 0, 0, fmt.Errorf("a pool of %d values: want a power of two", n)
	case t.Every < 0 || t.Every > 0 && t.NewRecorder == nil:
		return 0, 0, fmt.Errorf("timing one call in %d with no recorder", t.Every)
	case procs < 1 || budget.Duration <= 0 && budget.Calls <= 0:
		return 0, 0, fmt.Errorf("%d goroutines for %v: want at least one, for some time or calls", procs, budget.Duration)
	}
	p := newMixPicker(s)
	mask := uint64(len(values) - 1)
	workers := make([]*worker[K, V], procs)
	for g := range workers {
		w := &worker[K, V]{rng: *NewRNG(uint64(g) + 1)}
		w.compute = computeFunc(w)
		w.valueFn = func() V { return w.cur }
		w.tryFn = func() (V, error) { return w.cur, nil }
		if t.Every > 0 {
			w.rec = t.NewRecorder()
		}
		workers[g] = w
	}
	yield := func(K, V) bool { return true }
	every := t.Intervals(s.OpMix())
	var stop atomic.Bool
	var total atomic.Int64
	perWorker := -1 // no limit on the calls
	if budget.Calls > 0 {
		perWorker = (budget.Calls + procs - 1) / procs
	}
	var wg sync.WaitGroup
	start := time.Now()
	if budget.Calls <= 0 {
		timer := time.AfterFunc(budget.Duration, func() { stop.Store(true) })
		defer timer.Stop()
	}
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			left := every
			base := time.Now()
			n := 0
			// The loop is Drive's, but for its end: a shared function
			// would cost a call per operation in Drive's hot loop.
			for n != perWorker && (n&63 != 0 || !stop.Load()) {
				n++
				i, op := p.pick(w.rng.Next())
				k := keys[i]
				left[op]--
				timed := left[op] == 0
				var t0 time.Duration
				if timed {
					left[op] = every[op]
					t0 = time.Since(base)
				}
				switch op {
				case OpLoad:
					m.Load(k)
				case OpStore:
					m.Store(k, values[i&mask])
				case OpDelete:
					m.Delete(k)
				case OpLoadOrStore:
					m.LoadOrStore(k, values[i&mask])
				case OpLoadOrCompute:
					w.cur = values[i&mask]
					m.LoadOrCompute(k, w.valueFn)
				case OpLoadOrTryCompute:
					w.cur = values[i&mask]
					m.LoadOrTryCompute(k, w.tryFn)
				case OpLoadAndDelete:
					m.LoadAndDelete(k)
				case OpSwap:
					m.Swap(k, values[i&mask])
				case OpCompute:
					w.cur = values[i&mask]
					m.Compute(k, w.compute)
				case OpRange:
					m.Range(yield)
				case OpAll:
					for range m.All() {
					}
				case OpLen:
					m.Len()
				default:
					m.Clear()
				}
				if timed {
					w.rec.Record(op, time.Since(base)-t0)
				}
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	return int(total.Load()), time.Since(start), nil
}
