//go:build race

package safemap_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reentryTries is how many fresh maps, each with random keys and a random
// number of other entries, every case runs on: the panic must not depend on
// where the keys' hashes put them.
const reentryTries = 100

// reentryCases call a map from inside one of its callbacks where the call
// could wait for ever. With -race each must panic with want in its message.
// k1 is absent; k2 may be present.
var reentryCases = []struct {
	name string
	want string
	call func(m safemap.Map[int, int], k1, k2 int)
}{
	{"LoadOrCompute/OwnKey", "safemap: LoadOrCompute asked for a key that its own goroutine is computing",
		func(m safemap.Map[int, int], k1, _ int) {
			m.LoadOrCompute(k1, func() int { v, _ := m.LoadOrCompute(k1, one); return v })
		}},
	{"LoadOrTryCompute/OwnKey", "safemap: LoadOrTryCompute asked for a key that its own goroutine is computing",
		func(m safemap.Map[int, int], k1, _ int) {
			m.LoadOrCompute(k1, func() int {
				v, _, _ := m.LoadOrTryCompute(k1, func() (int, error) { return 1, nil })
				return v
			})
		}},
	{"LoadOrCompute/Cycle", "safemap: LoadOrCompute asked for a key that its own goroutine is computing",
		func(m safemap.Map[int, int], k1, k2 int) {
			m.Delete(k2)
			m.LoadOrCompute(k1, func() int {
				v, _ := m.LoadOrCompute(k2, func() int { v, _ := m.LoadOrCompute(k1, one); return v })
				return v
			})
		}},
}

// computeReentries are the calls a Compute function may not make, each for
// another key, and the method each panic must name: the helpers call
// Compute.
var computeReentries = []struct {
	name, method string
	call         func(m safemap.Map[int, int], k int)
}{
	{"Add", "Compute", func(m safemap.Map[int, int], k int) { safemap.Add(m, k, 1) }},
	{"CompareAndSwap", "Compute", func(m safemap.Map[int, int], k int) { safemap.CompareAndSwap(m, k, 0, 1) }},
	{"CompareAndDelete", "Compute", func(m safemap.Map[int, int], k int) { safemap.CompareAndDelete(m, k, 0) }},
	{"Load", "Load", func(m safemap.Map[int, int], k int) { m.Load(k) }},
	{"Store", "Store", func(m safemap.Map[int, int], k int) { m.Store(k, 1) }},
	{"LoadOrStore", "LoadOrStore", func(m safemap.Map[int, int], k int) { m.LoadOrStore(k, 1) }},
	{"LoadOrCompute", "LoadOrCompute", func(m safemap.Map[int, int], k int) { m.LoadOrCompute(k, one) }},
	{"LoadOrTryCompute", "LoadOrTryCompute", func(m safemap.Map[int, int], k int) {
		m.LoadOrTryCompute(k, func() (int, error) { return 1, nil })
	}},
	{"LoadAndDelete", "LoadAndDelete", func(m safemap.Map[int, int], k int) { m.LoadAndDelete(k) }},
	{"Delete", "Delete", func(m safemap.Map[int, int], k int) { m.Delete(k) }},
	{"Swap", "Swap", func(m safemap.Map[int, int], k int) { m.Swap(k, 1) }},
	{"Compute", "Compute", func(m safemap.Map[int, int], k int) {
		m.Compute(k, func(old int, _ bool) (int, safemap.ComputeOp) { return old, safemap.CancelOp })
	}},
	{"Range", "Range", func(m safemap.Map[int, int], _ int) { m.Range(func(int, int) bool { return true }) }},
	{"All", "All", func(m safemap.Map[int, int], _ int) {
		for range m.All() {
		}
	}},
	{"Len", "Len", func(m safemap.Map[int, int], _ int) { m.Len() }},
	{"Clear", "Clear", func(m safemap.Map[int, int], _ int) { m.Clear() }},
	{"MarshalJSON", "MarshalJSON", func(m safemap.Map[int, int], _ int) { json.Marshal(m) }},
	{"UnmarshalJSON", "UnmarshalJSON", func(m safemap.Map[int, int], _ int) { m.(json.Unmarshaler).UnmarshalJSON([]byte(`{"1":1}`)) }},
}

func one() int { return 1 }

// TestReentryPanics checks that, built with -race, a callback that calls
// its own map where that could deadlock panics with a message naming the
// method, on every map, on each of reentryTries fresh maps with random keys,
// and that the map is then usable with nothing left reserved.
func TestReentryPanics(t *testing.T) {
	cases := reentryCases
	for _, r := range computeReentries {
		cases = append(cases, struct {
			name string
			want string
			call func(m safemap.Map[int, int], k1, k2 int)
		}{"Compute/" + r.name, "safemap: " + r.method + " called from inside a Compute function of the same map",
			func(m safemap.Map[int, int], k1, k2 int) {
				m.Compute(k1, func(old int, _ bool) (int, safemap.ComputeOp) {
					r.call(m, k2)
					return old + 1, safemap.UpdateOp
				})
			}})
	}
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for i, rc := range cases {
				t.Run(rc.name, func(t *testing.T) {
					rng := rand.New(rand.NewPCG(uint64(i), rand.Uint64()))
					for try := range reentryTries {
						m, k1, k2 := randomMap(c, rng)
						var r any
						require.NoError(t, within(10*time.Second, func() {
							r = recovered(func() { rc.call(m, k1, k2) })
						}), "try %d hangs", try)
						require.True(t, strings.HasPrefix(fmt.Sprint(r), rc.want),
							"try %d (keys %d and %d, %d entries): recovered %v, want a panic starting %q", try, k1, k2, m.Len(), r, rc.want)
						requireUsable(t, m, k1)
					}
				})
			}
		})
	}
}

// TestReentryCycleAcrossGoroutines: two goroutines each computing one key
// whose valueFn asks for the other's key would wait for each other for
// ever. With -race, the one whose call closes the cycle panics; the other
// then computes both keys.
func TestReentryCycleAcrossGoroutines(t *testing.T) {
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(rand.Uint64(), 2))
			for try := range reentryTries {
				m, k1, k2 := randomMap(c, rng)
				m.Delete(k2)
				keys := [2]int{k1, k2}
				started := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
				var panics [2]any
				require.NoError(t, within(10*time.Second, func() {
					parallel(2, func(g int) {
						panics[g] = recovered(func() {
							m.LoadOrCompute(keys[g], func() int {
								close(started[g])
								<-started[1-g]
								v, _ := m.LoadOrCompute(keys[1-g], one)
								return v + 1
							})
						})
					})
				}), "try %d hangs", try)
				const want = "safemap: LoadOrCompute would deadlock"
				winner := 0
				if panics[0] != nil {
					winner = 1
				}
				require.Nil(t, panics[winner], "try %d: both goroutines panicked", try)
				require.True(t, strings.HasPrefix(fmt.Sprint(panics[1-winner]), want),
					"try %d: recovered %v, want a panic starting %q", try, panics[1-winner], want)
				v, _ := m.Load(keys[winner])
				assert.Equal(t, 2, v, "try %d: the surviving goroutine computes its key from the other", try)
				v, _ = m.Load(keys[1-winner])
				assert.Equal(t, 1, v, "try %d", try)
				requireUsable(t, m, k1)
			}
		})
	}
}

// randomMap returns a fresh map of c holding up to 200 entries with random
// keys, and two distinct random keys, the first absent.
func randomMap(c impl, rng *rand.Rand) (m safemap.Map[int, int], k1, k2 int) {
	m = newMap[int, int](c)
	for range rng.IntN(201) {
		m.Store(rng.Int(), 1)
	}
	k1, k2 = rng.Int(), rng.Int()
	for k1 == k2 {
		k2 = rng.Int()
	}
	m.Delete(k1)
	return m, k1, k2
}

// requireUsable fails t unless every kind of method still works on m within
// a few seconds and no key is left reserved.
func requireUsable(t *testing.T, m safemap.Map[int, int], k int) {
	t.Helper()
	finishesWithin(t, 10*time.Second, func() {
		m.Store(k, 5)
		v, ok := m.Load(k)
		assert.True(t, ok && v == 5, "Load after Store returned %d, %t", v, ok)
		safemap.Add(m, k, 1)
		m.LoadOrCompute(k+1, one)
		m.Range(func(int, int) bool { return true })
		m.Delete(k)
	})
	assert.Zero(t, safemap.Reserved(m), "keys left reserved")
	assert.Equal(t, len(contents(t, m)), m.Len())
}
