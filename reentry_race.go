//go:build race

package safemap

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Built with -race, as tests are, a callback that calls its own map where it
// could deadlock panics instead, whatever the keys and their hashes, so that
// a test finds the mistake before production hangs on it:
//
//   - a method of a map called from one of its Compute functions;
//   - a LoadOrCompute or LoadOrTryCompute that would wait for a key that its
//     own goroutine is computing, or for a goroutine that waits, through
//     other keys' computations, for this one.
//
// Both need to know which goroutine is running. Go does not say, but
// runtime.Stack names it, for a few microseconds: a price for test builds
// only.

// computeGuard records which goroutines are running a Compute function of
// one map. It is read and written with the race detector's synchronisation
// events turned off, so that it adds no happens-before edge between map
// operations: an edge the map itself does not make would hide its races.
// So it uses atomics only, which the detector, so turned off, neither orders
// nor reports.
type computeGuard struct {
	running atomic.Int32 // Compute functions of the map running now
	ids     guardBlock
}

// guardBlock holds the ids of goroutines running a Compute function, 0 in a
// free slot; blocks are added when all are taken and never removed.
type guardBlock struct {
	ids  [8]atomic.Uint64
	next atomic.Pointer[guardBlock]
}

// check panics if the calling goroutine is running a Compute function of
// the map: method would then run inside it.
func (g *computeGuard) check(method string) {
	runtime.RaceDisable()
	running := g.running.Load()
	runtime.RaceEnable()
	if running != 0 && g.holds(goroutineID()) {
		panic("safemap: " + method + " called from inside a Compute function of the same map: " +
			"the function must not call methods of its map, because it runs while its key is locked and the call can deadlock")
	}
}

func (g *computeGuard) holds(id uint64) bool {
	runtime.RaceDisable()
	defer runtime.RaceEnable()
	for b := &g.ids; b != nil; b = b.next.Load() {
		for i := range b.ids {
			if b.ids[i].Load() == id {
				return true
			}
		}
	}
	return false
}

// enter records goroutine id as running a Compute function and returns the
// slot to clear when it returns.
func (g *computeGuard) enter(id uint64) *atomic.Uint64 {
	runtime.RaceDisable()
	defer runtime.RaceEnable()
	g.running.Add(1)
	for b := &g.ids; ; b = b.next.Load() {
		for i := range b.ids {
			if b.ids[i].CompareAndSwap(0, id) {
				return &b.ids[i]
			}
		}
		if b.next.Load() == nil {
			b.next.CompareAndSwap(nil, new(guardBlock))
		}
	}
}

func (g *computeGuard) exit(slot *atomic.Uint64) {
	runtime.RaceDisable()
	defer runtime.RaceEnable()
	slot.Store(0)
	g.running.Add(-1)
}

// callCompute calls Compute's function. While the function runs, the
// goroutine is recorded, so that a call it makes to the same map panics.
func callCompute[V any](g *computeGuard, fn func(V, bool) (V, ComputeOp), old V, loaded bool) (V, ComputeOp) {
	defer g.exit(g.enter(goroutineID()))
	return fn(old, loaded)
}

// waitGraph records, for one map, which reservation each waiting goroutine
// waits for. It is guarded by the map's reservations.mu.
type waitGraph struct {
	waitsFor map[uint64]*reservation
}

// wait unlocks mu, which guards w, and waits until r is released, unless
// the wait would never end: if r's computation is this goroutine's own, or
// its goroutine waits, through a chain of others, for this one, it panics.
func (w *waitGraph) wait(mu *sync.Mutex, method string, r *reservation) {
	me := goroutineID()
	// A chain longer than the number of waiters would be a cycle that does
	// not pass through this goroutine, which its last member would have
	// caught; the bound only makes that certain.
	for owner, steps := r.owner, 0; steps <= len(w.waitsFor); steps++ {
		if owner == me {
			mu.Unlock()
			if owner == r.owner {
				panic("safemap: " + method + " asked for a key that its own goroutine is computing, " +
					"from inside its valueFn or the valueFn of a key that one asked for; it would wait for itself forever")
			}
			panic("safemap: " + method + " would deadlock: the key is being computed by a goroutine that waits, " +
				"through the valueFns of other keys, for a key this goroutine is computing")
		}
		next := w.waitsFor[owner]
		if next == nil || next.released {
			break
		}
		owner = next.owner
	}
	if w.waitsFor == nil {
		w.waitsFor = make(map[uint64]*reservation)
	}
	w.waitsFor[me] = r
	mu.Unlock()
	r.wg.Wait()
	mu.Lock()
	delete(w.waitsFor, me)
	mu.Unlock()
}

// goroutineID returns the id of the calling goroutine, which runtime.Stack
// prints first: "goroutine 42 [running]:".
func goroutineID() uint64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
