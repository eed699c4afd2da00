package safemap

import (
	"iter"
	"sync"
)

// RWMap is a [Map] that guards a built-in map with one [sync.RWMutex].
//
// Readers share the lock, so it beats [MutexMap] when reads dominate and
// several goroutines read at once. Every read still writes the lock's reader
// count, a cache line all cores contend for, so with many cores and a hot map
// [ShardedMap] or [SyncMap] scale further. Under a write-heavy load it is a
// little slower than MutexMap.
//
// Compute calls fn once, with the write lock held, so every other operation
// waits for it. Range copies the entries under the read lock and calls yield
// after releasing it, so each Range costs memory for one copy of the map.
//
// The zero RWMap is empty and ready for use. An RWMap must not be copied
// after first use.
type RWMap[K comparable, V any] struct {
	_     noCopy
	guard computeGuard
	rw    rwLocked[K, V]
	res   reservations[K]
}

// NewRWMap returns an empty RWMap. It honours [WithCapacity].
func NewRWMap[K comparable, V any](opts ...Option) *RWMap[K, V] {
	m := new(RWMap[K, V])
	if o := buildOptions(opts); o.capacity > 0 {
		m.rw.m.m = make(map[K]V, o.capacity)
	}
	return m
}

// Load returns the value stored for key, or the zero value if there is none.
// The ok result reports whether the key was present.
func (m *RWMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	return m.rw.load(key)
}

// Store sets the value for key.
func (m *RWMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	m.rw.store(key, value)
}

// LoadOrStore returns the existing value for key if present.
// Otherwise it stores and returns value.
// The loaded result is true if the value was loaded, false if stored.
func (m *RWMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	m.guard.check("LoadOrStore")
	return m.rw.loadOrStore(key, value)
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn, with no lock held, and stores its result; see
// [Map.LoadOrCompute].
func (m *RWMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
	m.guard.check("LoadOrCompute")
	if valueFn == nil {
		nilFunc("LoadOrCompute")
	}
	if v, ok := m.rw.load(key); ok {
		return v, true
	}
	return loadOrCompute(m, &m.res, key, valueFn)
}

// LoadOrTryCompute is LoadOrCompute for a valueFn that can fail; see
// [Map.LoadOrTryCompute].
func (m *RWMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
	m.guard.check("LoadOrTryCompute")
	if valueFn == nil {
		nilFunc("LoadOrTryCompute")
	}
	if v, ok := m.rw.load(key); ok {
		return v, true, nil
	}
	return computeAbsent(m, &m.res, "LoadOrTryCompute", key, valueFn)
}

// LoadAndDelete deletes the value for key, returning the previous value if any.
// The loaded result reports whether the key was present.
func (m *RWMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	return m.rw.loadAndDelete(key)
}

// Delete deletes the value for key. If the key is absent, Delete does nothing.
func (m *RWMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	m.rw.delete(key)
}

// Swap stores value for key and returns the previous value if any.
// The loaded result reports whether the key was present.
func (m *RWMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.guard.check("Swap")
	return m.rw.swap(key, value)
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs exactly once, with the write lock held.
func (m *RWMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	m.guard.check("Compute")
	if fn == nil {
		nilFunc("Compute")
	}
	return m.rw.compute(&m.guard, key, fn)
}

// Range calls yield for each key and value in the map until yield returns
// false. It copies the entries under the read lock and calls yield on the
// copy, so yield may call any method of m and sees no entry twice; entries
// stored during the call are not visited.
func (m *RWMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	m.rw.rangeWith(nil, yield)
}

// All returns an iterator over the map's entries with the guarantees of Range.
func (m *RWMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries.
func (m *RWMap[K, V]) Len() int {
	m.guard.check("Len")
	return m.rw.len()
}

// Clear removes all entries and releases the memory that held them.
func (m *RWMap[K, V]) Clear() {
	m.guard.check("Clear")
	m.rw.replace(nil)
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *RWMap[K, V]) MarshalJSON() ([]byte, error) {
	m.guard.check("MarshalJSON")
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes into a new map[K]V: a repeated key keeps
// its last value, and invalid UTF-8 in a string becomes U+FFFD. JSON null
// empties the map. Anything else that is not such an object, a key or value
// of the wrong type or out of range, or nesting deeper than encoding/json
// allows makes it return the decoder's error and leave the map unchanged.
func (m *RWMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	m.rw.replace(decoded)
	return nil
}

// rwLocked is a plainMap guarded by a sync.RWMutex: the body of an RWMap,
// and one shard of a ShardedMap. Its size does not depend on K and V.
type rwLocked[K comparable, V any] struct {
	mu sync.RWMutex
	m  plainMap[K, V]
}

func (l *rwLocked[K, V]) load(key K) (V, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.m.load(key)
}

func (l *rwLocked[K, V]) store(key K, value V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m.store(key, value)
}

// loadOrStore looks for the key under the read lock first, so that a key
// already present costs no write lock.
func (l *rwLocked[K, V]) loadOrStore(key K, value V) (V, bool) {
	if v, ok := l.load(key); ok {
		return v, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.loadOrStore(key, value)
}

func (l *rwLocked[K, V]) loadAndDelete(key K) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.loadAndDelete(key)
}

func (l *rwLocked[K, V]) delete(key K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m.m, key)
}

func (l *rwLocked[K, V]) swap(key K, value V) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.swap(key, value)
}

func (l *rwLocked[K, V]) compute(g *computeGuard, key K, fn func(V, bool) (V, ComputeOp)) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.compute(g, key, fn)
}

// rangeWith copies the entries into buf under the read lock and calls yield
// on the copy after releasing it. It returns the buffer for reuse and
// reports whether yield asked to go on.
func (l *rwLocked[K, V]) rangeWith(buf []entry[K, V], yield func(K, V) bool) ([]entry[K, V], bool) {
	l.mu.RLock()
	buf = l.m.appendTo(buf[:0])
	l.mu.RUnlock()
	return buf, yieldAll(buf, yield)
}

func (l *rwLocked[K, V]) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.m.m)
}

// replace replaces the entries with those of entries, which it keeps.
func (l *rwLocked[K, V]) replace(entries map[K]V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m.m = entries
}
