package safemap

import (
	"hash/maphash"
	"iter"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// BucketMap is a [Map] built for speed: a hash table of cache-line-sized
// buckets in which Load takes no lock, writes no shared memory and allocates
// nothing for integer and string keys, while a writer locks only its key's
// bucket chain.
//
// It is the fastest map here for most workloads: reads scale with cores as in
// [SyncMap], and writers of different buckets rarely wait for each other, as
// in [ShardedMap] with one shard per handful of keys. It pays for that with an
// allocation for every value written (entries are immutable, so that readers
// need no lock) and with a little more memory than a built-in map: 42 bytes
// per int-to-int entry against 38, at a million entries.
//
// The table doubles when it holds more than three entries per four slots,
// and halves when it holds fewer than one entry per sixteen slots (never
// below the size asked for by [WithCapacity]; [WithoutShrinking] turns
// halving off). Writers that meet a resize help move the buckets; Load
// never waits for one.
//
// Compute calls fn once, with the key's bucket chain locked. A table has at
// most 1,024 locks, which larger tables share among their buckets, so while
// fn runs the writers of keys whose buckets share that lock wait, and so
// does a resize or Clear, and with it any writer that meets one; keep fn
// short. Range copies one bucket at a time under its lock and calls yield
// after releasing it, so it allocates one small buffer per call and waits
// for writers of the bucket it copies. Len reads the entry counter, which is
// one word until writers update it at the same instant.
//
// # Design
//
// BucketMap puts together published designs. Its buckets are a cache line
// each, with a lock per bucket for writers and lock-free reads, as in CLHT
// (David, Guerraoui and Trigonakis, "Asynchronized Concurrency: The Secret
// to Scaling Concurrent Search Data Structures", ASPLOS 2015). Each bucket
// keeps a one-byte fingerprint of every key's hash in one word, which a
// lookup compares eight bytes at a time before it reads any key, as
// SwissTable does (Abseil's flat_hash_map, and Go's own maps since 1.24).
// xsync's Map (github.com/puzpuzpuz/xsync) combines those two ideas, and
// is the peer BucketMap is measured against. A resize moves the buckets a
// chunk at a time, claimed by whichever writers come along, while readers
// follow moved buckets to the new table, as in Java's ConcurrentHashMap.
//
// The zero BucketMap is empty and ready for use. A BucketMap must not be
// copied after first use.
type BucketMap[K comparable, V any] struct {
	_      noCopy
	guard  computeGuard
	table  atomic.Pointer[bucketTable[K, V]] // nil until the first write
	mu     sync.Mutex                        // serialises the start of every table replacement
	shared bucketShared
	res    reservations[K]
}

// A bucketTable is a power-of-two array of buckets. Once a migration to a
// new table starts, each bucket is moved under its lock and marked moved;
// from then on its keys live in the new table, and the old bucket is frozen.
type bucketTable[K comparable, V any] struct {
	buckets   []bucket[K, V]
	mask      uint64
	locks     []paddedMutex // bucket i's chain is guarded by locks[i&lockMask]
	lockMask  uint64
	seed      hashSeed
	shared    *bucketShared
	migration atomic.Pointer[migration[K, V]] // nil, or &mg once a migration starts
	mg        migration[K, V]
}

// bucketShared is what every table of one map shares.
type bucketShared struct {
	count      counter // entries; striped by key hash once writers collide
	minBuckets int     // the table never shrinks below this; 0 means 1
	noShrink   bool
}

// A migration moves a table's buckets to another table, a chunk of buckets
// at a time, claimed by whichever writers come along. When drop is set (Clear
// and UnmarshalJSON), the entries are counted and discarded instead. A table
// migrates at most once, so its migration is a field of the table, and
// starting one allocates nothing but the new table.
type migration[K comparable, V any] struct {
	to      *bucketTable[K, V]
	drop    bool
	claimed atomic.Int64
	moved   atomic.Int64
	ended   atomic.Bool
	done    sync.WaitGroup // done when the migration has ended
}

// finished reports whether the migration has made its table current.
func (mg *migration[K, V]) finished() bool {
	return mg.ended.Load()
}

// clearing reports whether the migration drops the entries and has not yet
// ended. Until it ends, readers keep reading the old table's frozen buckets,
// which still hold the map as it was before the Clear.
func (mg *migration[K, V]) clearing() bool {
	return mg.drop && !mg.finished()
}

// A bucket holds up to slotsPerBucket entries and links to overflow buckets.
// Its lock lives in the table's lock array, which leaves room in the bucket's
// cache line for a sixth slot.
// meta holds one byte per slot: 0 for an empty slot, or the entry's hash
// fingerprint, which always has its top bit set. Its top byte holds movedBit.
//
// Writers keep meta a superset of the slots: they set a slot's byte before
// publishing its entry and clear it after removing the entry. A reader loads
// meta once, then only the slots whose byte matches, and checks each entry's
// key. A key never moves between slots while present, so a reader that sees
// no match saw the key absent at some instant during its call.
type bucket[K comparable, V any] struct {
	_     [0]atomic.Uint64 // aligns meta to 8 bytes where uint64 aligns to 4 (386, arm)
	meta  uint64           // accessed only through loadMeta and storeMeta
	slots [slotsPerBucket]atomic.Pointer[bucketEntry[K, V]]
	_     [bucketPad]byte // before next: a zero-size last field would add padding
	next  atomic.Pointer[bucket[K, V]]
}

// loadMeta and storeMeta access meta atomically. They call the functions of
// sync/atomic rather than the methods of atomic.Uint64, because the compiler
// inlines such methods into a generic function only in packages that import
// sync/atomic themselves, and most callers of a map do not.
func (b *bucket[K, V]) loadMeta() uint64 { return atomic.LoadUint64(&b.meta) }

func (b *bucket[K, V]) storeMeta(meta uint64) { atomic.StoreUint64(&b.meta, meta) }

// bucketEntry is immutable once published: a store makes a new one.
type bucketEntry[K comparable, V any] struct {
	key   K
	value V
	hash  uint64 // placed by this hash in every table: a NaN key's stays fixed
}

type paddedMutex struct {
	sync.Mutex
	_ [cacheLineSize - unsafe.Sizeof(sync.Mutex{})]byte
}

const (
	// slotsPerBucket fills a 64-byte line on 64-bit platforms with the meta
	// word and the overflow pointer.
	slotsPerBucket = 6

	// maxLocks bounds a table's lock array. Outside a resize, two writers
	// wait for each other only when their buckets share a lock; with 1,024
	// locks that is one pair in a thousand. Each lock has a cache line of
	// its own, so that writers of neighbouring buckets do not contend for
	// one line: at most 64 KiB, for a table that holds thousands of
	// entries.
	maxLocks = 1024

	// Growth and shrinking thresholds, as entries per 16 slots. Three
	// quarters full keeps overflow chains short with 6-slot buckets. A table
	// halved at a sixteenth is an eighth full, far below the load at which it
	// would grow again, so a map does not oscillate between two sizes.
	growLoad16   = 12
	shrinkLoad16 = 1

	// migrationChunk buckets are moved per claim: enough to amortise the
	// claim, few enough that several writers share a migration.
	migrationChunk = 64

	movedBit     = 1 << 63
	metaSlotMask = 1<<(8*slotsPerBucket) - 1
	slotTopBits  = 0x8080808080808080 & metaSlotMask
	lowBytes     = 0x0101010101010101
)

const bucketPad = (cacheLineSize - unsafe.Sizeof(struct {
	atomic.Uint64
	a [slotsPerBucket + 1]unsafe.Pointer
}{})%cacheLineSize) % cacheLineSize

// NewBucketMap returns an empty BucketMap. It honours [WithCapacity], which
// also sets the size below which the table does not shrink, and
// [WithoutShrinking]. Without WithCapacity, the table is made by the first
// write, so an empty map costs only its own few words.
func NewBucketMap[K comparable, V any](opts ...Option) *BucketMap[K, V] {
	o := buildOptions(opts)
	m := &BucketMap[K, V]{shared: bucketShared{noShrink: o.noShrink}}
	if o.capacity > 0 {
		m.shared.minBuckets = bucketsFor(o.capacity)
		m.table.Store(newBucketTable[K, V](m.shared.minBuckets, &m.shared, newHashSeed[K]()))
	}
	return m
}

// bucketsFor returns the power-of-two number of buckets that holds n entries
// below the growth threshold.
func bucketsFor(n int) int {
	need := (n*16/growLoad16 + slotsPerBucket - 1) / slotsPerBucket
	return 1 << bits.Len(uint(max(need, 1)-1))
}

func newBucketTable[K comparable, V any](n int, shared *bucketShared, seed hashSeed) *bucketTable[K, V] {
	if n == 1 {
		// Every map starts with one bucket, and Clear puts one back: one
		// allocation holds it all.
		one := new(struct {
			t bucketTable[K, V]
			b [1]bucket[K, V]
			l [1]paddedMutex
		})
		one.t = bucketTable[K, V]{buckets: one.b[:], locks: one.l[:], seed: seed, shared: shared}
		return &one.t
	}
	locks := min(n, maxLocks)
	return &bucketTable[K, V]{
		buckets:  make([]bucket[K, V], n),
		mask:     uint64(n - 1),
		locks:    make([]paddedMutex, locks),
		lockMask: uint64(locks - 1),
		seed:     seed,
		shared:   shared,
	}
}

// lockOf returns the lock that guards bucket i's chain.
func (t *bucketTable[K, V]) lockOf(i uint64) *sync.Mutex {
	return &t.locks[i&t.lockMask].Mutex
}

// loadTable returns the current table, creating it on first use.
func (m *BucketMap[K, V]) loadTable() *bucketTable[K, V] {
	if t := m.table.Load(); t != nil {
		return t
	}
	return m.initTable()
}

//go:noinline
func (m *BucketMap[K, V]) initTable() *bucketTable[K, V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.table.Load(); t != nil {
		return t
	}
	t := newBucketTable[K, V](m.shared.initialBuckets(), &m.shared, newHashSeed[K]())
	m.table.Store(t)
	return t
}

// initialBuckets is the size of a new map's table, and of the table Clear
// puts in place.
func (sh *bucketShared) initialBuckets() int {
	return max(sh.minBuckets, 1)
}

// Load returns the value stored for key; see [Map.Load]. It takes no lock.
func (m *BucketMap[K, V]) Load(key K) (value V, ok bool) {
	m.guard.check("Load")
	t := m.table.Load()
	if t == nil {
		mustBeHashable(key)
		return value, false
	}
	h, word := wordHash(&t.seed, key) // hashOf, written out: see wordHash
	if !word {
		h = maphash.Comparable(t.seed.seed, key)
	}
	b := &t.buckets[h&t.mask]
	meta := b.loadMeta()
	if meta&movedBit != 0 {
		b, meta = t.follow(h)
	}
	fp := fingerprint(h)
	for {
		for match := matchFingerprint(meta, fp); match != 0; match &= match - 1 {
			e := b.slots[bits.TrailingZeros64(match)>>3].Load()
			if e != nil && e.key == key {
				return e.value, true
			}
		}
		if b = b.next.Load(); b == nil {
			return value, false
		}
		meta = b.loadMeta()
	}
}

// follow returns the bucket for hash h, and its meta word, in the table
// that a resize has moved t's bucket to, or in a later one. While a Clear is
// under way, it returns the frozen bucket of the table the Clear drops.
//
//go:noinline
func (t *bucketTable[K, V]) follow(h uint64) (*bucket[K, V], uint64) {
	b := &t.buckets[h&t.mask]
	meta := b.loadMeta()
	for meta&movedBit != 0 {
		mg := t.migration.Load()
		if mg.clearing() {
			break
		}
		t = mg.to
		b = &t.buckets[h&t.mask]
		meta = b.loadMeta()
	}
	return b, meta
}

// Store sets the value for key; see [Map.Store].
func (m *BucketMap[K, V]) Store(key K, value V) {
	m.guard.check("Store")
	m.Swap(key, value)
}

// LoadOrStore returns the value for key if present, and otherwise stores
// value; see [Map.LoadOrStore].
func (m *BucketMap[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	m.guard.check("LoadOrStore")
	if v, ok := m.Load(key); ok {
		return v, true
	}
	l := m.lock(key)
	if e, _, _ := l.find(key); e != nil {
		l.unlock()
		return e.value, true
	}
	grew := l.insert(&bucketEntry[K, V]{key, value, l.h})
	l.unlock()
	m.inserted(l, grew)
	return value, false
}

// LoadOrCompute returns the existing value for key if present. Otherwise it
// calls valueFn, with no lock held, and stores its result; see
// [Map.LoadOrCompute].
func (m *BucketMap[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
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
func (m *BucketMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
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
func (m *BucketMap[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	m.guard.check("LoadAndDelete")
	if _, ok := m.Load(key); !ok {
		return value, false // absent at some instant of the call: no lock needed
	}
	l := m.lock(key)
	e, at, slot := l.find(key)
	if e == nil {
		l.unlock()
		return value, false
	}
	at.remove(slot)
	l.unlock()
	m.removed(l)
	return e.value, true
}

// Delete deletes the value for key; see [Map.Delete].
func (m *BucketMap[K, V]) Delete(key K) {
	m.guard.check("Delete")
	m.LoadAndDelete(key)
}

// Swap stores value for key and returns the previous value; see [Map.Swap].
func (m *BucketMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	m.guard.check("Swap")
	l := m.lock(key)
	ne := &bucketEntry[K, V]{key, value, l.h}
	if e, at, slot := l.find(key); e != nil {
		at.slots[slot].Store(ne)
		l.unlock()
		return e.value, true
	}
	grew := l.insert(ne)
	l.unlock()
	m.inserted(l, grew)
	return previous, false
}

// Compute atomically reads and updates the value for key; see [Map.Compute].
// fn runs exactly once, with the key's bucket locked.
func (m *BucketMap[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	m.guard.check("Compute")
	if fn == nil {
		nilFunc("Compute")
	}
	l := m.lock(key)
	e, at, slot := l.find(key)
	var old V
	if e != nil {
		old = e.value
	}
	value, op := l.computeUnlocking(&m.guard, fn, old, e != nil)
	switch {
	case op == UpdateOp && e != nil:
		at.slots[slot].Store(&bucketEntry[K, V]{key, value, l.h})
		l.unlock()
		return value, true
	case op == UpdateOp:
		grew := l.insert(&bucketEntry[K, V]{key, value, l.h})
		l.unlock()
		m.inserted(l, grew)
		return value, true
	case op == DeleteOp && e != nil:
		at.remove(slot)
		l.unlock()
		m.removed(l)
		var zero V
		return zero, false
	case op == DeleteOp:
		l.unlock()
		var zero V
		return zero, false
	}
	l.unlock()
	return old, e != nil
}

// Range calls yield for each entry until yield returns false; see
// [Map.Range]. It copies one bucket at a time under the bucket's lock and
// calls yield on the copy: an entry stored during the call is visited only
// if its bucket had not been copied yet.
func (m *BucketMap[K, V]) Range(yield func(key K, value V) bool) {
	m.guard.check("Range")
	t := m.table.Load()
	if t == nil {
		return
	}
	var buf []*bucketEntry[K, V]
	for i := range t.buckets {
		buf = t.collect(uint64(i), t.mask, uint64(i), buf[:0])
		for _, e := range buf {
			if !yield(e.key, e.value) {
				return
			}
		}
	}
}

// All returns an iterator over the map's entries; see [Map.All].
func (m *BucketMap[K, V]) All() iter.Seq2[K, V] {
	m.guard.check("All")
	return m.Range
}

// Len returns the number of entries; see [Map.Len]. It sums the entry
// counter's stripes.
func (m *BucketMap[K, V]) Len() int {
	m.guard.check("Len")
	t := m.table.Load()
	if t == nil {
		return 0
	}
	return int(max(t.shared.count.load(), 0))
}

// Clear removes all entries at one instant: a write that overlaps Clear
// takes effect either before it, and is removed, or after it. Readers do not
// wait for it; writers that reach an emptied bucket wait until it returns.
// The table returns to its initial size.
func (m *BucketMap[K, V]) Clear() {
	m.guard.check("Clear")
	if t := m.table.Load(); t != nil {
		m.replace(newBucketTable[K, V](m.shared.initialBuckets(), &m.shared, t.seed), 0)
	}
}

// MarshalJSON encodes the map as encoding/json encodes a built-in map[K]V.
func (m *BucketMap[K, V]) MarshalJSON() ([]byte, error) {
	m.guard.check("MarshalJSON")
	return marshalJSON(m.All())
}

// UnmarshalJSON replaces the map's entries with those of a JSON object,
// decoded as encoding/json decodes a built-in map[K]V (see the package
// documentation); a document that does not decode changes nothing. The new
// entries replace the old ones at one instant, as in Clear.
func (m *BucketMap[K, V]) UnmarshalJSON(data []byte) error {
	m.guard.check("UnmarshalJSON")
	decoded, err := decodeJSON[K, V](data)
	if err != nil {
		return err
	}
	t := m.loadTable()
	nt := newBucketTable[K, V](max(m.shared.initialBuckets(), bucketsFor(len(decoded))), &m.shared, t.seed)
	for k, v := range decoded {
		h := hashOf(&nt.seed, k)
		nt.buckets[h&nt.mask].insert(&bucketEntry[K, V]{k, v, h}, fingerprint(h))
	}
	m.replace(nt, len(decoded))
	return nil
}

// replace makes nt, which holds n entries, the map's table, dropping every
// entry of the current one. Writers that reach a dropped bucket go on in nt.
func (m *BucketMap[K, V]) replace(nt *bucketTable[K, V], n int) {
	for {
		t := m.loadTable()
		if mg := m.startMigration(t, true, func() *bucketTable[K, V] { return nt }); mg != nil {
			t.shared.count.add(0, int64(n))
			m.migrate(t, mg)
			mg.done.Wait()
			return
		}
		m.finishMigration(t) // another replacement is under way: let it end first
	}
}

// locked is a key's bucket chain, locked: the table that holds the key, the
// chain's lock and first bucket, and the key's hash. It is passed by value,
// in registers, so that the write path stores no pointer through a pointer,
// which would cost a write barrier while the garbage collector runs.
type locked[K comparable, V any] struct {
	t    *bucketTable[K, V]
	mu   *sync.Mutex
	head *bucket[K, V]
	h    uint64
}

// lock hashes key, before locking anything, and locks its bucket chain in
// the table that holds it, helping a resize under way. It hashes as Load
// does, as this is every write's path.
func (m *BucketMap[K, V]) lock(key K) locked[K, V] {
	t := m.table.Load()
	if t == nil {
		t = m.initTable()
	}
	h, word := wordHash(&t.seed, key) // hashOf, written out: see wordHash
	if !word {
		h = maphash.Comparable(t.seed.seed, key)
	}
	for {
		if mg := t.migration.Load(); mg != nil {
			m.migrate(t, mg)
		}
		i := h & t.mask
		mu, b := t.lockOf(i), &t.buckets[i]
		mu.Lock()
		if b.loadMeta()&movedBit == 0 {
			return locked[K, V]{t, mu, b, h}
		}
		mu.Unlock()
		mg := t.migration.Load()
		if mg.drop { // a write after a Clear waits for it to end, so no earlier write outlives it
			m.migrate(t, mg)
			mg.done.Wait()
		}
		t = mg.to
	}
}

func (l locked[K, V]) unlock() { l.mu.Unlock() }

// find returns the key's entry and the bucket and slot that hold it, or a
// nil entry.
func (l locked[K, V]) find(key K) (e *bucketEntry[K, V], at *bucket[K, V], slot int) {
	fp := fingerprint(l.h)
	for b := l.head; b != nil; b = b.next.Load() {
		for match := matchFingerprint(b.loadMeta(), fp); match != 0; match &= match - 1 {
			i := bits.TrailingZeros64(match) >> 3
			if e := b.slots[i].Load(); e != nil && e.key == key {
				return e, b, i
			}
		}
	}
	return nil, nil, 0
}

// insert adds e, whose key is absent, to the chain, and reports whether it
// added an overflow bucket.
func (l locked[K, V]) insert(e *bucketEntry[K, V]) (grew bool) {
	return l.head.insert(e, fingerprint(l.h))
}

// computeUnlocking calls fn and checks its op, unlocking the chain if
// either panics.
func (l locked[K, V]) computeUnlocking(g *computeGuard, fn func(V, bool) (V, ComputeOp), old V, loaded bool) (V, ComputeOp) {
	ok := false
	defer func() {
		if !ok {
			l.unlock()
		}
	}()
	v, op := callCompute(g, fn, old, loaded)
	mustBeValid(op)
	ok = true
	return v, op
}

// remove deletes the entry in slot i: the entry goes first, then its meta
// byte, so that meta stays a superset of the slots.
func (b *bucket[K, V]) remove(i int) {
	b.slots[i].Store(nil)
	b.storeMeta(b.loadMeta() &^ (0xff << (8 * i)))
}

// insert adds e to the first free slot of the chain that starts at b,
// adding an overflow bucket if none is free, and reports whether it added
// one. The caller holds the chain's lock, or owns a table no one else can
// see yet.
func (b *bucket[K, V]) insert(e *bucketEntry[K, V], fp uint8) (grew bool) {
	for {
		meta := b.loadMeta()
		if free := ^meta & slotTopBits; free != 0 {
			i := bits.TrailingZeros64(free) >> 3
			b.storeMeta(meta | uint64(fp)<<(8*i)) // meta first: see bucket
			b.slots[i].Store(e)
			return false
		}
		next := b.next.Load()
		if next == nil {
			next = new(bucket[K, V])
			next.storeMeta(uint64(fp))
			next.slots[0].Store(e)
			b.next.Store(next) // published complete
			return true
		}
		b = next
	}
}

// inserted counts an entry added to l and grows the table if the insert
// added an overflow bucket and the table is past its load.
func (m *BucketMap[K, V]) inserted(l locked[K, V], grew bool) {
	sh := l.t.shared
	sh.count.add(l.h>>32, 1)
	if grew {
		if n := len(l.t.buckets); sh.count.load()*16 > int64(n*slotsPerBucket*growLoad16) {
			m.resize(l.t, 2*n)
		}
	}
}

// removed counts an entry removed from l and shrinks the table if that
// emptied its bucket and the table is below its load.
func (m *BucketMap[K, V]) removed(l locked[K, V]) {
	sh := l.t.shared
	sh.count.add(l.h>>32, -1)
	if !sh.noShrink && l.head.loadMeta()&metaSlotMask == 0 && l.head.next.Load() == nil {
		if n := len(l.t.buckets); n > sh.initialBuckets() && sh.count.load()*16 < int64(n*slotsPerBucket*shrinkLoad16) {
			m.resize(l.t, n/2)
		}
	}
}

// resize starts moving t to a table of n buckets, unless t is no longer
// current or already moving, and moves buckets until none is left to claim.
func (m *BucketMap[K, V]) resize(t *bucketTable[K, V], n int) {
	mg := m.startMigration(t, false, func() *bucketTable[K, V] {
		return newBucketTable[K, V](n, t.shared, t.seed)
	})
	if mg != nil {
		m.migrate(t, mg)
	}
}

// startMigration begins moving t to the table newTable returns, and returns
// the migration, or returns nil if t is not the current table or is already
// moving. It calls newTable only when it starts a migration.
func (m *BucketMap[K, V]) startMigration(t *bucketTable[K, V], drop bool, newTable func() *bucketTable[K, V]) *migration[K, V] {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.table.Load() != t || t.migration.Load() != nil {
		return nil
	}
	mg := &t.mg
	mg.to, mg.drop = newTable(), drop
	mg.done.Add(1)
	t.migration.Store(mg)
	return mg
}

// finishMigration waits until t's migration, if any, has ended.
func (m *BucketMap[K, V]) finishMigration(t *bucketTable[K, V]) {
	if mg := t.migration.Load(); mg != nil {
		m.migrate(t, mg)
		mg.done.Wait()
	}
}

// migrate moves chunks of t's buckets until none is left to claim. Whoever
// moves the last bucket makes the new table current.
func (m *BucketMap[K, V]) migrate(t *bucketTable[K, V], mg *migration[K, V]) {
	n := int64(len(t.buckets))
	for mg.claimed.Load() < n {
		start := mg.claimed.Add(migrationChunk) - migrationChunk
		if start >= n {
			return
		}
		end := min(start+migrationChunk, n)
		for i := start; i < end; i++ {
			t.move(uint64(i), mg)
		}
		if mg.moved.Add(end-start) == n {
			m.table.Store(mg.to)
			mg.ended.Store(true)
			mg.done.Done()
		}
	}
}

// move copies bucket i's chain into the migration's table, or counts and
// drops its entries, and marks the bucket moved. Entries are immutable, so
// the new table shares them.
//
// A larger table receives bucket i's keys in buckets that no one else can
// reach until bucket i is marked moved, so move writes them without their
// locks. A smaller one merges two old buckets into one new bucket, which
// writers may already be using, so move locks it.
func (t *bucketTable[K, V]) move(i uint64, mg *migration[K, V]) {
	mu := t.lockOf(i)
	mu.Lock()
	defer mu.Unlock()
	nt := mg.to
	if len(nt.buckets) < len(t.buckets) { // merging into bucket i&nt.mask
		into := nt.lockOf(i & nt.mask)
		into.Lock()
		defer into.Unlock()
	}
	b := &t.buckets[i]
	dropped := int64(0)
	for c := b; c != nil; c = c.next.Load() {
		for occupied := c.loadMeta() & slotTopBits; occupied != 0; occupied &= occupied - 1 {
			e := c.slots[bits.TrailingZeros64(occupied)>>3].Load()
			if mg.drop {
				dropped++
				continue
			}
			nt.buckets[e.hash&nt.mask].insert(e, fingerprint(e.hash))
		}
	}
	t.shared.count.add(0, -dropped)
	b.storeMeta(b.loadMeta() | movedBit)
}

// collect appends to buf the entries of bucket i of t whose hashes h satisfy
// h&mask == want. If the bucket has moved, it collects from the buckets of
// the next table that can hold such keys, unless a Clear is still under way:
// then, as Load does, it reads the frozen bucket.
func (t *bucketTable[K, V]) collect(i, mask, want uint64, buf []*bucketEntry[K, V]) []*bucketEntry[K, V] {
	mu, b := t.lockOf(i), &t.buckets[i]
	mu.Lock()
	if b.loadMeta()&movedBit != 0 && !t.migration.Load().clearing() {
		mu.Unlock()
		nt := t.migration.Load().to
		if t.mask > mask {
			mask, want = t.mask, i
		}
		common := min(nt.mask, mask)
		for j := want & common; j <= nt.mask; j += common + 1 {
			buf = nt.collect(j, mask, want, buf)
		}
		return buf
	}
	defer mu.Unlock()
	filter := mask > t.mask // keys of other partitions share this bucket
	for c := b; c != nil; c = c.next.Load() {
		for occupied := c.loadMeta() & slotTopBits; occupied != 0; occupied &= occupied - 1 {
			e := c.slots[bits.TrailingZeros64(occupied)>>3].Load()
			if filter && e.hash&mask != want {
				continue
			}
			buf = append(buf, e)
		}
	}
	return buf
}

// fingerprint returns the 7 top bits of h with the top bit set, so that it
// never equals an empty slot's 0. The low bits of h pick the bucket.
func fingerprint(h uint64) uint8 {
	return uint8(h>>57) | 0x80
}

// matchFingerprint returns a word with the top bit set in the byte of each
// slot whose meta byte may equal fp. It can report a false match after a
// true one, never miss one; callers check the key.
func matchFingerprint(meta uint64, fp uint8) uint64 {
	x := meta ^ (lowBytes * uint64(fp))
	return (x - lowBytes) &^ x & slotTopBits
}
