package safemap_test

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
)

// memoryProcs are the GOMAXPROCS values memory is measured at: a map must
// cost what its use calls for, not what the machine has.
var memoryProcs = []int{1, 2, 64, 256}

// BenchmarkMemoryPerMap reports the heap bytes one map made by its
// constructor keeps live, holding 0, 1, 16 or 1,000 int→int entries, at
// GOMAXPROCS 1, 2, 64 and 256, for example
// BenchmarkMemoryPerMap/impl=bucket/entries=1/procs=64. Each figure is an
// average over many maps; impl=builtin is a built-in map for comparison.
func BenchmarkMemoryPerMap(b *testing.B) {
	impls := append([]struct {
		name string
		kind kind
	}{{"builtin", -1}}, benchImpls...)
	for _, procs := range memoryProcs {
		for _, entries := range []int{0, 1, 16, 1000} {
			for _, bi := range impls {
				b.Run(fmt.Sprintf("impl=%s/entries=%d/procs=%d", bi.name, entries, procs), func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					var perMap float64
					for range b.N {
						perMap = bytesPerMap(memoryMap(bi.kind), entries)
					}
					b.ReportMetric(perMap, "bytes/map")
				})
			}
		}
	}
}

// TestMemoryPerMap holds every map to its memory bounds at every GOMAXPROCS
// of memoryProcs: an empty map at most 256 bytes and a map of one entry at
// most 1 KiB, except ShardedMap, whose many shards are its point: at most
// 1 KiB empty, and 2 KiB for one entry plus the shard it touched, 64 bytes
// and a built-in map of one entry (192 bytes on amd64).
func TestMemoryPerMap(t *testing.T) {
	procs := memoryProcs
	if testing.Short() {
		// The -short run under qemu-i386 (make test-386) crashes in the
		// runtime with hundreds of Ps, as qemu does not emulate so many
		// threads well.
		procs = procs[:2]
	}
	for _, procs := range procs {
		for _, bi := range benchImpls {
			empty, one := 256.0, 1024.0
			if bi.kind == shardedKind {
				empty, one = 1024, 2048+64+192
			}
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				assert.LessOrEqual(t, bytesPerMap(memoryMap(bi.kind), 0), empty,
					"%s at GOMAXPROCS %d: the bytes an empty map takes", bi.name, procs)
				assert.LessOrEqual(t, bytesPerMap(memoryMap(bi.kind), 1), one,
					"%s at GOMAXPROCS %d: the bytes a map of one entry takes", bi.name, procs)
			}()
		}
	}
}

// memoryMap returns a constructor of maps of kind k, or of built-in maps for
// a negative k.
func memoryMap(k kind) func() safemap.Map[int, int] {
	if k < 0 {
		return func() safemap.Map[int, int] { return refMap[int, int]{} }
	}
	return func() safemap.Map[int, int] { return newBenchMap[int, int](k) }
}

// bytesPerMap returns the heap bytes each map made by newMap and given
// entries entries keeps live, averaged over 10,000 maps, or 1,000 of more
// than 16 entries.
func bytesPerMap(newMap func() safemap.Map[int, int], entries int) float64 {
	n := 10_000
	if entries > 16 {
		n = 1_000
	}
	ms := make([]safemap.Map[int, int], n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range ms {
		m := newMap()
		for k := range entries {
			m.Store(k, k)
		}
		ms[i] = m
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ms)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(ms))
}

// TestClearAllocs: Clear of an empty map, and of a map that never grew past
// its first size, allocates at most once, as sync.Map's Clear does.
func TestClearAllocs(t *testing.T) {
	for _, c := range impls {
		if len(c.opts) > 0 {
			continue // presized: Clear makes the presized table again
		}
		m := newMap[int, int](c)
		assert.LessOrEqual(t, testing.AllocsPerRun(100, m.Clear), 1.0, "%s: allocations per Clear of an empty map", c.name)
		m.Store(1, 1)
		assert.LessOrEqual(t, testing.AllocsPerRun(100, m.Clear), 1.0, "%s: allocations per Clear of a map that held an entry", c.name)
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
// allocates nothing, and neither does a LoadOrStore or LoadOrCompute that
// finds its key.
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

	// LoadOrStore and LoadOrCompute of a present key are loads too.
	valueFn := func() int { return 1 }
	allocs = testing.AllocsPerRun(1000, func() {
		ints.LoadOrStore(i%50*2000, 1)
		strs.LoadOrCompute(keys[i%50*2], valueFn)
		i++
	})
	assert.Zero(t, allocs, "allocations per LoadOrStore and LoadOrCompute of a present key")
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

// TestSyncMapFillsCacheLine: syncMapPad sums SyncMap's fields by hand, so a
// field added without it would leave the map sharing a cache line again.
func TestSyncMapFillsCacheLine(t *testing.T) {
	assert.Zero(t, unsafe.Sizeof(safemap.SyncMap[int, int]{})%64, "bytes of a SyncMap: want a whole number of cache lines")
}
