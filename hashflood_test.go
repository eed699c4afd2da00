package safemap_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
)

// collidingKeys returns the first n keys of the form "k<i>" that pass keep.
func collidingKeys(n int, keep func(string) bool) []string {
	keys := make([]string, 0, n)
	for i := 0; len(keys) < n; i++ {
		if k := "k" + strconv.Itoa(i); keep(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// TestHashFlood picks keys that all land in shard 0 of one ShardedMap, as
// an attacker who learnt that map's seed could, and checks that they spread
// evenly over the shards of another map, which draws its own seed. Strings
// and integers are hashed differently, so it tries both.
func TestHashFlood(t *testing.T) {
	t.Run("string", func(t *testing.T) {
		testHashFlood(t, func(i int) string { return "k" + strconv.Itoa(i) })
	})
	t.Run("int", func(t *testing.T) {
		testHashFlood(t, func(i int) int { return i })
	})
}

func testHashFlood[K comparable](t *testing.T, key func(int) K) {
	const shards, n = 64, 2048
	const expected = float64(n) / shards
	a := safemap.NewShardedMap[K, int](safemap.WithShards(shards))
	var keys []K
	for i := 0; len(keys) < n; i++ {
		if k := key(i); safemap.ShardIndex(a, k) == 0 {
			keys = append(keys, k)
		}
	}

	b := safemap.NewShardedMap[K, int](safemap.WithShards(shards))
	counts := make([]int, shards)
	for _, k := range keys {
		counts[safemap.ShardIndex(b, k)]++
	}
	chi2, most := 0.0, 0
	for _, c := range counts {
		chi2 += (float64(c) - expected) * (float64(c) - expected) / expected
		most = max(most, c)
	}
	t.Logf("%d keys in shard 0 of one map spread over %d shards of another: chi-square %.1f (63 degrees of freedom), fullest shard %d keys (expected %.0f)",
		n, shards, chi2, most, expected)
	// If keys land in shards uniformly at random, chi-square exceeds 200
	// with probability 4e-16, and some shard gets 97 keys or more with
	// probability 4e-19: these bounds cannot flake. Were the two seeds the
	// same, chi-square would be 129,024 and the fullest shard hold all 2,048.
	assert.Less(t, chi2, 200.0, "keys that collide under one seed must not collide under another: %v", counts)
	assert.Less(t, most, 97, "keys that collide under one seed must not collide under another: %v", counts)
}

// fnvMap is the strawman for BenchmarkHashFlood: a sharded map that picks a
// key's shard with an unseeded 32-bit FNV-1a hash modulo the shard count, as
// some popular sharded maps do. Which keys share a shard is the same for
// every instance, so anyone can compute colliding keys offline.
type fnvMap struct {
	shards [fnvShards]struct {
		sync.RWMutex
		m map[string]int
	}
}

const fnvShards = 64

func newFNVMap() *fnvMap {
	f := new(fnvMap)
	for i := range f.shards {
		f.shards[i].m = make(map[string]int)
	}
	return f
}

func fnv32a(key string) uint32 {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := range len(key) {
		h ^= uint32(key[i])
		h *= prime
	}
	return h
}

func (f *fnvMap) Load(key string) (int, bool) {
	s := &f.shards[fnv32a(key)%fnvShards]
	s.RLock()
	defer s.RUnlock()
	v, ok := s.m[key]
	return v, ok
}

func (f *fnvMap) Store(key string, value int) {
	s := &f.shards[fnv32a(key)%fnvShards]
	s.Lock()
	defer s.Unlock()
	s.m[key] = value
}

// BenchmarkHashFlood runs parallel loads and stores, half each, on keys
// that all share one shard of fnvMap, found by brute force, and on as many
// ordinary keys, in fnvMap and in a ShardedMap with as many shards. Flooded
// keys serialise fnvMap on one lock; the ShardedMap's per-map seed spreads
// them. Compare with benchstat -col /keys.
func BenchmarkHashFlood(b *testing.B) {
	const n = 1024
	keySets := []struct {
		name string
		keys []string
	}{
		{"adversarial", collidingKeys(n, func(k string) bool { return fnv32a(k)%fnvShards == 0 })},
		{"ordinary", collidingKeys(n, func(string) bool { return true })},
	}
	type loadStorer interface {
		Load(string) (int, bool)
		Store(string, int)
	}
	maps := []struct {
		name string
		make func() loadStorer
	}{
		{"fnv", func() loadStorer { return newFNVMap() }},
		{"sharded", func() loadStorer { return safemap.NewShardedMap[string, int](safemap.WithShards(fnvShards)) }},
	}
	for _, mp := range maps {
		for _, ks := range keySets {
			b.Run("map="+mp.name+"/keys="+ks.name, func(b *testing.B) {
				m := mp.make()
				for i, k := range ks.keys {
					m.Store(k, i)
				}
				var goroutines atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := int(goroutines.Add(1)) * 97 // each goroutine starts elsewhere in the keys
					for pb.Next() {
						k := ks.keys[i%n]
						if i%2 == 0 {
							m.Store(k, i)
						} else {
							m.Load(k)
						}
						i++
					}
				})
			})
		}
	}
}
