package safemap

import (
	"hash/maphash"
	"math/bits"
	"reflect"
	"unsafe"
)

// hashSeed seeds a map's hash. It is drawn at random for each map, so that
// keys chosen to collide in one map's buckets spread in another's.
type hashSeed struct {
	seed   maphash.Seed
	s0, s1 uint64
	word64 bool // keys are 8-byte words that are equal exactly when their bits are
}

func newHashSeed[K comparable]() hashSeed {
	s := maphash.MakeSeed()
	return hashSeed{
		seed:   s,
		s0:     maphash.Comparable(s, uint64(1)),
		s1:     maphash.Comparable(s, uint64(2)),
		word64: isWord64(reflect.TypeFor[K]()),
	}
}

// isWord64 reports whether values of t are 8 bytes that are equal exactly
// when their bits are: integers, including named ones such as a request id,
// and pointers and channels, which compare by address.
func isWord64(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr,
		reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return t.Size() == 8
	}
	return false
}

// hashOf hashes key with the map's seed. 8-byte words take a fast path (two
// rounds of multiply-and-fold keyed by the seed); every other key goes
// through maphash.Comparable, which panics on an unhashable dynamic type
// exactly as a built-in map does, and hashes NaNs at random, as a built-in
// map does.
func hashOf[K comparable](s *hashSeed, key K) uint64 {
	if h, ok := wordHash(s, key); ok {
		return h
	}
	return maphash.Comparable(s.seed, key)
}

// wordHash is hashOf's fast path: it returns the hash of key and true if
// keys are 8-byte words. It inlines, where hashOf, which makes a call, does
// not, so the hottest paths write hashOf out around it.
func wordHash[K comparable](s *hashSeed, key K) (uint64, bool) {
	if !s.word64 {
		return 0, false
	}
	return s.hashUint64(*(*uint64)(unsafe.Pointer(&key))), true
}

func (s *hashSeed) hashUint64(x uint64) uint64 {
	return fold(fold(x^s.s0, 0xa0761d6478bd642f^s.s1), 0xe7037ed1a0b428db^x)
}

func fold(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// mustBeHashable panics, as a built-in map does, if key's dynamic type is
// not hashable. Paths that answer without hashing call it, so that such a
// key panics on an empty map too.
func mustBeHashable[K comparable](key K) {
	var probe map[K]struct{}
	_ = probe[key]
}
