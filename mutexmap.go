package safemap

import (
	"iter"
	"sync"
)

// MutexMap is a [Map] that guards a built-in map with one [sync.Mutex].
//
// It is the smallest and simplest map here, and the fastest when most
// operations write or when few goroutines share the map. Every operation,
// reads included, takes the one lock, so with many goroutines reading
// concurrently choose [RWMap], [ShardedMap] or [SyncMap] instead.
//
// Compute calls fn once, with the lock held, so every other operation waits
// for it. Range copies the entries under the lock and calls yield after
// releasing it, so each Range costs memory for one copy of the map.
//
// The zero MutexMap is empty and ready for use. A MutexMap must not be copied
// after first use.
type MutexMap[K comparable, V any] struct {
	_     noCopy
	guard computeGuard
	mu    sync.Mutex
	m     plainMap[K, V]
	res   reservations[K]
}

// NewMutexMap returns an empty MutexMap. It honours [WithCapacity].
func NewMutexMap[K comparable, V any](opts ...Option) *MutexMap[K, V] {
	m := new(MutexMap[K, V])
	if o := buildOptions(opts); o.capacity > 0 {
		m.m.m = make(map[K]V, o.capacity)
	}
	return m
}

// Load returns the value stored for key; see [Map.Load].
func (m *MutexMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.load(key)
}

// Store sets the value for key; see [Map.Store].
func (m *MutexMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.store(key, value)
}

// LoadOrStore returns the value for key if present, and otherwise stores
// value; see [Map.LoadOrStore].
func (m *MutexMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	m.guard.check("LoadOrStore")
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.loadOrStore(key, value)
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn, with no lock held, and stores its result; see
// [Map.LoadOrCompute].
func (m *MutexMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
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
func (m *MutexMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
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
func (m *MutexMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.loadAndDelete(key)
}

// Delete deletes the value for key; see [Map.Delete].
func (m *MutexMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m.m, key)
}

// Swap stores value for key and returns the previous value; see [Map.Swap].
func (m *MutexMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.guard.check("Swap")
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.swap(key, value)
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs exactly once, with the lock held.
func (m *MutexMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	m.guard.check("Compute")
	if fn == nil {
		nilFunc("Compute")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m.compute(&m.guard, key, fn)
}

// Range calls yield for each entry until yield returns false; see
// [Map.Range]. It copies the entries under the lock and calls yield on the
// copy, so entries stored during the call are not visited.
func (m *MutexMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	m.mu.Lock()
	entries := m.m.appendTo(nil)
	m.mu.Unlock()
	yieldAll(entries, yield)
}

// All returns an iterator over the map's entries; see [Map.All].
func (m *MutexMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries; see [Map.Len].
func (m *MutexMap[K, V]) Len() int {
	m.guard.check("Len")
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m.m)
}

// Clear removes all entries and releases the memory that held them.
func (m *MutexMap[K, V]) Clear() {
	m.guard.check("Clear")
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.m = nil
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *MutexMap[K, V]) MarshalJSON() ([]byte, error) {
	m.guard.check("MarshalJSON")
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes a built-in map[K]V (see the package
// documentation); a document that does not decode changes nothing.
func (m *MutexMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m.m = decoded
	return nil
}
