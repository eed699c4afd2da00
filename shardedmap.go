package safemap

import (
	"hash/maphash"
	"iter"
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// ShardedMap is a [Map] split into a power-of-two number of shards, each a
// built-in map with its own [sync.RWMutex]. A key's shard is chosen by a hash
// with a seed drawn at random for each map, so nobody can pick keys that all
// land in one shard without knowing the seed.
//
// Goroutines working on keys in different shards never wait for each other,
// so it scales with cores under mixed reads and writes, where [RWMap] and
// [MutexMap] serialise on one lock and [SyncMap] pays an allocation per
// write. On a single goroutine it is a little slower than MutexMap, because
// each operation also hashes the key to pick its shard.
//
// Shards are made in chunks of 16 when a key first lands in one, so a map
// costs memory for the shards it uses, not for the number it has. Compute
// calls fn once, with the key's shard write-locked, so operations on the
// other keys of that shard wait for it. Range copies one shard at a time
// under its read lock and calls yield after releasing it, so it costs memory
// for one shard's entries. Len and Range visit every shard in use. Clear
// replaces all shards at once.
//
// The zero ShardedMap is empty and ready for use, with the default number of
// shards. A ShardedMap must not be copied after first use.
type ShardedMap[K comparable, V any] struct {
	_      noCopy
	guard  computeGuard
	table  atomic.Pointer[shardTable[K, V]] // nil until the first write
	shards int                              // asked for by WithShards; 0 for the default
	res    reservations[K]
}

// A shardTable holds the shards in chunks, each made on first use. A table
// of up to maxInlineChunks chunks, as every table of the default size is,
// keeps its chunk pointers inline, so that making it, as Clear does, is one
// allocation.
type shardTable[K comparable, V any] struct {
	seed   hashSeed
	mask   uint64 // shards - 1
	chunks []atomic.Pointer[shardChunk[K, V]]
	inline [maxInlineChunks]atomic.Pointer[shardChunk[K, V]]
}

type shardChunk[K comparable, V any] [shardsPerChunk]shard[K, V]

const (
	// shardsPerChunk shards, 1 KiB, are made at once: a map of a few keys
	// makes a few chunks, while a map of many keys makes every chunk with
	// one allocation per 16 shards.
	shardsPerChunk  = 16
	maxInlineChunks = 1024 / shardsPerChunk // the default shard count's chunks
)

// shard pads an rwLocked to a whole number of cache lines, so that a
// goroutine writing one shard's lock does not slow down goroutines using its
// neighbours.
type shard[K comparable, V any] struct {
	rwLocked[K, V]
	_ [shardPad]byte
}

const shardPad = (cacheLineSize - unsafe.Sizeof(rwLocked[int, int]{})%cacheLineSize) % cacheLineSize

// NewShardedMap returns an empty ShardedMap. It honours [WithShards] and
// [WithCapacity], which is spread evenly over the shards and makes them all
// at once. Without WithCapacity, no shard is made until a key lands in it.
func NewShardedMap[K comparable, V any](opts ...Option) *ShardedMap[K, V] {
	o := buildOptions(opts)
	m := &ShardedMap[K, V]{shards: o.shards}
	if o.capacity > 0 {
		m.table.Store(newShardTable[K, V](newHashSeed[K](), m.shardCount(), o.capacity))
	}
	return m
}

// shardCount returns the number of shards the map asks for.
func (m *ShardedMap[K, V]) shardCount() int {
	if m.shards > 0 {
		return m.shards
	}
	return defaultShards()
}

// defaultShards returns 16 shards per P, at least 64 and at most 1,024;
// newShardTable rounds it up to a power of two. Two running goroutines wait
// for each other only when their keys share a shard, and readers do too, as
// each read writes its shard's reader count. With 16 shards per P that
// happens to one pair of operations in 16 even with every P busy on the map.
// A shard in use costs 64 bytes, and many shards keep each built-in map
// small: on 2 cores and 1,000 keys, an operation took 19% less time with 64
// shards than with 8, and 26% less with 256. Len, Range and Clear visit
// every chunk, which bounds the count.
func defaultShards() int {
	return min(max(64, 16*runtime.GOMAXPROCS(0)), 1024)
}

// newShardTable returns a table of n shards (rounded up to a power of two).
// If capacity is positive, it makes every shard, presized for capacity
// entries in all.
func newShardTable[K comparable, V any](seed hashSeed, n, capacity int) *shardTable[K, V] {
	n = 1 << bits.Len(uint(n-1))
	t := &shardTable[K, V]{seed: seed, mask: uint64(n - 1)}
	if chunks := (n + shardsPerChunk - 1) / shardsPerChunk; chunks <= maxInlineChunks {
		t.chunks = t.inline[:chunks]
	} else {
		t.chunks = make([]atomic.Pointer[shardChunk[K, V]], chunks)
	}
	if perShard := (capacity + n - 1) / n; perShard > 0 {
		for i := range n {
			t.shard(uint64(i)).m.m = make(map[K]V, perShard)
		}
	}
	return t
}

// shard returns shard i, making its chunk if it has none yet.
func (t *shardTable[K, V]) shard(i uint64) *rwLocked[K, V] {
	c := t.chunks[i/shardsPerChunk].Load()
	if c == nil {
		c = t.makeChunk(i / shardsPerChunk)
	}
	return &c[i%shardsPerChunk].rwLocked
}

//go:noinline
func (t *shardTable[K, V]) makeChunk(j uint64) *shardChunk[K, V] {
	t.chunks[j].CompareAndSwap(nil, new(shardChunk[K, V]))
	return t.chunks[j].Load()
}

// shardsInUse calls f for each shard of every chunk made, in order, until f
// returns false.
func (t *shardTable[K, V]) shardsInUse(f func(s *rwLocked[K, V]) bool) {
	n := int(t.mask) + 1
	for j := range t.chunks {
		if c := t.chunks[j].Load(); c != nil {
			for i := range min(shardsPerChunk, n) {
				if !f(&c[i].rwLocked) {
					return
				}
			}
		}
	}
}

// loadTable returns the map's table, creating it on first use.
func (m *ShardedMap[K, V]) loadTable() *shardTable[K, V] {
	if t := m.table.Load(); t != nil {
		return t
	}
	return m.initTable()
}

//go:noinline
func (m *ShardedMap[K, V]) initTable() *shardTable[K, V] {
	t := newShardTable[K, V](newHashSeed[K](), m.shardCount(), 0)
	if m.table.CompareAndSwap(nil, t) {
		return t
	}
	return m.table.Load()
}

// shardFor hashes key, before any lock is taken, and returns its shard,
// making it if need be: the path of writes. It writes out loadTable and
// shard, which would not inline here.
func (m *ShardedMap[K, V]) shardFor(key K) *rwLocked[K, V] {
	t := m.table.Load()
	if t == nil {
		t = m.initTable()
	}
	h, word := wordHash(&t.seed, key) // hashOf, written out: see wordHash
	if !word {
		h = maphash.Comparable(t.seed.seed, key)
	}
	i := h & t.mask
	c := t.chunks[i/shardsPerChunk].Load()
	if c == nil {
		c = t.makeChunk(i / shardsPerChunk)
	}
	return &c[i%shardsPerChunk].rwLocked
}

// shardIfMade is shardFor for reads: it returns nil if key's shard was never
// made, and so holds nothing. A key that cannot be hashed panics here too.
func (m *ShardedMap[K, V]) shardIfMade(key K) *rwLocked[K, V] {
	t := m.table.Load()
	if t == nil {
		mustBeHashable(key)
		return nil
	}
	h, word := wordHash(&t.seed, key) // hashOf, written out: see wordHash
	if !word {
		h = maphash.Comparable(t.seed.seed, key)
	}
	i := h & t.mask
	if c := t.chunks[i/shardsPerChunk].Load(); c != nil {
		return &c[i%shardsPerChunk].rwLocked
	}
	return nil
}

// Load returns the value stored for key; see [Map.Load].
func (m *ShardedMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	// Load, Store and Delete write out the rwLocked methods they would call,
	// to save a call each, and unlock without defer: nothing between the
	// lock and the unlock can panic, as an unhashable key panics in hash.
	s := m.shardIfMade(key)
	if s == nil {
		return value, false
	}
	s.mu.RLock()
	value, ok = s.m.load(key)
	s.mu.RUnlock()
	return value, ok
}

// Store sets the value for key; see [Map.Store].
func (m *ShardedMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	s := m.shardFor(key)
	s.mu.Lock()
	s.m.store(key, value)
	s.mu.Unlock()
}

// LoadOrStore returns the value for key if present, and otherwise stores
// value; see [Map.LoadOrStore].
func (m *ShardedMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	m.guard.check("LoadOrStore")
	return m.shardFor(key).loadOrStore(key, value)
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn, with no lock held, and stores its result; see
// [Map.LoadOrCompute].
func (m *ShardedMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
	m.guard.check("LoadOrCompute")
	if valueFn == nil {
		nilFunc("LoadOrCompute")
	}
	if v, ok := m.Load(key); ok {
		return v, true
	}
	return loadOrCompute(m, &m.res, key, valueFn)
}

// LoadOrTryCompute is LoadOrCompute for a valueFn that can fail; see
// [Map.LoadOrTryCompute].
func (m *ShardedMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
	m.guard.check("LoadOrTryCompute")
	if valueFn == nil {
		nilFunc("LoadOrTryCompute")
	}
	if v, ok := m.Load(key); ok {
		return v, true, nil
	}
	return computeAbsent(m, &m.res, "LoadOrTryCompute", key, valueFn)
}

// LoadAndDelete deletes the value for key and returns it; see
// [Map.LoadAndDelete].
func (m *ShardedMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	if s := m.shardIfMade(key); s != nil {
		return s.loadAndDelete(key)
	}
	return value, false
}

// Delete deletes the value for key; see [Map.Delete].
func (m *ShardedMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	s := m.shardIfMade(key)
	if s == nil {
		return
	}
	s.mu.Lock()
	delete(s.m.m, key)
	s.mu.Unlock()
}

// Swap stores value for key and returns the previous value; see [Map.Swap].
func (m *ShardedMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.guard.check("Swap")
	return m.shardFor(key).swap(key, value)
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs exactly once, with the key's shard write-locked.
func (m *ShardedMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	m.guard.check("Compute")
	if fn == nil {
		nilFunc("Compute")
	}
	return m.shardFor(key).compute(&m.guard, key, fn)
}

// Range calls yield for each entry until yield returns false; see
// [Map.Range]. It copies one shard at a time under the shard's read lock and
// calls yield on the copy: an entry stored during the call is visited only
// if its shard had not been copied yet.
func (m *ShardedMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	t := m.table.Load()
	if t == nil {
		return
	}
	var buf []entry[K, V]
	t.shardsInUse(func(s *rwLocked[K, V]) bool {
		var more bool
		buf, more = s.rangeWith(buf, yield)
		return more
	})
}

// All returns an iterator over the map's entries; see [Map.All].
func (m *ShardedMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries; see [Map.Len]. It locks one shard at a
// time.
func (m *ShardedMap[K, V]) Len() int {
	m.guard.check("Len")
	t := m.table.Load()
	if t == nil {
		return 0
	}
	n := 0
	t.shardsInUse(func(s *rwLocked[K, V]) bool {
		n += s.len()
		return true
	})
	return n
}

// Clear removes all entries at once and releases the memory that held them,
// shards included. A write that overlaps Clear takes effect either before
// it, and is removed, or after it.
func (m *ShardedMap[K, V]) Clear() {
	m.guard.check("Clear")
	if t := m.table.Load(); t != nil {
		m.table.Store(newShardTable[K, V](t.seed, int(t.mask)+1, 0))
	}
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *ShardedMap[K, V]) MarshalJSON() ([]byte, error) {
	m.guard.check("MarshalJSON")
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes a built-in map[K]V (see the package
// documentation); a document that does not decode changes nothing. The new
// entries replace the old ones at once, as in Clear.
func (m *ShardedMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	old := m.loadTable()
	t := newShardTable[K, V](old.seed, int(old.mask)+1, 0)
	for k, v := range decoded {
		t.shard(hashOf(&t.seed, k)&t.mask).m.store(k, v)
	}
	m.table.Store(t)
	return nil
}
