package safemap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/require"
)

// This file is the model harness: refMap, the trivially correct model, and
// modelRun, which applies operations to a map and to the model and compares
// what they return and hold. The state machine, FuzzOps and the suite's
// Model/RandomOps drive it; the last two as sequences of steps.

// refMap is the trivially correct model: a plain map, one goroutine.
type refMap[K comparable, V any] map[K]V

func (r refMap[K, V]) Load(k K) (V, bool) { v, ok := r[k]; return v, ok }
func (r refMap[K, V]) Store(k K, v V)     { r[k] = v }
func (r refMap[K, V]) LoadOrStore(k K, v V) (V, bool) {
	if old, ok := r[k]; ok {
		return old, true
	}
	r[k] = v
	return v, false
}
func (r refMap[K, V]) LoadOrCompute(k K, fn func() V) (V, bool) {
	if old, ok := r[k]; ok {
		return old, true
	}
	r[k] = fn()
	return r[k], false
}
func (r refMap[K, V]) LoadOrTryCompute(k K, fn func() (V, error)) (V, bool, error) {
	if old, ok := r[k]; ok {
		return old, true, nil
	}
	v, err := fn()
	if err != nil {
		var zero V
		return zero, false, err
	}
	r[k] = v
	return v, false, nil
}
func (r refMap[K, V]) LoadAndDelete(k K) (V, bool) { v, ok := r[k]; delete(r, k); return v, ok }
func (r refMap[K, V]) Delete(k K)                  { delete(r, k) }
func (r refMap[K, V]) Swap(k K, v V) (V, bool)     { old, ok := r[k]; r[k] = v; return old, ok }
func (r refMap[K, V]) Compute(k K, fn func(V, bool) (V, safemap.ComputeOp)) (V, bool) {
	old, ok := r[k]
	v, op := fn(old, ok)
	switch op {
	case safemap.UpdateOp:
		r[k] = v
		return v, true
	case safemap.DeleteOp:
		delete(r, k)
		var zero V
		return zero, false
	}
	return old, ok
}
func (r refMap[K, V]) Range(yield func(K, V) bool) {
	for k, v := range r {
		if !yield(k, v) {
			return
		}
	}
}
func (r refMap[K, V]) All() iter.Seq2[K, V] { return r.Range }
func (r refMap[K, V]) Len() int             { return len(r) }
func (r refMap[K, V]) Clear()               { clear(r) }

// modelRun applies operations to a map and to the plain-map model, and
// checks that the map returns and holds what the model does.
type modelRun struct {
	m   safemap.Map[int, int]
	ref refMap[int, int]
}

func newModelRun(m safemap.Map[int, int]) *modelRun {
	return &modelRun{m: m, ref: refMap[int, int]{}}
}

// keyOp applies o to both maps and compares the results exactly: with one
// goroutine, every callback runs exactly as often as in the model.
func (r *modelRun) keyOp(o keyOp) error {
	want, got := o.apply(r.ref), o.apply(r.m)
	if got != want {
		return fmt.Errorf("%v returned %v, want %v", o, got, want)
	}
	return nil
}

// rangeStop ranges over the map, with Range or with All, and stops after
// stop (at least 1) calls of yield. Every entry visited must be in the
// model, none twice, and yield must run min(stop, Len) times.
func (r *modelRun) rangeStop(stop int, useAll bool) error {
	seen := make(map[int]int)
	var err error
	visit := func(k, v int) bool {
		if want, ok := r.ref[k]; !ok || want != v {
			err = fmt.Errorf("visited %d: %d, not in the model %v", k, v, r.ref)
		} else if _, dup := seen[k]; dup {
			err = fmt.Errorf("visited key %d twice", k)
		}
		seen[k] = v
		return err == nil && len(seen) < stop
	}
	if useAll {
		for k, v := range r.m.All() {
			if !visit(k, v) {
				break
			}
		}
	} else {
		r.m.Range(visit)
	}
	if err == nil && len(seen) != min(stop, len(r.ref)) {
		err = fmt.Errorf("visited %d entries, want %d", len(seen), min(stop, len(r.ref)))
	}
	return err
}

// rangeDelete ranges over the map deleting each odd value it visits. A key
// is changed only when it is visited, so Range must visit every key, and
// exactly the odd values must go.
//
// A Range that holds a lock while yield runs deadlocks here; the deadlock
// fails the run after a timeout instead of hanging it.
func (r *modelRun) rangeDelete() error {
	err := within(10*time.Second, func() {
		r.m.Range(func(k, v int) bool {
			if v%2 != 0 {
				r.m.Delete(k)
			}
			return true
		})
	})
	if err != nil {
		return fmt.Errorf("Range deleting what it visits: %v", err)
	}
	maps.DeleteFunc(r.ref, func(_, v int) bool { return v%2 != 0 })
	return r.check()
}

func (r *modelRun) clear() {
	r.m.Clear()
	r.ref.Clear()
}

// jsonRoundTrip marshals the map, compares the document with the model's,
// and unmarshals it back into the map, which must not change.
func (r *modelRun) jsonRoundTrip() error {
	data, err := json.Marshal(r.m)
	if err != nil {
		return fmt.Errorf("MarshalJSON: %v", err)
	}
	if want, _ := json.Marshal(map[int]int(r.ref)); !bytes.Equal(data, want) {
		return fmt.Errorf("MarshalJSON = %s, want %s", data, want)
	}
	if err := r.unmarshaler().UnmarshalJSON(data); err != nil {
		return fmt.Errorf("UnmarshalJSON(%s): %v", data, err)
	}
	return r.check()
}

// loadJSON unmarshals a document holding entries, which replace the map's.
func (r *modelRun) loadJSON(entries map[int]int) error {
	data, _ := json.Marshal(entries)
	if err := r.unmarshaler().UnmarshalJSON(data); err != nil {
		return fmt.Errorf("UnmarshalJSON(%s): %v", data, err)
	}
	r.ref = maps.Clone(entries)
	if r.ref == nil {
		r.ref = refMap[int, int]{}
	}
	return r.check()
}

// badJSON unmarshals a document cut short, which must fail and change nothing.
func (r *modelRun) badJSON(entries map[int]int) error {
	data, _ := json.Marshal(entries)
	data = data[:len(data)-1]
	if err := r.unmarshaler().UnmarshalJSON(data); err == nil {
		return fmt.Errorf("UnmarshalJSON(%s) succeeded", data)
	}
	return r.check()
}

func (r *modelRun) unmarshaler() json.Unmarshaler {
	return r.m.(json.Unmarshaler)
}

// panicIn makes the callback of LoadOrCompute (which 0), Compute (1),
// Range (2) or LoadOrTryCompute (3) panic. The panic must reach the caller, change nothing, and
// leave no lock held: another goroutine must then be able to use the key.
func (r *modelRun) panicIn(which, key int) error {
	which %= 4
	var call func()
	switch which {
	case 0:
		call = func() { r.m.LoadOrCompute(key, func() int { panic(boom{}) }) }
	case 3:
		call = func() { r.m.LoadOrTryCompute(key, func() (int, error) { panic(boom{}) }) }
	case 1:
		call = func() {
			r.m.Compute(key, func(int, bool) (int, safemap.ComputeOp) { panic(boom{}) })
		}
	default:
		call = func() { r.m.Range(func(int, int) bool { panic(boom{}) }) }
	}
	p := recovered(call)
	_, present := r.ref[key]
	switch {
	case (which == 0 || which == 3) && present:
		if p != nil {
			return fmt.Errorf("LoadOrCompute(%d) or LoadOrTryCompute called valueFn for a present key", key)
		}
	case which == 2 && len(r.ref) == 0:
		if p != nil {
			return fmt.Errorf("Range called yield on an empty map")
		}
	case p != boom{}:
		return fmt.Errorf("the callback's panic did not reach the caller: recovered %v", p)
	}
	err := within(10*time.Second, func() {
		r.m.Load(key)
		r.m.Compute(key, func(old int, _ bool) (int, safemap.ComputeOp) { return old, safemap.CancelOp })
		r.m.Len()
		r.m.Range(func(int, int) bool { return true })
	})
	if err != nil {
		return fmt.Errorf("after a panic in a callback on key %d: %v", key, err)
	}
	return r.check()
}

// check compares the whole map with the model: through Range, through All,
// through Len and through its JSON encoding.
func (r *modelRun) check() error {
	for _, useAll := range []bool{false, true} {
		got := make(map[int]int)
		all := iter.Seq2[int, int](r.m.Range)
		if useAll {
			all = r.m.All()
		}
		for k, v := range all {
			if _, dup := got[k]; dup {
				return fmt.Errorf("visited key %d twice (All: %t)", k, useAll)
			}
			got[k] = v
		}
		if !maps.Equal(got, r.ref) {
			return fmt.Errorf("map holds %v, model %v (All: %t)", got, r.ref, useAll)
		}
	}
	if n := r.m.Len(); n != len(r.ref) {
		return fmt.Errorf("Len = %d, model has %d entries", n, len(r.ref))
	}
	data, err := json.Marshal(r.m)
	want, _ := json.Marshal(map[int]int(r.ref))
	if err != nil || !bytes.Equal(data, want) {
		return fmt.Errorf("MarshalJSON = %s, %v; want %s", data, err, want)
	}
	return nil
}

// step is one action of a modelRun, with the name a failure prints.
type step struct {
	name string
	run  func(*modelRun) error
}

// stepList prints the names of its steps. A failure message formats it
// only when the test fails, so a run need not join the names of its steps
// after each one.
type stepList []step

func (l stepList) String() string {
	names := make([]string, len(l))
	for i, s := range l {
		names[i] = s.name
	}
	return strings.Join(names, "; ")
}

func keyOpStep(o keyOp) step {
	return step{o.String(), func(r *modelRun) error { return r.keyOp(o) }}
}

func rangeStopStep(stop int, useAll bool) step {
	name := fmt.Sprintf("Range stopping after %d", stop)
	if useAll {
		name = fmt.Sprintf("All stopping after %d", stop)
	}
	return step{name, func(r *modelRun) error { return r.rangeStop(stop, useAll) }}
}

var (
	rangeDeleteStep = step{"Range deleting odd values", (*modelRun).rangeDelete}
	clearStep       = step{"Clear", func(r *modelRun) error { r.clear(); return nil }}
	checkStep       = step{"check", (*modelRun).check}
)

// testModel runs seeded random sequences of steps on c's map and on the
// model: every single-key operation, Range and All stopped early, a Range
// deleting what it visits, Clear, and a check of the whole map. Len is
// compared after every step, as a Len that misses an insert would otherwise
// show only at the next check. A failure names the seed, the step and the
// steps that led to it.
func testModel(t *testing.T, c impl) {
	seeds, steps := scale(100), 400
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 0x5afe))
		r := newModelRun(newMap[int, int](c))
		var done stepList
		for i := range steps {
			s := randomStep(rng)
			done = append(done, s)
			require.NoError(t, s.run(r), "seed %d step %d: %s\nsteps: %v", seed, i, s.name, done)
			require.Equal(t, len(r.ref), r.m.Len(), "seed %d step %d: Len after %s\nsteps: %v", seed, i, s.name, done)
		}
		require.NoError(t, r.check(), "seed %d: after the last step\nsteps: %v", seed, done)
	}
}

// randomStep returns a step of testModel, most often a single-key
// operation. Its 12 keys and 4 values are few, so that operations often
// meet the same key and CompareAndSwap and CompareAndDelete often find the
// value they expect; Clear is rare, so that the map fills up between Clears.
func randomStep(rng *rand.Rand) step {
	switch n := rng.IntN(64); {
	case n < 52:
		return keyOpStep(keyOp{
			kind:  opKind(rng.IntN(int(numOpKinds))),
			key:   rng.IntN(12),
			value: rng.IntN(4),
			old:   rng.IntN(4),
			op:    safemap.ComputeOp(rng.IntN(3)),
			fail:  rng.IntN(2) == 0,
		})
	case n < 57:
		return rangeStopStep(1+rng.IntN(12), rng.IntN(2) == 0)
	case n < 59:
		return rangeDeleteStep
	case n < 60:
		return clearStep
	}
	return checkStep
}
