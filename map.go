package safemap

import (
	"iter"
	"strconv"

	"golang.org/x/exp/constraints"
)

// Map is a map from keys of type K to values of type V that is safe for
// concurrent use by multiple goroutines. Its methods have the names, results
// and semantics of the methods of [sync.Map] that share their names.
//
// Every implementation keeps this contract:
//
//   - Each single-key operation is linearizable: it appears to take effect at
//     one instant between its call and its return. LoadOrStore, LoadOrCompute,
//     LoadOrTryCompute, Swap and Compute read and write their key atomically,
//     so concurrent callers never lose an update.
//   - Range and All visit no key more than once, and visit every key that is
//     present and unchanged for the whole call.
//   - A function passed to a method runs under the rules of the next section.
//     If it panics, the panic reaches the caller, the key it was called for
//     is unchanged, and the map stays usable.
//   - A key whose dynamic type is not comparable makes the method panic as a
//     built-in map would, and the map stays usable. NaN keys behave as in a
//     built-in map: each store adds an entry that no lookup finds.
//   - Len is exact whenever no operation is in flight.
//
// In the terms of the Go memory model, a call that writes a key (Store,
// Swap, LoadOrStore, LoadOrCompute or LoadOrTryCompute when it stores,
// Compute when it updates or deletes, LoadAndDelete, Delete, Clear)
// synchronizes before every call that observes its effect: one that
// returns the value it wrote, a Range that visits it, or one that finds the
// key absent because of it. So a goroutine that loads a value also sees
// everything the goroutine that stored it wrote before the store.
//
// # Callbacks
//
// What a function passed to a method may do is the same on every map:
//
//   - Range's yield, and the body of a for loop over All, runs with no lock
//     held. It may call any method of the map.
//   - The valueFn of LoadOrCompute and LoadOrTryCompute runs with no lock
//     held. It may call any method of the map for other keys, LoadOrCompute
//     included, so values can be computed from other computed values.
//     Only goroutines that ask LoadOrCompute or LoadOrTryCompute for the same
//     key wait for it. A valueFn that asks for its own key that way, directly
//     or through the valueFns of the keys it asks for, would wait for itself:
//     in a binary built with -race, that call panics when the cycle lies
//     within one map; otherwise, and for a cycle through two maps, it
//     deadlocks.
//   - Compute's fn, and so [Add], [CompareAndSwap] and [CompareAndDelete],
//     runs while the key is locked, so that reading and writing the key is
//     one step. It must not call methods of the map: in a binary built with
//     -race, such a call panics; otherwise it may deadlock. [SyncMap] holds
//     no lock while fn runs, and may call it more than once; without -race
//     a call of its map from fn runs, with -race it panics like the others.
//
// While valueFn runs, its key is absent to every other method: Load, Range
// and Len do not see it, Delete finds nothing to delete, and Clear neither
// waits for it nor cancels it. A value stored for the key meanwhile, by
// Store, Swap, LoadOrStore or Compute, wins: LoadOrCompute returns it, with
// loaded true, and discards valueFn's result.
type Map[K comparable, V any] interface {
	// Load returns the value stored for key, or the zero value if there is none.
	// The ok result reports whether the key was present.
	Load(key K) (value V, ok bool)

	// Store sets the value for key.
	Store(key K, value V)

	// LoadOrStore returns the existing value for key if present.
	// Otherwise it stores and returns value.
	// The loaded result is true if the value was loaded, false if stored.
	LoadOrStore(key K, value V) (actual V, loaded bool)

	// LoadOrCompute returns the existing value for key if present.
	// Otherwise it calls valueFn, stores its result and returns it.
	// The loaded result is true if the value was loaded, false if computed.
	// Goroutines that race for the same absent key wait for a single call of
	// valueFn and all return the value stored: valueFn's result, or a value
	// another method stored while valueFn ran. If valueFn panics, the key
	// stays absent, the panic reaches the caller, and one of the waiting
	// goroutines calls its own valueFn. See the section on callbacks for
	// what valueFn may call. LoadOrCompute panics if valueFn is nil.
	LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool)

	// LoadOrTryCompute is LoadOrCompute for a valueFn that can fail. If
	// valueFn returns an error, nothing is stored, LoadOrTryCompute returns
	// the zero value, false and the error, and one of the goroutines waiting
	// for the key, if any, calls its own valueFn. LoadOrTryCompute panics if
	// valueFn is nil.
	LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error)

	// LoadAndDelete deletes the value for key, returning the previous value if any.
	// The loaded result reports whether the key was present.
	LoadAndDelete(key K) (value V, loaded bool)

	// Delete deletes the value for key. If the key is absent, Delete does nothing.
	Delete(key K)

	// Swap stores value for key and returns the previous value if any.
	// The loaded result reports whether the key was present.
	Swap(key K, value V) (previous V, loaded bool)

	// Compute atomically reads and updates the value for key. It calls fn
	// with the current value (the zero value if absent) and whether the key
	// is present; fn's op result decides what happens: [CancelOp] leaves the
	// map unchanged, [UpdateOp] stores newValue, [DeleteOp] removes the key.
	// Compute returns the key's value after the call and whether the key is
	// present after the call. fn must not call methods of the same map (see
	// the section on callbacks). Compute panics if fn is nil or returns an
	// op that is not one of the three.
	Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool)

	// Range calls yield for each key and value in the map until yield returns
	// false. It visits no key more than once and does not correspond to a
	// consistent snapshot when other goroutines write concurrently. yield may
	// call any method of the map.
	Range(yield func(key K, value V) bool)

	// All returns an iterator over the map's entries with the guarantees of Range.
	All() iter.Seq2[K, V]

	// Len returns the number of entries. It is exact when no other operation
	// is in flight.
	Len() int

	// Clear removes all entries.
	Clear()
}

// ComputeOp tells [Map.Compute] what to do with the value its function returns.
type ComputeOp int

const (
	// CancelOp leaves the map unchanged. It is the zero value, so a function
	// that forgets to set an op changes nothing.
	CancelOp ComputeOp = iota
	// UpdateOp stores the returned value.
	UpdateOp
	// DeleteOp removes the key.
	DeleteOp
)

func (op ComputeOp) String() string {
	switch op {
	case CancelOp:
		return "CancelOp"
	case UpdateOp:
		return "UpdateOp"
	case DeleteOp:
		return "DeleteOp"
	}
	return "ComputeOp(" + strconv.Itoa(int(op)) + ")"
}

// mustBeValid panics if op is not one of the three ComputeOps.
func mustBeValid(op ComputeOp) {
	if op < CancelOp || op > DeleteOp {
		panic("safemap: Compute function returned invalid " + op.String())
	}
}

// Number is the set of types [Add] can sum.
type Number interface {
	constraints.Integer | constraints.Float
}

// CompareAndSwap stores new for key if the key is present and its value
// equals old, and reports whether it did. Like [sync.Map.CompareAndSwap], it
// returns false for an absent key and panics if the values are interfaces
// holding incomparable dynamic types.
func CompareAndSwap[K, V comparable](m Map[K, V], key K, old, new V) (swapped bool) {
	m.Compute(key, func(cur V, loaded bool) (V, ComputeOp) {
		swapped = loaded && cur == old
		if swapped {
			return new, UpdateOp
		}
		return cur, CancelOp
	})
	return swapped
}

// CompareAndDelete deletes key if it is present and its value equals old, and
// reports whether it did. Like [sync.Map.CompareAndDelete], it returns false
// for an absent key.
func CompareAndDelete[K, V comparable](m Map[K, V], key K, old V) (deleted bool) {
	m.Compute(key, func(cur V, loaded bool) (V, ComputeOp) {
		deleted = loaded && cur == old
		if deleted {
			return cur, DeleteOp
		}
		return cur, CancelOp
	})
	return deleted
}

// Add atomically adds delta to the value for key, treating an absent key as
// zero, and returns the new sum.
func Add[K comparable, N Number](m Map[K, N], key K, delta N) (sum N) {
	sum, _ = m.Compute(key, func(old N, _ bool) (N, ComputeOp) {
		return old + delta, UpdateOp
	})
	return sum
}
