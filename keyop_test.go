package safemap_test

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/gosafemap/safemap"
)

// This file is the vocabulary shared by the linearizability check, the
// state machine, the fuzz targets and the suite's Model/RandomOps: every
// single-key operation of Map and of its helpers as a value that can be
// applied to a map, printed, and compared with what the plain-map model
// returns.

// opKind names a single-key operation.
type opKind uint8

const (
	opLoad opKind = iota
	opStore
	opLoadOrStore
	opLoadOrCompute
	opLoadAndDelete
	opDelete
	opSwap
	opCompute
	opCompareAndSwap
	opCompareAndDelete
	opAdd
	opLoadOrTryCompute
	numOpKinds
)

var opNames = [numOpKinds]string{
	"Load", "Store", "LoadOrStore", "LoadOrCompute", "LoadAndDelete", "Delete",
	"Swap", "Compute", "CompareAndSwap", "CompareAndDelete", "Add", "LoadOrTryCompute",
}

func (k opKind) String() string { return opNames[k] }

// keyOp is one call of a single-key operation with its arguments.
type keyOp struct {
	kind  opKind
	key   int
	value int               // the value to store, computed or swapped in; Add's delta
	old   int               // the old value of CompareAndSwap and CompareAndDelete
	op    safemap.ComputeOp // what Compute's function returns
	fail  bool              // LoadOrTryCompute's valueFn returns errTryCompute
	// pause makes the callbacks of LoadOrCompute and Compute yield the
	// processor, to widen the window in which other goroutines interleave.
	pause bool
}

// opResult is everything a keyOp returned or showed its callback.
type opResult struct {
	value  int  // the value, actual, previous or sum returned
	ok     bool // the ok, loaded, swapped or deleted result
	seen   int  // the old value the last call of Compute's function was given
	seenOK bool // and whether it was told the key was present
	calls  int  // how many times valueFn or fn ran
	failed bool // LoadOrTryCompute returned errTryCompute
}

// errTryCompute is what a failing LoadOrTryCompute's valueFn returns.
var errTryCompute = errors.New("valueFn failed")

// apply runs o on m and returns what it returned.
func (o keyOp) apply(m safemap.Map[int, int]) (r opResult) {
	switch o.kind {
	case opLoad:
		r.value, r.ok = m.Load(o.key)
	case opStore:
		m.Store(o.key, o.value)
	case opLoadOrStore:
		r.value, r.ok = m.LoadOrStore(o.key, o.value)
	case opLoadOrCompute:
		r.value, r.ok = m.LoadOrCompute(o.key, func() int {
			r.calls++
			o.maybePause()
			return o.value
		})
	case opLoadAndDelete:
		r.value, r.ok = m.LoadAndDelete(o.key)
	case opDelete:
		m.Delete(o.key)
	case opSwap:
		r.value, r.ok = m.Swap(o.key, o.value)
	case opCompute:
		r.value, r.ok = m.Compute(o.key, func(old int, loaded bool) (int, safemap.ComputeOp) {
			r.calls++
			r.seen, r.seenOK = old, loaded
			o.maybePause()
			return o.value, o.op
		})
	case opCompareAndSwap:
		r.ok = safemap.CompareAndSwap(m, o.key, o.old, o.value)
	case opCompareAndDelete:
		r.ok = safemap.CompareAndDelete(m, o.key, o.old)
	case opAdd:
		r.value = safemap.Add(m, o.key, o.value)
	case opLoadOrTryCompute:
		var err error
		r.value, r.ok, err = m.LoadOrTryCompute(o.key, func() (int, error) {
			r.calls++
			o.maybePause()
			if o.fail {
				return 0, errTryCompute
			}
			return o.value, nil
		})
		if err != nil && err != errTryCompute {
			panic(fmt.Sprintf("LoadOrTryCompute returned %v, not its valueFn's error", err))
		}
		r.failed = err != nil
	default:
		panic("unknown operation " + fmt.Sprint(o.kind))
	}
	return r
}

func (o keyOp) maybePause() {
	if o.pause {
		runtime.Gosched()
	}
}

func (o keyOp) String() string {
	switch o.kind {
	case opLoad, opLoadAndDelete, opDelete:
		return fmt.Sprintf("%v(%d)", o.kind, o.key)
	case opCompute:
		return fmt.Sprintf("Compute(%d, → %d %v)", o.key, o.value, o.op)
	case opCompareAndSwap:
		return fmt.Sprintf("CompareAndSwap(%d, %d, %d)", o.key, o.old, o.value)
	case opCompareAndDelete:
		return fmt.Sprintf("CompareAndDelete(%d, %d)", o.key, o.old)
	case opLoadOrTryCompute:
		if o.fail {
			return fmt.Sprintf("LoadOrTryCompute(%d, → error)", o.key)
		}
	}
	return fmt.Sprintf("%v(%d, %d)", o.kind, o.key, o.value)
}

func (r opResult) String() string {
	s := fmt.Sprintf("%d, %t", r.value, r.ok)
	if r.failed {
		s += ", error"
	}
	if r.calls > 0 {
		s += fmt.Sprintf(" (fn called %d×", r.calls)
		if r.seenOK || r.seen != 0 {
			s += fmt.Sprintf(" with %d, %t", r.seen, r.seenOK)
		}
		s += ")"
	}
	return s
}

// admits reports whether got is a result a correct map may return when the
// model returns want, with other goroutines calling the map. It differs from
// == only in the count of callback calls: SyncMap's Compute calls fn again
// when another goroutine changed the key, and a LoadOrCompute or
// LoadOrTryCompute whose valueFn ran may still load a value another method
// stored meanwhile.
func (want opResult) admits(kind opKind, got opResult) bool {
	calls := got.calls
	got.calls = want.calls
	if got != want {
		return false
	}
	switch kind {
	case opCompute:
		return calls >= 1
	case opLoadOrCompute, opLoadOrTryCompute:
		return calls == 1 || (calls == 0 && got.ok)
	}
	return calls == 0
}
