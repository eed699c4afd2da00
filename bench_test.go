package safemap_test

import (
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/gosafemap/safemap/internal/workload"
	"github.com/stretchr/testify/require"
)

// benchImpls are the maps every benchmark measures, by short name.
var benchImpls = []struct {
	name string
	kind kind
}{
	{"mutex", mutexKind},
	{"rw", rwKind},
	{"sync", syncKind},
	{"sharded", shardedKind},
	{"bucket", bucketKind},
}

func newBenchMap[K comparable, V any](k kind) safemap.Map[K, V] {
	return newMap[K, V](impl{kind: k})
}

// unlocked is a built-in map with no lock: the floor for read-only
// workloads, where it is safe. It must never see a write while shared.
type unlocked[K comparable] map[K]int

func (u unlocked[K]) Load(k K) (int, bool) { v, ok := u[k]; return v, ok }
func (u unlocked[K]) Store(k K, v int)     { u[k] = v }
func (u unlocked[K]) Delete(k K)           { delete(u, k) }

// BenchmarkMap runs every workload of workload.Matrix on every map, for
// example BenchmarkMap/impl=sharded/key=int/keys=1000/dist=uniform/reads=90.
// At reads=100 it also runs impl=unlocked, a built-in map with no lock.
// Compare implementations with benchstat -col /impl.
func BenchmarkMap(b *testing.B) {
	var intKeys, stringKeys = lazyKeys(workload.IntKeys), lazyKeys(workload.StringKeys)
	for _, bi := range benchImpls {
		for _, s := range workload.Matrix() {
			benchWorkload(b, "impl="+bi.name, s, intKeys, stringKeys,
				func() workload.Map[int] { return newBenchMap[int, int](bi.kind) },
				func() workload.Map[string] { return newBenchMap[string, int](bi.kind) })
		}
	}
	for _, s := range workload.Matrix() {
		if s.Reads == 100 {
			benchWorkload(b, "impl=unlocked", s, intKeys, stringKeys,
				func() workload.Map[int] { return unlocked[int]{} },
				func() workload.Map[string] { return unlocked[string]{} })
		}
	}
}

func benchWorkload(b *testing.B, prefix string, s workload.Spec,
	intKeys func(int) []int, stringKeys func(int) []string,
	newInt func() workload.Map[int], newString func() workload.Map[string]) {
	// The map is filled once, on first use, and kept across the calls
	// b.Run makes while it settles on b.N.
	if s.Key == workload.IntKey {
		var m workload.Map[int]
		b.Run(prefix+"/"+s.Name(), func(b *testing.B) {
			keys := intKeys(s.Keys)
			if m == nil {
				m = newInt()
				workload.Fill(m, keys)
			}
			workload.Run(b, m, keys, s)
		})
		return
	}
	var m workload.Map[string]
	b.Run(prefix+"/"+s.Name(), func(b *testing.B) {
		keys := stringKeys(s.Keys)
		if m == nil {
			m = newString()
			workload.Fill(m, keys)
		}
		workload.Run(b, m, keys, s)
	})
}

// lazyKeys makes each key set once per benchmark run, when first needed.
func lazyKeys[K any](gen func(int) []K) func(int) []K {
	cache := map[int][]K{}
	return func(n int) []K {
		if cache[n] == nil {
			cache[n] = gen(n)
		}
		return cache[n]
	}
}

// BenchmarkOp measures one method at a time on one goroutine, over 1,000
// present int keys in a random order: op=Load finds its key; op=Store and
// op=Swap overwrite it; op=Compute replaces its value; op=Add adds to it;
// op=LoadOrCompute/case=hit finds it; op=LoadOrCompute/case=miss computes an
// absent key and deletes it again (two calls per op). With one goroutine
// the figures are the cost of the code path, which callgrind can count too.
func BenchmarkOp(b *testing.B) {
	valueFn := func() int { return 42 }
	increment := func(old int, _ bool) (int, safemap.ComputeOp) { return old + 1, safemap.UpdateOp }
	ops := []struct {
		name string
		op   func(m safemap.Map[int, int], k int)
	}{
		{"Load", func(m safemap.Map[int, int], k int) { m.Load(k) }},
		{"Store", func(m safemap.Map[int, int], k int) { m.Store(k, k) }},
		{"Swap", func(m safemap.Map[int, int], k int) { m.Swap(k, k) }},
		{"Compute", func(m safemap.Map[int, int], k int) { m.Compute(k, increment) }},
		{"Add", func(m safemap.Map[int, int], k int) { safemap.Add(m, k, 1) }},
		{"LoadOrCompute/case=hit", func(m safemap.Map[int, int], k int) { m.LoadOrCompute(k, valueFn) }},
		{"LoadOrCompute/case=miss", func(m safemap.Map[int, int], k int) {
			m.LoadOrCompute(-1-k, valueFn)
			m.Delete(-1 - k)
		}},
	}
	for _, o := range ops {
		for _, bi := range benchImpls {
			b.Run("op="+o.name+"/impl="+bi.name, func(b *testing.B) {
				m := newBenchMap[int, int](bi.kind)
				fill(m, 1000)
				rng := workload.NewRNG(1)
				b.ReportAllocs()
				for b.Loop() {
					o.op(m, int(rng.Next()%1000))
				}
			})
		}
	}
}

// BenchmarkLoadOrStoreHot: every goroutine calls LoadOrStore on one present
// key, the pattern of a cache hit on a hot entry.
func BenchmarkLoadOrStoreHot(b *testing.B) {
	for _, bi := range benchImpls {
		b.Run("impl="+bi.name, func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			m.Store(1, 1)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					m.LoadOrStore(1, 2)
				}
			})
		})
	}
}

// BenchmarkLoadOrCompute: case=hit finds one of 1,000 present keys; case=miss
// computes an absent key and deletes it again, so each op is one
// LoadOrCompute of an absent key plus one Delete.
func BenchmarkLoadOrCompute(b *testing.B) {
	valueFn := func() int { return 42 }
	for _, bi := range benchImpls {
		b.Run("impl="+bi.name+"/case=hit", func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			fill(m, 1000)
			var seeds atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rng := workload.NewRNG(seeds.Add(1))
				for pb.Next() {
					m.LoadOrCompute(int(rng.Next()%1000), valueFn)
				}
			})
		})
		b.Run("impl="+bi.name+"/case=miss", func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			var goroutines atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				base := int(goroutines.Add(1)) << 20 // keys of its own
				for i := 0; pb.Next(); i++ {
					k := base + i%1000
					m.LoadOrCompute(k, valueFn)
					m.Delete(k)
				}
			})
		})
	}
}

// BenchmarkCompute: Add on random keys among 1,000 present ones.
func BenchmarkCompute(b *testing.B) {
	for _, bi := range benchImpls {
		b.Run("impl="+bi.name, func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			fill(m, 1000)
			var seeds atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				rng := workload.NewRNG(seeds.Add(1))
				for pb.Next() {
					safemap.Add(m, int(rng.Next()%1000), 1)
				}
			})
		})
	}
}

// BenchmarkRange: one op is a Range over every entry; ns/entry divides by
// the map's size.
func BenchmarkRange(b *testing.B) {
	for _, bi := range benchImpls {
		for _, n := range workload.KeyCounts {
			b.Run("impl="+bi.name+"/keys="+strconv.Itoa(n), func(b *testing.B) {
				m := newBenchMap[int, int](bi.kind)
				fill(m, n)
				b.ReportAllocs()
				b.ResetTimer()
				sum := 0
				for range b.N {
					m.Range(func(k, v int) bool {
						sum += v
						return true
					})
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
				require.NotZero(b, sum, "Range visited nothing")
			})
		}
	}
}

// BenchmarkLen: Len of a map holding 1,000 entries.
func BenchmarkLen(b *testing.B) {
	for _, bi := range benchImpls {
		b.Run("impl="+bi.name+"/keys=1000", func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			fill(m, 1000)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				// Not require.Equal: in the timed loop, it would
				// allocate to box the Len and compare by reflection.
				if m.Len() != 1000 {
					b.Fatal("wrong Len")
				}
			}
		})
	}
}

// BenchmarkClear: one op is a Clear followed by one Store, so that every
// Clear has an entry to remove: the fixed cost of Clear, without the cost of
// refilling a large map.
func BenchmarkClear(b *testing.B) {
	for _, bi := range benchImpls {
		b.Run("impl="+bi.name, func(b *testing.B) {
			m := newBenchMap[int, int](bi.kind)
			m.Store(1, 1)
			b.ReportAllocs()
			for range b.N {
				m.Clear()
				m.Store(1, 1)
			}
		})
	}
}

// BenchmarkMemory reports the bytes each entry of a map holding 1,000,000
// int→int entries keeps live, for every map and for a built-in map.
func BenchmarkMemory(b *testing.B) {
	const n = 1_000_000
	run := func(name string, newMap func() workload.Map[int]) {
		b.Run("impl="+name, func(b *testing.B) {
			var perEntry float64
			for range b.N {
				perEntry = workload.BytesPerEntry(newMap, n)
			}
			b.ReportMetric(perEntry, "bytes/entry")
		})
	}
	for _, bi := range benchImpls {
		run(bi.name, func() workload.Map[int] { return newBenchMap[int, int](bi.kind) })
	}
	run("unlocked", func() workload.Map[int] { return unlocked[int]{} })
}
