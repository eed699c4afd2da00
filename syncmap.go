package safemap

import (
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"
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
// Range takes no lock and makes no copy.
//
// The zero SyncMap is empty and ready for use. A SyncMap must not be copied
// after first use.
type SyncMap[K comparable, V any] struct {
	_     noCopy
	guard computeGuard
	state atomic.Pointer[syncState[K, V]]
	res   reservations[K]
	_     [syncMapPad]byte
}

// syncMapPad fills a SyncMap to a cache line. Its reads write nothing, so a
// neighbouring object written by another goroutine on the same line would be
// their only cost: on 2 cores, a map of 32 bytes made 100% Loads run 45%
// slower for about half the maps made, depending on where each landed
// (BenchmarkMap/impl=sync/key=int/keys=1000/dist=uniform/reads=100).
const syncMapPad = (cacheLineSize - (unsafe.Sizeof(computeGuard{})+unsafe.Sizeof(atomic.Pointer[int]{})+unsafe.Sizeof(reservations[int]{}))%cacheLineSize) % cacheLineSize

// syncState holds a SyncMap's entries; Clear replaces it whole.
//
// Each value in m is a *V, never changed once stored. n counts them. Every
// change to m is made by a sync.Map call whose result tells what it
// replaced, so n is exact once no call is in flight.
type syncState[K comparable, V any] struct {
	m sync.Map
	n counter
}

// count adds delta to n. The stripe is picked at random: no hash of the key
// is at hand, and sync.Map's own work dwarfs the cost of a random number.
func (s *syncState[K, V]) count(delta int64) {
	s.n.add(uint64(rand.Uint32()), delta)
}

// NewSyncMap returns an empty SyncMap. It ignores all options: a sync.Map
// cannot be presized. Like the zero SyncMap, it holds nothing until the
// first write.
func NewSyncMap[K comparable, V any](opts ...Option) *SyncMap[K, V] {
	return new(SyncMap[K, V])
}

// loadState returns the map's entries, creating them on first use.
// Methods that only read call m.state.Load instead and treat nil as empty.
func (m *SyncMap[K, V]) loadState() *syncState[K, V] {
	if s := m.state.Load(); s != nil {
		return s
	}
	m.state.CompareAndSwap(nil, new(syncState[K, V]))
	return m.state.Load()
}

// Load returns the value stored for key; see [Map.Load].
func (m *SyncMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	if s := m.state.Load(); s != nil {
		if p, ok := s.m.Load(key); ok {
			return *p.(*V), true
		}
		return value, false
	}
	mustBeHashable(key)
	return value, false
}

// Store sets the value for key; see [Map.Store].
func (m *SyncMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	m.Swap(key, value)
}

// LoadOrStore returns the value for key if present, and otherwise stores
// value; see [Map.LoadOrStore].
func (m *SyncMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	m.guard.check("LoadOrStore")
	if v, ok := m.Load(key); ok {
		return v, true
	}
	// A copy, so that only this path allocates: &value would move value
	// to the heap on every call, hits included.
	stored := value
	s := m.loadState()
	if p, loaded := s.m.LoadOrStore(key, &stored); loaded {
		return *p.(*V), true
	}
	s.count(1)
	return value, false
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn, with no lock held, and stores its result; see
// [Map.LoadOrCompute].
func (m *SyncMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
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
func (m *SyncMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
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
func (m *SyncMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	s := m.state.Load()
	if s == nil {
		mustBeHashable(key)
		return value, false
	}
	if p, loaded := s.m.LoadAndDelete(key); loaded {
		s.count(-1)
		return *p.(*V), true
	}
	return value, false
}

// Delete deletes the value for key; see [Map.Delete].
func (m *SyncMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	m.LoadAndDelete(key)
}

// Swap stores value for key and returns the previous value; see [Map.Swap].
func (m *SyncMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.guard.check("Swap")
	s := m.loadState()
	if p, loaded := s.m.Swap(key, &value); loaded {
		return *p.(*V), true
	}
	s.count(1)
	return previous, false
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs with no lock held. If another goroutine changes the key after fn
// was called, Compute discards fn's result and calls fn again with the new
// value, so fn may run more than once per call; give it no side effects.
func (m *SyncMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	m.guard.check("Compute")
	if fn == nil {
		nilFunc("Compute")
	}
	s := m.loadState()
	for {
		cur, loaded := s.m.Load(key)
		var old V
		if loaded {
			old = *cur.(*V)
		}
		v, op := callCompute(&m.guard, fn, old, loaded)
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
		case !loaded:
			if _, found := s.m.LoadOrStore(key, &v); !found {
				s.count(1)
				return v, true
			}
		default:
			if s.m.CompareAndSwap(key, cur, &v) {
				return v, true
			}
		}
	}
}

// Range calls yield for each entry until yield returns false; see
// [Map.Range]. Like [sync.Map.Range], it takes no lock and makes no copy: an
// entry stored or deleted during the call may or may not be visited.
func (m *SyncMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	s := m.state.Load()
	if s == nil {
		return
	}
	s.m.Range(func(k, v any) bool {
		key, _ := k.(K) // fails only for a nil interface key, leaving key nil
		return yield(key, *v.(*V))
	})
}

// All returns an iterator over the map's entries; see [Map.All].
func (m *SyncMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries; see [Map.Len]. It sums the entry
// counter's stripes.
func (m *SyncMap[K, V]) Len() int {
	m.guard.check("Len")
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
	m.guard.check("Clear")
	if m.state.Load() != nil {
		m.state.Store(new(syncState[K, V]))
	}
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *SyncMap[K, V]) MarshalJSON() ([]byte, error) {
	m.guard.check("MarshalJSON")
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes a built-in map[K]V (see the package
// documentation); a document that does not decode changes nothing. The new
// entries replace the old ones at once, as in Clear.
func (m *SyncMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	s := new(syncState[K, V])
	for k, v := range decoded {
		s.m.Store(k, &v)
	}
	s.count(int64(len(decoded)))
	m.state.Store(s)
	return nil
}
