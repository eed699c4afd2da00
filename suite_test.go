package safemap_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The conformance suite: impls, the table of maps that every test of the
// package runs over, and suite, the tests TestMap runs on each of them,
// with the helpers the tests share. The tests are in files named for their
// concern: ops_test.go holds those of one method at a time, and
// concurrency_test.go, panic_test.go, callback_test.go and
// modelrun_test.go the others.

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
	require.NoError(t, within(d, fn))
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

// fill stores the keys 0 to n-1 in m, each with ten times its key, and
// returns the entries it stored.
func fill(m safemap.Map[int, int], n int) map[int]int {
	want := make(map[int]int, n)
	for i := range n {
		m.Store(i, i*10)
		want[i] = i * 10
	}
	return want
}

// boom is what the tests' callbacks panic with, so that a test can tell
// their panic from any other.
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
