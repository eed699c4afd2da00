package safemap_test

import (
	"sync/atomic"
	"testing"

	"github.com/gosafemap/safemap"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// TestStateMachine drives every implementation through random sequences of
// every method of Map and of its helpers, with rapid, next to the plain-map
// model. After each action it compares the whole map with the model through
// Range, All, Len and MarshalJSON. A failure shrinks to a minimal sequence.
// Run more sequences with -rapid.checks.
func TestStateMachine(t *testing.T) {
	for _, c := range impls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var runs, actions atomic.Int64
			rapid.Check(t, func(rt *rapid.T) {
				runs.Add(1)
				r := newModelRun(newMap[int, int](c))
				rt.Repeat(stateMachineActions(r, &actions))
			})
			t.Logf("%s: %d state-machine runs of %.1f actions on average, each action followed by a full comparison with the model",
				c.name, runs.Load(), float64(actions.Load())/float64(runs.Load()))
		})
	}
}

func stateMachineActions(r *modelRun, actions *atomic.Int64) map[string]func(*rapid.T) {
	// Small key and value ranges, so that actions often meet the same key
	// and CompareAndSwap often finds the value it expects. A generator is
	// not safe for concurrent use, so each state machine makes its own.
	smKey, smValue := rapid.IntRange(-2, 9), rapid.IntRange(0, 4)
	m := map[string]func(*rapid.T){
		"Range": func(t *rapid.T) {
			require.NoError(t, r.rangeStop(rapid.IntRange(1, 12).Draw(t, "stop after"), false))
		},
		"All": func(t *rapid.T) {
			require.NoError(t, r.rangeStop(rapid.IntRange(1, 12).Draw(t, "stop after"), true))
		},
		"RangeDelete": func(t *rapid.T) { require.NoError(t, r.rangeDelete()) },
		"Clear":       func(*rapid.T) { r.clear() },
		"JSONRoundTrip": func(t *rapid.T) {
			require.NoError(t, r.jsonRoundTrip())
		},
		"UnmarshalJSON": func(t *rapid.T) {
			require.NoError(t, r.loadJSON(rapid.MapOfN(smKey, smValue, 0, 6).Draw(t, "entries")))
		},
		"UnmarshalBadJSON": func(t *rapid.T) {
			require.NoError(t, r.badJSON(rapid.MapOfN(smKey, smValue, 0, 6).Draw(t, "entries")))
		},
		"PanicInCallback": func(t *rapid.T) {
			which := rapid.SampledFrom([]int{0, 1, 2, 3}).Draw(t, "LoadOrCompute, Compute, Range or LoadOrTryCompute")
			require.NoError(t, r.panicIn(which, smKey.Draw(t, "key")))
		},
	}
	for kind := range numOpKinds {
		m[kind.String()] = func(t *rapid.T) {
			o := keyOp{kind: kind, key: smKey.Draw(t, "key")}
			switch kind {
			case opCompareAndSwap:
				o.old = smValue.Draw(t, "old")
				o.value = smValue.Draw(t, "new")
			case opCompareAndDelete:
				o.old = smValue.Draw(t, "old")
			case opLoadOrTryCompute:
				o.value = smValue.Draw(t, "value")
				o.fail = rapid.Bool().Draw(t, "fail")
			case opCompute:
				o.value = smValue.Draw(t, "value")
				o.op = rapid.SampledFrom([]safemap.ComputeOp{safemap.CancelOp, safemap.UpdateOp, safemap.DeleteOp}).Draw(t, "op")
			case opLoad, opLoadAndDelete, opDelete:
			default:
				o.value = smValue.Draw(t, "value")
			}
			require.NoError(t, r.keyOp(o))
		}
	}
	for name, action := range m {
		m[name] = func(t *rapid.T) {
			actions.Add(1)
			action(t)
		}
	}
	m[""] = func(t *rapid.T) { require.NoError(t, r.check()) }
	return m
}
