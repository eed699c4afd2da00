package safemap

import "iter"

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

// Load returns the value stored for key; see [Map.Load].
func (m *RWMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	return m.rw.load(key)
}

// Store sets the value for key; see [Map.Store].
func (m *RWMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	m.rw.store(key, value)
}

// LoadOrStore returns the value for key if present, and otherwise stores
// value; see [Map.LoadOrStore].
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

// LoadAndDelete deletes the value for key and returns it; see
// [Map.LoadAndDelete].
func (m *RWMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	return m.rw.loadAndDelete(key)
}

// Delete deletes the value for key; see [Map.Delete].
func (m *RWMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	m.rw.delete(key)
}

// Swap stores value for key and returns the previous value; see [Map.Swap].
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

// Range calls yield for each entry until yield returns false; see
// [Map.Range]. It copies the entries under the read lock and calls yield on
// the copy, so entries stored during the call are not visited.
func (m *RWMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	m.rw.rangeWith(nil, yield)
}

// All returns an iterator over the map's entries; see [Map.All].
func (m *RWMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries; see [Map.Len].
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
// decoded as encoding/json decodes a built-in map[K]V (see the package
// documentation); a document that does not decode changes nothing.
func (m *RWMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	m.rw.replace(decoded)
	return nil
}
