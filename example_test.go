package safemap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gosafemap/safemap"
)

// A map shared by goroutines needs no lock of its own: here eight workers
// count words into one map without losing an increment.
func Example() {
	words := []string{"go", "map", "go", "lock", "go", "map"}
	var counts safemap.ShardedMap[string, int] // the zero value is ready

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, w := range words {
				safemap.Add(&counts, w, 1)
			}
		}()
	}
	wg.Wait()

	for _, w := range slices.Sorted(maps.Keys(maps.Collect(counts.All()))) {
		n, _ := counts.Load(w)
		fmt.Println(w, n)
	}
	// Output:
	// go 24
	// lock 8
	// map 16
}

// Compute replaces a Load followed by a Store, which would lose updates
// made by other goroutines between the two calls.
func ExampleShardedMap_Compute() {
	stock := safemap.NewShardedMap[string, int]()
	stock.Store("apple", 3)

	take := func(item string) bool {
		taken := false
		stock.Compute(item, func(n int, loaded bool) (int, safemap.ComputeOp) {
			switch {
			case !loaded:
				return 0, safemap.CancelOp // nothing to take
			case n == 1:
				taken = true
				return 0, safemap.DeleteOp // the last one
			default:
				taken = true
				return n - 1, safemap.UpdateOp
			}
		})
		return taken
	}

	fmt.Println(take("apple"), take("apple"), take("apple"), take("apple"))
	fmt.Println(stock.Len())
	// Output:
	// true true true false
	// 0
}

// LoadOrCompute creates an expensive value once, even when many goroutines
// ask for the same key at the same time.
func ExampleSyncMap_LoadOrCompute() {
	var conns safemap.SyncMap[string, *conn]
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns.LoadOrCompute("db.internal:5432", func() *conn { return dial("db.internal:5432") })
		}()
	}
	wg.Wait()
	fmt.Println("dialled", dials, "time(s)")
	// Output:
	// dialled 1 time(s)
}

type conn struct{ addr string }

var dials int // written only inside LoadOrCompute's valueFn, which runs once

func dial(addr string) *conn {
	dials++
	return &conn{addr}
}

// CompareAndSwap moves a value from one state to the next only if nobody
// else moved it first.
func ExampleCompareAndSwap() {
	jobs := safemap.NewMutexMap[int, string]()
	jobs.Store(1, "queued")

	fmt.Println(safemap.CompareAndSwap(jobs, 1, "queued", "running"))
	fmt.Println(safemap.CompareAndSwap(jobs, 1, "queued", "running"))
	state, _ := jobs.Load(1)
	fmt.Println(state)
	// Output:
	// true
	// false
	// running
}

// All works with range-over-func, and the loop body may change the map.
func ExampleRWMap_All() {
	sessions := safemap.NewRWMap[string, int]()
	sessions.Store("alice", 0)
	sessions.Store("bob", 31)
	sessions.Store("carol", 0)

	for user, idle := range sessions.All() {
		if idle > 30 {
			sessions.Delete(user) // no deadlock: no lock is held here
		}
	}
	fmt.Println(slices.Sorted(maps.Keys(maps.Collect(sessions.All()))))
	// Output:
	// [alice carol]
}

// A map encodes as a JSON object, like a built-in map; a document that does
// not decode leaves the map as it was.
func ExampleMutexMap_UnmarshalJSON() {
	var limits safemap.MutexMap[string, int]
	if err := json.Unmarshal([]byte(`{"api":100,"web":500}`), &limits); err != nil {
		panic(err)
	}
	err := json.Unmarshal([]byte(`{"api":"lots"}`), &limits)
	fmt.Println(err != nil)

	out, _ := json.Marshal(&limits)
	fmt.Println(string(out))
	// Output:
	// true
	// {"api":100,"web":500}
}

// WithShards and WithCapacity tune a map for a known workload; values out of
// range are clamped rather than rejected.
func ExampleNewShardedMap() {
	m := safemap.NewShardedMap[int, string](safemap.WithShards(64), safemap.WithCapacity(10_000))
	m.Store(1, "one")
	v, ok := m.Load(1)
	fmt.Println(v, ok)
	// Output:
	// one true
}

// LoadOrCompute's valueFn runs with no lock held, so it may ask the same map
// for other keys: here each Fibonacci number is computed once, from the two
// before it.
func ExampleBucketMap_LoadOrCompute() {
	var memo safemap.BucketMap[int, int]
	var fib func(n int) int
	fib = func(n int) int {
		v, _ := memo.LoadOrCompute(n, func() int {
			if n < 2 {
				return n
			}
			return fib(n-1) + fib(n-2)
		})
		return v
	}
	fmt.Println(fib(40), memo.Len())
	// Output:
	// 102334155 41
}

// LoadOrTryCompute registers a value only if making it succeeds: a stream
// that fails to open leaves nothing behind, and the next caller tries again.
func ExampleBucketMap_LoadOrTryCompute() {
	var streams safemap.BucketMap[string, string]
	open := func(name string) (string, error) {
		if name == "" {
			return "", errors.New("no stream name")
		}
		return "stream:" + name, nil
	}

	for _, name := range []string{"cam1", "", "cam1"} {
		s, loaded, err := streams.LoadOrTryCompute(name, func() (string, error) { return open(name) })
		fmt.Printf("%q %t %v\n", s, loaded, err)
	}
	fmt.Println(streams.Len())
	// Output:
	// "stream:cam1" false <nil>
	// "" false no stream name
	// "stream:cam1" true <nil>
	// 1
}

// BucketMap is the map to start with when unsure: its zero value is ready,
// Load takes no lock, and a writer locks only its key's bucket. Here login
// handlers running at once share one session table.
func ExampleBucketMap() {
	var sessions safemap.BucketMap[string, string] // session id to user

	var wg sync.WaitGroup
	for i, user := range []string{"alice", "bob", "carol"} {
		wg.Add(1)
		go func() { // one handler per login
			defer wg.Done()
			sessions.Store(fmt.Sprintf("s%d", i+1), user)
		}()
	}
	wg.Wait()

	user, ok := sessions.Load("s2")
	fmt.Println(user, ok)
	_, ok = sessions.Load("s9")
	fmt.Println(ok)
	sessions.Delete("s1") // alice logs out
	fmt.Println(sessions.Len())
	// Output:
	// bob true
	// false
	// 2
}

// LoadAndDelete takes a value at most once: of goroutines racing to take one
// key, exactly one gets it, where a Load followed by a Delete would let both
// find it.
func ExampleBucketMap_LoadAndDelete() {
	var seats safemap.BucketMap[string, string]
	seats.Store("12A", "window")

	var taken atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := seats.LoadAndDelete("12A"); ok {
				taken.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Println("goroutines that got seat 12A:", taken.Load())
	fmt.Println("seats left:", seats.Len())
	// Output:
	// goroutines that got seat 12A: 1
	// seats left: 0
}

// Range visits the entries in no particular order, so sort what it collects
// when the order matters; returning false from yield stops it early.
func ExampleShardedMap_Range() {
	stock := safemap.NewShardedMap[string, int]()
	stock.Store("pear", 0)
	stock.Store("apple", 3)
	stock.Store("fig", 0)
	stock.Store("kiwi", 12)

	var inStock []string
	stock.Range(func(item string, n int) bool {
		if n > 0 {
			inStock = append(inStock, item)
		}
		return true
	})
	slices.Sort(inStock)
	fmt.Println(inStock)

	soldOut := false
	stock.Range(func(_ string, n int) bool {
		soldOut = n == 0
		return !soldOut // stop at the first item sold out
	})
	fmt.Println("an item is sold out:", soldOut)
	// Output:
	// [apple kiwi]
	// an item is sold out: true
}
