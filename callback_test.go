package safemap_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
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

// The tests of this file hold every map to the rules for callbacks written
// on safemap.Map: LoadOrCompute's and LoadOrTryCompute's valueFn runs with no
// lock held and may call the map for other keys, and nothing but a racer for
// its own key waits for it. Those that would hang on a broken map run under
// a timeout. The panics that break the rules raise are tested in
// reentry_race_test.go, as they need -race.

func testLoadOrTryComputeMissing(t *testing.T, c impl) {
	m := newMap[string, int](c)
	v, loaded, err := m.LoadOrTryCompute("a", func() (int, error) { return 1, nil })
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	assert.False(t, loaded)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testLoadOrTryComputePresent(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("a", 1)
	v, loaded, err := m.LoadOrTryCompute("a", func() (int, error) {
		assert.Fail(t, "valueFn called for a present key")
		return 2, errTryCompute
	})
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	assert.True(t, loaded)
	requireContents(t, map[string]int{"a": 1}, m)
}

func testLoadOrTryComputeError(t *testing.T, c impl) {
	m := newMap[string, int](c)
	m.Store("other", 1)
	v, loaded, err := m.LoadOrTryCompute("a", func() (int, error) { return 2, errTryCompute })
	assert.Equal(t, errTryCompute, err)
	assert.Zero(t, v, "a failed computation returns the zero value")
	assert.False(t, loaded)
	requireContents(t, map[string]int{"other": 1}, m)
	assert.Zero(t, safemap.Reserved(m))
	v, loaded, err = m.LoadOrTryCompute("a", func() (int, error) { return 3, nil })
	require.NoError(t, err)
	assert.Equal(t, 3, v, "the next call computes again")
	assert.False(t, loaded)
}

// testLoadOrTryComputeErrorWaiters: goroutines waiting for a computation
// that fails do not see its error; one of them computes instead, and the
// others share its value.
func testLoadOrTryComputeErrorWaiters(t *testing.T, c impl) {
	const waiters = 7
	m := newMap[string, int](c)
	started, fail := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	results := make([][3]any, waiters)
	finishesWithin(t, 10*time.Second, func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := m.LoadOrTryCompute("k", func() (int, error) {
				calls.Add(1)
				close(started)
				<-fail
				return 0, errTryCompute
			})
			assert.Equal(t, errTryCompute, err, "the failed caller gets its error")
		}()
		<-started
		for g := range waiters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, loaded, err := m.LoadOrTryCompute("k", func() (int, error) {
					calls.Add(1)
					return 100 + g, nil
				})
				results[g] = [3]any{v, loaded, err}
			}()
		}
		time.Sleep(10 * time.Millisecond) // let the waiters reach the reservation
		close(fail)
		wg.Wait()
	})
	assert.Equal(t, int64(2), calls.Load(), "after the failure, exactly one more valueFn runs")
	v, ok := m.Load("k")
	require.True(t, ok)
	computed := 0
	for g, r := range results {
		assert.Equal(t, v, r[0], "waiter %d", g)
		assert.Nil(t, r[2], "waiter %d got an error", g)
		if r[1] == false {
			computed++
		}
	}
	assert.Equal(t, 1, computed, "one waiter computes, the others load its value")
	assert.Zero(t, safemap.Reserved(m))
}

// testLoadOrComputeChains runs LoadOrCompute chains of depth 3 over 1,000
// keys from 8 goroutines: the valueFn of key k asks for key k-1 unless k is
// a multiple of 3. Meanwhile a writer grows and shrinks the map with other
// keys and clears it, so that valueFns run across resizes and Clears. Every
// value must be right, no two valueFns of one key may run at once, and
// nothing may hang.
func testLoadOrComputeChains(t *testing.T, c impl) {
	const keys, goroutines, others, clears = 1000, 8, 2000, 2
	lookups := scale(2000)
	m := newMap[int, int](c)
	want := func(k int) int { return (k-k%3)*10 + k%3 }
	var running [keys]atomic.Int32
	var get func(k int) int
	get = func(k int) int {
		v, _ := m.LoadOrCompute(k, func() int {
			assert.Equal(t, int32(1), running[k].Add(1), "two valueFns of key %d ran at once", k)
			defer running[k].Add(-1)
			if k%3 == 0 {
				return k * 10
			}
			return get(k-1) + 1
		})
		return v
	}
	var cleared atomic.Int64
	finishesWithin(t, 60*time.Second, func() {
		done := make(chan struct{})
		var writer sync.WaitGroup
		writer.Add(1)
		go func() {
			defer writer.Done()
			for {
				for k := keys; k < keys+others; k++ {
					m.Store(k, k)
				}
				for k := keys; k < keys+others; k++ {
					m.Delete(k)
				}
				m.Clear()
				cleared.Add(1)
				select {
				case <-done:
					return
				default:
				}
			}
		}()
		parallel(goroutines, func(g int) {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			// Go on until the writer has cleared the map a few times.
			for i := 0; i < lookups || cleared.Load() < clears; i++ {
				k := rng.IntN(keys)
				assert.Equal(t, want(k), get(k), "LoadOrCompute(%d)", k)
			}
		})
		close(done)
		writer.Wait()
	})
	assert.Zero(t, safemap.Reserved(m), "reservations left behind")
	assert.Equal(t, len(contents(t, m)), m.Len())
	for k, v := range m.All() {
		assert.Equal(t, want(k), v, "key %d", k)
	}
}

// testValueFnWaitsForWriter: a valueFn that waits for another goroutine to
// write the map, grow it, clear it and store another key, must not stop
// that goroutine.
func testValueFnWaitsForWriter(t *testing.T, c impl) {
	m := newMap[int, int](c)
	finishesWithin(t, 10*time.Second, func() {
		v, loaded := m.LoadOrCompute(0, func() int {
			stored := make(chan struct{})
			go func() {
				defer close(stored)
				for k := 2; k < 2000; k++ {
					m.Store(k, k)
				}
				m.Clear()
				m.Store(1, 10)
			}()
			<-stored
			w, _ := m.Load(1)
			return w + 1
		})
		assert.Equal(t, 11, v)
		assert.False(t, loaded)
	})
	requireContents(t, map[int]int{0: 11, 1: 10}, m)
}

// testRecursiveTypeCache builds JSON encoders in a cache shaped like
// encoding/json's: one encoder per type, kept in a safemap, each built from
// its fields' encoders, which the valueFn building it asks the same map for.
// Eight goroutines encode random values of mutually recursive types on one
// fresh cache, and every output must equal encoding/json's.
func testRecursiveTypeCache(t *testing.T, c impl) {
	const goroutines = 8
	for round := range scale(10) {
		cache := &typeCache{m: newMap[reflect.Type, encoderFunc](c)}
		finishesWithin(t, 30*time.Second, func() {
			parallel(goroutines, func(g int) {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				for range 20 {
					v := randomRecValue(rng)
					var b strings.Builder
					cache.encoder(reflect.TypeOf(v))(&b, reflect.ValueOf(v))
					want, err := json.Marshal(v)
					assert.NoError(t, err)
					assert.Equal(t, string(want), b.String(), "the cache's encoding, against encoding/json's")
				}
			})
		})
		assert.Equal(t, int64(cache.m.Len()), cache.built.Load(), "each type's encoder built once")
		assert.Zero(t, safemap.Reserved(cache.m))
	}
}

// encoderFunc appends the JSON encoding of v to b.
type encoderFunc func(b *strings.Builder, v reflect.Value)

// typeCache is the encoder cache of testRecursiveTypeCache. A pointer's
// encoder asks for its element's encoder when it runs, not when it is
// built, so that types that hold pointers to each other do not make a cycle
// of valueFns, which would wait for themselves.
type typeCache struct {
	m     safemap.Map[reflect.Type, encoderFunc]
	built atomic.Int64
}

func (c *typeCache) encoder(t reflect.Type) encoderFunc {
	f, _ := c.m.LoadOrCompute(t, func() encoderFunc {
		c.built.Add(1)
		return c.build(t)
	})
	return f
}

func (c *typeCache) build(t reflect.Type) encoderFunc {
	switch t.Kind() {
	case reflect.Int:
		return func(b *strings.Builder, v reflect.Value) { b.WriteString(strconv.FormatInt(v.Int(), 10)) }
	case reflect.String:
		return func(b *strings.Builder, v reflect.Value) {
			s, _ := json.Marshal(v.String())
			b.Write(s)
		}
	case reflect.Pointer:
		return func(b *strings.Builder, v reflect.Value) {
			if v.IsNil() {
				b.WriteString("null")
				return
			}
			c.encoder(t.Elem())(b, v.Elem())
		}
	case reflect.Slice:
		elem := c.encoder(t.Elem())
		return func(b *strings.Builder, v reflect.Value) {
			if v.IsNil() {
				b.WriteString("null")
				return
			}
			b.WriteByte('[')
			for i := range v.Len() {
				if i > 0 {
					b.WriteByte(',')
				}
				elem(b, v.Index(i))
			}
			b.WriteByte(']')
		}
	case reflect.Struct:
		fields := make([]encoderFunc, t.NumField())
		for i := range fields {
			fields[i] = c.encoder(t.Field(i).Type)
		}
		return func(b *strings.Builder, v reflect.Value) {
			b.WriteByte('{')
			for i, f := range fields {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Quote(t.Field(i).Name) + ":")
				f(b, v.Field(i))
			}
			b.WriteByte('}')
		}
	}
	panic("typeCache: no encoder for " + t.String())
}

// Mutually recursive types, with chains of field types four deep
// (recA → []recC → recC → recD → []string).
type (
	recA struct {
		Name  string
		Next  *recB
		Items []recC
		Self  *recA
	}
	recB struct {
		N    int
		Back *recA
		Tags []string
	}
	recC struct {
		X     int
		Inner recD
	}
	recD struct {
		Words []string
		Ptr   *recB
	}
)

// randomRecValue returns a random value of one of the recursive types.
func randomRecValue(rng *rand.Rand) any {
	switch rng.IntN(4) {
	case 0:
		return randomRecA(rng, 3)
	case 1:
		return randomRecB(rng, 3)
	case 2:
		return randomRecC(rng, 3)
	}
	return recD{Words: randomWords(rng), Ptr: randomRecB(rng, 2)}
}

func randomRecA(rng *rand.Rand, depth int) *recA {
	if depth <= 0 || rng.IntN(4) == 0 {
		return nil
	}
	a := &recA{Name: "a" + strconv.Itoa(rng.IntN(100)), Next: randomRecB(rng, depth-1), Self: randomRecA(rng, depth-1)}
	for range rng.IntN(3) {
		a.Items = append(a.Items, *randomRecC(rng, depth-1))
	}
	return a
}

func randomRecB(rng *rand.Rand, depth int) *recB {
	if depth <= 0 || rng.IntN(4) == 0 {
		return nil
	}
	return &recB{N: rng.IntN(1000) - 500, Back: randomRecA(rng, depth-1), Tags: randomWords(rng)}
}

func randomRecC(rng *rand.Rand, depth int) *recC {
	return &recC{X: rng.IntN(10), Inner: recD{Words: randomWords(rng), Ptr: randomRecB(rng, depth-1)}}
}

func randomWords(rng *rand.Rand) []string {
	if rng.IntN(3) == 0 {
		return nil
	}
	words := make([]string, rng.IntN(3))
	for i := range words {
		words[i] = []string{"x", `q"uote`, "<tag>", "é"}[rng.IntN(4)]
	}
	return words
}
