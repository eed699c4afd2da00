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
// LoadOrCompute and Compute call their function while the write lock is
// held: it runs exactly once per call and must not call methods of the same
// map. Range copies the entries under the read lock and calls yield after
// releasing it, so each Range costs memory for one copy of the map.
//
// The zero RWMap is empty and ready for use. An RWMap must not be copied
// after first use.
type RWMap[K comparable, V any] struct {
	_  noCopy
	mu sync.RWMutex
	m  plainMap[K, V]
}

// NewRWMap returns an empty RWMap. It honours [WithCapacity].
func NewRWMap[K comparable, V any](opts ...Option) *RWMap[K, V] {
	m := new(RWMap[K, V])
	if o := buildOptions(opts); o.capacity > 0 {
		m.m.m = make(map[K]V, o.capacity)
	}
	return m
}

// Load returns the value stored for key, or the zero value if there is none.
// The ok result reports whether the key was present.
func (m *RWMap[K, V]) Load(key K) (value V, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.m.load(key)
}

// Store sets the value for key.
func (m *RWMap[K, V]) Store(key K, value V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.store(key, value)
}

// LoadOrStore returns the existing value for key if present.
// Otherwise it stores and returns value.
// The loaded result is true if the value was loaded, false if stored.
func (m *RWMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	if v, ok := m.Load(key); ok {
		return v, true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.loadOrStore(key, value)
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn with the write lock held, stores its result and returns it.
// The loaded result is true if the value was loaded, false if computed.
// If valueFn panics, the key stays absent and the panic reaches the caller.
// valueFn must not call methods of m. LoadOrCompute panics if valueFn is nil.
func (m *RWMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
	if valueFn == nil {
		nilFunc("LoadOrCompute")
	}
	if v, ok := m.Load(key); ok {
		return v, true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.loadOrCompute(key, valueFn)
}

// LoadAndDelete deletes the value for key, returning the previous value if any.
// The loaded result reports whether the key was present.
func (m *RWMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.loadAndDelete(key)
}

// Delete deletes the value for key. If the key is absent, Delete does nothing.
func (m *RWMap[K, V]) Delete(key K) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m.m, key)
}

// Swap stores value for key and returns the previous value if any.
// The loaded result reports whether the key was present.
func (m *RWMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.swap(key, value)
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs exactly once, with the write lock held, and must not call methods
// of m. If fn panics, the key is unchanged and the panic reaches the caller.
func (m *RWMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	if fn == nil {
		nilFunc("Compute")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.compute(key, fn)
}

// Range calls yield for each key and value in the map until yield returns
// false. It copies the entries under the read lock and calls yield on the
// copy, so yield may call any method of m and sees no entry twice; entries
// stored during the call are not visited.
func (m *RWMap[K, V]) Range(yield func(key K, value V) bool) {
	m.rangeWith(nil, yield)
}

// rangeWith is Range with a caller-supplied buffer for the copy. It returns
// the buffer for reuse and reports whether yield asked to go on.
func (m *RWMap[K, V]) rangeWith(buf []entry[K, V], yield func(K, V) bool) ([]entry[K, V], bool) {
	m.mu.RLock()
	buf = m.m.appendTo(buf[:0])
	m.mu.RUnlock()
	return buf, yieldAll(buf, yield)
}

// All returns an iterator over the map's entries with the guarantees of Range.
func (m *RWMap[K, V]) All() iter.Seq2[K, V] {
	return m.Range
}

// Len returns the number of entries.
func (m *RWMap[K, V]) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m.m)
}

// Clear removes all entries and releases the memory that held them.
func (m *RWMap[K, V]) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.m = nil
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *RWMap[K, V]) MarshalJSON() ([]byte, error) {
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes into a new map[K]V: a repeated key keeps
// its last value, and invalid UTF-8 in a string becomes U+FFFD. JSON null
// empties the map. Anything else that is not such an object, a key or value
// of the wrong type or out of range, or nesting deeper than encoding/json
// allows makes it return the decoder's error and leave the map unchanged.
func (m *RWMap[K, V]) UnmarshalJSON(data []byte) error {
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.m = decoded
	return nil
}
