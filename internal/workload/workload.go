// Package workload drives concurrent maps through the benchmark workloads
// that safemap's own benchmarks and the mapbench command share, so that every
// map, safemap's and its peers', is measured by the same code.
//
// A workload is a mix of Load, Store and Delete calls on a prepopulated set
// of keys, chosen uniformly or with a Zipf skew, run by b.RunParallel with one
// random number generator per goroutine. Stores and deletes come in equal
// numbers and pick keys alike, so each key is present half the time: Fill
// stores every other key, the state the writes keep the map in, so that a
// result does not depend on how long the benchmark ran.
//
// Drive runs a wider workload on any safemap.Map: a mix of any of its
// methods (see Mix), values of any size, and the latency of a sample of the
// calls, timed one call in every so many.
package workload

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/gosafemap/safemap"
)

// Map is the part of a concurrent map that the workloads use. Values are ints.
type Map[K comparable] interface {
	Load(key K) (int, bool)
	Store(key K, value int)
	Delete(key K)
}

// Spec describes one workload.
type Spec struct {
	Key   string // "int" or "string"
	Keys  int    // distinct keys, half of them stored before the clock starts
	Dist  string // "uniform" or "zipf"
	Reads int    // percent of operations that are Load; the rest split evenly between Store and Delete

	// Mix, when not zero, replaces Reads: the share of calls that each
	// method of safemap.Map gets. Only Drive runs such a spec.
	Mix Mix
	// ValueSize, when above zero, makes the values []byte slices of that
	// many bytes (see ByteValues) rather than ints. Only Drive runs such a spec.
	ValueSize int
}

// MaxValueSize bounds Spec.ValueSize.
const MaxValueSize = 1 << 20

// OpMix returns the spec's mix: Mix, or the mix of Reads when Mix is zero.
func (s Spec) OpMix() Mix {
	if s.Mix.IsZero() {
		return ReadMix(s.Reads)
	}
	return s.Mix
}

// Key types and distributions.
const (
	IntKey    = "int"
	StringKey = "string"
	Uniform   = "uniform"
	Zipf      = "zipf"
)

// ZipfS is the skew of the Zipf distribution: with s = 1.1 over 1,000 keys,
// the hottest key takes about a sixth of all operations and the hottest ten
// about half.
const ZipfS = 1.1

// ReadMixes are the read percentages every matrix covers. Each leaves the
// rest to Store and Delete in equal parts:
//
//	100: 100% loads
//	 99:  99% loads, 0.5% stores, 0.5% deletes
//	 90:  90% loads,   5% stores,   5% deletes
//	 75:  75% loads, 12.5% stores, 12.5% deletes
//	 50:  50% loads,  25% stores,  25% deletes
//	 10:  10% loads,  45% stores,  45% deletes
var ReadMixes = []int{100, 99, 90, 75, 50, 10}

// KeyCounts are the map sizes every matrix covers: one that fits in a
// core's caches and one that does not.
var KeyCounts = []int{1_000, 1_000_000}

// Name returns the spec as benchmark name elements, for example
// "key=int/keys=1000/dist=uniform/reads=90". A spec with a Mix names it in
// place of the read percentage, as in ".../dist=uniform/ops=load:70,compute:30",
// and one with a ValueSize adds it, as in ".../reads=90/value=256B".
func (s Spec) Name() string {
	name := fmt.Sprintf("key=%s/keys=%d/dist=%s/reads=%d", s.Key, s.Keys, s.Dist, s.Reads)
	if !s.Mix.IsZero() {
		name = fmt.Sprintf("key=%s/keys=%d/dist=%s/ops=%s", s.Key, s.Keys, s.Dist, s.Mix.Name())
	}
	if s.ValueSize > 0 {
		name += fmt.Sprintf("/value=%dB", s.ValueSize)
	}
	return name
}

// Validate reports whether the spec describes a workload Run can drive,
// or, with a Mix or a ValueSize, one that Drive can.
func (s Spec) Validate() error {
	switch {
	case s.Key != IntKey && s.Key != StringKey:
		return fmt.Errorf("key type %q: want %q or %q", s.Key, IntKey, StringKey)
	case s.Dist != Uniform && s.Dist != Zipf:
		return fmt.Errorf("distribution %q: want %q or %q", s.Dist, Uniform, Zipf)
	case s.Keys < 1 || s.Keys > 1<<30:
		return fmt.Errorf("key count %d: want 1 to %d", s.Keys, 1<<30)
	case s.Reads < 0 || s.Reads > 100:
		return fmt.Errorf("read percentage %d: want 0 to 100", s.Reads)
	case s.ValueSize < 0 || s.ValueSize > MaxValueSize:
		return fmt.Errorf("value size %d: want 0 to %d bytes", s.ValueSize, MaxValueSize)
	}
	if !s.Mix.IsZero() {
		if err := s.Mix.Validate(); err != nil {
			return fmt.Errorf("mix %s: %v", s.Mix, err)
		}
	}
	return nil
}

// Matrix returns every combination of key type, key count, distribution and
// read mix.
func Matrix() []Spec {
	var specs []Spec
	for _, key := range []string{IntKey, StringKey} {
		for _, n := range KeyCounts {
			for _, dist := range []string{Uniform, Zipf} {
				for _, reads := range ReadMixes {
					specs = append(specs, Spec{Key: key, Keys: n, Dist: dist, Reads: reads})
				}
			}
		}
	}
	return specs
}

// IntKeys returns the keys 0 to n-1.
func IntKeys(n int) []int {
	keys := make([]int, n)
	for i := range keys {
		keys[i] = i
	}
	return keys
}

// StringKeys returns n distinct strings, made once so that the workload
// itself allocates nothing.
func StringKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key-" + strconv.Itoa(i)
	}
	return keys
}

// Fill stores every other key, with its index as the value. A workload's
// equal shares of Store and Delete keep each key present half the time, so
// a map filled this way starts where the writes keep it.
func Fill[K comparable](m Map[K], keys []K) {
	for i := 0; i < len(keys); i += 2 {
		m.Store(keys[i], i)
	}
}

// Run measures s on m, which must already hold half the keys (see Fill). One
// operation is one Load, Store or Delete. It reports allocations and an
// ops/s metric, and honours -cpu through b.RunParallel.
func Run[K comparable](b *testing.B, m Map[K], keys []K, s Spec) {
	if err := s.Validate(); err != nil {
		b.Fatal(err)
	}
	if len(keys) != s.Keys {
		b.Fatalf("%d keys for a spec of %d", len(keys), s.Keys)
	}
	if !s.Mix.IsZero() || s.ValueSize != 0 {
		b.Fatalf("%s: Run drives only Load, Store and Delete of int values; Drive runs mixes and other values", s.Name())
	}
	p := newPicker(s)
	var seeds atomic.Uint64

	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := NewRNG(seeds.Add(1))
		for pb.Next() {
			i, op := p.pick(rng.Next())
			switch op {
			case load:
				m.Load(keys[i])
			case store:
				m.Store(keys[i], int(i))
			default:
				m.Delete(keys[i])
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

type op uint8

const (
	load op = iota
	store
	del
)

// picker turns 64 random bits into a key index and an operation.
type picker struct {
	n      uint64   // number of keys
	zipf   []uint32 // nil for uniform keys
	loads  uint64   // below loads on [0, mixScale): Load
	stores uint64   // below stores: Store; the rest: Delete
}

// mixScale is the resolution of the operation mix: half a percent, so that
// the 1% of writes at reads=99 splits evenly.
const mixScale = 200

func newPicker(s Spec) *picker {
	loads := uint64(s.Reads) * mixScale / 100
	p := &picker{n: uint64(s.Keys), loads: loads, stores: loads + (mixScale-loads)/2}
	if s.Dist == Zipf {
		p.zipf = ZipfTable(s.Keys)
	}
	return p
}

// pick takes the key from the low 32 bits of x and the operation from the
// high 32, by multiplying and shifting rather than dividing.
func (p *picker) pick(x uint64) (uint64, op) {
	var i uint64
	if p.zipf != nil {
		i = uint64(p.zipf[x&zipfMask])
	} else {
		i = (x & 0xffffffff) * p.n >> 32
	}
	switch r := (x >> 32) * mixScale >> 32; {
	case r < p.loads:
		return i, load
	case r < p.stores:
		return i, store
	}
	return i, del
}

// zipfMask sizes a Zipf table: 2^20 draws are enough that the table's
// sampling error is far below the benchmarks' noise.
const zipfMask = 1<<20 - 1

var zipfTables safemap.SyncMap[int, []uint32] // key count -> table

// ZipfTable returns 2^20 key indexes in [0, n) drawn from a Zipf
// distribution with s = ZipfS. Drawing from it costs one load, where the
// Zipf sampler would cost a logarithm and an exponential per operation. The
// table is read-only and shared, so it adds no contention.
func ZipfTable(n int) []uint32 {
	if t, ok := zipfTables.Load(n); ok {
		return t
	}
	z := rand.NewZipf(rand.New(rand.NewPCG(uint64(n), 0x5afe)), ZipfS, 1, uint64(n-1))
	t := make([]uint32, zipfMask+1)
	for i := range t {
		t[i] = uint32(z.Uint64())
	}
	actual, _ := zipfTables.LoadOrStore(n, t)
	return actual
}

// RNG is a small, fast generator (wyrand) for one goroutine: it has no shared
// state and does not allocate.
type RNG struct{ s uint64 }

// NewRNG returns a generator; different seeds give different streams.
func NewRNG(seed uint64) *RNG { return &RNG{s: seed * 0x9e3779b97f4a7c15} }

// Next returns 64 random bits.
func (r *RNG) Next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// BytesPerEntry returns the heap bytes that a map holding n int→int entries
// keeps live, divided by n: what each entry costs, table and overhead
// included.
func BytesPerEntry(newMap func() Map[int], n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := newMap()
	for i := range n {
		m.Store(i, i)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}
