package safemap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// badInputs lists the bad inputs a caller can give safemap, each with the
// outcome the documentation promises for it, and the test that holds every
// implementation to that outcome.
var badInputs = []struct {
	name    string
	outcome string
	test    func(t *testing.T, c impl)
}{
	{"LoadOrCompute/NilFunc", `panics with "safemap: LoadOrCompute called with a nil function"; the map is unchanged and usable`,
		testLoadOrComputeNilFunc},
	{"LoadOrTryCompute/NilFunc", `panics with "safemap: LoadOrTryCompute called with a nil function"; the map is unchanged and usable`,
		testLoadOrTryComputeNilFunc},
	{"Compute/NilFunc", `panics with "safemap: Compute called with a nil function"; the map is unchanged and usable`,
		testComputeNilFunc},
	{"Compute/InvalidOp", `panics with "safemap: Compute function returned invalid ComputeOp(7)"; the key is unchanged`,
		testComputeInvalidOp},
	{"CompareAndSwap/IncomparableValues", "panics as == on the values does; the key is unchanged and the map usable",
		testCompareAndSwapIncomparable},
	{"Keys/NaN", "each store adds an entry that no lookup finds, as in a built-in map",
		testNaNKeys},
	{"Keys/Unhashable", "panics with the runtime error a built-in map raises; the map is usable",
		testUnhashableKeys},

	{"WithCapacity/Negative", "no presizing", worksWith(0, safemap.WithCapacity(-1))},
	{"WithCapacity/Huge", "treated as 1,048,576: tens of megabytes, not an out-of-memory crash", testHugeCapacity},
	{"WithShards/Zero", "the default number of shards", worksWith(0, safemap.WithShards(0))},
	{"WithShards/Negative", "the default number of shards", worksWith(0, safemap.WithShards(-5))},
	{"WithShards/NotPowerOfTwo", "rounded up to a power of two", worksWith(128, safemap.WithShards(100))},
	{"WithShards/Huge", "treated as 65,536", worksWith(1<<16, safemap.WithShards(math.MaxInt))},

	{"JSON/Malformed", "an error; the map is unchanged", testJSONBadDocument},
	{"JSON/WrongValueType", "an error; the map is unchanged",
		rejects[string, int](`{"a":1,"b":"two"}`, `{"a":true}`, `{"a":[1]}`, `{"a":1.5}`)},
	{"JSON/WrongKeyType", "an error; the map is unchanged",
		rejects[int, int](`{"1":1,"x":2}`, `{"1.5":1}`, `{"":1}`)},
	{"JSON/NullValue", "the key holds the zero value, as encoding/json decodes it",
		decodesTo(`{"a":null,"b":2}`, map[string]int{"a": 0, "b": 2})},
	{"JSON/DuplicateKeys", "the last value wins, as in encoding/json",
		decodesTo(`{"a":1,"b":2,"a":3}`, map[string]int{"a": 3, "b": 2})},
	{"JSON/DeepNesting", "an error beyond encoding/json's depth limit; the map is unchanged",
		rejects[string, any](nested(100_000))},
	{"JSON/NestingWithinLimit", "decodes",
		decodesTo[string, any](nested(500), map[string]any{"a": nestedValue(499)})},
	{"JSON/HugeNumber", "an error if V cannot hold the number; the map is unchanged",
		rejects[string, int64](`{"a":9223372036854775808}`, `{"a":1e400}`)},
	{"JSON/HugeFloat", "an error if V cannot hold the number; the map is unchanged",
		rejects[string, float64](`{"a":1e400}`, `{"a":-1e400}`, `{"a":1`+strings.Repeat("0", 400)+`}`)},
	{"JSON/HugeNumberInAny", "an error, as float64 cannot hold it; the map is unchanged",
		rejects[string, any](`{"a":1e400}`)},
	{"JSON/HugeKey", "an error if K cannot hold the number; the map is unchanged",
		rejects[int8, int](`{"128":1}`, `{"-129":1}`)},
	{"JSON/InvalidUTF8InString", "each invalid byte becomes U+FFFD, as in encoding/json",
		decodesTo("{\"a\xff\":\"b\xfe\xfd\"}", map[string]string{"a\uFFFD": "b\uFFFD\uFFFD"})},
	{"JSON/LoneSurrogate", "becomes U+FFFD, as in encoding/json",
		decodesTo(`{"a":"\ud800"}`, map[string]string{"a": "\uFFFD"})},
	{"JSON/InvalidUTF8OutsideString", "an error; the map is unchanged",
		rejects[string, int]("{\"a\":1,\xff}", "\xff{}")},
}

func TestBadInput(t *testing.T) {
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, bad := range badInputs {
				t.Run(bad.name, func(t *testing.T) {
					bad.test(t, c)
					if t.Failed() {
						t.Logf("documented outcome: %s", bad.outcome)
					}
				})
			}
		})
	}
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

func testCompareAndSwapIncomparable(t *testing.T, c impl) {
	m := newMap[string, any](c)
	m.Store("k", []int{1})
	old, cur := any([]int{1}), any([]int{1})
	want := recovered(func() { _ = cur == old })
	require.NotNil(t, want)
	// The panic is raised under the key's lock, if the map has one: each
	// call after the first would wait for ever on a lock it leaked.
	finishesWithin(t, 10*time.Second, func() {
		got := recovered(func() { safemap.CompareAndSwap(m, "k", old, any(2)) })
		assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got), "CompareAndSwap panics as == on the values does")
		got = recovered(func() { safemap.CompareAndDelete(m, "k", old) })
		assert.Equal(t, fmt.Sprint(want), fmt.Sprint(got), "CompareAndDelete panics as == on the values does")
		m.Store("after", 1)
		safemap.CompareAndSwap(m, "after", any(1), any(2))
	})
	requireContents(t, map[string]any{"k": []int{1}, "after": 2}, m)
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

// worksWith returns a test that a map built by c's constructor with opts
// works, and that a ShardedMap has shards shards, or the default if 0.
func worksWith(shards int, opts ...safemap.Option) func(*testing.T, impl) {
	return func(t *testing.T, c impl) {
		if c.zero {
			t.Skip("the zero value takes no options")
		}
		m := newMap[int, int](impl{kind: c.kind, opts: opts})
		want := fill(m, 100)
		m.Delete(7)
		delete(want, 7)
		requireContents(t, want, m)
		if sm, ok := m.(*safemap.ShardedMap[int, int]); ok {
			want := shards
			if want == 0 {
				want = safemap.ShardCount(safemap.NewShardedMap[int, int]())
			}
			assert.Equal(t, want, safemap.ShardCount(sm))
		}
	}
}

func testHugeCapacity(t *testing.T, c impl) {
	assert.Equal(t, 1<<20, safemap.Capacity(safemap.WithCapacity(math.MaxInt)))
	if c.zero {
		t.Skip("the zero value takes no options")
	}
	// Empty keys and values keep the presized map to tens of megabytes.
	m := newMap[struct{}, struct{}](impl{kind: c.kind, opts: []safemap.Option{safemap.WithCapacity(math.MaxInt)}})
	m.Store(struct{}{}, struct{}{})
	requireContents(t, map[struct{}]struct{}{{}: {}}, m)
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

// rejects returns a test that each document fails to unmarshal into a
// map[K]V and leaves the map as it was.
func rejects[K comparable, V any](docs ...string) func(*testing.T, impl) {
	return func(t *testing.T, c impl) {
		for _, doc := range docs {
			var k K
			var v V
			m := newMap[K, V](c)
			m.Store(k, v)
			err := m.(json.Unmarshaler).UnmarshalJSON([]byte(doc))
			assert.Error(t, err, "document %.80q", doc)
			requireContents(t, map[K]V{k: v}, m)
		}
	}
}

// decodesTo returns a test that doc unmarshals into a map[K]V, replacing
// what it held, with exactly the entries of want.
func decodesTo[K comparable, V any](doc string, want map[K]V) func(*testing.T, impl) {
	return func(t *testing.T, c impl) {
		var k K
		var v V
		m := newMap[K, V](c)
		m.Store(k, v)
		require.NoError(t, m.(json.Unmarshaler).UnmarshalJSON([]byte(doc)), "document %.80q", doc)
		requireContents(t, want, m)
	}
}

// nested returns an object whose value "a" is depth-1 nested arrays.
func nested(depth int) string {
	return `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
}

// nestedValue returns what encoding/json decodes depth nested arrays into.
func nestedValue(depth int) any {
	v := []any{}
	for range depth - 1 {
		v = []any{v}
	}
	return v
}
