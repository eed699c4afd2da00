package workload

import (
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	m, err := ParseMix("load=90, store=4,delete=2,LoadOrStore=2,compute=1.9,range=0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := Mix{OpLoad: 90, OpStore: 4, OpDelete: 2, OpLoadOrStore: 2, OpCompute: 1.9, OpRange: 0.1}
	if m != want {
		t.Errorf("ParseMix = %v, want %v", m, want)
	}
	if got := m.String(); got != "load=90,store=4,delete=2,loadorstore=2,compute=1.9,range=0.1" {
		t.Errorf("String() = %q", got)
	}
	if again, err := ParseMix(m.String()); err != nil || again != m {
		t.Errorf("ParseMix(String()) = %v, %v", again, err)
	}
	if got, want := m.Writes(), 9.9; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("Writes() = %v, want %v", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"", "empty mix"},
		{"load", `"load": want name=percentage`},
		{"load=90,get=10", `"get" is not an operation; want one of load, store, delete, loadorstore`},
		{"load=90,load=10", "load is given twice"},
		{"load=ninety,store=10", "load=ninety: want a percentage from 0 to 100"},
		{"load=-5,store=105", "load=-5: want a percentage"},
		{"load=90,store=5", "the percentages add up to 95, want 100"},
		{"load=NaN,store=100", "load=NaN: want a percentage"},
	} {
		_, err := ParseMix(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseMix(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestReadMix(t *testing.T) {
	for _, reads := range ReadMixes {
		m := ReadMix(reads)
		if err := m.Validate(); err != nil {
			t.Errorf("ReadMix(%d): %v", reads, err)
		}
		s := Spec{Key: IntKey, Keys: 10, Dist: Uniform, Reads: reads}
		if s.OpMix() != m {
			t.Errorf("OpMix of reads=%d is %v", reads, s.OpMix())
		}
	}
}

func TestSpecWithMix(t *testing.T) {
	mix, _ := ParseMix("load=70,loadorstore=20,compute=10")
	s := Spec{Key: StringKey, Keys: 100, Dist: Zipf, Mix: mix, ValueSize: 256}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Name(), "key=string/keys=100/dist=zipf/ops=load:70,loadorstore:20,compute:10/value=256B"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	s.ValueSize = MaxValueSize + 1
	if s.Validate() == nil {
		t.Error("no error for a value too large")
	}
	s.ValueSize = 0
	s.Mix[OpLoad] = 60
	if s.Validate() == nil {
		t.Error("no error for a mix of 90%")
	}
}

// TestMixPicker checks that every operation gets its share and that
// Load, Store and Delete come out as newPicker draws them.
func TestMixPicker(t *testing.T) {
	mix, _ := ParseMix("load=90,store=4,delete=2,loadorstore=2,compute=1.9,range=0.1")
	p := newMixPicker(Spec{Key: IntKey, Keys: 1000, Dist: Uniform, Mix: mix})
	rng := NewRNG(3)
	const draws = 2_000_000
	var counts [NumOps]int
	for range draws {
		i, op := p.pick(rng.Next())
		if i >= 1000 {
			t.Fatalf("index %d out of range", i)
		}
		counts[op]++
	}
	for op, want := range mix {
		got := float64(counts[op]) / draws * 100
		if diff := got - want; diff > 0.05 || diff < -0.05 {
			t.Errorf("%s has share %.3f%%, want %.3f%%", Op(op), got, want)
		}
	}

	for _, reads := range ReadMixes {
		s := Spec{Key: IntKey, Keys: 1000, Dist: Zipf, Reads: reads}
		old, mp := newPicker(s), newMixPicker(s)
		rng := NewRNG(4)
		for range 100_000 {
			x := rng.Next()
			i, o := old.pick(x)
			j, op := mp.pick(x)
			if i != j || int(o) != int(op) {
				t.Fatalf("reads=%d: picker draws %d/%d, mixPicker %d/%s", reads, i, o, j, op)
			}
		}
	}
}
