package bench

import (
	"sync"

	"github.com/alphadose/haxmap"
	cmap "github.com/orcaman/concurrent-map/v2"
	"github.com/puzpuzpuz/xsync/v4"

	"github.com/gosafemap/safemap/internal/workload"
)

// The adapters below call each peer the way its users do, through its own
// idiomatic API, and add nothing but the renaming to Load, Store and Delete.

// syncMapRaw is a sync.Map used as most code uses it: keys and values go in
// as interfaces and come out through a type assertion.
type syncMapRaw[K comparable] struct{ m sync.Map }

func newSyncMapRaw[K comparable]() workload.Map[K] { return new(syncMapRaw[K]) }

func (s *syncMapRaw[K]) Load(key K) (int, bool) {
	v, ok := s.m.Load(key)
	if !ok {
		return 0, false
	}
	return v.(int), true
}

func (s *syncMapRaw[K]) Store(key K, value int) { s.m.Store(key, value) }
func (s *syncMapRaw[K]) Delete(key K)           { s.m.Delete(key) }

// An xsync.Map already has Load, Store and Delete with these signatures.
func newXsync[K comparable]() workload.Map[K] { return xsync.NewMap[K, int]() }

// orcamanMap renames the methods of a concurrent-map.
type orcamanMap[K comparable] struct{ m cmap.ConcurrentMap[K, int] }

func (o orcamanMap[K]) Load(key K) (int, bool) { return o.m.Get(key) }
func (o orcamanMap[K]) Store(key K, value int) { o.m.Set(key, value) }
func (o orcamanMap[K]) Delete(key K)           { o.m.Remove(key) }

// newOrcamanString uses the package's own FNV-1 hash of the string.
func newOrcamanString() workload.Map[string] { return orcamanMap[string]{cmap.New[int]()} }

// newOrcamanInt: concurrent-map hashes only strings itself, so int keys need
// a sharding function of the user's. This one is 32-bit FNV-1a over the
// integer's eight bytes, the same family as the package's string hash and
// the kind of function its users write. (Its own benchmarks use the integer
// itself, which shards the workloads' keys 0 to n-1 perfectly evenly and so
// flatters it.)
func newOrcamanInt() workload.Map[int] {
	return orcamanMap[int]{cmap.NewWithCustomShardingFunction[int, int](fnv1aInt)}
}

// fnv1aInt is 32-bit FNV-1a over the eight bytes of key, low byte first.
func fnv1aInt(key int) uint32 {
	h := uint32(2166136261)
	for i := range 8 {
		h = (h ^ uint32(uint64(key)>>(8*i)&0xff)) * 16777619
	}
	return h
}

// haxmapMap renames the methods of a haxmap.Map. haxmap's key constraint is
// unexported; int and string satisfy it.
type haxmapMap[K int | string] struct{ m *haxmap.Map[K, int] }

func newHaxmap[K int | string]() workload.Map[K] { return haxmapMap[K]{haxmap.New[K, int]()} }

func (h haxmapMap[K]) Load(key K) (int, bool) { return h.m.Get(key) }
func (h haxmapMap[K]) Store(key K, value int) { h.m.Set(key, value) }
func (h haxmapMap[K]) Delete(key K)           { h.m.Del(key) }

// mutexPlain is the map and mutex that people write by hand, unlocking
// without defer as such code usually does on a one-line critical section.
type mutexPlain[K comparable] struct {
	mu sync.Mutex
	m  map[K]int
}

func newMutexPlain[K comparable]() workload.Map[K] { return &mutexPlain[K]{m: make(map[K]int)} }

func (p *mutexPlain[K]) Load(key K) (int, bool) {
	p.mu.Lock()
	v, ok := p.m[key]
	p.mu.Unlock()
	return v, ok
}

func (p *mutexPlain[K]) Store(key K, value int) {
	p.mu.Lock()
	p.m[key] = value
	p.mu.Unlock()
}

func (p *mutexPlain[K]) Delete(key K) {
	p.mu.Lock()
	delete(p.m, key)
	p.mu.Unlock()
}

// rwMutexPlain is mutexPlain with a sync.RWMutex, read-locked for Load.
type rwMutexPlain[K comparable] struct {
	mu sync.RWMutex
	m  map[K]int
}

func newRWMutexPlain[K comparable]() workload.Map[K] { return &rwMutexPlain[K]{m: make(map[K]int)} }

func (p *rwMutexPlain[K]) Load(key K) (int, bool) {
	p.mu.RLock()
	v, ok := p.m[key]
	p.mu.RUnlock()
	return v, ok
}

func (p *rwMutexPlain[K]) Store(key K, value int) {
	p.mu.Lock()
	p.m[key] = value
	p.mu.Unlock()
}

func (p *rwMutexPlain[K]) Delete(key K) {
	p.mu.Lock()
	delete(p.m, key)
	p.mu.Unlock()
}
