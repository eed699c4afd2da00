package safemap_test

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The suite's tests of one method at a time, with no concurrency: what each
// method returns and what the map holds after it, for a missing and a
// present key, and the edges of Range, All, Len, Clear, key types and JSON.

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
		assert.Fail(t, "valueFn called for a present key")
		return 2
	})
	assert.True(t, loaded)
	assert.Equal(t, 1, actual)
	requireContents(t, map[string]int{"a": 1}, m)
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
		assert.Fail(t, "Range called yield on an empty map")
		return true
	})
	for range m.All() {
		assert.Fail(t, "All yielded on an empty map")
	}
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

func testJSONUnsupportedKey(t *testing.T, c impl) {
	m := newMap[float64, int](c)
	m.Store(1.5, 1)
	_, err := json.Marshal(m)
	var unsupported *json.UnsupportedTypeError
	assert.ErrorAs(t, err, &unsupported)
}
