package safemap

import (
	"slices"
	"sync"
)

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

// rwLocked is a plainMap guarded by a sync.RWMutex: the body of an RWMap,
// and one shard of a ShardedMap. Its size does not depend on K and V.
type rwLocked[K comparable, V any] struct {
	mu sync.RWMutex
	m  plainMap[K, V]
}

func (l *rwLocked[K, V]) load(key K) (V, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.m.load(key)
}

func (l *rwLocked[K, V]) store(key K, value V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m.store(key, value)
}

// loadOrStore looks for the key under the read lock first, so that a key
// already present costs no write lock.
func (l *rwLocked[K, V]) loadOrStore(key K, value V) (V, bool) {
	if v, ok := l.load(key); ok {
		return v, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.loadOrStore(key, value)
}

func (l *rwLocked[K, V]) loadAndDelete(key K) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.loadAndDelete(key)
}

func (l *rwLocked[K, V]) delete(key K) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m.m, key)
}

func (l *rwLocked[K, V]) swap(key K, value V) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.swap(key, value)
}

func (l *rwLocked[K, V]) compute(g *computeGuard, key K, fn func(V, bool) (V, ComputeOp)) (V, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m.compute(g, key, fn)
}

// rangeWith copies the entries into buf under the read lock and calls yield
// on the copy after releasing it. It returns the buffer for reuse and
// reports whether yield asked to go on.
func (l *rwLocked[K, V]) rangeWith(buf []entry[K, V], yield func(K, V) bool) ([]entry[K, V], bool) {
	l.mu.RLock()
	buf = l.m.appendTo(buf[:0])
	l.mu.RUnlock()
	return buf, yieldAll(buf, yield)
}

func (l *rwLocked[K, V]) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.m.m)
}

// replace replaces the entries with those of entries, which it keeps.
func (l *rwLocked[K, V]) replace(entries map[K]V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m.m = entries
}
