// Package checkthenact holds, in this file, Loads followed by a Store or
// Delete of the same key that another goroutine can slip between, and in
// silent.go, code that must not be reported.
package checkthenact

import (
	"sync"

	"github.com/gosafemap/safemap"
)

type session struct{ user string }

var sessions sync.Map

func register(id string, s *session) {
	if _, ok := sessions.Load(id); !ok { // want `another goroutine can store id between this Load and the Store at line 18, and one of the two values is lost; use LoadOrStore \(or CompareAndSwap for a condition on the old value\), which check and store at once`
		sessions.Store(id, s)
	}
}

func registerLiteral(m *sync.Map, id int) {
	if _, ok := m.Load(id); !ok { // want `another goroutine can store id between this Load`
		m.Store(id, &session{user: "guest"})
	}
}

type server struct {
	conns *safemap.BucketMap[string, int]
}

func (s *server) add(addr string) {
	if _, ok := s.conns.Load(addr); !ok { // want `another goroutine can store addr between this Load and the Store at line 34, and one of the two values is lost; use LoadOrStore, LoadOrCompute or Compute`
		s.conns.Store(addr, 1)
	}
}

func viaInterface(m safemap.Map[string, []byte], k string) []byte {
	v, ok := m.Load(k) // want `another goroutine can store k between this Load and the Store at line 42`
	if !ok {
		v = make([]byte, 64)
		m.Store(k, v)
	}
	return v
}

func elseBranch(m *safemap.ShardedMap[int, string], k int) string {
	if v, ok := m.Load(k); ok { // want `another goroutine can store k between this Load and the Store at line 51`
		return v
	} else {
		m.Store(k, "new")
	}
	return "new"
}

func computed(m *safemap.SyncMap[string, int], k string, expensive func() int) {
	if _, ok := m.Load(k); !ok { // want `another goroutine can store k between this Load and the Store at line 58`
		m.Store(k, expensive()) // the call would run even when k is present: no fix
	}
}

func takeOnce(m *sync.Map, k string) (any, bool) {
	if v, ok := m.Load(k); ok { // want `another goroutine can store k between this Load and the Delete at line 64, and Delete removes a value nobody saw; use LoadAndDelete or CompareAndDelete, which check and delete at once`
		m.Delete(k)
		return v, true
	}
	return nil, false
}

func dropIfPresent(m *safemap.RWMap[string, int], k string) {
	if _, ok := m.Load(k); ok { // want `another goroutine can store k between this Load and the Delete at line 72`
		m.Delete(k)
	}
}

func dropLater(m *safemap.MutexMap[string, int], k string) int {
	v, ok := m.Load(k) // want `another goroutine can store k between this Load and the Delete at line 80`
	if ok {
		v++
		m.Delete(k)
	}
	return v
}

type cache struct{ m sync.Map }

func (c *cache) fieldKey(s *session) {
	if _, ok := c.m.Load(s.user); !ok { // want `another goroutine can store s.user between this Load`
		c.m.Store(s.user, s)
	}
}
