package safemap

import (
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// SyncMap is a [Map] built on [sync.Map], with static types and the
// operations sync.Map lacks: an exact Len, and atomic Compute and
// LoadOrCompute for any value type.
//
// Like sync.Map, its Load takes no lock and scales with cores, so it wins
// when reads dominate: caches that only grow, and goroutines that each write
// their own keys. Every write allocates and also counts the entry, for Len,
// so under heavy writes [ShardedMap] is usually faster.
//
// Values are kept behind pointers, so Compute works by compare-and-swap even
// when V is not comparable. Compute calls fn with no lock held and may call it
// more than once, when another goroutine changes the key between fn's start
// and the swap; fn should have no side effects beyond computing the value.
// LoadOrCompute calls valueFn with no lock held, once per absent key: other
// goroutines that ask for the same key wait for it, and operations on other
// keys go on. Range takes no lock and makes no copy.
//
// The zero SyncMap is empty and ready for use. A SyncMap must not be copied
// after first use.
type SyncMap[K comparable, V any] struct {
	_     noCopy
	state atomic.Pointer[syncState[K, V]]
}

// syncState holds a SyncMap's entries; Clear replaces it whole.
//
// Each value in m is either a *V, never changed once stored, or a *computing
// marker, which stands for an absent key whose value LoadOrCompute is
// computing. n counts the *V values. Every change to m is made by a sync.Map
// call whose result tells what it replaced, so n is exact once no call is in
// flight.
type syncState[K comparable, V any] struct {
	m sync.Map
	n counter
}

func newSyncState[K comparable, V any]() *syncState[K, V] {
	return &syncState[K, V]{n: newCounter()}
}

// count adds delta to n. The stripe is picked at random: no hash of the key
// is at hand, and sync.Map's own work dwarfs the cost of a random number.
func (s *syncState[K, V]) count(delta int64) {
	s.n.add(uint64(rand.Uint32()), delta)
}

// computing marks a key whose value LoadOrCompute is computing. done is
// released when the computation ends, whether it stored a value or panicked.
type computing struct {
	done sync.WaitGroup
}

// NewSyncMap returns an empty SyncMap. It ignores all options: a sync.Map
// cannot be presized.
func NewSyncMap[K comparable, V any](opts ...Option) *SyncMap[K, V] {
	m := new(SyncMap[K, V])
	m.state.Store(newSyncState[K, V]())
	return m
}

// loadState returns the map's entries, creating them for a zero SyncMap.
// Methods that only read call m.state.Load instead and treat nil as empty.
func (m *SyncMap[K, V]) loadState() *syncState[K, V] {
	if s := m.state.Load(); s != nil {
		return s
	}
	m.state.CompareAndSwap(nil, newSyncState[K, V]())
	return m.state.Load()
}

// Load returns the value stored for key, or the zero value if there is none.
// The ok result reports whether the key was present.
func (m *SyncMap[K, V]) Load(key K) (value V, ok bool) {
	if s := m.state.Load(); s != nil {
		cur, _ := s.m.Load(key)
		if p, ok := cur.(*V); ok {
			return *p, true
		}
		return value, false
	}
	mustBeHashable(key)
	return value, false
}

// Store sets the value for key.
func (m *SyncMap[K, V]) Store(key K, value V) {
	m.Swap(key, value)
}

// LoadOrStore returns the existing value for key if present.
// Otherwise it stores and returns value.
// The loaded result is true if the value was loaded, false if stored.
func (m *SyncMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	if v, ok := m.Load(key); ok {
		return v, true // without allocating
	}
	return m.loadState().publish(key, &value)
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn with no lock held, stores its result and returns it. The
// loaded result is true if the value was loaded, false if computed.
//
// Goroutines that race for the same absent key wait for one call of valueFn
// and return its result. A value stored for the key by another method while
// valueFn runs wins: LoadOrCompute returns it with loaded true. If valueFn
// panics, the key stays absent, the panic reaches the caller, and one of the
// waiting goroutines, if any, calls its own valueFn. valueFn must not call
// methods of m. LoadOrCompute panics if valueFn is nil.
func (m *SyncMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
	if valueFn == nil {
		nilFunc("LoadOrCompute")
	}
	s := m.loadState()
	for {
		cur, ok := s.m.Load(key)
		if !ok && key != key {
			return s.computeNaN(key, valueFn)
		}
		if !ok {
			marker := new(computing)
			marker.done.Add(1)
			if cur, ok = s.m.LoadOrStore(key, marker); !ok {
				return s.compute(key, marker, valueFn)
			}
		}
		if p, isValue := cur.(*V); isValue {
			return *p, true
		}
		cur.(*computing).done.Wait()
	}
}

// LoadAndDelete deletes the value for key, returning the previous value if any.
// The loaded result reports whether the key was present.
func (m *SyncMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	s := m.state.Load()
	if s == nil {
		mustBeHashable(key)
		return value, false
	}
	for {
		cur, _ := s.m.Load(key)
		p, isValue := cur.(*V)
		if !isValue {
			return value, false // absent, or a marker, which must stay
		}
		if s.m.CompareAndDelete(key, cur) {
			s.count(-1)
			return *p, true
		}
	}
}

// Delete deletes the value for key. If the key is absent, Delete does nothing.
func (m *SyncMap[K, V]) Delete(key K) {
	m.LoadAndDelete(key)
}

// Swap stores value for key and returns the previous value if any.
// The loaded result reports whether the key was present.
func (m *SyncMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	s := m.loadState()
	prev, _ := s.m.Swap(key, &value)
	if p, ok := prev.(*V); ok {
		return *p, true
	}
	s.count(1)
	return previous, false
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs with no lock held. If another goroutine changes the key after fn
// was called, Compute discards fn's result and calls fn again with the new
// value, so fn may run more than once per call; give it no side effects.
// A key whose value LoadOrCompute is computing counts as absent. If fn
// panics, the key is unchanged and the panic reaches the caller.
func (m *SyncMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	if fn == nil {
		nilFunc("Compute")
	}
	s := m.loadState()
	for {
		cur, _ := s.m.Load(key)
		var old V
		p, loaded := cur.(*V)
		if loaded {
			old = *p
		}
		v, op := fn(old, loaded)
		mustBeValid(op)
		switch {
		case op == CancelOp:
			return old, loaded
		case op == DeleteOp && !loaded:
			return value, false
		case op == DeleteOp:
			if s.m.CompareAndDelete(key, cur) {
				s.count(-1)
				return value, false
			}
		case cur == nil: // absent: insert
			if _, found := s.m.LoadOrStore(key, &v); !found {
				s.count(1)
				return v, true
			}
		default: // a value or a marker: replace it
			if s.m.CompareAndSwap(key, cur, &v) {
				if !loaded {
					s.count(1)
				}
				return v, true
			}
		}
	}
}

// Range calls yield for each key and value in the map until yield returns
// false. Like [sync.Map.Range], it takes no lock and makes no copy: yield may
// call any method of m, no key is visited twice, and an entry stored or
// deleted during the call may or may not be visited.
func (m *SyncMap[K, V]) Range(yield func(key K, value V) bool) {
	s := m.state.Load()
	if s == nil {
		return
	}
	s.m.Range(func(k, v any) bool {
		p, isValue := v.(*V)
		if !isValue {
			return true
		}
		key, _ := k.(K) // fails only for a nil interface key, leaving key nil
		return yield(key, *p)
	})
}

// All returns an iterator over the map's entries with the guarantees of Range.
func (m *SyncMap[K, V]) All() iter.Seq2[K, V] {
	return m.Range
}

// Len returns the number of entries. It sums a few counters per core.
func (m *SyncMap[K, V]) Len() int {
	s := m.state.Load()
	if s == nil {
		return 0
	}
	// While writes are in flight a delete may be counted before the insert
	// it undid.
	return int(max(s.n.load(), 0))
}

// Clear removes all entries at once. A write that overlaps Clear takes
// effect either before it, and is removed, or after it.
func (m *SyncMap[K, V]) Clear() {
	if m.state.Load() != nil {
		m.state.Store(newSyncState[K, V]())
	}
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *SyncMap[K, V]) MarshalJSON() ([]byte, error) {
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes into a new map[K]V: a repeated key keeps
// its last value, and invalid UTF-8 in a string becomes U+FFFD. JSON null
// empties the map. Anything else that is not such an object, a key or value
// of the wrong type or out of range, or nesting deeper than encoding/json
// allows makes it return the decoder's error and leave the map unchanged.
// The new entries replace the old ones at once, as in Clear.
func (m *SyncMap[K, V]) UnmarshalJSON(data []byte) error {
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	s := newSyncState[K, V]()
	for k, v := range decoded {
		s.m.Store(k, &v)
	}
	s.count(int64(len(decoded)))
	m.state.Store(s)
	return nil
}

// compute calls valueFn for a key that marker holds and publishes the
// result. If valueFn panics, it deletes the marker, so the key is absent
// again, before the panic goes on to the caller.
func (s *syncState[K, V]) compute(key K, marker *computing, valueFn func() V) (V, bool) {
	defer marker.done.Done()
	computed := false
	defer func() {
		if !computed {
			s.m.CompareAndDelete(key, marker)
		}
	}()
	v := valueFn()
	computed = true
	if s.m.CompareAndSwap(key, marker, &v) {
		s.count(1)
		return v, false
	}
	return s.publish(key, &v) // another method replaced the marker
}

// computeNaN stores valueFn's result for a NaN key. No lookup finds a NaN,
// so no other goroutine can wait for it, and a marker could never be
// replaced or removed.
func (s *syncState[K, V]) computeNaN(key K, valueFn func() V) (V, bool) {
	v := valueFn()
	s.m.Store(key, &v)
	s.count(1)
	return v, false
}

// publish stores p for key unless the key holds a value, which it returns.
// It replaces a marker: until LoadOrCompute's valueFn returns, the key is
// absent.
func (s *syncState[K, V]) publish(key K, p *V) (V, bool) {
	for {
		cur, loaded := s.m.LoadOrStore(key, p)
		if !loaded {
			s.count(1)
			return *p, false
		}
		if q, isValue := cur.(*V); isValue {
			return *q, true
		}
		if s.m.CompareAndSwap(key, cur, p) {
			s.count(1)
			return *p, false
		}
	}
}
