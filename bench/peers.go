package bench

import (
	"iter"
	"sync"

	"github.com/alphadose/haxmap"
	cmap "github.com/orcaman/concurrent-map/v2"
	"github.com/puzpuzpuz/xsync/v4"

	"github.com/gosafemap/safemap"
)

// The adapters below call each peer the way its users do, through its own
// idiomatic API, under the names of safemap.Map. Where a peer has no method
// of the same meaning, the adapter calls the closest one, as Impl.Via says;
// where it has none at all, the method panics, and Impl.Lacks says why, so
// that mapbench never calls it.

// syncMapRaw is a sync.Map used as most code uses it: keys and values go in
// as interfaces and come out through a type assertion.
type syncMapRaw[K comparable, V any] struct{ m sync.Map }

func (s *syncMapRaw[K, V]) Load(key K) (value V, ok bool) {
	v, ok := s.m.Load(key)
	if !ok {
		return value, false
	}
	return v.(V), true
}

func (s *syncMapRaw[K, V]) Store(key K, value V) { s.m.Store(key, value) }

func (s *syncMapRaw[K, V]) LoadOrStore(key K, value V) (V, bool) {
	actual, loaded := s.m.LoadOrStore(key, value)
	return actual.(V), loaded
}

func (s *syncMapRaw[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	if v, ok := s.Load(key); ok {
		return v, true
	}
	return s.LoadOrStore(key, valueFn())
}

func (s *syncMapRaw[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
	if v, ok := s.Load(key); ok {
		return v, true, nil
	}
	v, err := valueFn()
	if err != nil {
		return value, false, err
	}
	value, loaded = s.LoadOrStore(key, v)
	return value, loaded, nil
}

func (s *syncMapRaw[K, V]) LoadAndDelete(key K) (value V, loaded bool) {
	v, loaded := s.m.LoadAndDelete(key)
	if !loaded {
		return value, false
	}
	return v.(V), true
}

func (s *syncMapRaw[K, V]) Delete(key K) { s.m.Delete(key) }

func (s *syncMapRaw[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	p, loaded := s.m.Swap(key, value)
	if !loaded {
		return previous, false
	}
	return p.(V), true
}

// Compute is the loop that sync.Map's users write for an atomic update.
func (s *syncMapRaw[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (value V, ok bool) {
	for {
		old, loaded := s.m.Load(key)
		if !loaded {
			var zero V
			v, op := fn(zero, false)
			if op != safemap.UpdateOp {
				return zero, false
			}
			if _, loaded := s.m.LoadOrStore(key, v); !loaded {
				return v, true
			}
			continue
		}
		v, op := fn(old.(V), true)
		switch op {
		case safemap.UpdateOp:
			if s.m.CompareAndSwap(key, old, v) {
				return v, true
			}
		case safemap.DeleteOp:
			if s.m.CompareAndDelete(key, old) {
				return value, false
			}
		default:
			return old.(V), true
		}
	}
}

func (s *syncMapRaw[K, V]) Range(yield func(K, V) bool) {
	s.m.Range(func(k, v any) bool { return yield(k.(K), v.(V)) })
}

func (s *syncMapRaw[K, V]) All() iter.Seq2[K, V] { return s.Range }
func (s *syncMapRaw[K, V]) Len() int             { panic("bench: sync.Map has no Len") }
func (s *syncMapRaw[K, V]) Clear()               { s.m.Clear() }

// xsyncMap adds to an xsync.Map the methods whose signatures differ.
type xsyncMap[K comparable, V any] struct{ *xsync.Map[K, V] }

func (x xsyncMap[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	return x.Map.LoadOrCompute(key, func() (V, bool) { return valueFn(), false })
}

func (x xsyncMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
	value, loaded = x.Map.LoadOrCompute(key, func() (v V, cancel bool) {
		v, err = valueFn()
		return v, err != nil
	})
	return value, loaded, err
}

func (x xsyncMap[K, V]) Swap(key K, value V) (V, bool) { return x.Map.LoadAndStore(key, value) }

// Compute passes fn through: xsync's ComputeOp values are safemap's.
func (x xsyncMap[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (V, bool) {
	return x.Map.Compute(key, func(old V, loaded bool) (V, xsync.ComputeOp) {
		v, op := fn(old, loaded)
		return v, xsync.ComputeOp(op)
	})
}

func (x xsyncMap[K, V]) Len() int { return x.Size() }

// orcamanMap renames the methods of a concurrent-map.
type orcamanMap[K comparable, V any] struct{ m cmap.ConcurrentMap[K, V] }

// newOrcaman uses the package's own FNV-1 hash for string keys. For int
// keys, which concurrent-map does not hash itself, it uses fnv1aInt.
func newOrcaman[K int | string, V any]() safemap.Map[K, V] {
	var m any
	switch any(*new(K)).(type) {
	case int:
		m = orcamanMap[int, V]{cmap.NewWithCustomShardingFunction[int, V](fnv1aInt)}
	case string:
		m = orcamanMap[string, V]{cmap.New[V]()}
	}
	return m.(safemap.Map[K, V])
}

// fnv1aInt is 32-bit FNV-1a over the eight bytes of key, low byte first:
// the same family as concurrent-map's string hash and the kind of function
// its users write. (Its own benchmarks use the integer itself, which shards
// the workloads' keys 0 to n-1 perfectly evenly and so flatters it.)
func fnv1aInt(key int) uint32 {
	h := uint32(2166136261)
	for i := range 8 {
		h = (h ^ uint32(uint64(key)>>(8*i)&0xff)) * 16777619
	}
	return h
}

func (o orcamanMap[K, V]) Load(key K) (V, bool) { return o.m.Get(key) }
func (o orcamanMap[K, V]) Store(key K, value V) { o.m.Set(key, value) }

func (o orcamanMap[K, V]) LoadOrStore(key K, value V) (V, bool) {
	if o.m.SetIfAbsent(key, value) {
		return value, false
	}
	if v, ok := o.m.Get(key); ok {
		return v, true
	}
	return value, false // deleted in between: as if stored and deleted
}

func (o orcamanMap[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	loaded := false
	v := o.m.Upsert(key, *new(V), func(exist bool, inMap, _ V) V {
		if loaded = exist; exist {
			return inMap
		}
		return valueFn()
	})
	return v, loaded
}

// LoadOrTryCompute cannot undo Upsert's write when valueFn fails: it stores
// the zero value then. mapbench's valueFn never fails.
func (o orcamanMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (V, bool, error) {
	loaded := false
	var err error
	v := o.m.Upsert(key, *new(V), func(exist bool, inMap, _ V) V {
		if loaded = exist; exist {
			return inMap
		}
		var v V
		v, err = valueFn()
		return v
	})
	return v, loaded, err
}

func (o orcamanMap[K, V]) LoadAndDelete(key K) (V, bool) { return o.m.Pop(key) }
func (o orcamanMap[K, V]) Delete(key K)                  { o.m.Remove(key) }

func (o orcamanMap[K, V]) Swap(key K, value V) (previous V, loaded bool) {
	o.m.Upsert(key, value, func(exist bool, inMap, v V) V {
		previous, loaded = inMap, exist
		return v
	})
	return previous, loaded
}

// Compute stores fn's value whatever op it returns: Upsert always writes.
// mapbench's fn always updates.
func (o orcamanMap[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (V, bool) {
	return o.m.Upsert(key, *new(V), func(exist bool, inMap, _ V) V {
		v, _ := fn(inMap, exist)
		return v
	}), true
}

func (o orcamanMap[K, V]) Range(yield func(K, V) bool) {
	more := true
	o.m.IterCb(func(k K, v V) {
		if more {
			more = yield(k, v)
		}
	})
}

func (o orcamanMap[K, V]) All() iter.Seq2[K, V] { return o.Range }
func (o orcamanMap[K, V]) Len() int             { return o.m.Count() }
func (o orcamanMap[K, V]) Clear()               { o.m.Clear() }

// haxmapMap renames the methods of a haxmap.Map. haxmap's key constraint is
// unexported; int and string satisfy it.
type haxmapMap[K int | string, V any] struct{ m *haxmap.Map[K, V] }

func (h haxmapMap[K, V]) Load(key K) (V, bool)                 { return h.m.Get(key) }
func (h haxmapMap[K, V]) Store(key K, value V)                 { h.m.Set(key, value) }
func (h haxmapMap[K, V]) LoadOrStore(key K, value V) (V, bool) { return h.m.GetOrSet(key, value) }
func (h haxmapMap[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	return h.m.GetOrCompute(key, valueFn)
}

// LoadOrTryCompute stores the zero value when valueFn fails: GetOrCompute
// cannot fail. mapbench's valueFn never fails.
func (h haxmapMap[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (V, bool, error) {
	var err error
	v, loaded := h.m.GetOrCompute(key, func() V {
		var v V
		v, err = valueFn()
		return v
	})
	return v, loaded, err
}

func (h haxmapMap[K, V]) LoadAndDelete(key K) (V, bool) { return h.m.GetAndDel(key) }
func (h haxmapMap[K, V]) Delete(key K)                  { h.m.Del(key) }

func (h haxmapMap[K, V]) Swap(key K, value V) (V, bool) {
	if old, ok := h.m.Swap(key, value); ok {
		return old, true
	}
	h.m.Set(key, value)
	return *new(V), false
}

func (h haxmapMap[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (value V, ok bool) {
	for {
		old, loaded := h.m.Get(key)
		v, op := fn(old, loaded)
		switch {
		case op != safemap.UpdateOp:
			return old, loaded // mapbench's fn always updates
		case !loaded:
			if _, loaded := h.m.GetOrSet(key, v); !loaded {
				return v, true
			}
		case h.m.CompareAndSwap(key, old, v):
			return v, true
		}
	}
}

func (h haxmapMap[K, V]) Range(yield func(K, V) bool) { h.m.ForEach(yield) }
func (h haxmapMap[K, V]) All() iter.Seq2[K, V]        { return h.Range }
func (h haxmapMap[K, V]) Len() int                    { return int(h.m.Len()) }
func (h haxmapMap[K, V]) Clear()                      { h.m.Clear() }

// mutexPlain is the map and mutex that people write by hand, unlocking
// without defer as such code usually does on a one-line critical section.
type mutexPlain[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

func (p *mutexPlain[K, V]) Load(key K) (V, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	p.mu.Unlock()
	return v, ok
}

func (p *mutexPlain[K, V]) Store(key K, value V) {
	p.mu.Lock()
	p.m[key] = value
	p.mu.Unlock()
}

func (p *mutexPlain[K, V]) LoadOrStore(key K, value V) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true
	}
	p.m[key] = value
	return value, false
}

func (p *mutexPlain[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true
	}
	v := valueFn()
	p.m[key] = v
	return v, false
}

func (p *mutexPlain[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (V, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true, nil
	}
	v, err := valueFn()
	if err != nil {
		return *new(V), false, err
	}
	p.m[key] = v
	return v, false, nil
}

func (p *mutexPlain[K, V]) LoadAndDelete(key K) (V, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	delete(p.m, key)
	p.mu.Unlock()
	return v, ok
}

func (p *mutexPlain[K, V]) Delete(key K) {
	p.mu.Lock()
	delete(p.m, key)
	p.mu.Unlock()
}

func (p *mutexPlain[K, V]) Swap(key K, value V) (V, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	p.m[key] = value
	p.mu.Unlock()
	return v, ok
}

func (p *mutexPlain[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, loaded := p.m[key]
	v, op := fn(old, loaded)
	switch op {
	case safemap.UpdateOp:
		p.m[key] = v
		return v, true
	case safemap.DeleteOp:
		delete(p.m, key)
		return *new(V), false
	}
	return old, loaded
}

func (p *mutexPlain[K, V]) Range(yield func(K, V) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range p.m {
		if !yield(k, v) {
			return
		}
	}
}

func (p *mutexPlain[K, V]) All() iter.Seq2[K, V] { return p.Range }

func (p *mutexPlain[K, V]) Len() int {
	p.mu.Lock()
	n := len(p.m)
	p.mu.Unlock()
	return n
}

func (p *mutexPlain[K, V]) Clear() {
	p.mu.Lock()
	clear(p.m)
	p.mu.Unlock()
}

// rwMutexPlain is mutexPlain with a sync.RWMutex, read-locked for Load,
// Range and Len.
type rwMutexPlain[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
}

func (p *rwMutexPlain[K, V]) Load(key K) (V, bool) {
	p.mu.RLock()
	v, ok := p.m[key]
	p.mu.RUnlock()
	return v, ok
}

func (p *rwMutexPlain[K, V]) Store(key K, value V) {
	p.mu.Lock()
	p.m[key] = value
	p.mu.Unlock()
}

func (p *rwMutexPlain[K, V]) LoadOrStore(key K, value V) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true
	}
	p.m[key] = value
	return value, false
}

func (p *rwMutexPlain[K, V]) LoadOrCompute(key K, valueFn func() V) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true
	}
	v := valueFn()
	p.m[key] = v
	return v, false
}

func (p *rwMutexPlain[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (V, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.m[key]; ok {
		return v, true, nil
	}
	v, err := valueFn()
	if err != nil {
		return *new(V), false, err
	}
	p.m[key] = v
	return v, false, nil
}

func (p *rwMutexPlain[K, V]) LoadAndDelete(key K) (V, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	delete(p.m, key)
	p.mu.Unlock()
	return v, ok
}

func (p *rwMutexPlain[K, V]) Delete(key K) {
	p.mu.Lock()
	delete(p.m, key)
	p.mu.Unlock()
}

func (p *rwMutexPlain[K, V]) Swap(key K, value V) (V, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	p.m[key] = value
	p.mu.Unlock()
	return v, ok
}

func (p *rwMutexPlain[K, V]) Compute(key K, fn func(old V, loaded bool) (V, safemap.ComputeOp)) (V, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old, loaded := p.m[key]
	v, op := fn(old, loaded)
	switch op {
	case safemap.UpdateOp:
		p.m[key] = v
		return v, true
	case safemap.DeleteOp:
		delete(p.m, key)
		return *new(V), false
	}
	return old, loaded
}

func (p *rwMutexPlain[K, V]) Range(yield func(K, V) bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for k, v := range p.m {
		if !yield(k, v) {
			return
		}
	}
}

func (p *rwMutexPlain[K, V]) All() iter.Seq2[K, V] { return p.Range }

func (p *rwMutexPlain[K, V]) Len() int {
	p.mu.RLock()
	n := len(p.m)
	p.mu.RUnlock()
	return n
}

func (p *rwMutexPlain[K, V]) Clear() {
	p.mu.Lock()
	clear(p.m)
	p.mu.Unlock()
}
