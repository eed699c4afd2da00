package safemap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"time"

	"github.com/gosafemap/safemap"
)

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
