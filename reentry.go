//go:build !race

package safemap

import "sync"

// Without -race, the checks of reentry_race.go cost nothing and catch
// nothing: a callback that breaks its rules may deadlock, as each rule's
// documentation says.

// computeGuard is empty: see reentry_race.go.
type computeGuard struct{}

func (*computeGuard) check(method string) {}

// callCompute calls Compute's function. It inlines, so that it costs
// nothing more than the call of fn.
func callCompute[V any](_ *computeGuard, fn func(V, bool) (V, ComputeOp), old V, loaded bool) (V, ComputeOp) {
	return fn(old, loaded)
}

// waitGraph is empty: see reentry_race.go.
type waitGraph struct{}

// wait unlocks mu, which guards w, and waits until r is released.
func (w *waitGraph) wait(mu *sync.Mutex, method string, r *reservation) {
	mu.Unlock()
	r.wg.Wait()
}

func goroutineID() uint64 { return 0 }
