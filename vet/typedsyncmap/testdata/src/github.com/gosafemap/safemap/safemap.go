// Package safemap is a stand-in for github.com/gosafemap/safemap with its
// API and none of its behaviour, so that the analyzers' tests need only
// their testdata.
package safemap

import "iter"

type ComputeOp int

const (
	CancelOp ComputeOp = iota
	UpdateOp
	DeleteOp
)

type Map[K comparable, V any] interface {
	Load(key K) (value V, ok bool)
	Store(key K, value V)
	LoadOrStore(key K, value V) (actual V, loaded bool)
	LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool)
	LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error)
	LoadAndDelete(key K) (value V, loaded bool)
	Delete(key K)
	Swap(key K, value V) (previous V, loaded bool)
	Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool)
	Range(yield func(key K, value V) bool)
	All() iter.Seq2[K, V]
	Len() int
	Clear()
}

type stub[K comparable, V any] struct{ m map[K]V }

func (s *stub[K, V]) Load(key K) (value V, ok bool)                      { v, ok := s.m[key]; return v, ok }
func (s *stub[K, V]) Store(key K, value V)                               { s.m[key] = value }
func (s *stub[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) { return value, false }
func (s *stub[K, V]) LoadOrCompute(key K, valueFn func() V) (actual V, loaded bool) {
	return valueFn(), false
}
func (s *stub[K, V]) LoadOrTryCompute(key K, valueFn func() (V, error)) (value V, loaded bool, err error) {
	v, err := valueFn()
	return v, false, err
}
func (s *stub[K, V]) LoadAndDelete(key K) (value V, loaded bool)    { return value, false }
func (s *stub[K, V]) Delete(key K)                                  {}
func (s *stub[K, V]) Swap(key K, value V) (previous V, loaded bool) { return previous, false }
func (s *stub[K, V]) Compute(key K, fn func(old V, loaded bool) (newValue V, op ComputeOp)) (value V, ok bool) {
	return value, false
}
func (s *stub[K, V]) Range(yield func(key K, value V) bool) {}
func (s *stub[K, V]) All() iter.Seq2[K, V]                  { return func(func(K, V) bool) {} }
func (s *stub[K, V]) Len() int                              { return 0 }
func (s *stub[K, V]) Clear()                                {}

type (
	SyncMap[K comparable, V any]    struct{ stub[K, V] }
	BucketMap[K comparable, V any]  struct{ stub[K, V] }
	ShardedMap[K comparable, V any] struct{ stub[K, V] }
	RWMap[K comparable, V any]      struct{ stub[K, V] }
	MutexMap[K comparable, V any]   struct{ stub[K, V] }
)

func NewBucketMap[K comparable, V any]() *BucketMap[K, V] { return &BucketMap[K, V]{} }

func CompareAndSwap[K, V comparable](m Map[K, V], key K, old, new V) bool { return false }
func CompareAndDelete[K, V comparable](m Map[K, V], key K, old V) bool    { return false }
