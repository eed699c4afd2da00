package safemap_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BucketMap's table policy: these tests read its size through a test hook.

func TestBucketMapGrowsAndShrinks(t *testing.T) {
	m := safemap.NewBucketMap[int, int]()
	require.Equal(t, 1, safemap.BucketCount(m))
	for i := range 10_000 {
		m.Store(i, i)
	}
	grown := safemap.BucketCount(m)
	// 10,000 entries at no more than 4.5 per 6-slot bucket need at least 2,223 buckets.
	assert.GreaterOrEqual(t, grown, 4096)
	assert.LessOrEqual(t, grown, 8192, "grew further than its load needs")
	for i := range 10_000 {
		m.Delete(i)
	}
	assert.Less(t, safemap.BucketCount(m), 64, "shrinks after heavy deletion")
	assert.Equal(t, 0, m.Len())
	m.Store(1, 1)
	v, ok := m.Load(1)
	assert.True(t, ok)
	assert.Equal(t, 1, v)
}

func TestBucketMapWithoutShrinking(t *testing.T) {
	m := safemap.NewBucketMap[int, int](safemap.WithoutShrinking())
	for i := range 10_000 {
		m.Store(i, i)
	}
	grown := safemap.BucketCount(m)
	for i := range 10_000 {
		m.Delete(i)
	}
	assert.Equal(t, grown, safemap.BucketCount(m))
}

func TestBucketMapCapacityIsTheFloor(t *testing.T) {
	m := safemap.NewBucketMap[int, int](safemap.WithCapacity(1000))
	initial := safemap.BucketCount(m)
	assert.Equal(t, 256, initial, "1,000 entries at 4.5 per 6-slot bucket need 223 buckets, rounded up")
	for i := range 10_000 {
		m.Store(i, i)
	}
	for i := range 10_000 {
		m.Delete(i)
	}
	assert.Equal(t, initial, safemap.BucketCount(m), "never shrinks below WithCapacity")
	m.Clear()
	assert.Equal(t, initial, safemap.BucketCount(m), "Clear returns to the initial size")
}

// TestBucketMapRangeDuringClear: until a Clear ends, the map holds what it
// held before it, so a Range that overlaps it must still visit every key,
// also in buckets that the Clear has already passed. Here the Clear is held
// up in the first chunk of buckets by a Compute, while a Store moves the
// other three chunks for it and then waits for the Clear to end.
func TestBucketMapRangeDuringClear(t *testing.T) {
	const keys = 900 // 256 buckets: four chunks of migration
	m := safemap.NewBucketMap[int, int]()
	for k := range keys {
		m.Store(k, k)
	}
	require.Equal(t, 256, safemap.BucketCount(m))
	hold := -1 // a key in the first chunk
	for k := range keys {
		if safemap.BucketIndex(m, k) < 64 {
			hold = k
			break
		}
	}
	require.GreaterOrEqual(t, hold, 0, "no key in the first 64 buckets")

	seen := map[int]bool{}
	computing, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	m.Range(func(k, v int) bool {
		seen[k] = true
		if k != hold {
			return true
		}
		// hold's bucket is copied: lock it, and start the Clear behind it
		wg.Add(3)
		go func() {
			defer wg.Done()
			m.Compute(hold, func(old int, loaded bool) (int, safemap.ComputeOp) {
				close(computing)
				<-release
				return old, safemap.CancelOp
			})
		}()
		<-computing
		go func() { defer wg.Done(); m.Clear() }()
		require.Eventually(t, func() bool { return safemap.Migrating(m) }, 10*time.Second, time.Millisecond)
		go func() { defer wg.Done(); m.Store(keys, keys) }()
		require.Eventually(t, func() bool { return safemap.MovedBuckets(m) >= 256-64 },
			10*time.Second, time.Millisecond, "the last three chunks were not moved")
		return true
	})
	close(release)
	wg.Wait()

	for k := range keys {
		assert.True(t, seen[k], "Range missed key %d, present until the Clear ended", k)
	}
	_, stored := m.Load(keys) // the Store took effect before the Clear, or after it
	assert.Equal(t, map[bool]int{false: 0, true: 1}[stored], m.Len())
}
