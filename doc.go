// Package safemap provides generic maps that are safe for concurrent use.
//
// A built-in Go map shared between goroutines without a lock crashes the
// program with "fatal error: concurrent map writes", or worse, goes on with
// corrupted data that only go test -race notices. The usual fixes each have a
// trap: a Mutex around the map serialises readers, a check-then-act sequence
// (Load, then Store) loses updates between its two steps, a callback that runs
// under the lock deadlocks when it calls the map again, and a panic that
// skips an Unlock wedges every later caller. [sync.Map] avoids these but has
// no types, no Len, and no atomic read-modify-write.
//
// Every map in this package implements one interface, [Map], with the method
// names and results of sync.Map. Replacing a sync.Map is a change of type
// plus deleting the type assertions, except that m.CompareAndSwap(k, old,
// new) and m.CompareAndDelete(k, old) become the functions
// [CompareAndSwap](&m, k, old, new) and [CompareAndDelete](&m, k, old),
// which need a comparable value type. Replacing a map and a mutex is a
// change of type plus deleting the Lock and Unlock calls. Atomic
// read-modify-write is [Map.Compute], [Map.LoadOrCompute], and the helpers
// CompareAndSwap, CompareAndDelete and [Add] built on Compute.
//
// # Which map to choose
//
// All five keep the same contract; they differ in speed and memory.
//
//	Map         Choose it when                                 Costs
//	BucketMap   speed matters: any mix, any number of cores    allocates on every write
//	ShardedMap  mixed reads and writes; few allocations        Range and Len visit every shard
//	SyncMap     mostly reads; keys written once                allocates on every write; Compute may retry
//	RWMap       mostly reads, few goroutines, small code       readers share one lock's counter
//	MutexMap    one or two goroutines, or mostly writes        every operation takes the one lock
//
// When unsure, start with BucketMap, then measure your own workload with
// the mapbench command in this module's repository.
//
// # Guarantees
//
// Each implementation keeps these, and one conformance suite checks them all
// under the race detector:
//
//   - Each single-key operation is linearizable. LoadOrStore, LoadOrCompute,
//     Swap and Compute read and write their key atomically: no lost update, no
//     gap between the check and the act.
//   - LoadOrCompute calls its function at most once per absent key at a
//     time: callers racing for the same key wait, and share the value stored,
//     which is the function's result unless another method stored a value
//     for the key while it ran. If it fails (LoadOrTryCompute) or panics,
//     nothing is stored and one of the waiting callers computes instead.
//   - Range and All visit no key twice and visit every key that is present
//     and unchanged for the whole call. No lock is held while their callback
//     runs, so it may call any method of the map, Store and Delete included.
//   - A panic in a callback reaches the caller, leaves its key unchanged and
//     leaves no lock held.
//   - A key whose dynamic type is not comparable panics as it would in a
//     built-in map, and the map stays usable. NaN keys behave as in a
//     built-in map.
//   - Len is exact whenever no operation is in flight.
//   - The zero value of each map is empty and ready for use. Maps must not be
//     copied after first use; go vet reports copies.
//   - Every map implements [encoding/json.Marshaler] and
//     [encoding/json.Unmarshaler] with the rules of a built-in map: a
//     repeated key keeps its last value and invalid UTF-8 becomes U+FFFD. A
//     document that does not decode (bad syntax, a wrong type, a number out
//     of range, nesting too deep) leaves the map unchanged.
//
// # Callbacks
//
// What a function passed to a method may do is the same on all five maps:
//
//	Callback                 Runs with    May call on its map         Otherwise                  Blocks
//	Range, All: yield        no lock      any method                  -                          nothing
//	LoadOrCompute,           no lock      any method for other keys;  panics with -race,         racers for
//	LoadOrTryCompute:                     for its own key, any but    deadlocks without          its own key
//	valueFn                               these two                                              only
//	Compute (Add,            its key's    nothing                     panics with -race,         the callers that
//	CompareAndSwap,          lock                                     may deadlock without       need that lock
//	CompareAndDelete): fn
//
// SyncMap's Compute is the exception: it takes no lock, so nothing waits for
// fn, which runs again if the key changed meanwhile. What needs the lock
// that fn holds: every other call in MutexMap and RWMap; calls for keys of
// the same shard in ShardedMap; in BucketMap, writers of keys whose buckets
// share the lock, and a resize or Clear under way. See the section on
// callbacks of [Map] for the details, among them what happens to a key
// whose value is being computed.
package safemap
