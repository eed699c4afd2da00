// Package bench lists the concurrent maps that mapbench compares: safemap's
// own and the peers a user would otherwise pick, each behind the
// [workload.Map] interface, so that one driver, internal/workload, measures
// them all.
//
// It is a module of its own, so that the library's go.mod stays free of the
// peers and of the plotting code.
package bench

import (
	"github.com/gosafemap/safemap"
	"github.com/gosafemap/safemap/internal/workload"
)

// An Impl is one map that mapbench can measure.
type Impl struct {
	Name string // in -impls and in benchmark names, as in impl=sharded
	Peer bool   // false for safemap's own maps
	// Doc says in one line what the map is.
	Doc string
	// Contract says in one sentence what the map promises beyond Load, Store
	// and Delete, so that a recommendation can weigh speed against it.
	Contract string
	// Flaw, when not empty, is a correctness problem seen in this module's
	// tests; a recommendation that names the map repeats it.
	Flaw      string
	NewInt    func() workload.Map[int]
	NewString func() workload.Map[string]
}

// safemapContract is what every safemap map keeps; see safemap.Map.
const safemapContract = "the full safemap.Map contract: typed, atomic Compute, LoadOrCompute and CompareAndSwap, exact Len, and a Range whose callback holds no lock"

// Impls lists every map, safemap's first, in the order of tables and
// legends. Adding a map is one line.
var Impls = []Impl{
	own("mutex", "safemap.MutexMap: a built-in map behind one sync.Mutex", safemap.NewMutexMap[int, int], safemap.NewMutexMap[string, int]),
	own("rw", "safemap.RWMap: a built-in map behind one sync.RWMutex", safemap.NewRWMap[int, int], safemap.NewRWMap[string, int]),
	own("sync", "safemap.SyncMap: sync.Map with types, exact Len and atomic Compute", safemap.NewSyncMap[int, int], safemap.NewSyncMap[string, int]),
	own("sharded", "safemap.ShardedMap: built-in maps in RWMutex shards chosen by a seeded hash", safemap.NewShardedMap[int, int], safemap.NewShardedMap[string, int]),
	own("bucket", "safemap.BucketMap: cache-line buckets with lock-free reads and per-bucket write locks", safemap.NewBucketMap[int, int], safemap.NewBucketMap[string, int]),

	peer("syncmap-raw", "sync.Map used directly, with the v.(int) assertion on every Load",
		"untyped: a conversion to interface on every Store and an assertion on every Load, no Len, and no atomic Compute, only LoadOrStore, Swap and CompareAndSwap",
		newSyncMapRaw[int], newSyncMapRaw[string]),
	peer("xsync", "github.com/puzpuzpuz/xsync/v4 Map: a lock-free-read hash table of cache-line buckets",
		"typed, with atomic Compute and LoadOrCompute and a Size",
		newXsync[int], newXsync[string]),
	peer("orcaman", "github.com/orcaman/concurrent-map/v2: built-in maps in 32 RWMutex shards",
		"typed, with atomic Upsert and SetIfAbsent but no Compute that can delete, and an IterCb that holds a shard's lock while your callback runs",
		newOrcamanInt, newOrcamanString),
	withFlaw(peer("haxmap", "github.com/alphadose/haxmap: a lock-free hash table over a sorted linked list",
		"typed and lock-free, with GetOrCompute and CompareAndSwap but no atomic Compute",
		newHaxmap[int], newHaxmap[string]),
		"v1.4.0 loses writes: a Set that runs while the table is being resized can be lost for good (TestImpls catches it now and then)"),
	peer("mutex-plain", "a built-in map and a sync.Mutex, written by hand",
		"whatever you write: every read-modify-write and every iteration is your own code under your own lock",
		newMutexPlain[int], newMutexPlain[string]),
	peer("rwmutex-plain", "a built-in map and a sync.RWMutex, written by hand",
		"whatever you write: every read-modify-write and every iteration is your own code under your own lock",
		newRWMutexPlain[int], newRWMutexPlain[string]),
}

// Lookup returns the Impl called name.
func Lookup(name string) (Impl, bool) {
	for _, im := range Impls {
		if im.Name == name {
			return im, true
		}
	}
	return Impl{}, false
}

// Names returns the names of Impls in order.
func Names() []string {
	names := make([]string, len(Impls))
	for i, im := range Impls {
		names[i] = im.Name
	}
	return names
}

// own describes one of safemap's maps by its constructor, instantiated for
// int and for string keys.
func own[MI workload.Map[int], MS workload.Map[string]](name, doc string,
	newInt func(...safemap.Option) MI, newString func(...safemap.Option) MS) Impl {
	return Impl{
		Name: name, Doc: doc, Contract: safemapContract,
		NewInt:    func() workload.Map[int] { return newInt() },
		NewString: func() workload.Map[string] { return newString() },
	}
}

func withFlaw(im Impl, flaw string) Impl {
	im.Flaw = flaw
	return im
}

func peer(name, doc, contract string, newInt func() workload.Map[int], newString func() workload.Map[string]) Impl {
	return Impl{Name: name, Peer: true, Doc: doc, Contract: contract, NewInt: newInt, NewString: newString}
}
