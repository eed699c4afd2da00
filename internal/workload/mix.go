package workload

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// An Op is one method of safemap.Map that a mix can call.
type Op uint8

// The operations, in the order of safemap.Map's methods.
const (
	OpLoad             Op = iota // Load
	OpStore                      // Store
	OpDelete                     // Delete
	OpLoadOrStore                // LoadOrStore
	OpLoadOrCompute              // LoadOrCompute, whose valueFn returns a value at once
	OpLoadOrTryCompute           // LoadOrTryCompute, whose valueFn never fails
	OpLoadAndDelete              // LoadAndDelete
	OpSwap                       // Swap
	OpCompute                    // Compute that updates: int values count up, others are replaced
	OpRange                      // Range over every entry
	OpAll                        // a for loop over All, every entry
	OpLen                        // Len
	OpClear                      // Clear
	NumOps                       // the number of operations
)

var opNames = [NumOps]string{
	"load", "store", "delete", "loadorstore", "loadorcompute", "loadortrycompute",
	"loadanddelete", "swap", "compute", "range", "all", "len", "clear",
}

// String returns the name of the operation in a mix: the method's name in
// lower case, as in "loadorstore".
func (op Op) String() string {
	if op < NumOps {
		return opNames[op]
	}
	return "Op(" + strconv.Itoa(int(op)) + ")"
}

// Writes reports whether the method can change the map. B/write and
// allocs/write count the calls of these methods.
func (op Op) Writes() bool {
	switch op {
	case OpLoad, OpRange, OpAll, OpLen:
		return false
	}
	return true
}

// OpNames returns the names of every operation, in order.
func OpNames() []string { return opNames[:] }

// A Mix gives the percentage of calls that go to each operation; the
// percentages add up to 100. The zero Mix is no mix: a Spec without one
// takes its mix from Reads.
type Mix [NumOps]float64

// ReadMix is the mix of a read percentage, as Run drives it: reads percent
// loads and the rest split evenly between Store and Delete.
func ReadMix(reads int) Mix {
	var m Mix
	m[OpLoad] = float64(reads)
	m[OpStore] = float64(100-reads) / 2
	m[OpDelete] = float64(100-reads) / 2
	return m
}

// ParseMix parses a mix written as comma-separated name=percentage pairs,
// such as "load=90,store=4,delete=2,loadorstore=2,compute=1.9,range=0.1".
// The names are those of Op.String, in any case; the percentages must add
// up to 100.
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := [NumOps]bool{}
	if strings.TrimSpace(s) == "" {
		return m, fmt.Errorf("empty mix: want name=percentage pairs such as load=90,store=5,delete=5")
	}
	for _, pair := range strings.Split(s, ",") {
		name, share, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return Mix{}, fmt.Errorf("%q: want name=percentage, such as load=90", pair)
		}
		op, ok := parseOp(strings.TrimSpace(name))
		if !ok {
			return Mix{}, fmt.Errorf("%q is not an operation; want one of %s", name, strings.Join(opNames[:], ", "))
		}
		if seen[op] {
			return Mix{}, fmt.Errorf("%s is given twice", op)
		}
		seen[op] = true
		x, err := strconv.ParseFloat(strings.TrimSpace(share), 64)
		if err != nil || x < 0 || x > 100 || math.IsNaN(x) {
			return Mix{}, fmt.Errorf("%s=%s: want a percentage from 0 to 100", op, share)
		}
		m[op] = x
	}
	if err := m.Validate(); err != nil {
		return Mix{}, err
	}
	return m, nil
}

func parseOp(name string) (Op, bool) {
	for op, n := range opNames {
		if strings.EqualFold(n, name) {
			return Op(op), true
		}
	}
	return 0, false
}

// Validate reports whether the percentages are valid and add up to 100.
func (m Mix) Validate() error {
	sum := 0.0
	for op, x := range m {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s=%v: want a percentage from 0 to 100", Op(op), x)
		}
		sum += x
	}
	if math.Abs(sum-100) > 1e-6 {
		return fmt.Errorf("the percentages add up to %s, want 100", strconv.FormatFloat(sum, 'g', 6, 64))
	}
	return nil
}

// IsZero reports whether m is the zero Mix, no mix at all.
func (m Mix) IsZero() bool { return m == Mix{} }

// Ops returns the operations that have a share, in order.
func (m Mix) Ops() []Op {
	var ops []Op
	for op, x := range m {
		if x > 0 {
			ops = append(ops, Op(op))
		}
	}
	return ops
}

// Writes returns the percentage of calls that go to methods that can
// change the map (see Op.Writes).
func (m Mix) Writes() float64 {
	sum := 0.0
	for op, x := range m {
		if Op(op).Writes() {
			sum += x
		}
	}
	return sum
}

// String writes the mix as ParseMix reads it, the operations in order:
// "load=90,store=5,delete=5".
func (m Mix) String() string { return m.format("=") }

// Name writes the mix for a benchmark name, with colons, since benchstat
// splits a name's elements at the first "=": "load:90,store:5,delete:5".
func (m Mix) Name() string { return m.format(":") }

func (m Mix) format(sep string) string {
	var parts []string
	for _, op := range m.Ops() {
		parts = append(parts, op.String()+sep+strconv.FormatFloat(m[op], 'f', -1, 64))
	}
	return strings.Join(parts, ",")
}

// mixPicker turns 64 random bits into a key index and an operation, as
// picker does for Load, Store and Delete.
type mixPicker struct {
	n    uint64   // number of keys
	zipf []uint32 // nil for uniform keys
	k    int      // operations with a share
	ops  [NumOps]Op
	// cum[j] bounds ops[j] on [0, 2^32): the high 32 bits of the random
	// number pick ops[j] when they are below cum[j] and not below cum[j-1].
	cum [NumOps]uint64
}

func newMixPicker(s Spec) *mixPicker {
	m := s.OpMix()
	p := &mixPicker{n: uint64(s.Keys)}
	if s.Dist == Zipf {
		p.zipf = ZipfTable(s.Keys)
	}
	sum := 0.0
	for _, op := range m.Ops() {
		sum += m[op]
		p.ops[p.k] = op
		p.cum[p.k] = uint64(math.Round(sum / 100 * (1 << 32)))
		p.k++
	}
	return p
}

func (p *mixPicker) pick(x uint64) (uint64, Op) {
	var i uint64
	if p.zipf != nil {
		i = uint64(p.zipf[x&zipfMask])
	} else {
		i = (x & 0xffffffff) * p.n >> 32
	}
	r := x >> 32
	last := p.k - 1
	for j := 0; j < last; j++ {
		if r < p.cum[j] {
			return i, p.ops[j]
		}
	}
	return i, p.ops[last]
}
