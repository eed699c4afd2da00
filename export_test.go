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

// StoredEntries returns the number of entries in m's sync.Map, markers of
// keys being computed included.
func StoredEntries[K comparable, V any](m *SyncMap[K, V]) int {
	n := 0
	if s := m.state.Load(); s != nil {
		s.m.Range(func(any, any) bool { n++; return true })
	}
	return n
}
