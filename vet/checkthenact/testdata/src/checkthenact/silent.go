package checkthenact

import (
	"sync"

	"github.com/gosafemap/safemap"
)

// Atomic methods.
func atomicStore(m *sync.Map, k string, v int) {
	m.LoadOrStore(k, v)
	m.LoadAndDelete(k)
	m.CompareAndDelete(k, v)
}

// A different key in the Store.
func otherKey(m *sync.Map, k, k2 string) {
	if _, ok := m.Load(k); !ok {
		m.Store(k2, 1)
	}
}

// A different map in the Store.
func otherMap(a, b *sync.Map, k string) {
	if _, ok := a.Load(k); !ok {
		b.Store(k, 1)
	}
}

// The Store in the present branch updates a value that was seen: a
// read-modify-write, but not the check-then-act of a missing key.
func presentStore(m *safemap.BucketMap[string, int], k string) {
	if v, ok := m.Load(k); ok {
		m.Store(k+"-copy", v)
	}
}

// A key computed by a call may differ between the two calls.
func callKey(m *sync.Map, next func() int) {
	if _, ok := m.Load(next()); !ok {
		m.Store(next(), 1)
	}
}

// Delete in the absent branch deletes nothing that was seen.
func absentDelete(m *sync.Map, k string) {
	if _, ok := m.Load(k); !ok {
		m.Delete(k)
	}
}

// A built-in map: sharedmap's business, not this analyzer's.
func builtin(m map[string]int, k string) {
	if _, ok := m[k]; !ok {
		m[k] = 1
	}
}

// A type with the same method names that is not a concurrent map.
type local struct{ m map[string]int }

func (l *local) Load(k string) (int, bool) { v, ok := l.m[k]; return v, ok }
func (l *local) Store(k string, v int)     { l.m[k] = v }

func notConcurrent(l *local, k string) {
	if _, ok := l.Load(k); !ok {
		l.Store(k, 1)
	}
}

// Store inside a function literal runs later, under other conditions.
func deferred(m *sync.Map, k string) func() {
	if _, ok := m.Load(k); !ok {
		return func() { m.Store(k, 1) }
	}
	return nil
}

// The result is not used as the condition.
func unrelatedCond(m *sync.Map, k string, force bool) {
	_, ok := m.Load(k)
	_ = ok
	if force {
		m.Store(k, 1)
	}
}

// LoadOrCompute and Compute.
func computeOnce(m *safemap.ShardedMap[string, []int], k string) {
	m.LoadOrCompute(k, func() []int { return make([]int, 8) })
	m.Compute(k, func(old []int, loaded bool) ([]int, safemap.ComputeOp) {
		return append(old, 1), safemap.UpdateOp
	})
}

// A mutex around both calls makes them one step for code that takes it too.
func locked(mu *sync.Mutex, m *sync.Map, k string) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := m.Load(k); !ok {
		m.Store(k, 1)
	}
}
