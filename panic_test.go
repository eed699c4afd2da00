package safemap_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
)

// The suite's Panic/* tests: a panic in a callback must reach the caller,
// leave its key unchanged and leave no lock held. Each test then uses the
// map under a timeout, so that a lock left held fails the test instead of
// hanging the run.

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
