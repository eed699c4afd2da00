package safemap

import "unsafe"

// Hooks for the external tests.

const CacheLineSize = cacheLineSize

var DefaultShards = defaultShards

func ShardCount[K comparable, V any](m *ShardedMap[K, V]) int {
	return len(m.loadTable().shards)
}

// ShardIndex returns the index of the shard that holds key in m, as the
// map's own methods find it.
func ShardIndex[K comparable, V any](m *ShardedMap[K, V], key K) int {
	t, s := m.loadTable(), m.shardFor(key)
	for i := range t.shards {
		if &t.shards[i].RWMap == s {
			return i
		}
	}
	panic("safemap: a key's shard is not in its map's table")
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
