package safemap_test

import (
	"math"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
)

// TestSyncMapLoadOrComputeNaN: each LoadOrCompute of a NaN key adds one entry,
// as for a built-in map, and leaves no marker behind, also when valueFn panics.
func TestSyncMapLoadOrComputeNaN(t *testing.T) {
	var m safemap.SyncMap[float64, int]
	for i := range 100 {
		v, loaded := m.LoadOrCompute(math.NaN(), func() int { return i })
		assert.Equal(t, i, v)
		assert.False(t, loaded)
	}
	assert.Panics(t, func() { m.LoadOrCompute(math.NaN(), func() int { panic("boom") }) })
	assert.Equal(t, 100, m.Len())
	assert.Equal(t, 100, safemap.StoredEntries(&m), "entries in the sync.Map, markers included")
}
