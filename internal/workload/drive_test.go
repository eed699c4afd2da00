package workload

import (
	"flag"
	"iter"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
)

// callCounter wraps a safemap.Map and counts the calls of each method.
type callCounter[K comparable, V any] struct {
	safemap.Map[K, V]
	calls [NumOps]atomic.Int64
}

func (c *callCounter[K, V]) Load(k K) (V, bool) { c.calls[OpLoad].Add(1); return c.Map.Load(k) }
func (c *callCounter[K, V]) Store(k K, v V)     { c.calls[OpStore].Add(1); c.Map.Store(k, v) }
func (c *callCounter[K, V]) Delete(k K)         { c.calls[OpDelete].Add(1); c.Map.Delete(k) }
func (c *callCounter[K, V]) LoadOrStore(k K, v V) (V, bool) {
	c.calls[OpLoadOrStore].Add(1)
	return c.Map.LoadOrStore(k, v)
}
func (c *callCounter[K, V]) LoadOrCompute(k K, f func() V) (V, bool) {
	c.calls[OpLoadOrCompute].Add(1)
	return c.Map.LoadOrCompute(k, f)
}
func (c *callCounter[K, V]) LoadOrTryCompute(k K, f func() (V, error)) (V, bool, error) {
	c.calls[OpLoadOrTryCompute].Add(1)
	return c.Map.LoadOrTryCompute(k, f)
}
func (c *callCounter[K, V]) LoadAndDelete(k K) (V, bool) {
	c.calls[OpLoadAndDelete].Add(1)
	return c.Map.LoadAndDelete(k)
}
func (c *callCounter[K, V]) Swap(k K, v V) (V, bool) { c.calls[OpSwap].Add(1); return c.Map.Swap(k, v) }
func (c *callCounter[K, V]) Compute(k K, f func(V, bool) (V, safemap.ComputeOp)) (V, bool) {
	c.calls[OpCompute].Add(1)
	return c.Map.Compute(k, f)
}
func (c *callCounter[K, V]) Range(f func(K, V) bool) { c.calls[OpRange].Add(1); c.Map.Range(f) }
func (c *callCounter[K, V]) All() iter.Seq2[K, V]    { c.calls[OpAll].Add(1); return c.Map.All() }
func (c *callCounter[K, V]) Len() int                { c.calls[OpLen].Add(1); return c.Map.Len() }
func (c *callCounter[K, V]) Clear()                  { c.calls[OpClear].Add(1); c.Map.Clear() }

// recorders collects what Drive times.
type recorders struct {
	mu    sync.Mutex
	count [NumOps]int
	bad   int
}

type recorder struct{ r *recorders }

func (r recorder) Record(op Op, d time.Duration) {
	r.r.mu.Lock()
	defer r.r.mu.Unlock()
	r.r.count[op]++
	if d <= 0 || d > time.Minute {
		r.r.bad++
	}
}

func TestDrive(t *testing.T) {
	if err := flag.Set("test.benchtime", "40000x"); err != nil {
		t.Fatal(err)
	}
	mix, _ := ParseMix("load=40,store=10,delete=10,loadorstore=5,loadorcompute=5,loadortrycompute=5,loadanddelete=5,swap=5,compute=10,range=1,all=1,len=2,clear=1")
	keys := StringKeys(100)
	values := ByteValues(8)
	m := &callCounter[string, []byte]{Map: safemap.NewMutexMap[string, []byte]()}
	FillValues[string, []byte](m, keys, values)
	if got := m.Len(); got != 50 {
		t.Fatalf("FillValues stored %d keys, want 50", got)
	}
	m.calls = [NumOps]atomic.Int64{}
	recs := &recorders{}
	s := Spec{Key: StringKey, Keys: 100, Dist: Uniform, Mix: mix, ValueSize: 8}
	res := testing.Benchmark(func(b *testing.B) {
		*recs = recorders{}
		Drive(b, m, keys, values, s, Timing{Every: 10, NewRecorder: func() Recorder { return recorder{recs} }})
	})
	if res.N != 40000 {
		t.Fatalf("ran %d ops", res.N)
	}
	// The counts include the calls of the runs testing.Benchmark makes
	// before the one it reports; each share is checked loosely.
	total := int64(0)
	for op := range NumOps {
		total += m.calls[op].Load()
	}
	for op, want := range mix {
		got := float64(m.calls[op].Load()) / float64(total) * 100
		if got < want*0.8-0.3 || got > want*1.2+0.3 {
			t.Errorf("%s: %.2f%% of calls, want about %v%%", Op(op), got, want)
		}
	}
	// Each method gets about as many timed calls: a tenth of the loads,
	// and of the others in proportion to their share.
	every := (Timing{Every: 10}).Intervals(mix)
	for op, n := range recs.count {
		if mix[op] == 0 {
			continue
		}
		want := float64(res.N) * mix[op] / 100 / float64(every[op])
		if float64(n) < want*0.7-5 || float64(n) > want*1.3+5 {
			t.Errorf("%s: %d calls timed, want about %.0f (one in %d)", Op(op), n, want, every[op])
		}
	}
	if recs.bad > 0 {
		t.Errorf("%d timings out of range", recs.bad)
	}
}

func TestIntervals(t *testing.T) {
	mix, _ := ParseMix("load=90,store=4,delete=2,loadorstore=2,compute=1.9,range=0.1")
	got := (Timing{Every: 256}).Intervals(mix)
	want := [NumOps]int{OpLoad: 256, OpStore: 11, OpDelete: 6, OpLoadOrStore: 6, OpCompute: 5, OpRange: 1}
	if got != want {
		t.Errorf("Intervals = %v, want %v", got, want)
	}
	if got := (Timing{}).Intervals(mix); got != ([NumOps]int{}) {
		t.Errorf("Intervals of no timing = %v", got)
	}
	if got := (Timing{Every: 100}).TimedShare(ReadMix(100)); got != 0.01 {
		t.Errorf("TimedShare = %v", got)
	}
}

func TestDriveComputeCounts(t *testing.T) {
	if err := flag.Set("test.benchtime", "1000x"); err != nil {
		t.Fatal(err)
	}
	m := safemap.NewBucketMap[int, int]()
	keys := IntKeys(1)
	mix, _ := ParseMix("compute=100")
	res := testing.Benchmark(func(b *testing.B) {
		m.Clear()
		Drive(b, m, keys, IntValues(), Spec{Key: IntKey, Keys: 1, Dist: Uniform, Mix: mix}, Timing{})
	})
	if v, _ := m.Load(0); v != res.N {
		t.Errorf("Compute counted to %d in %d calls", v, res.N)
	}
}

// BenchmarkDriveTiming measures what timing one call in every costs: compare
// the ops/s of every=0 with the others. One timed call reads the clock twice.
func BenchmarkDriveTiming(b *testing.B) {
	keys := IntKeys(1000)
	values := IntValues()
	for _, reads := range []int{100, 90} {
		for _, every := range []int{0, 64, 256, 1024} {
			b.Run("reads="+strconv.Itoa(reads)+"/every="+strconv.Itoa(every), func(b *testing.B) {
				m := safemap.NewBucketMap[int, int]()
				FillValues[int, int](m, keys, values)
				Drive(b, m, keys, values, Spec{Key: IntKey, Keys: 1000, Dist: Uniform, Reads: reads},
					Timing{Every: every, NewRecorder: func() Recorder { return discard{} }})
			})
		}
	}
}

type discard struct{}

func (discard) Record(Op, time.Duration) {}

func TestDriveFor(t *testing.T) {
	mix, _ := ParseMix("load=50,store=20,delete=20,compute=10")
	keys := IntKeys(1000)
	values := IntValues()
	m := &callCounter[int, int]{Map: safemap.NewShardedMap[int, int]()}
	FillValues[int, int](m, keys, values)
	m.calls = [NumOps]atomic.Int64{}
	s := Spec{Key: IntKey, Keys: 1000, Dist: Uniform, Mix: mix}
	recs := &recorders{}
	calls, elapsed, err := DriveFor[int, int](m, keys, values, s, Timing{Every: 4, NewRecorder: func() Recorder { return recorder{recs} }}, 2, Budget{Calls: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	var seen int64
	for op := range NumOps {
		seen += m.calls[op].Load()
	}
	if calls != 10_000 || seen != 10_000 || elapsed <= 0 {
		t.Errorf("DriveFor made %d calls, the map saw %d, in %v", calls, seen, elapsed)
	}
	timed := 0
	for _, n := range recs.count {
		timed += n
	}
	if want := (Timing{Every: 4}).TimedShare(mix) * float64(calls); float64(timed) < want*0.8 || float64(timed) > want*1.2 {
		t.Errorf("%d calls timed of %d, want about %.0f", timed, calls, want)
	}

	start := time.Now()
	calls, elapsed, err = DriveFor[int, int](m, keys, values, s, Timing{}, 2, Budget{Duration: 30 * time.Millisecond})
	if err != nil || calls == 0 || elapsed < 30*time.Millisecond || time.Since(start) > 5*time.Second {
		t.Errorf("a run of 30ms: %d calls in %v, %v", calls, elapsed, err)
	}
	if _, _, err := DriveFor[int, int](m, keys[:10], values, s, Timing{}, 2, Budget{Calls: 1}); err == nil {
		t.Error("no error for 10 keys of a spec of 1000")
	}
}
