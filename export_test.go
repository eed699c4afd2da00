package safemap

import "unsafe"

// Hooks for the external tests.

const CacheLineSize = cacheLineSize

var DefaultShards = defaultShards

func ShardCount[K comparable, V any](m *ShardedMap[K, V]) int {
	return len(m.loadTable().shards)
}

func ShardSize[K comparable, V any]() uintptr {
	var s shard[K, V]
	return unsafe.Sizeof(s)
}

// Capacity returns the capacity a set of options asks for.
func Capacity(opts ...Option) int {
	return buildOptions(opts).capacity
}

func BucketSize[K comparable, V any]() uintptr {
	var b bucket[K, V]
	return unsafe.Sizeof(b)
}

// BucketCount returns the number of buckets in m's current table.
func BucketCount[K comparable, V any](m *BucketMap[K, V]) int {
	return len(m.loadTable().buckets)
}
