package workload

import (
	"flag"
	"sync"
	"testing"
	"unsafe"
)

func TestPickerMix(t *testing.T) {
	for _, reads := range ReadMixes {
		p := newPicker(Spec{Key: IntKey, Keys: 1000, Dist: Uniform, Reads: reads})
		rng := NewRNG(1)
		const draws = 400_000
		var counts [3]int
		for range draws {
			i, op := p.pick(rng.Next())
			if i >= 1000 {
				t.Fatalf("index %d out of range", i)
			}
			counts[op]++
		}
		wantLoads := float64(reads) / 100
		wantEach := (1 - wantLoads) / 2
		for op, want := range []float64{wantLoads, wantEach, wantEach} {
			got := float64(counts[op]) / draws
			if diff := got - want; diff > 0.005 || diff < -0.005 {
				t.Errorf("reads=%d: op %d has share %.4f, want %.4f", reads, op, got, want)
			}
		}
	}
}

func TestPickerUniformKeys(t *testing.T) {
	p := newPicker(Spec{Key: IntKey, Keys: 10, Dist: Uniform, Reads: 100})
	rng := NewRNG(2)
	var counts [10]int
	for range 100_000 {
		i, _ := p.pick(rng.Next())
		counts[i]++
	}
	for i, c := range counts {
		if c < 9_500 || c > 10_500 {
			t.Errorf("key %d drawn %d times of 100000, want about 10000", i, c)
		}
	}
}

func TestZipfSkew(t *testing.T) {
	table := ZipfTable(1000)
	var counts [1000]int
	for _, i := range table {
		counts[i]++
	}
	top := float64(counts[0]) / float64(len(table))
	top10 := 0
	for _, c := range counts[:10] {
		top10 += c
	}
	if top < 0.15 || top > 0.21 {
		t.Errorf("hottest key has share %.3f, want about 1/6", top)
	}
	if share := float64(top10) / float64(len(table)); share < 0.43 || share > 0.53 {
		t.Errorf("ten hottest keys have share %.3f, want about 1/2", share)
	}
	if counts[999] == 0 && counts[998] == 0 && counts[997] == 0 {
		t.Error("the coldest keys are never drawn")
	}
	if &ZipfTable(1000)[0] != &table[0] {
		t.Error("ZipfTable does not reuse its table")
	}
}

func TestValidate(t *testing.T) {
	good := Spec{Key: IntKey, Keys: 10, Dist: Zipf, Reads: 90}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Spec{
		{Key: "float", Keys: 10, Dist: Uniform, Reads: 90},
		{Key: IntKey, Keys: 0, Dist: Uniform, Reads: 90},
		{Key: IntKey, Keys: 10, Dist: "normal", Reads: 90},
		{Key: IntKey, Keys: 10, Dist: Uniform, Reads: 101},
		{Key: IntKey, Keys: 10, Dist: Uniform, Reads: -1},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if got := len(Matrix()); got != 2*2*2*6 {
		t.Errorf("Matrix has %d specs", got)
	}
	if got, want := good.Name(), "key=int/keys=10/dist=zipf/reads=90"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
}

// countingMap counts the calls Run makes.
type countingMap struct {
	mu                    sync.Mutex
	m                     map[string]int
	loads, stores, delete int
}

func (c *countingMap) Load(k string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loads++
	v, ok := c.m[k]
	return v, ok
}

func (c *countingMap) Store(k string, v int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stores++
	c.m[k] = v
}

func (c *countingMap) Delete(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.delete++
	delete(c.m, k)
}

func TestRun(t *testing.T) {
	if err := flag.Set("test.benchtime", "20000x"); err != nil {
		t.Fatal(err)
	}
	keys := StringKeys(100)
	m := &countingMap{m: make(map[string]int)}
	Fill(m, keys)
	if len(m.m) != 50 || m.stores != 50 {
		t.Fatalf("Fill stored %d keys in %d calls, want every other key", len(m.m), m.stores)
	}
	if _, ok := m.m[keys[0]]; !ok {
		t.Fatal("Fill skipped the first key")
	}
	m.stores = 0
	res := testing.Benchmark(func(b *testing.B) {
		Run(b, m, keys, Spec{Key: StringKey, Keys: 100, Dist: Zipf, Reads: 50})
	})
	total := m.loads + m.stores + m.delete
	if res.N != 20000 || total < res.N {
		t.Fatalf("benchmark ran %d ops, map saw %d", res.N, total)
	}
	if m.loads < total*4/10 || m.stores < total*2/10 || m.delete < total*2/10 {
		t.Errorf("mix %d/%d/%d is not about 50/25/25", m.loads, m.stores, m.delete)
	}
	if res.Extra["ops/s"] <= 0 {
		t.Errorf("no ops/s metric: %v", res.Extra)
	}
}

// plain is a built-in map without a lock, for single-goroutine tests.
type plain map[int]int

func (p plain) Load(k int) (int, bool) { v, ok := p[k]; return v, ok }
func (p plain) Store(k, v int)         { p[k] = v }
func (p plain) Delete(k int)           { delete(p, k) }

func TestBytesPerEntry(t *testing.T) {
	small := BytesPerEntry(func() Map[int] { return plain{} }, 100_000)
	// A built-in map of ints needs a key and a value per slot, 16 bytes on
	// 64-bit platforms and 8 on 32-bit ones, and keeps some slots empty;
	// anything far from that measures something else.
	kv := 2 * float64(unsafe.Sizeof(int(0)))
	if small < kv || small > 5*kv {
		t.Errorf("built-in map: %.1f bytes per entry, want %.0f to %.0f", small, kv, 5*kv)
	}
}
