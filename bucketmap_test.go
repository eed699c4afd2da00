package safemap_test

import (
	"testing"

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
