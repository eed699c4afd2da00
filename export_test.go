package safemap

import (
	"fmt"
	"unsafe"
)

// Hooks for the external tests.

const CacheLineSize = cacheLineSize

var DefaultShards = defaultShards

func ShardCount[K comparable, V any](m *ShardedMap[K, V]) int {
	return int(m.loadTable().mask) + 1
}

// ShardIndex returns the index of the shard that holds key in m, as the
// map's own methods find it.
func ShardIndex[K comparable, V any](m *ShardedMap[K, V], key K) int {
	t, s := m.loadTable(), m.shardFor(key)
	for i := range t.mask + 1 {
		if t.shard(i) == s {
			return int(i)
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

// BucketIndex returns the index of key's bucket in m's current table.
func BucketIndex[K comparable, V any](m *BucketMap[K, V], key K) int {
	t := m.loadTable()
	return int(hashOf(&t.seed, key) & t.mask)
}

// MovedBuckets returns how many buckets of m's current table a resize or a
// Clear under way has moved.
func MovedBuckets[K comparable, V any](m *BucketMap[K, V]) int {
	t, n := m.table.Load(), 0
	for i := range t.buckets {
		if t.buckets[i].loadMeta()&movedBit != 0 {
			n++
		}
	}
	return n
}

// Migrating reports whether a resize or a Clear of m's table is under way.
func Migrating[K comparable, V any](m *BucketMap[K, V]) bool {
	return m.table.Load().migration.Load() != nil
}

// Reserved returns the number of keys of m whose values LoadOrCompute or
// LoadOrTryCompute is computing.
func Reserved[K comparable, V any](m Map[K, V]) int {
	switch m := m.(type) {
	case *MutexMap[K, V]:
		return m.res.len()
	case *RWMap[K, V]:
		return m.res.len()
	case *SyncMap[K, V]:
		return m.res.len()
	case *ShardedMap[K, V]:
		return m.res.len()
	case *BucketMap[K, V]:
		return m.res.len()
	}
	panic(fmt.Sprintf("safemap: Reserved of a %T", m))
}
