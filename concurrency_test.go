package safemap_test

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The suite's Concurrent/* tests: goroutines started together on one map,
// then a check that no update was lost or doubled; those that read while
// others write also check what they read. One Concurrent/* test,
// LoadOrTryComputeErrorWaiters, is with the callback tests, in
// callback_test.go.

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
					if !assert.True(t, ok && v == k*10, "Load(%d) = %d, %v during a resize", k, v, ok) {
						return
					}
					continue
				}
				visited := contents(t, m)
				for k := range stable {
					if !assert.Equal(t, k*10, visited[k], "Range missed stable key %d during a resize", k) {
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
				v, ok := m.LoadAndDelete(stable + i)
				if !assert.True(t, ok && v == i, "round %d: LoadAndDelete(%d) = %d, %v", round, stable+i, v, ok) {
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
			if !assert.Zero(t, twice, "Range visited the NaN entry %d twice during a resize", twice) ||
				!assert.Equal(t, nans, len(seen), "Range visited %d of %d NaN entries during a resize", len(seen), nans) {
				return
			}
		}
	}()
	parallel(2, func(g int) {
		for i := g; i < churn; i += 2 {
			m.Store(float64(i), i)
		}
		for i := g; i < churn; i += 2 {
			v, ok := m.LoadAndDelete(float64(i))
			if !assert.True(t, ok && v == i, "LoadAndDelete(%d) = %d, %v after a resize", i, v, ok) {
				return
			}
		}
	})
	stop.Store(true)
	reader.Wait()
	assert.Equal(t, nans, len(contents(t, m)))
	assert.Equal(t, nans, m.Len())
}
