package safemap

import (
	"encoding/json"
	"hash/maphash"
	"iter"
	"maps"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"unsafe"

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
//     in a binary built with -race, that call panics; otherwise it deadlocks.
//   - Compute's fn, and so [Add], [CompareAndSwap] and [CompareAndDelete],
//     runs while the key is locked, so that reading and writing the key is
//     one step. It must not call methods of the map: in a binary built with
//     -race, such a call panics; otherwise it may deadlock. [SyncMap] is the
//     exception: it takes no lock, and may call fn more than once.
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

// An Option configures a map created by one of the New functions.
type Option func(*options)

type options struct {
	capacity int
	shards   int
	noShrink bool
}

// maxCapacity bounds WithCapacity: presizing is a hint, and a mistaken huge
// hint should cost tens of megabytes at most, not an out-of-memory crash.
const maxCapacity = 1 << 20

// maxShards bounds WithShards. Beyond it Range, Len and Clear pay for empty
// shards while contention no longer falls.
const maxShards = 1 << 16

// WithCapacity presizes the map for about n entries, so that filling it to
// n does not grow it. It allocates at once what n entries need of the map's
// own structure, never more: for int keys and values, about 36 bytes per
// entry in [MutexMap], [RWMap] and [ShardedMap] (a built-in map's slots) and
// 16 in [BucketMap] (its buckets; each entry is allocated when stored). A
// value of n at or below zero means no presizing; a value above 1,048,576 is
// treated as that number. [SyncMap] cannot be presized and ignores it. Clear
// releases the memory of the other maps, presizing included, except
// BucketMap's, which returns to the size asked for: each of its Clears
// allocates that table again.
func WithCapacity(n int) Option {
	return func(o *options) { o.capacity = min(max(n, 0), maxCapacity) }
}

// WithShards sets the number of shards of a [ShardedMap], rounded up to a
// power of two. A value at or below zero selects the default; a value above
// 65,536 is treated as that number. Other maps ignore it.
func WithShards(n int) Option {
	return func(o *options) { o.shards = min(max(n, 0), maxShards) }
}

// WithoutShrinking keeps a [BucketMap]'s table at its largest size after
// entries are deleted, trading memory for never paying to shrink and grow
// again. Other maps ignore it: their storage follows Go's built-in maps,
// which do not shrink either.
func WithoutShrinking() Option {
	return func(o *options) { o.noShrink = true }
}

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// noCopy makes go vet's copylocks check report a map copied after first use.
// It is a blank field, not embedded, so Lock and Unlock are not exported.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// marshalJSON encodes a map's entries as encoding/json encodes a built-in
// map. It works on a copy, so no lock is held while values' MarshalJSON
// methods run.
func marshalJSON[K comparable, V any](all iter.Seq2[K, V]) ([]byte, error) {
	return json.Marshal(maps.Collect(all))
}

// decodeJSON decodes data as encoding/json decodes into a new built-in map.
// A nil map with a nil error means the document was null.
func decodeJSON[K comparable, V any](data []byte) (map[K]V, error) {
	var decoded map[K]V
	if err := json.Unmarshal(data, &decoded); err != nil {
		return nil, err
	}
	return decoded, nil
}

func mustBeValid(op ComputeOp) {
	if op < CancelOp || op > DeleteOp {
		panic("safemap: Compute function returned invalid " + op.String())
	}
}

func nilFunc(method string) {
	panic("safemap: " + method + " called with a nil function")
}

// mustBeHashable panics, as a built-in map does, if key's dynamic type is
// not hashable. Paths that answer without hashing call it, so that such a
// key panics on an empty map too.
func mustBeHashable[K comparable](key K) {
	var probe map[K]struct{}
	_ = probe[key]
}

// plainMap is a built-in map with one method per Map operation. It takes no
// lock: its owner holds the lock that guards it. The zero plainMap is empty,
// and the built-in map is allocated on first store.
type plainMap[K comparable, V any] struct {
	m map[K]V
}

func (p *plainMap[K, V]) load(key K) (V, bool) {
	v, ok := p.m[key]
	return v, ok
}

func (p *plainMap[K, V]) store(key K, value V) {
	if p.m == nil {
		p.m = make(map[K]V)
	}
	p.m[key] = value
}

func (p *plainMap[K, V]) loadOrStore(key K, value V) (V, bool) {
	if v, ok := p.m[key]; ok {
		return v, true
	}
	p.store(key, value)
	return value, false
}

func (p *plainMap[K, V]) loadAndDelete(key K) (V, bool) {
	v, ok := p.m[key]
	if ok {
		delete(p.m, key)
	}
	return v, ok
}

func (p *plainMap[K, V]) swap(key K, value V) (V, bool) {
	v, ok := p.m[key]
	p.store(key, value)
	return v, ok
}

func (p *plainMap[K, V]) compute(g *computeGuard, key K, fn func(V, bool) (V, ComputeOp)) (V, bool) {
	old, loaded := p.m[key]
	v, op := callCompute(g, fn, old, loaded)
	mustBeValid(op)
	switch op {
	case UpdateOp:
		p.store(key, v)
		return v, true
	case DeleteOp:
		delete(p.m, key)
		var zero V
		return zero, false
	}
	return old, loaded
}

// appendTo appends the map's entries to buf, so that Range can call its
// callback after the lock is released.
func (p *plainMap[K, V]) appendTo(buf []entry[K, V]) []entry[K, V] {
	buf = slices.Grow(buf, len(p.m))
	for k, v := range p.m {
		buf = append(buf, entry[K, V]{k, v})
	}
	return buf
}

type entry[K comparable, V any] struct {
	key   K
	value V
}

// yieldAll calls yield for each entry until yield returns false, and reports
// whether it ran to the end.
func yieldAll[K comparable, V any](entries []entry[K, V], yield func(K, V) bool) bool {
	for _, e := range entries {
		if !yield(e.key, e.value) {
			return false
		}
	}
	return true
}

// hashSeed seeds a map's hash. It is drawn at random for each map, so that
// keys chosen to collide in one map's buckets spread in another's.
type hashSeed struct {
	seed   maphash.Seed
	s0, s1 uint64
	word64 bool // keys are 8-byte words that are equal exactly when their bits are
}

func newHashSeed[K comparable]() hashSeed {
	s := maphash.MakeSeed()
	return hashSeed{
		seed:   s,
		s0:     maphash.Comparable(s, uint64(1)),
		s1:     maphash.Comparable(s, uint64(2)),
		word64: isWord64(reflect.TypeFor[K]()),
	}
}

// isWord64 reports whether values of t are 8 bytes that are equal exactly
// when their bits are: integers, including named ones such as a request id,
// and pointers and channels, which compare by address.
func isWord64(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr,
		reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return t.Size() == 8
	}
	return false
}

// hashOf hashes key with the map's seed. 8-byte words take a fast path (two
// rounds of multiply-and-fold keyed by the seed); every other key goes
// through maphash.Comparable, which panics on an unhashable dynamic type
// exactly as a built-in map does, and hashes NaNs at random, as a built-in
// map does.
func hashOf[K comparable](s *hashSeed, key K) uint64 {
	if h, ok := wordHash(s, key); ok {
		return h
	}
	return maphash.Comparable(s.seed, key)
}

// wordHash is hashOf's fast path: it returns the hash of key and true if
// keys are 8-byte words. It inlines, where hashOf, which makes a call, does
// not, so the hottest paths write hashOf out around it.
func wordHash[K comparable](s *hashSeed, key K) (uint64, bool) {
	if !s.word64 {
		return 0, false
	}
	return s.hashUint64(*(*uint64)(unsafe.Pointer(&key))), true
}

func (s *hashSeed) hashUint64(x uint64) uint64 {
	return fold(fold(x^s.s0, 0xa0761d6478bd642f^s.s1), 0xe7037ed1a0b428db^x)
}

func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
