package safemap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"math/rand/v2"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// impl names one way to make a map: a type, and either its zero value or
// its constructor with options.
type impl struct {
	name string
	kind kind
	zero bool
	opts []safemap.Option
}

type kind int

const (
	mutexKind kind = iota
	rwKind
	syncKind
	shardedKind
	bucketKind
)

var impls = []impl{
	{name: "MutexMap/zero", kind: mutexKind, zero: true},
	{name: "MutexMap/new", kind: mutexKind, opts: []safemap.Option{safemap.WithCapacity(64)}},
	{name: "RWMap/zero", kind: rwKind, zero: true},
	{name: "RWMap/new", kind: rwKind, opts: []safemap.Option{safemap.WithCapacity(64)}},
	{name: "SyncMap/zero", kind: syncKind, zero: true},
	{name: "SyncMap/new", kind: syncKind, opts: []safemap.Option{safemap.WithCapacity(64)}},
	{name: "ShardedMap/zero", kind: shardedKind, zero: true},
	{name: "ShardedMap/new", kind: shardedKind},
	{name: "ShardedMap/shards=1", kind: shardedKind, opts: []safemap.Option{safemap.WithShards(1)}},
	{name: "ShardedMap/shards=4", kind: shardedKind, opts: []safemap.Option{safemap.WithShards(3), safemap.WithCapacity(64)}},
	{name: "BucketMap/zero", kind: bucketKind, zero: true},
	{name: "BucketMap/new", kind: bucketKind, opts: []safemap.Option{safemap.WithCapacity(64)}},
	{name: "BucketMap/growonly", kind: bucketKind, opts: []safemap.Option{safemap.WithoutShrinking()}},
}

func newMap[K comparable, V any](c impl) safemap.Map[K, V] {
	switch c.kind {
	case mutexKind:
		if c.zero {
			return new(safemap.MutexMap[K, V])
		}
		return safemap.NewMutexMap[K, V](c.opts...)
	case rwKind:
		if c.zero {
			return new(safemap.RWMap[K, V])
		}
		return safemap.NewRWMap[K, V](c.opts...)
	case syncKind:
		if c.zero {
			return new(safemap.SyncMap[K, V])
		}
		return safemap.NewSyncMap[K, V](c.opts...)
	case shardedKind:
		if c.zero {
			return new(safemap.ShardedMap[K, V])
		}
		return safemap.NewShardedMap[K, V](c.opts...)
	case bucketKind:
		if c.zero {
			return new(safemap.BucketMap[K, V])
		}
		return safemap.NewBucketMap[K, V](c.opts...)
	}
	panic("unknown kind")
}

// suite is the conformance suite every implementation runs. Bad inputs
// have their own table, badInputs.
var suite = []struct {
	name string
	test func(t *testing.T, c impl)
}{
	{"Load/Missing", testLoadMissing},
	{"Load/ZeroValue", testLoadZeroValue},
	{"Store/Overwrite", testStoreOverwrite},
	{"LoadOrStore/Missing", testLoadOrStoreMissing},
	{"LoadOrStore/Present", testLoadOrStorePresent},
	{"LoadOrCompute/Missing", testLoadOrComputeMissing},
	{"LoadOrCompute/Present", testLoadOrComputePresent},
	{"LoadOrTryCompute/Missing", testLoadOrTryComputeMissing},
	{"LoadOrTryCompute/Present", testLoadOrTryComputePresent},
	{"LoadOrTryCompute/Error", testLoadOrTryComputeError},
	{"LoadAndDelete/Missing", testLoadAndDeleteMissing},
	{"LoadAndDelete/Present", testLoadAndDeletePresent},
	{"Delete/Missing", testDeleteMissing},
	{"Delete/Present", testDeletePresent},
	{"Swap/Missing", testSwapMissing},
	{"Swap/Present", testSwapPresent},
	{"Compute/Ops", testComputeOps},
	{"Compute/ForgottenOp", testComputeForgottenOp},
	{"Compute/NonComparableValue", testComputeNonComparableValue},
	{"CompareAndSwap/Missing", testCompareAndSwapMissing},
	{"CompareAndSwap/Present", testCompareAndSwapPresent},
	{"CompareAndDelete/Missing", testCompareAndDeleteMissing},
	{"CompareAndDelete/Present", testCompareAndDeletePresent},
	{"Add/Ints", testAddInts},
	{"Add/Floats", testAddFloats},
	{"Range/Empty", testRangeEmpty},
	{"Range/VisitsAll", testRangeVisitsAll},
	{"Range/EarlyBreak", testRangeEarlyBreak},
	{"Range/DeleteWhileRanging", testRangeDeleteWhileRanging},
	{"Range/StoreWhileRanging", testRangeStoreWhileRanging},
	{"All/ForRange", testAllForRange},
	{"Len/AfterOps", testLenAfterOps},
	{"Clear/Entries", testClear},
	{"Keys/Interface", testInterfaceKeys},
	{"Keys/Kinds", testKeyKinds},
	{"JSON/RoundTrip", testJSONRoundTrip},
	{"JSON/Replaces", testJSONReplaces},
	{"JSON/Null", testJSONNull},
	{"JSON/UnsupportedKey", testJSONUnsupportedKey},
	{"Model/RandomOps", testModel},
	{"Concurrent/DisjointKeys", testConcurrentDisjointKeys},
	{"Concurrent/SharedCounters", testConcurrentSharedCounters},
	{"Concurrent/CompareAndSwapCounter", testConcurrentCompareAndSwap},
	{"Concurrent/LoadOrStoreOneWinner", testConcurrentLoadOrStore},
	{"Concurrent/LoadOrComputeOnce", testConcurrentLoadOrCompute},
	{"Concurrent/SwapNoLostUpdate", testConcurrentSwap},
	{"Concurrent/RangeWhileWriting", testConcurrentRange},
	{"Concurrent/ClearWhileStoring", testConcurrentClear},
	{"Concurrent/ClearIsAtomic", testClearIsAtomic},
	{"Concurrent/ComputeInsertDelete", testConcurrentComputeInsertDelete},
	{"Concurrent/WriteDuringLoadOrCompute", testWriteDuringLoadOrCompute},
	{"Concurrent/LoadOrTryComputeErrorWaiters", testLoadOrTryComputeErrorWaiters},
	{"Callbacks/LoadOrComputeChains", testLoadOrComputeChains},
	{"Callbacks/ValueFnWaitsForWriter", testValueFnWaitsForWriter},
	{"Callbacks/RecursiveTypeCache", testRecursiveTypeCache},
	{"Concurrent/GrowAndShrink", testConcurrentGrowAndShrink},
	{"Concurrent/NaNKeysWhileResizing", testConcurrentNaNKeys},
	{"Panic/LoadOrCompute", testPanicLoadOrCompute},
	{"Panic/LoadOrComputeWaiters", testPanicLoadOrComputeWaiters},
	{"Panic/Compute", testPanicCompute},
	{"Panic/Range", testPanicRange},
	{"Panic/All", testPanicAll},
	{"Panic/Concurrent", testPanicConcurrent},
}

func TestMap(t *testing.T) {
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range suite {
				t.Run(s.name, func(t *testing.T) { s.test(t, c) })
			}
		})
	}
}

// contents returns a copy of m's entries, failing t if Range visits a key twice.
func contents[K comparable, V any](t testing.TB, m safemap.Map[K, V]) map[K]V {
	t.Helper()
	got := make(map[K]V)
	m.Range(func(k K, v V) bool {
		_, dup := got[k]
		assert.False(t, dup, "Range visited key %v twice", k)
		got[k] = v
		return true
	})
	return got
}

// requireContents checks m's entries and Len against want.
func requireContents[K comparable, V any](t testing.TB, want map[K]V, m safemap.Map[K, V]) {
	t.Helper()
	require.Equal(t, want, contents(t, m))
	require.Equal(t, len(want), m.Len())
}

// recovered runs fn and returns what it panicked with, or nil.
func recovered(fn func()) (r any) {
	defer func() { r = recover() }()
	fn()
	return nil
}

// finishesWithin fails t if fn, run on another goroutine, takes longer than
// d: a lock left held by a panic shows up as a timeout, not a hung test.
func finishesWithin(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	if err := within(d, fn); err != nil {
		t.Fatal(err)
	}
}

// within runs fn on another goroutine and returns an error if it takes
// longer than d, which no map operation here comes close to needing: the
// sign of a lock that is held for good.
func within(d time.Duration, fn func()) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		return fmt.Errorf("map operations did not finish within %v: a lock is held", d)
	}
}

// parallel runs fn(g) on n goroutines that start together and waits for them.
func parallel(n int, fn func(g int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	for g := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			fn(g)
		}()
	}
	start.Done()
	done.Wait()
}

// scale shortens long loops under -short.
func scale(n int) int {
	if testing.Short() {
		return max(n/10, 1)
	}
	return n
}

func testLoadMissing(t *testing.T, c impl) {
	m := newMap[int, string](c)
	v, ok := m.Load(1)
	assert.False(t, ok)
	assert.Equal(t, "", v)
	m.Store(2, "two")
	v, ok = m.Load(1)
	assert.False(t, ok)
	assert.Equal(t, "", v)
}

func testLoadZeroValue(t *testing.T, c impl) {
	m := newMap[int, string](c)
	m.Store(0, "")
	v, ok := m.Load(0)
	assert.True(t, ok, "a stored zero value is present")
	assert.Equal(t, "", v)
	assert.Equal(t, 1, m.Len())
}

func testStoreOverwrite(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	m.Store("a", 2)
	m.Store("b", 3)
	requireContents(t, map[string]int{"a": 2, "b": 3}, m)
}

func testLoadOrStoreMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	actual, loaded := m.LoadOrStore("a", 1)
	assert.False(t, loaded)
	assert.Equal(t, 1, actual)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testLoadOrStorePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 0)
	actual, loaded := m.LoadOrStore("a", 1)
	assert.True(t, loaded)
	assert.Equal(t, 0, actual, "the stored zero value wins")
	requireContents(t, map[string]int{"a": 0}, m)
}

func testLoadOrComputeMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	calls := 0
	actual, loaded := m.LoadOrCompute("a", func() int { calls++; return 7 })
	assert.False(t, loaded)
	assert.Equal(t, 7, actual)
	assert.Equal(t, 1, calls)
	requireContents(t, map[string]int{"a": 7}, m)
}

func testLoadOrComputePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	actual, loaded := m.LoadOrCompute("a", func() int {
		t.Error("valueFn called for a present key")
		return 2
	})
	assert.True(t, loaded)
	assert.Equal(t, 1, actual)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testLoadOrComputeNilFunc(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	r := recovered(func() { m.LoadOrCompute("b", nil) })
	require.NotNil(t, r, "LoadOrCompute(nil) must panic")
	assert.True(t, strings.HasPrefix(fmt.Sprint(r), "safemap: "), "panic message %q", r)
	finishesWithin(t, 10*time.Second, func() { m.Store("c", 3) })
	requireContents(t, map[string]int{"a": 1, "c": 3}, m)
}

func testLoadOrTryComputeNilFunc(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	r := recovered(func() { m.LoadOrTryCompute("b", nil) })
	assert.Equal(t, "safemap: LoadOrTryCompute called with a nil function", r)
	finishesWithin(t, 10*time.Second, func() { m.Store("c", 3) })
	requireContents(t, map[string]int{"a": 1, "c": 3}, m)
}

func testLoadAndDeleteMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	v, loaded := m.LoadAndDelete("a")
	assert.False(t, loaded)
	assert.Equal(t, 0, v)
	m.Store("b", 2)
	v, loaded = m.LoadAndDelete("a")
	assert.False(t, loaded)
	assert.Equal(t, 0, v)
	requireContents(t, map[string]int{"b": 2}, m)
}

func testLoadAndDeletePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	m.Store("b", 2)
	v, loaded := m.LoadAndDelete("a")
	assert.True(t, loaded)
	assert.Equal(t, 1, v)
	requireContents(t, map[string]int{"b": 2}, m)
}

func testDeleteMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Delete("a")
	m.Store("b", 2)
	m.Delete("a")
	requireContents(t, map[string]int{"b": 2}, m)
}

func testDeletePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	m.Store("b", 2)
	m.Delete("a")
	requireContents(t, map[string]int{"b": 2}, m)
	m.Delete("b")
	requireContents(t, map[string]int{}, m)
}

func testSwapMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	prev, loaded := m.Swap("a", 1)
	assert.False(t, loaded)
	assert.Equal(t, 0, prev)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testSwapPresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	prev, loaded := m.Swap("a", 2)
	assert.True(t, loaded)
	assert.Equal(t, 1, prev)
	requireContents(t, map[string]int{"a": 2}, m)
}

func testComputeOps(t *testing.T, c impl) {
	tests := []struct {
		name      string
		present   bool // whether "k" holds 10 before the call
		op        safemap.ComputeOp
		wantValue int
		wantOK    bool
		want      map[string]int
	}{
		{"Update/Missing", false, safemap.UpdateOp, 1, true, map[string]int{"k": 1, "other": 5}},
		{"Update/Present", true, safemap.UpdateOp, 11, true, map[string]int{"k": 11, "other": 5}},
		{"Delete/Missing", false, safemap.DeleteOp, 0, false, map[string]int{"other": 5}},
		{"Delete/Present", true, safemap.DeleteOp, 0, false, map[string]int{"other": 5}},
		{"Cancel/Missing", false, safemap.CancelOp, 0, false, map[string]int{"other": 5}},
		{"Cancel/Present", true, safemap.CancelOp, 10, true, map[string]int{"k": 10, "other": 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMap[string, int](c)
			m.Store("other", 5)
			if tt.present {
				m.Store("k", 10)
			}
			calls := 0
			v, ok := m.Compute("k", func(old int, loaded bool) (int, safemap.ComputeOp) {
				calls++
				assert.Equal(t, tt.present, loaded)
				if tt.present {
					assert.Equal(t, 10, old)
				} else {
					assert.Equal(t, 0, old)
				}
				return old + 1, tt.op
			})
			assert.Equal(t, 1, calls, "fn runs once without contention")
			assert.Equal(t, tt.wantValue, v)
			assert.Equal(t, tt.wantOK, ok)
			requireContents(t, tt.want, m)
		})
	}
}

func testComputeForgottenOp(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	v, ok := m.Compute("a", func(old int, loaded bool) (newValue int, op safemap.ComputeOp) {
		newValue = 99 // op left at its zero value
		return
	})
	assert.True(t, ok)
	assert.Equal(t, 1, v)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testComputeInvalidOp(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	// The second call would wait for ever on a lock the first one leaked.
	finishesWithin(t, 10*time.Second, func() {
		for _, key := range []string{"a", "b"} {
			r := recovered(func() {
				m.Compute(key, func(int, bool) (int, safemap.ComputeOp) { return 2, safemap.ComputeOp(7) })
			})
			assert.Equal(t, "safemap: Compute function returned invalid ComputeOp(7)", r)
		}
		m.Store("c", 3)
	})
	requireContents(t, map[string]int{"a": 1, "c": 3}, m)
}

func testComputeNilFunc(t *testing.T, c impl) {
	m := newMap[string, int](c)
	r := recovered(func() { m.Compute("a", nil) })
	require.NotNil(t, r, "Compute(nil) must panic")
	assert.True(t, strings.HasPrefix(fmt.Sprint(r), "safemap: "), "panic message %q", r)
	finishesWithin(t, 10*time.Second, func() { m.Store("a", 1) })
	requireContents(t, map[string]int{"a": 1}, m)
}

func testComputeNonComparableValue(t *testing.T, c impl) {
	m := newMap[string, []int](c)
	for i := range 3 {
		m.Compute("list", func(old []int, _ bool) ([]int, safemap.ComputeOp) {
			return append(slices.Clone(old), i), safemap.UpdateOp
		})
	}
	v, _ := m.LoadOrCompute("other", func() []int { return []int{9} })
	assert.Equal(t, []int{9}, v)
	requireContents(t, map[string][]int{"list": {0, 1, 2}, "other": {9}}, m)
}

func testCompareAndSwapMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	assert.False(t, safemap.CompareAndSwap(m, "a", 0, 1), "no swap on a missing key, even with old = zero")
	requireContents(t, map[string]int{}, m)
}

func testCompareAndSwapPresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	assert.False(t, safemap.CompareAndSwap(m, "a", 2, 3))
	requireContents(t, map[string]int{"a": 1}, m)
	assert.True(t, safemap.CompareAndSwap(m, "a", 1, 3))
	requireContents(t, map[string]int{"a": 3}, m)
}

func testCompareAndDeleteMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	assert.False(t, safemap.CompareAndDelete(m, "a", 0), "no delete of a missing key, even with old = zero")
	requireContents(t, map[string]int{}, m)
}

func testCompareAndDeletePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	assert.False(t, safemap.CompareAndDelete(m, "a", 2))
	requireContents(t, map[string]int{"a": 1}, m)
	assert.True(t, safemap.CompareAndDelete(m, "a", 1))
	requireContents(t, map[string]int{}, m)
}

func testAddInts(t *testing.T, c impl) {
	m := newMap[string, int64](c)
	assert.Equal(t, int64(5), safemap.Add(m, "a", 5), "a missing key counts as zero")
	assert.Equal(t, int64(3), safemap.Add(m, "a", -2))
	assert.Equal(t, int64(0), safemap.Add(m, "b", 0), "adding zero stores the key")
	requireContents(t, map[string]int64{"a": 3, "b": 0}, m)

	u := newMap[int, uint8](c)
	safemap.Add(u, 1, 250)
	assert.Equal(t, uint8(4), safemap.Add(u, 1, 10), "overflow wraps as in Go")
}

func testAddFloats(t *testing.T, c impl) {
	m := newMap[string, float64](c)
	assert.Equal(t, 0.5, safemap.Add(m, "a", 0.5))
	assert.Equal(t, 0.75, safemap.Add(m, "a", 0.25))
	requireContents(t, map[string]float64{"a": 0.75}, m)
}

func testRangeEmpty(t *testing.T, c impl) {
	m := newMap[int, int](c)
	m.Range(func(int, int) bool {
		t.Error("Range called yield on an empty map")
		return true
	})
	for range m.All() {
		t.Error("All yielded on an empty map")
	}
}

// TestAllocs holds every map to its allocations. It runs apart from the
// suite, which is parallel, as testing.AllocsPerRun counts the whole
// program's.
func TestAllocs(t *testing.T) {
	for _, c := range impls {
		t.Run(c.name+"/Load", func(t *testing.T) { testLoadNoAllocs(t, c) })
		t.Run(c.name+"/Range", func(t *testing.T) { testRangeFewAllocs(t, c) })
	}
}

// testLoadNoAllocs: a Load of an int or a string key, present or absent,
// allocates nothing.
func testLoadNoAllocs(t *testing.T, c impl) {
	ints, strs := newMap[int, int](c), newMap[string, int](c)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
		if i%2 == 0 {
			ints.Store(i*1000, i)
			strs.Store(keys[i], i)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		ints.Load(i % 100 * 1000)
		strs.Load(keys[i%100])
		i++
	})
	assert.Zero(t, allocs, "allocations per Load of an int and a string key")
}

// testRangeFewAllocs: Range allocates a few times per call, not per entry.
func testRangeFewAllocs(t *testing.T, c impl) {
	m := newMap[int, int](c)
	fill(m, 10_000)
	sum := 0
	allocs := testing.AllocsPerRun(20, func() {
		m.Range(func(k, v int) bool {
			sum += v
			return true
		})
	})
	assert.LessOrEqual(t, allocs, 20.0, "allocations per Range over 10,000 entries")
	assert.NotZero(t, sum)
}

func fill(m safemap.Map[int, int], n int) map[int]int {
	want := make(map[int]int, n)
	for i := range n {
		m.Store(i, i*10)
		want[i] = i * 10
	}
	return want
}

func testRangeVisitsAll(t *testing.T, c impl) {
	m := newMap[int, int](c)
	want := fill(m, 1000)
	requireContents(t, want, m)
}

func testRangeEarlyBreak(t *testing.T, c impl) {
	m := newMap[int, int](c)
	fill(m, 100)
	calls := 0
	m.Range(func(int, int) bool {
		calls++
		return calls < 3
	})
	assert.Equal(t, 3, calls)

	calls = 0
	for range m.All() {
		calls++
		break
	}
	assert.Equal(t, 1, calls)
}

func testRangeDeleteWhileRanging(t *testing.T, c impl) {
	m := newMap[int, int](c)
	fill(m, 200)
	visited := make(map[int]bool)
	// A Range that holds a lock while yield runs deadlocks here.
	finishesWithin(t, 10*time.Second, func() {
		m.Range(func(k, v int) bool {
			assert.False(t, visited[k], "key %d visited twice", k)
			visited[k] = true
			assert.Equal(t, k*10, v)
			m.Delete(k)     // the key being visited
			m.Delete(k ^ 1) // a neighbour, visited or not
			m.LoadAndDelete(k + 2)
			return true
		})
	})
	assert.NotEmpty(t, visited)
	requireContents(t, map[int]int{}, m)
}

func testRangeStoreWhileRanging(t *testing.T, c impl) {
	m := newMap[int, int](c)
	want := fill(m, 200)
	visited := make(map[int]bool)
	finishesWithin(t, 10*time.Second, func() {
		m.Range(func(k, v int) bool {
			assert.False(t, visited[k], "key %d visited twice", k)
			visited[k] = true
			if k < 200 {
				m.Store(k+1000, v) // new keys may or may not be visited
				m.Store(k, v)      // rewriting the same value leaves k unchanged
				m.Compute(k, func(old int, _ bool) (int, safemap.ComputeOp) { return old, safemap.UpdateOp })
			}
			return true
		})
	})
	for k := range want {
		assert.True(t, visited[k], "key %d present and unchanged throughout was not visited", k)
	}
	for k := range 200 {
		want[k+1000] = k * 10
	}
	requireContents(t, want, m)
}

func testAllForRange(t *testing.T, c impl) {
	m := newMap[int, int](c)
	want := fill(m, 50)
	got := make(map[int]int)
	for k, v := range m.All() {
		got[k] = v
	}
	assert.Equal(t, want, got)
	got = make(map[int]int)
	for k, v := range m.Range {
		got[k] = v
	}
	assert.Equal(t, want, got)
	assert.Equal(t, want, maps.Collect(m.All()))
}

func testLenAfterOps(t *testing.T, c impl) {
	m := newMap[int, int](c)
	assert.Equal(t, 0, m.Len())
	m.Store(1, 1)
	m.LoadOrStore(2, 2)
	m.LoadOrCompute(3, func() int { return 3 })
	m.Swap(4, 4)
	m.Compute(5, func(int, bool) (int, safemap.ComputeOp) { return 5, safemap.UpdateOp })
	assert.Equal(t, 5, m.Len())
	m.Store(1, 10)
	m.LoadOrStore(2, 20)
	m.Swap(4, 40)
	assert.Equal(t, 5, m.Len(), "overwrites do not change Len")
	m.Delete(1)
	m.LoadAndDelete(2)
	m.Compute(3, func(int, bool) (int, safemap.ComputeOp) { return 0, safemap.DeleteOp })
	safemap.CompareAndDelete(m, 4, 40)
	assert.Equal(t, 1, m.Len())
	m.Delete(1)
	assert.Equal(t, 1, m.Len(), "deleting a missing key does not change Len")
}

func testClear(t *testing.T, c impl) {
	m := newMap[int, int](c)
	m.Clear()
	requireContents(t, map[int]int{}, m)
	fill(m, 100)
	m.Clear()
	requireContents(t, map[int]int{}, m)
	_, ok := m.Load(5)
	assert.False(t, ok)
	m.Store(5, 50)
	requireContents(t, map[int]int{5: 50}, m)
}

// testKeyKinds: keys of every kind the hash treats apart, the named and
// the short integers, pointers and channels, which hash as words, and
// structs and floats, which do not, each through a resize and back.
func testKeyKinds(t *testing.T, c impl) {
	type requestID int64
	type pair struct {
		a int32
		b string
	}
	ints, chans := make([]int, 100), make([]chan int, 100)
	for i := range chans {
		chans[i] = make(chan int)
	}
	checkKeys(t, c, func(i int) requestID { return requestID(i) << 40 })
	checkKeys(t, c, func(i int) uint32 { return uint32(i) * 0x01000193 })
	checkKeys(t, c, func(i int) int8 { return int8(i) })
	checkKeys(t, c, func(i int) *int { return &ints[i] })
	checkKeys(t, c, func(i int) chan int { return chans[i] })
	checkKeys(t, c, func(i int) pair { return pair{int32(i % 10), strconv.Itoa(i / 10)} })
	checkKeys(t, c, func(i int) float64 { return float64(i) / 4 })

	m := newMap[float64, int](c)
	m.Store(0, 1)
	m.Store(math.Copysign(0, -1), 2)
	requireContents(t, map[float64]int{0: 2}, m) // +0 and -0 are one key, as in a built-in map
}

// checkKeys stores 100 distinct keys, deletes every other one and checks
// what Load and Len see after each step.
func checkKeys[K comparable](t *testing.T, c impl, key func(int) K) {
	t.Helper()
	const n = 100
	m := newMap[K, int](c)
	for i := range n {
		m.Store(key(i), i)
	}
	require.Equal(t, n, m.Len())
	for i := range n {
		v, ok := m.Load(key(i))
		require.True(t, ok, "key %v", key(i))
		require.Equal(t, i, v)
	}
	for i := 0; i < n; i += 2 {
		m.Delete(key(i))
	}
	for i := range n {
		_, ok := m.Load(key(i))
		require.Equal(t, i%2 == 1, ok, "key %v", key(i))
	}
	require.Equal(t, n/2, m.Len())
}

func testInterfaceKeys(t *testing.T, c impl) {
	m := newMap[any, string](c)
	m.Store(nil, "nil")
	m.Store(1, "int 1")
	m.Store(int64(1), "int64 1")
	m.Store("1", "string 1")
	m.Store([2]int{1, 2}, "array")
	v, ok := m.Load(nil)
	assert.True(t, ok)
	assert.Equal(t, "nil", v)
	v, _ = m.Load(int64(1))
	assert.Equal(t, "int64 1", v)
	requireContents(t, map[any]string{
		nil: "nil", 1: "int 1", int64(1): "int64 1", "1": "string 1", [2]int{1, 2}: "array",
	}, m)
}

func testUnhashableKeys(t *testing.T, c impl) {
	want := recovered(func() {
		m := map[any]int{}
		m[[]int{1}] = 1
	})
	require.NotNil(t, want)
	methods := map[string]func(m safemap.Map[any, int], key any){
		"Load":          func(m safemap.Map[any, int], key any) { m.Load(key) },
		"Store":         func(m safemap.Map[any, int], key any) { m.Store(key, 1) },
		"LoadOrStore":   func(m safemap.Map[any, int], key any) { m.LoadOrStore(key, 1) },
		"LoadOrCompute": func(m safemap.Map[any, int], key any) { m.LoadOrCompute(key, func() int { return 1 }) },
		"LoadAndDelete": func(m safemap.Map[any, int], key any) { m.LoadAndDelete(key) },
		"Delete":        func(m safemap.Map[any, int], key any) { m.Delete(key) },
		"Swap":          func(m safemap.Map[any, int], key any) { m.Swap(key, 1) },
		"Compute": func(m safemap.Map[any, int], key any) {
			m.Compute(key, func(int, bool) (int, safemap.ComputeOp) { return 1, safemap.UpdateOp })
		},
	}
	for name, call := range methods {
		t.Run(name, func(t *testing.T) {
			m := newMap[any, int](c)
			// A built-in map panics even when empty, if with other words;
			// so must a map never written to, which may skip hashing.
			got := recovered(func() { call(m, []int{1}) })
			require.NotNil(t, got, "an unhashable key must panic on an empty map")
			var rerr runtime.Error
			require.True(t, errors.As(got.(error), &rerr), "panics with a runtime.Error like a built-in map, got %T", got)
			assert.Contains(t, fmt.Sprint(got), "hash of unhashable type")
			finishesWithin(t, 10*time.Second, func() { m.Store("a", 1) })
			got = recovered(func() { call(m, []int{1}) })
			require.NotNil(t, got, "an unhashable key must panic")
			assert.True(t, errors.As(got.(error), &rerr), "panics with a runtime.Error like a built-in map, got %T", got)
			assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got))
			finishesWithin(t, 10*time.Second, func() {
				m.Store("b", 2)
				m.Compute("a", func(old int, _ bool) (int, safemap.ComputeOp) { return old + 10, safemap.UpdateOp })
			})
			requireContents(t, map[any]int{"a": 11, "b": 2}, m)
		})
	}
}

func testNaNKeys(t *testing.T, c impl) {
	nan := math.NaN()
	m := newMap[float64, int](c)
	plain := map[float64]int{}

	m.Store(nan, 1)
	plain[nan] = 1
	m.Store(nan, 2)
	plain[nan] = 2
	_, ok := m.Load(nan)
	assert.False(t, ok, "no lookup finds a NaN key")
	actual, loaded := m.LoadOrStore(nan, 3)
	assert.Equal(t, 3, actual)
	assert.False(t, loaded)
	plain[nan] = 3
	_, loaded = m.Swap(nan, 4)
	assert.False(t, loaded)
	plain[nan] = 4
	_, loaded = m.LoadOrCompute(nan, func() int { return 5 })
	assert.False(t, loaded)
	plain[nan] = 5
	_, loaded, err := m.LoadOrTryCompute(nan, func() (int, error) { return 6, nil })
	assert.False(t, loaded)
	assert.NoError(t, err)
	plain[nan] = 6
	_, _, err = m.LoadOrTryCompute(nan, func() (int, error) { return 7, errTryCompute })
	assert.Equal(t, errTryCompute, err, "a failed computation stores nothing")
	assert.Equal(t, boom{}, recovered(func() { m.LoadOrCompute(nan, func() int { panic(boom{}) }) }))
	assert.Zero(t, safemap.Reserved(m), "no reservation left for a NaN key")
	m.Delete(nan)
	_, loaded = m.LoadAndDelete(nan)
	assert.False(t, loaded)
	m.Store(1.5, 8)
	plain[1.5] = 8
	require.Equal(t, len(plain), m.Len())

	var values []int
	m.Range(func(k float64, v int) bool {
		if math.IsNaN(k) {
			values = append(values, v)
		}
		return true
	})
	slices.Sort(values)
	assert.Equal(t, []int{1, 2, 3, 4, 5, 6}, values)

	m.Clear()
	clear(plain)
	assert.Equal(t, len(plain), m.Len(), "Clear removes NaN keys, as clear does")
	assert.Empty(t, contents(t, m))
}

func testJSONRoundTrip(t *testing.T, c impl) {
	src := newMap[string, int](c)
	want := map[string]int{"a": 1, "b": 2, "héllo": 3, "": 4}
	for k, v := range want {
		src.Store(k, v)
	}
	data, err := json.Marshal(src)
	require.NoError(t, err)
	plainData, _ := json.Marshal(want)
	assert.JSONEq(t, string(plainData), string(data))

	dst := newMap[string, int](c)
	require.NoError(t, json.Unmarshal(data, dst))
	requireContents(t, want, dst)

	ints := newMap[int, []string](c)
	ints.Store(-1, []string{"minus one"})
	ints.Store(10, nil)
	data, err = json.Marshal(ints)
	require.NoError(t, err)
	assert.JSONEq(t, `{"-1":["minus one"],"10":null}`, string(data))
	back := newMap[int, []string](c)
	require.NoError(t, json.Unmarshal(data, back))
	requireContents(t, map[int][]string{-1: {"minus one"}, 10: nil}, back)
}

func testJSONReplaces(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("old", 1)
	require.NoError(t, json.Unmarshal([]byte(`{"new":2,"dup":3,"dup":4}`), m))
	requireContents(t, map[string]int{"new": 2, "dup": 4}, m)
}

func testJSONNull(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("old", 1)
	require.NoError(t, m.(json.Unmarshaler).UnmarshalJSON([]byte(`null`)))
	requireContents(t, map[string]int{}, m)
	m.Store("new", 2)
	requireContents(t, map[string]int{"new": 2}, m)
}

func testJSONBadDocument(t *testing.T, c impl) {
	docs := []string{
		``,
		`{`,
		`{"a":1`,
		`[1,2]`,
		`"text"`,
		`{"a":"one"}`,
		`{"a":1,"b":"two"}`,
		`{"a":1.5}`,
		`{"a":1e400}`,
		`{"a":99999999999999999999}`,
		`{"x":1}`, // for the int-keyed map
		`{"1":1} trailing`,
	}
	for _, doc := range docs {
		m := newMap[string, int](c)
		m.Store("keep", 1)
		if err := m.(json.Unmarshaler).UnmarshalJSON([]byte(doc)); err != nil {
			requireContents(t, map[string]int{"keep": 1}, m)
		} else {
			assert.Equal(t, `{"x":1}`, doc, "only the int-key document is valid for string keys")
		}
		im := newMap[int, int](c)
		im.Store(7, 7)
		assert.Error(t, im.(json.Unmarshaler).UnmarshalJSON([]byte(doc)), "document %q", doc)
		requireContents(t, map[int]int{7: 7}, im)
	}
}

func testJSONUnsupportedKey(t *testing.T, c impl) {
	m := newMap[float64, int](c)
	m.Store(1.5, 1)
	_, err := json.Marshal(m)
	var unsupported *json.UnsupportedTypeError
	assert.ErrorAs(t, err, &unsupported)
}

// refMap is the trivially correct model: a plain map, one goroutine.
type refMap[K comparable, V any] map[K]V

func (r refMap[K, V]) Load(k K) (V, bool) { v, ok := r[k]; return v, ok }
func (r refMap[K, V]) Store(k K, v V)     { r[k] = v }
func (r refMap[K, V]) LoadOrStore(k K, v V) (V, bool) {
	if old, ok := r[k]; ok {
		return old, true
	}
	r[k] = v
	return v, false
}
func (r refMap[K, V]) LoadOrCompute(k K, fn func() V) (V, bool) {
	if old, ok := r[k]; ok {
		return old, true
	}
	r[k] = fn()
	return r[k], false
}
func (r refMap[K, V]) LoadOrTryCompute(k K, fn func() (V, error)) (V, bool, error) {
	if old, ok := r[k]; ok {
		return old, true, nil
	}
	v, err := fn()
	if err != nil {
		var zero V
		return zero, false, err
	}
	r[k] = v
	return v, false, nil
}
func (r refMap[K, V]) LoadAndDelete(k K) (V, bool) { v, ok := r[k]; delete(r, k); return v, ok }
func (r refMap[K, V]) Delete(k K)                  { delete(r, k) }
func (r refMap[K, V]) Swap(k K, v V) (V, bool)     { old, ok := r[k]; r[k] = v; return old, ok }
func (r refMap[K, V]) Compute(k K, fn func(V, bool) (V, safemap.ComputeOp)) (V, bool) {
	old, ok := r[k]
	v, op := fn(old, ok)
	switch op {
	case safemap.UpdateOp:
		r[k] = v
		return v, true
	case safemap.DeleteOp:
		delete(r, k)
		var zero V
		return zero, false
	}
	return old, ok
}
func (r refMap[K, V]) Range(yield func(K, V) bool) {
	for k, v := range r {
		if !yield(k, v) {
			return
		}
	}
}
func (r refMap[K, V]) All() iter.Seq2[K, V] { return r.Range }
func (r refMap[K, V]) Len() int             { return len(r) }
func (r refMap[K, V]) Clear()               { clear(r) }

// randomOp returns one random operation as a function that applies it to a
// map and returns its results.
func randomOp(rng *rand.Rand) (string, func(m safemap.Map[int, int]) []any) {
	k, v := rng.IntN(12), rng.IntN(4)
	switch rng.IntN(15) {
	case 0:
		return fmt.Sprintf("Load(%d)", k), func(m safemap.Map[int, int]) []any { v, ok := m.Load(k); return []any{v, ok} }
	case 1:
		return fmt.Sprintf("Store(%d, %d)", k, v), func(m safemap.Map[int, int]) []any { m.Store(k, v); return nil }
	case 2:
		return fmt.Sprintf("LoadOrStore(%d, %d)", k, v), func(m safemap.Map[int, int]) []any { a, l := m.LoadOrStore(k, v); return []any{a, l} }
	case 3:
		return fmt.Sprintf("LoadOrCompute(%d, %d)", k, v), func(m safemap.Map[int, int]) []any {
			calls := 0
			a, l := m.LoadOrCompute(k, func() int { calls++; return v })
			return []any{a, l, calls}
		}
	case 4:
		return fmt.Sprintf("LoadAndDelete(%d)", k), func(m safemap.Map[int, int]) []any { v, l := m.LoadAndDelete(k); return []any{v, l} }
	case 5:
		return fmt.Sprintf("Delete(%d)", k), func(m safemap.Map[int, int]) []any { m.Delete(k); return nil }
	case 6:
		return fmt.Sprintf("Swap(%d, %d)", k, v), func(m safemap.Map[int, int]) []any { p, l := m.Swap(k, v); return []any{p, l} }
	case 7, 8:
		op := safemap.ComputeOp(rng.IntN(3))
		return fmt.Sprintf("Compute(%d, +%d, %v)", k, v, op), func(m safemap.Map[int, int]) []any {
			var seen []any
			r, ok := m.Compute(k, func(old int, loaded bool) (int, safemap.ComputeOp) {
				seen = []any{old, loaded}
				return old + v, op
			})
			return []any{r, ok, seen}
		}
	case 9:
		old, nv := rng.IntN(4), rng.IntN(4)
		return fmt.Sprintf("CompareAndSwap(%d, %d, %d)", k, old, nv), func(m safemap.Map[int, int]) []any {
			return []any{safemap.CompareAndSwap(m, k, old, nv)}
		}
	case 10:
		return fmt.Sprintf("CompareAndDelete(%d, %d)", k, v), func(m safemap.Map[int, int]) []any {
			return []any{safemap.CompareAndDelete(m, k, v)}
		}
	case 11:
		return fmt.Sprintf("Add(%d, %d)", k, v), func(m safemap.Map[int, int]) []any { return []any{safemap.Add(m, k, v)} }
	case 12:
		return "Len()", func(m safemap.Map[int, int]) []any { return []any{m.Len()} }
	case 13:
		return "Range()", func(m safemap.Map[int, int]) []any { return []any{maps.Collect(m.All())} }
	default:
		if rng.IntN(8) == 0 {
			return "Clear()", func(m safemap.Map[int, int]) []any { m.Clear(); return nil }
		}
		return fmt.Sprintf("Load(%d)", k), func(m safemap.Map[int, int]) []any { v, ok := m.Load(k); return []any{v, ok} }
	}
}

func testModel(t *testing.T, c impl) {
	seeds, steps := scale(100), 400
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 0x5afe))
		m, ref := newMap[int, int](c), refMap[int, int]{}
		var history []string
		for step := range steps {
			name, op := randomOp(rng)
			history = append(history, name)
			want, got := op(ref), op(m)
			if !assert.Equal(t, want, got, "seed %d step %d: %s", seed, step, name) ||
				!assert.Equal(t, ref.Len(), m.Len(), "seed %d step %d: Len after %s", seed, step, name) {
				t.Fatalf("seed %d, operations so far:\n%s", seed, strings.Join(history, "\n"))
			}
		}
		require.Equal(t, map[int]int(ref), contents(t, m), "seed %d: final contents", seed)
	}
}

func testConcurrentDisjointKeys(t *testing.T, c impl) {
	const goroutines = 8
	perG := scale(2000)
	m := newMap[int, int](c)
	parallel(goroutines, func(g int) {
		for i := range perG {
			k := g*perG + i
			m.Store(k, k)
			if i%2 == 1 {
				m.Delete(k)
			} else if i%4 == 0 {
				m.Compute(k, func(old int, _ bool) (int, safemap.ComputeOp) { return old * 2, safemap.UpdateOp })
			}
		}
	})
	want := make(map[int]int)
	for g := range goroutines {
		for i := 0; i < perG; i += 2 {
			k := g*perG + i
			want[k] = k
			if i%4 == 0 {
				want[k] = 2 * k
			}
		}
	}
	requireContents(t, want, m)
}

func testConcurrentSharedCounters(t *testing.T, c impl) {
	const goroutines, keys = 8, 4
	perG := scale(2000)
	m := newMap[int, int](c)
	parallel(goroutines, func(g int) {
		for i := range perG {
			safemap.Add(m, (g+i)%keys, 1)
		}
	})
	want := make(map[int]int)
	for k := range keys {
		want[k] = goroutines * perG / keys
	}
	requireContents(t, want, m)
}

func testConcurrentCompareAndSwap(t *testing.T, c impl) {
	const goroutines = 8
	perG := scale(500)
	m := newMap[string, int](c)
	m.Store("n", 0)
	var failures atomic.Int64
	parallel(goroutines, func(int) {
		for range perG {
			for {
				old, _ := m.Load("n")
				if safemap.CompareAndSwap(m, "n", old, old+1) {
					break
				}
				failures.Add(1)
			}
		}
	})
	requireContents(t, map[string]int{"n": goroutines * perG}, m)
	t.Logf("%d failed CompareAndSwap calls were retried", failures.Load())
}

func testConcurrentLoadOrStore(t *testing.T, c impl) {
	const goroutines = 16
	for round := range scale(50) {
		m := newMap[int, int](c)
		actuals := make([]int, goroutines)
		var stored atomic.Int64
		parallel(goroutines, func(g int) {
			a, loaded := m.LoadOrStore(round, g)
			actuals[g] = a
			if !loaded {
				stored.Add(1)
			}
		})
		require.Equal(t, int64(1), stored.Load(), "exactly one LoadOrStore stores")
		v, _ := m.Load(round)
		for g, a := range actuals {
			require.Equal(t, v, a, "goroutine %d saw another value", g)
		}
		require.Equal(t, 1, m.Len())
	}
}

func testConcurrentLoadOrCompute(t *testing.T, c impl) {
	const goroutines = 16
	for round := range scale(20) {
		m := newMap[int, int](c)
		var calls, computed atomic.Int64
		actuals := make([]int, goroutines)
		parallel(goroutines, func(g int) {
			a, loaded := m.LoadOrCompute(round, func() int {
				calls.Add(1)
				time.Sleep(time.Millisecond) // keep the others waiting
				return 1000 + g
			})
			actuals[g] = a
			if !loaded {
				computed.Add(1)
			}
		})
		require.Equal(t, int64(1), calls.Load(), "valueFn runs once per absent key")
		require.Equal(t, int64(1), computed.Load())
		v, _ := m.Load(round)
		for g, a := range actuals {
			require.Equal(t, v, a, "goroutine %d returned another value", g)
		}
	}
}

func testConcurrentSwap(t *testing.T, c impl) {
	const goroutines = 8
	perG := scale(1000)
	m := newMap[string, int](c)
	prevs := make([][]int, goroutines)
	var absent atomic.Int64
	parallel(goroutines, func(g int) {
		for i := range perG {
			prev, loaded := m.Swap("k", g*perG+i+1)
			if loaded {
				prevs[g] = append(prevs[g], prev)
			} else {
				absent.Add(1)
			}
		}
	})
	// Every value stored was either replaced by exactly one Swap or is the
	// final value: none lost, none seen twice.
	final, _ := m.Load("k")
	seen := []int{final}
	for _, p := range prevs {
		seen = append(seen, p...)
	}
	slices.Sort(seen)
	want := make([]int, goroutines*perG)
	for i := range want {
		want[i] = i + 1
	}
	require.Equal(t, int64(1), absent.Load(), "only the first Swap finds the key absent")
	require.Equal(t, want, seen)
}

func testConcurrentRange(t *testing.T, c impl) {
	const stable = 100
	m := newMap[int, int](c)
	fill(m, stable) // keys 0..99 never change
	var stop atomic.Bool
	var writers sync.WaitGroup
	for g := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; !stop.Load(); i++ {
				k := stable + g*1000 + i%500
				if i%3 == 0 {
					m.Delete(k)
				} else {
					m.Store(k, i)
				}
			}
		}()
	}
	for range scale(100) {
		visited := contents(t, m)
		for k := range stable {
			require.Equal(t, k*10, visited[k], "stable key %d missed", k)
		}
	}
	stop.Store(true)
	writers.Wait()
	assert.Equal(t, len(contents(t, m)), m.Len())
}

func testConcurrentClear(t *testing.T, c impl) {
	for range scale(20) {
		m := newMap[int, int](c)
		parallel(4, func(g int) {
			for i := range 300 {
				if g == 0 && i%50 == 0 {
					m.Clear()
				}
				m.Store(g*1000+i, i)
				if i%7 == 0 {
					m.Delete(g*1000 + i - 1)
				}
			}
		})
		got := contents(t, m)
		require.Equal(t, len(got), m.Len(), "Len must be exact once Clear and Store are done")
		for k, v := range got {
			require.Equal(t, k%1000, v)
		}
	}
}

// testClearIsAtomic stores keys 0, 1, 2, ... in order while another
// goroutine clears the map. Clear takes effect at one instant, so the keys
// left must be those stored after it: a suffix of the sequence. A Clear that
// empties one part of the map after another can keep an early key and drop
// a later one.
func testClearIsAtomic(t *testing.T, c impl) {
	const keys = 400
	for range scale(50) {
		m := newMap[int, int](c)
		fill(m, keys) // so that Clear has work to do while the stores run
		parallel(2, func(g int) {
			if g == 0 {
				m.Clear()
				return
			}
			for k := range keys {
				m.Store(k, -k)
			}
		})
		got := contents(t, m)
		first := keys
		for k := range got {
			first = min(first, k)
		}
		for k := first; k < keys; k++ {
			v, ok := got[k]
			require.True(t, ok, "key %d was stored after key %d, which survived Clear", k, first)
			require.Equal(t, -k, v)
		}
		require.Equal(t, len(got), m.Len())
	}
}

func testConcurrentComputeInsertDelete(t *testing.T, c impl) {
	const goroutines, keys = 8, 16
	perG := keys * 2 * scale(32) // each goroutine toggles each key an even number of times
	m := newMap[int, int](c)
	parallel(goroutines, func(g int) {
		for i := range perG {
			m.Compute((g*7+i)%keys, func(old int, loaded bool) (int, safemap.ComputeOp) {
				if loaded {
					return 0, safemap.DeleteOp
				}
				return 1, safemap.UpdateOp
			})
		}
	})
	// Atomic toggles, an even number per key, leave every key absent; a lost
	// update would leave some present.
	requireContents(t, map[int]int{}, m)
}

// testWriteDuringLoadOrCompute writes a key while LoadOrCompute computes its
// value. A map may run the write before or after LoadOrCompute; either way
// the results must match that order, and Len must agree.
func testWriteDuringLoadOrCompute(t *testing.T, c impl) {
	const computed, written = 1, 2
	writes := []struct {
		name  string
		write func(m safemap.Map[string, int])
	}{
		{"Store", func(m safemap.Map[string, int]) { m.Store("k", written) }},
		{"Swap", func(m safemap.Map[string, int]) { m.Swap("k", written) }},
		{"LoadOrStore", func(m safemap.Map[string, int]) { m.LoadOrStore("k", written) }},
		{"Compute", func(m safemap.Map[string, int]) {
			m.Compute("k", func(int, bool) (int, safemap.ComputeOp) { return written, safemap.UpdateOp })
		}},
		{"Delete", func(m safemap.Map[string, int]) { m.Delete("k") }},
		{"LoadAndDelete", func(m safemap.Map[string, int]) { m.LoadAndDelete("k") }},
		{"ComputeDelete", func(m safemap.Map[string, int]) {
			m.Compute("k", func(int, bool) (int, safemap.ComputeOp) { return 0, safemap.DeleteOp })
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			m := newMap[string, int](c)
			started := make(chan struct{})
			var actual int
			var loaded bool
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				actual, loaded = m.LoadOrCompute("k", func() int {
					close(started)
					time.Sleep(20 * time.Millisecond) // let the write land meanwhile
					return computed
				})
			}()
			<-started
			w.write(m)
			wg.Wait()

			// Replay both orders on a plain map and accept either.
			orders := map[string][]any{}
			for _, writeFirst := range []bool{true, false} {
				ref := refMap[string, int]{}
				var a int
				var l bool
				if writeFirst {
					w.write(ref)
					a, l = ref.LoadOrCompute("k", func() int { return computed })
				} else {
					a, l = ref.LoadOrCompute("k", func() int { return computed })
					w.write(ref)
				}
				orders[fmt.Sprint(writeFirst)] = []any{a, l, map[string]int(ref)}
			}
			got := []any{actual, loaded, contents(t, m)}
			assert.Contains(t, []any{orders["true"], orders["false"]}, got, "results match neither order")
			assert.Equal(t, len(got[2].(map[string]int)), m.Len())
		})
	}
}

// testConcurrentGrowAndShrink fills a map far past its initial size and
// empties it again, from two writers, while readers check that keys present
// throughout are always found and that Range never repeats a key.
func testConcurrentGrowAndShrink(t *testing.T, c impl) {
	const stable = 64
	churn := scale(20_000)
	m := newMap[int, int](c)
	fill(m, stable)
	var stop atomic.Bool
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; !stop.Load(); i++ {
				if r == 0 {
					k := i % stable
					v, ok := m.Load(k)
					if !ok || v != k*10 {
						t.Errorf("Load(%d) = %d, %v during a resize", k, v, ok)
						return
					}
					continue
				}
				visited := contents(t, m)
				for k := range stable {
					if visited[k] != k*10 {
						t.Errorf("Range missed stable key %d during a resize", k)
						return
					}
				}
			}
		}()
	}
	for round := range 2 {
		parallel(2, func(g int) {
			for i := g; i < churn; i += 2 {
				m.Store(stable+i, i)
			}
			for i := g; i < churn; i += 2 {
				if v, ok := m.LoadAndDelete(stable + i); !ok || v != i {
					t.Errorf("round %d: LoadAndDelete(%d) = %d, %v", round, stable+i, v, ok)
					return
				}
			}
		})
	}
	stop.Store(true)
	readers.Wait()
	requireContents(t, fill(newMap[int, int](c), stable), m)
}

// testConcurrentNaNKeys grows and shrinks a map that holds NaN keys, which
// hash differently each time they are hashed, while a reader checks that
// Range visits each NaN entry exactly once. No write may be lost on the way.
func testConcurrentNaNKeys(t *testing.T, c impl) {
	const nans = 300
	churn := scale(10_000)
	m := newMap[float64, int](c)
	for i := range nans {
		m.Store(math.NaN(), -1-i)
	}
	var stop atomic.Bool
	var reader sync.WaitGroup
	reader.Add(1)
	go func() {
		defer reader.Done()
		for !stop.Load() {
			seen, twice := make(map[int]bool), 0
			m.Range(func(k float64, v int) bool {
				if k != k {
					if seen[v] {
						twice = v
						return false
					}
					seen[v] = true
				}
				return true
			})
			if twice != 0 {
				t.Errorf("Range visited the NaN entry %d twice during a resize", twice)
				return
			}
			if len(seen) != nans {
				t.Errorf("Range visited %d of %d NaN entries during a resize", len(seen), nans)
				return
			}
		}
	}()
	parallel(2, func(g int) {
		for i := g; i < churn; i += 2 {
			m.Store(float64(i), i)
		}
		for i := g; i < churn; i += 2 {
			if v, ok := m.LoadAndDelete(float64(i)); !ok || v != i {
				t.Errorf("LoadAndDelete(%d) = %d, %v after a resize", i, v, ok)
				return
			}
		}
	})
	stop.Store(true)
	reader.Wait()
	assert.Equal(t, nans, len(contents(t, m)))
	assert.Equal(t, nans, m.Len())
}

type boom struct{}

// stillWorks checks from another goroutine, with a timeout, that every
// method still works on m and that key k holds want.
func stillWorks(t *testing.T, m safemap.Map[string, int], k string, want int, wantOK bool) {
	t.Helper()
	finishesWithin(t, 10*time.Second, func() {
		v, ok := m.Load(k)
		assert.Equal(t, want, v)
		assert.Equal(t, wantOK, ok)
		m.Store("after", 1)
		m.LoadOrCompute("computed", func() int { return 2 })
		m.Compute(k, func(old int, _ bool) (int, safemap.ComputeOp) { return old, safemap.CancelOp })
		m.Range(func(string, int) bool { return true })
		m.Delete("after")
		m.Delete("computed")
		m.Len()
	})
}

func testPanicLoadOrCompute(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("other", 1)
	r := recovered(func() { m.LoadOrCompute("k", func() int { panic(boom{}) }) })
	assert.Equal(t, boom{}, r, "the panic reaches the caller")
	stillWorks(t, m, "k", 0, false)
	requireContents(t, map[string]int{"other": 1}, m)
	v, loaded := m.LoadOrCompute("k", func() int { return 5 })
	assert.Equal(t, 5, v)
	assert.False(t, loaded)
}

func testPanicLoadOrComputeWaiters(t *testing.T, c impl) {
	const goroutines = 8
	m := newMap[string, int](c)
	var calls, panics atomic.Int64
	finishesWithin(t, 10*time.Second, func() {
		parallel(goroutines, func(g int) {
			r := recovered(func() {
				m.LoadOrCompute("k", func() int {
					if calls.Add(1) == 1 {
						time.Sleep(time.Millisecond)
						panic(boom{})
					}
					return 7
				})
			})
			if r != nil {
				panics.Add(1)
			}
		})
	})
	assert.Equal(t, int64(1), panics.Load(), "only the caller whose valueFn panicked sees the panic")
	assert.Equal(t, int64(2), calls.Load(), "after the panic, exactly one more valueFn runs")
	requireContents(t, map[string]int{"k": 7}, m)
}

func testPanicCompute(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("k", 1)
	// The second call would wait for ever on a lock the first one leaked.
	finishesWithin(t, 10*time.Second, func() {
		for _, key := range []string{"k", "absent"} {
			r := recovered(func() {
				m.Compute(key, func(int, bool) (int, safemap.ComputeOp) { panic(boom{}) })
			})
			assert.Equal(t, boom{}, r)
		}
	})
	stillWorks(t, m, "k", 1, true)
	requireContents(t, map[string]int{"k": 1}, m)
}

func testPanicRange(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("k", 1)
	m.Store("j", 2)
	r := recovered(func() { m.Range(func(string, int) bool { panic(boom{}) }) })
	assert.Equal(t, boom{}, r)
	stillWorks(t, m, "k", 1, true)
	requireContents(t, map[string]int{"k": 1, "j": 2}, m)
}

func testPanicAll(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("k", 1)
	r := recovered(func() {
		for range m.All() {
			panic(boom{})
		}
	})
	assert.Equal(t, boom{}, r)
	stillWorks(t, m, "k", 1, true)
	requireContents(t, map[string]int{"k": 1}, m)
}

// testPanicConcurrent has goroutines make every kind of callback panic now
// and then on a few hot keys while the others count on the same keys. A
// panic must leave its key unchanged and no lock held: every goroutine
// finishes, and the counts add up.
func testPanicConcurrent(t *testing.T, c impl) {
	const goroutines, keys = 8, 4
	perG := scale(400)
	m := newMap[int, int](c)
	var added [keys]atomic.Int64
	finishesWithin(t, 30*time.Second, func() {
		parallel(goroutines, func(g int) {
			for i := range perG {
				k := (g + i) % keys
				switch i % 4 {
				case 0: // an increment whose fn panics one time in two
					r := recovered(func() {
						m.Compute(k, func(old int, _ bool) (int, safemap.ComputeOp) {
							if i%8 == 0 {
								panic(boom{})
							}
							return old + 1, safemap.UpdateOp
						})
					})
					if r == nil {
						added[k].Add(1)
					}
				case 1: // a key whose valueFn always panics stays absent
					r := recovered(func() { m.LoadOrCompute(keys+k, func() int { panic(boom{}) }) })
					assert.Equal(t, boom{}, r)
				case 2:
					r := recovered(func() { m.Range(func(int, int) bool { panic(boom{}) }) })
					assert.Contains(t, []any{nil, boom{}}, r)
				default:
					safemap.Add(m, k, 1)
					added[k].Add(1)
				}
			}
		})
	})
	want := make(map[int]int)
	for k := range keys {
		want[k] = int(added[k].Load())
	}
	requireContents(t, want, m)
}

// TestNoCopy proves the noCopy guard: go vet must report a copy of each type.
func TestNoCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out, err := exec.Command(goTool, "vet", "./testdata/copylock").CombinedOutput()
	require.Error(t, err, "go vet must fail on copies:\n%s", out)
	for _, typ := range []string{"MutexMap", "RWMap", "SyncMap", "ShardedMap"} {
		assert.Contains(t, string(out), "safemap."+typ+"[int, int] contains github.com/gosafemap/safemap.noCopy")
	}
}
