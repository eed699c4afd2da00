package safemap_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	linHistories = flag.Int("lin.histories", 500, "linearizability: histories to record and check per implementation")
	linSeed      = flag.Uint64("lin.seed", 0, "linearizability: seed of the first history; 0 picks one at random")
)

// The shape of one history: a few goroutines hammering a few hot keys. The
// check is exponential in the number of operations that overlap, so many
// short histories find more than a few long ones.
const (
	linGoroutines = 4
	linOpsEach    = 30 // operations per goroutine
	linKeys       = 3
	// linTimeout bounds the check of one history. A check that runs out of
	// time proves nothing either way; it is counted, not failed.
	linTimeout = 10 * time.Second
)

// TestLinearizable records concurrent histories of every single-key
// operation on every implementation and checks with porcupine that each is
// linearizable: that some order of the operations, consistent with which
// ones finished before others started, explains every result. After each
// history it also checks that Len agrees with Range.
func TestLinearizable(t *testing.T) {
	seed := *linSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	histories := *linHistories
	if testing.Short() {
		histories = max(histories/10, 1)
	}
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var unknown, overlapped, ops int
			for h := range histories {
				hseed := seed + uint64(h)
				m := newMap[int, int](c)
				history := recordHistory(m, hseed)
				// With nothing in flight, Len must be exact.
				n, entries := m.Len(), len(contents(t, m))
				require.Equal(t, entries, n, "after history %d, Len = %d but Range visits %d entries\n"+
					"replay its operations with -run '^%s$' -lin.seed=%d -lin.histories=1",
					h, n, entries, t.Name(), hseed)
				ops += len(history)
				overlapped += countOverlapped(history)
				switch porcupine.CheckOperationsTimeout(mapModel, history, linTimeout) {
				case porcupine.Illegal:
					// The visualisation is written only for a failed history.
					require.Fail(t, "not linearizable", "history %d is not linearizable; visualisation: %s\n"+
						"replay its operations with -run '^%s$' -lin.seed=%d -lin.histories=1",
						h, visualise(t, history), t.Name(), hseed)
				case porcupine.Unknown:
					unknown++
				}
			}
			t.Logf("%s: %d histories linearizable (seed %d), each %d goroutines × %d operations on %d keys; "+
				"%.0f%% of operations overlapped another on their key; %d checks timed out",
				c.name, histories-unknown, seed, linGoroutines, linOpsEach, linKeys, 100*float64(overlapped)/float64(ops), unknown)
			assert.LessOrEqual(t, unknown*10, histories,
				"%d of %d checks timed out: the histories are too long to prove anything", unknown, histories)
		})
	}
}

// recordHistory runs linGoroutines goroutines of random operations on m,
// started together, and returns what each call was given and returned, with
// the logical times of its call and its return.
func recordHistory(m safemap.Map[int, int], seed uint64) []porcupine.Operation {
	var clock atomic.Int64
	perG := make([][]porcupine.Operation, linGoroutines)
	parallel(linGoroutines, func(g int) {
		rng := rand.New(rand.NewPCG(seed, uint64(g)))
		var seen [linKeys]int // the last value this goroutine saw per key
		for i := range linOpsEach {
			o := randomKeyOp(rng, seen)
			// Stores write values unique to the history, so that a result
			// tells which write it came from.
			o.value = g<<16 | i<<4 | o.value
			if o.kind == opAdd {
				o.value = 1 + rng.IntN(3)
			}
			call := clock.Add(1)
			r := o.apply(m)
			ret := clock.Add(1)
			if r.ok {
				seen[o.key] = r.value
			}
			perG[g] = append(perG[g], porcupine.Operation{
				ClientId: g, Input: o, Call: call, Output: r, Return: ret,
			})
			if rng.IntN(4) == 0 {
				runtime.Gosched()
			}
		}
	})
	var all []porcupine.Operation
	for _, ops := range perG {
		all = append(all, ops...)
	}
	return all
}

// randomKeyOp picks any single-key operation on a hot key. The old value of
// CompareAndSwap and CompareAndDelete is usually one the goroutine saw, so
// that they succeed as well as fail.
func randomKeyOp(rng *rand.Rand, seen [linKeys]int) keyOp {
	o := keyOp{
		kind:  opKind(rng.IntN(int(numOpKinds))),
		key:   rng.IntN(linKeys),
		value: rng.IntN(16),
		op:    safemap.ComputeOp(rng.IntN(3)),
		fail:  rng.IntN(3) == 0,
		pause: rng.IntN(2) == 0,
	}
	o.old = seen[o.key]
	if rng.IntN(4) == 0 {
		o.old = rng.IntN(16)
	}
	return o
}

// countOverlapped counts the operations whose call overlaps another
// operation's on the same key: the concurrency the check had to untangle.
func countOverlapped(history []porcupine.Operation) int {
	n := 0
	for i, a := range history {
		for j, b := range history {
			if i != j && a.Input.(keyOp).key == b.Input.(keyOp).key && a.Call < b.Return && b.Call < a.Return {
				n++
				break
			}
		}
	}
	return n
}

// cell is the model's state of one key: its value, and whether it is present.
type cell struct {
	value   int
	present bool
}

// mapModel is the sequential specification porcupine checks against. Single
// key operations on different keys do not interact, so the history is split
// by key and each key's state is one cell. A step replays the operation on a
// plain map holding that one cell.
var mapModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := make([][]porcupine.Operation, linKeys)
		for _, op := range history {
			k := op.Input.(keyOp).key
			byKey[k] = append(byKey[k], op)
		}
		return byKey
	},
	Init: func() any { return cell{} },
	Step: func(state, input, output any) (bool, any) {
		s, o := state.(cell), input.(keyOp)
		o.pause = false
		ref := refMap[int, int]{}
		if s.present {
			ref[o.key] = s.value
		}
		want := o.apply(ref)
		v, ok := ref[o.key]
		return want.admits(o.kind, output.(opResult)), cell{v, ok}
	},
	DescribeOperation: func(input, output any) string {
		return fmt.Sprintf("%v → %v", input, output)
	},
	DescribeState: func(state any) string {
		if s := state.(cell); s.present {
			return fmt.Sprint(s.value)
		}
		return "absent"
	},
}

// visualise writes porcupine's view of a failed history to a file that
// outlives the test, and returns its path.
func visualise(t *testing.T, history []porcupine.Operation) string {
	_, info := porcupine.CheckOperationsVerbose(mapModel, history, linTimeout)
	f, err := os.CreateTemp("", "safemap-linearizability-*.html")
	if err != nil {
		t.Logf("cannot create the visualisation file: %v", err)
		return "(none)"
	}
	defer f.Close()
	if err := porcupine.Visualize(mapModel, info, f); err != nil {
		t.Logf("cannot write the visualisation: %v", err)
	}
	return f.Name()
}
