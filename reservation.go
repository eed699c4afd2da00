package safemap

import "sync"

// A reservation stands for an absent key whose value LoadOrCompute or
// LoadOrTryCompute is computing, so that other goroutines that ask for the
// same key wait for that one computation instead of starting their own.
type reservation struct {
	wg       sync.WaitGroup // done when the computation ends, however it ends
	owner    uint64         // the computing goroutine; known only with -race
	released bool           // guarded by the map's reservations.mu
}

// reservations holds the keys of one map whose values are being computed.
// They live apart from the map's entries and locks, so that valueFn runs
// with no lock held: it may call the map, and no writer, resize or Clear
// waits for it. To every method but LoadOrCompute and LoadOrTryCompute a
// key being computed is simply absent.
//
// One mutex serves the whole map. It is taken only when LoadOrCompute
// misses, which also runs valueFn, and is held for a map lookup.
type reservations[K comparable] struct {
	// graph comes first: a zero-size last field would be padded.
	graph   waitGraph // with -race: who waits for whom, to catch a cycle
	mu      sync.Mutex
	pending map[K]*reservation
}

// loadOrCompute is LoadOrCompute after its caller found key absent.
func loadOrCompute[K comparable, V any](m Map[K, V], rs *reservations[K], key K, valueFn func() V) (V, bool) {
	v, loaded, _ := computeAbsent(m, rs, "LoadOrCompute", key, func() (V, error) { return valueFn(), nil })
	return v, loaded
}

// computeAbsent is LoadOrTryCompute after its caller found key absent.
// method names the caller in panics.
func computeAbsent[K comparable, V any](m Map[K, V], rs *reservations[K], method string, key K, valueFn func() (V, error)) (V, bool, error) {
	if key != key {
		// A NaN: no lookup finds it, so no other goroutine can ask for it,
		// and a reservation for it could never be found to be removed.
		v, err := valueFn()
		if err != nil {
			var zero V
			return zero, false, err
		}
		m.Store(key, v)
		return v, false, nil
	}
	for {
		if r, reserved := rs.reserveOrWait(method, key); reserved {
			return fill(m, rs, key, r, valueFn)
		}
		// The computation we waited for ended: it stored a value, or it
		// failed, and then one of its waiters computes.
		if v, ok := m.Load(key); ok {
			return v, true, nil
		}
	}
}

// reserveOrWait reserves key and returns its reservation and true, or, if
// another computation of key is under way, waits for it to end and returns
// false.
func (rs *reservations[K]) reserveOrWait(method string, key K) (*reservation, bool) {
	rs.mu.Lock()
	if r := rs.pending[key]; r != nil {
		rs.graph.wait(&rs.mu, method, r) // unlocks rs.mu
		return nil, false
	}
	r := &reservation{owner: goroutineID()}
	r.wg.Add(1)
	if rs.pending == nil {
		rs.pending = make(map[K]*reservation)
	}
	rs.pending[key] = r
	rs.mu.Unlock()
	return r, true
}

// fill computes the value of key, which r reserves, and stores it unless
// another method stored a value for key first, which it then returns. It
// releases r however it ends, so that if valueFn fails or panics, the key
// stays absent and a waiting goroutine computes instead.
func fill[K comparable, V any](m Map[K, V], rs *reservations[K], key K, r *reservation, valueFn func() (V, error)) (value V, loaded bool, err error) {
	defer rs.release(key, r)
	if v, ok := m.Load(key); ok {
		return v, true, nil // a computation stored it after the caller looked
	}
	if value, err = valueFn(); err != nil {
		var zero V
		return zero, false, err
	}
	value, loaded = m.LoadOrStore(key, value)
	return value, loaded, nil
}

func (rs *reservations[K]) release(key K, r *reservation) {
	rs.mu.Lock()
	delete(rs.pending, key)
	r.released = true
	rs.mu.Unlock()
	r.wg.Done()
}

// len returns the number of keys whose values are being computed.
func (rs *reservations[K]) len() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.pending)
}
