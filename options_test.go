package safemap_test

import (
	"math"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
)

func TestWithShards(t *testing.T) {
	def := safemap.ShardCount(safemap.NewShardedMap[int, int]())
	tests := []struct {
		name string
		opts []safemap.Option
		want int
	}{
		{"Default", nil, def},
		{"One", []safemap.Option{safemap.WithShards(1)}, 1},
		{"PowerOfTwo", []safemap.Option{safemap.WithShards(64)}, 64},
		{"RoundedUp", []safemap.Option{safemap.WithShards(65)}, 128},
		{"Zero", []safemap.Option{safemap.WithShards(0)}, def},
		{"Negative", []safemap.Option{safemap.WithShards(-3)}, def},
		{"Huge", []safemap.Option{safemap.WithShards(math.MaxInt)}, 1 << 16},
		{"LastWins", []safemap.Option{safemap.WithShards(2), safemap.WithShards(8)}, 8},
		{"NilOption", []safemap.Option{nil, safemap.WithShards(2)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := safemap.NewShardedMap[int, int](tt.opts...)
			assert.Equal(t, tt.want, safemap.ShardCount(m))
			m.Store(1, 1)
			assert.Equal(t, 1, m.Len())
		})
	}
	assert.Equal(t, def, safemap.ShardCount(new(safemap.ShardedMap[int, int])), "the zero value uses the default")
	assert.GreaterOrEqual(t, def, safemap.DefaultShards())
	assert.Zero(t, def&(def-1), "the default is a power of two")
}

func TestWithCapacity(t *testing.T) {
	tests := []struct {
		n, want int
	}{
		{-1, 0}, {0, 0}, {100, 100}, {math.MaxInt, 1 << 20}, {math.MinInt, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, safemap.Capacity(safemap.WithCapacity(tt.n)), "WithCapacity(%d)", tt.n)
	}
	// Every constructor accepts the bad values and gives a working map.
	for _, n := range []int{-1, 0, 1, 1000} {
		opt := safemap.WithCapacity(n)
		for _, m := range []safemap.Map[int, int]{
			safemap.NewMutexMap[int, int](opt), safemap.NewRWMap[int, int](opt),
			safemap.NewSyncMap[int, int](opt), safemap.NewShardedMap[int, int](opt, safemap.WithShards(4)),
			safemap.NewBucketMap[int, int](opt),
		} {
			m.Store(1, 1)
			assert.Equal(t, 1, m.Len())
		}
	}
}

func TestShardPadding(t *testing.T) {
	sizes := map[string]uintptr{
		"int,int":       safemap.ShardSize[int, int](),
		"string,[]byte": safemap.ShardSize[string, []byte](),
		"any,struct{}":  safemap.ShardSize[any, struct{}](),
		"[64]byte,bool": safemap.ShardSize[[64]byte, bool](),
	}
	for name, size := range sizes {
		assert.Zero(t, size%safemap.CacheLineSize, "shard[%s] is %d bytes, not a whole number of cache lines", name, size)
		assert.Equal(t, uintptr(safemap.CacheLineSize), size, "shard[%s] should fit one cache line", name)
	}
}

func TestComputeOpString(t *testing.T) {
	assert.Equal(t, "CancelOp", safemap.CancelOp.String())
	assert.Equal(t, "UpdateOp", safemap.UpdateOp.String())
	assert.Equal(t, "DeleteOp", safemap.DeleteOp.String())
	assert.Equal(t, "ComputeOp(-1)", safemap.ComputeOp(-1).String())
}

func TestBucketPadding(t *testing.T) {
	sizes := map[string]uintptr{
		"int,int":       safemap.BucketSize[int, int](),
		"string,[]byte": safemap.BucketSize[string, []byte](),
		"any,struct{}":  safemap.BucketSize[any, struct{}](),
	}
	for name, size := range sizes {
		assert.Equal(t, uintptr(safemap.CacheLineSize), size, "bucket[%s] should fill one cache line", name)
	}
}
