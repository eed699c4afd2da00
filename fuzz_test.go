package safemap_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/require"
)

// FuzzOps decodes its input into a sequence of operations and runs it on
// every implementation next to the plain-map model, comparing every result
// and, after every step, the whole map.
//
// The input is a program of steps, each an opcode byte followed by its
// arguments. The opcodes are letters, so a seed reads as text: "s12" stores
// 2 at key 1, "l1" loads key 1. A byte that is not an opcode picks one by
// its value.
//
//	l k     Load               r n    Range, stopping after n+1 calls
//	s k v   Store              i n    All, stopping after n+1 calls
//	o k v   LoadOrStore        R      Range deleting the odd values
//	c k v   LoadOrCompute      C      Clear
//	d k     LoadAndDelete      j      JSON round trip
//	x k     Delete             J n {k v}  UnmarshalJSON of n entries
//	w k v   Swap               b n {k v}  UnmarshalJSON of a truncated document
//	u k v op  Compute          p w k  panic in the callback of
//	a k o v CompareAndSwap            LoadOrCompute (w 0), Compute (1), Range (2),
//	                                  LoadOrTryCompute (3)
//	e k o   CompareAndDelete
//	+ k v   Add
//	t k v f LoadOrTryCompute, whose valueFn fails if f is odd
//
// An argument byte is taken modulo its range, so digits stand for
// themselves: keys are 0 to 15, values 0 to 7, op 0 (CancelOp), 1
// (UpdateOp) or 2 (DeleteOp), n 0 to 15 (0 to 3 for J and b).
func FuzzOps(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		steps := decodeSteps(data)
		for _, c := range impls {
			r := newModelRun(newMap[int, int](c))
			for i, s := range steps {
				require.NoError(t, s.run(r), "%s: step %d, %s\nsteps: %v", c.name, i, s.name, steps)
				require.NoError(t, r.check(), "%s: after step %d, %s\nsteps: %v", c.name, i, s.name, steps)
			}
		}
	})
}

// maxSteps bounds a program, so that each input runs in a few milliseconds.
const maxSteps = 200

// opcodes lists the opcode letters, single-key operations first, in the
// order of opKind.
const opcodes = "lsocdxwuae+t" + "riRCjJbp"

// decodeSteps turns bytes into steps. Every input is a valid program: a
// missing argument reads as zero.
func decodeSteps(data []byte) stepList {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	var steps stepList
	for len(data) > 0 && len(steps) < maxSteps {
		b := next()
		code := strings.IndexByte(opcodes, byte(b))
		if code < 0 {
			code = b % len(opcodes)
		}
		if code < int(numOpKinds) {
			o := keyOp{kind: opKind(code), key: next() % 16}
			switch o.kind {
			case opLoad, opLoadAndDelete, opDelete:
			case opCompute:
				o.value = next() % 8
				o.op = safemap.ComputeOp(next() % 3)
			case opCompareAndSwap:
				o.old = next() % 8
				o.value = next() % 8
			case opCompareAndDelete:
				o.old = next() % 8
			case opLoadOrTryCompute:
				o.value = next() % 8
				o.fail = next()%2 == 1
			default:
				o.value = next() % 8
			}
			steps = append(steps, keyOpStep(o))
			continue
		}
		switch opcodes[code] {
		case 'r', 'i':
			steps = append(steps, rangeStopStep(next()%16+1, opcodes[code] == 'i'))
		case 'R':
			steps = append(steps, rangeDeleteStep)
		case 'C':
			steps = append(steps, clearStep)
		case 'j':
			steps = append(steps, step{"JSON round trip", (*modelRun).jsonRoundTrip})
		case 'J', 'b':
			entries := make(map[int]int)
			for range next() % 4 {
				entries[next()%16] = next() % 8
			}
			if opcodes[code] == 'J' {
				steps = append(steps, step{fmt.Sprint("UnmarshalJSON ", entries), func(r *modelRun) error { return r.loadJSON(entries) }})
			} else {
				steps = append(steps, step{fmt.Sprint("truncated UnmarshalJSON ", entries), func(r *modelRun) error { return r.badJSON(entries) }})
			}
		case 'p':
			which, key := next()%4, next()%16
			name := fmt.Sprintf("panic in %s(%d)", []string{"LoadOrCompute", "Compute", "Range", "LoadOrTryCompute"}[which], key)
			steps = append(steps, step{name, func(r *modelRun) error { return r.panicIn(which, key) }})
		}
	}
	return steps
}

// FuzzUnmarshalJSON feeds arbitrary bytes to every implementation's
// UnmarshalJSON, for three key and value types. It must never panic, and
// must either fail, leaving the map as it was, or succeed with the entries
// encoding/json decodes into a new built-in map.
func FuzzUnmarshalJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range impls {
			checkUnmarshal(t, c, data, "kept", 1)
			checkUnmarshal(t, c, data, int8(-1), "kept")
			checkUnmarshal[string, any](t, c, data, "kept", []any{"value"})
		}
	})
}

// checkUnmarshal unmarshals data into a map of c holding one entry, keep:
// keepValue, and compares the outcome with encoding/json's.
func checkUnmarshal[K comparable, V any](t *testing.T, c impl, data []byte, keep K, keepValue V) {
	t.Helper()
	var want map[K]V
	wantErr := json.Unmarshal(data, &want)
	m := newMap[K, V](c)
	m.Store(keep, keepValue)
	err := m.(json.Unmarshaler).UnmarshalJSON(data)
	require.Equal(t, wantErr == nil, err == nil, "%s: UnmarshalJSON(%q) into map[%T]%T returned %v; encoding/json returns %v",
		c.name, data, keep, keepValue, err, wantErr)
	switch {
	case err != nil:
		want = map[K]V{keep: keepValue}
	case want == nil:
		want = map[K]V{} // null
	}
	got := contents(t, m)
	require.Equal(t, want, got, "%s: after UnmarshalJSON(%q) into map[%T]%T (error %v), the map's entries",
		c.name, data, keep, keepValue, err)
	require.Equal(t, len(want), m.Len(), "%s: after UnmarshalJSON(%q) into map[%T]%T (error %v), Len of a map holding %v",
		c.name, data, keep, keepValue, err, got)
}
