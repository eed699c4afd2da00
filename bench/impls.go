// Package bench lists the concurrent maps that mapbench compares: safemap's
// own and the peers a user would otherwise pick, each behind the
// safemap.Map interface, so that one driver, internal/workload, measures
// them all.
//
// It is a module of its own, so that the library's go.mod stays free of the
// peers and of the plotting code.
package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/alphadose/haxmap"
	"github.com/puzpuzpuz/xsync/v4"

	"github.com/gosafemap/safemap"
	"github.com/gosafemap/safemap/internal/workload"
)

// An Impl is one map that mapbench can measure.
type Impl struct {
	Name string // in -impls and in benchmark names, as in impl=sharded
	Peer bool   // false for safemap's own maps
	// Label says in a few words what the name stands for, short enough
	// for a chart's legend: "safemap.MutexMap", "map + sync.Mutex".
	Label string
	// Doc says in one line what the map is.
	Doc string
	// Contract says in one sentence what the map promises beyond Load, Store
	// and Delete, so that a recommendation can weigh speed against it.
	Contract string
	// Flaw, when not empty, is a correctness problem seen in this module's
	// tests; a recommendation that names the map repeats it.
	Flaw string
	// Via says, for each method of safemap.Map the map has no method of
	// the same meaning for, which of its own the adapter calls instead.
	Via map[workload.Op]string
	// Lacks says, for each method the map cannot run at all, why not;
	// LacksForBytes adds those it cannot run with []byte values. A map is
	// skipped in the workloads that call such a method.
	Lacks, LacksForBytes map[workload.Op]string
	// NewInt and NewString make the map for int values.
	NewInt    func() workload.Map[int]
	NewString func() workload.Map[string]
}

// safemapContract is what every safemap map keeps; see safemap.Map.
const safemapContract = "the full safemap.Map contract: typed, atomic Compute, LoadOrCompute and CompareAndSwap, exact Len, and a Range whose callback holds no lock"

// plainContract is what a map and a lock written by hand keep.
const plainContract = "whatever you write: every read-modify-write and every iteration is your own code under your own lock"

// plainVia is how the adapters of a map and a lock written by hand run
// the methods a built-in map does not have: as such code usually does.
var plainVia = map[workload.Op]string{
	workload.OpLoadOrCompute:    "by hand: valueFn runs under the lock",
	workload.OpLoadOrTryCompute: "by hand: valueFn runs under the lock",
	workload.OpCompute:          "by hand: fn runs under the lock",
	workload.OpRange:            "by hand: a for range over the map, the lock held while yield runs",
	workload.OpAll:              "by hand: a for range over the map, the lock held while the loop body runs",
}

// Impls lists every map, safemap's first, in the order of tables and
// legends. Adding a map is a line here and a case in newMap.
var Impls = []Impl{
	own("mutex", "safemap.MutexMap", "safemap.MutexMap: a built-in map behind one sync.Mutex"),
	own("rw", "safemap.RWMap", "safemap.RWMap: a built-in map behind one sync.RWMutex"),
	own("sync", "safemap.SyncMap", "safemap.SyncMap: sync.Map with types, exact Len and atomic Compute"),
	own("sharded", "safemap.ShardedMap", "safemap.ShardedMap: built-in maps in RWMutex shards chosen by a seeded hash"),
	own("bucket", "safemap.BucketMap", "safemap.BucketMap: cache-line buckets with lock-free reads and per-bucket write locks"),

	{
		Name: "syncmap-raw", Peer: true, Label: "sync.Map, untyped",
		Doc:      "sync.Map used directly, with the v.(int) assertion on every Load",
		Contract: "untyped: a conversion to interface on every Store and an assertion on every Load, no Len, and no atomic Compute, only LoadOrStore, Swap and CompareAndSwap",
		Via: map[workload.Op]string{
			workload.OpLoadOrCompute:    "Load, then LoadOrStore of valueFn's result: valueFn may run in several goroutines at once",
			workload.OpLoadOrTryCompute: "Load, then LoadOrStore of valueFn's result: valueFn may run in several goroutines at once",
			workload.OpCompute:          "a loop of Load and CompareAndSwap, with LoadOrStore for an absent key",
			workload.OpAll:              "Range",
		},
		Lacks: map[workload.Op]string{
			workload.OpLen: "sync.Map has no Len: counting takes a Range over every entry",
		},
		LacksForBytes: map[workload.Op]string{
			workload.OpCompute: "its Compute is a CompareAndSwap loop, and CompareAndSwap panics on []byte values, which are not comparable",
		},
	},
	{
		Name: "xsync", Peer: true, Label: "xsync.Map (v4)",
		Doc:      "github.com/puzpuzpuz/xsync/v4 Map: a lock-free-read hash table of cache-line buckets",
		Contract: "typed, with atomic Compute and LoadOrCompute and a Size",
		Via: map[workload.Op]string{
			workload.OpLoadOrTryCompute: "LoadOrCompute, whose valueFn can cancel but not return an error",
			workload.OpSwap:             "LoadAndStore",
			workload.OpLen:              "Size",
		},
	},
	{
		Name: "orcaman", Peer: true, Label: "orcaman concurrent-map",
		Doc:      "github.com/orcaman/concurrent-map/v2: built-in maps in 32 RWMutex shards",
		Contract: "typed, with atomic Upsert and SetIfAbsent but no Compute that can delete, and an IterCb that holds a shard's lock while your callback runs",
		Via: map[workload.Op]string{
			workload.OpLoad:             "Get",
			workload.OpStore:            "Set",
			workload.OpDelete:           "Remove",
			workload.OpLoadOrStore:      "SetIfAbsent, then Get when the key was present (two locks, not one step)",
			workload.OpLoadOrCompute:    "Upsert, which writes the key even when it was present",
			workload.OpLoadOrTryCompute: "Upsert, which writes the key even when it was present",
			workload.OpLoadAndDelete:    "Pop",
			workload.OpSwap:             "Upsert",
			workload.OpCompute:          "Upsert, which cannot cancel or delete",
			workload.OpRange:            "IterCb, which holds a shard's read lock while the callback runs",
			workload.OpAll:              "IterCb, which holds a shard's read lock while the loop body runs",
			workload.OpLen:              "Count, which locks every shard in turn",
		},
	},
	{
		Name: "haxmap", Peer: true, Label: "haxmap",
		Doc:      "github.com/alphadose/haxmap: a lock-free hash table over a sorted linked list",
		Contract: "typed and lock-free, with GetOrCompute and CompareAndSwap but no atomic Compute",
		Flaw:     "v1.4.0 loses writes: a Set that runs while the table is being resized can be lost for good (TestImpls catches it now and then)",
		Via: map[workload.Op]string{
			workload.OpLoad:             "Get",
			workload.OpStore:            "Set",
			workload.OpDelete:           "Del",
			workload.OpLoadOrStore:      "GetOrSet",
			workload.OpLoadOrCompute:    "GetOrCompute",
			workload.OpLoadOrTryCompute: "GetOrCompute, whose valueFn cannot fail",
			workload.OpLoadAndDelete:    "GetAndDel",
			workload.OpSwap:             "Swap, then Set when the key was absent (two steps: haxmap's Swap stores nothing for an absent key)",
			workload.OpCompute:          "a loop of Get and CompareAndSwap (which compares with reflect.DeepEqual), with GetOrSet for an absent key",
			workload.OpRange:            "ForEach",
			workload.OpAll:              "ForEach",
		},
	},
	{
		Name: "mutex-plain", Peer: true, Label: "map + sync.Mutex",
		Doc: "a built-in map and a sync.Mutex, written by hand", Contract: plainContract, Via: plainVia,
	},
	{
		Name: "rwmutex-plain", Peer: true, Label: "map + sync.RWMutex",
		Doc: "a built-in map and a sync.RWMutex, written by hand", Contract: plainContract, Via: plainVia,
	},
}

func init() {
	for i := range Impls {
		name := Impls[i].Name
		Impls[i].NewInt = func() workload.Map[int] { return newMap[int, int](name) }
		Impls[i].NewString = func() workload.Map[string] { return newMap[string, int](name) }
	}
}

// own describes one of safemap's maps, which have every method.
func own(name, label, doc string) Impl {
	return Impl{Name: name, Label: label, Doc: doc, Contract: safemapContract}
}

// NewMap returns a new, empty map of im's kind with every method of
// safemap.Map: safemap's own as it is, a peer behind its adapter.
func NewMap[K int | string, V any](im Impl) safemap.Map[K, V] { return newMap[K, V](im.Name) }

func newMap[K int | string, V any](name string) safemap.Map[K, V] {
	switch name {
	case "mutex":
		return safemap.NewMutexMap[K, V]()
	case "rw":
		return safemap.NewRWMap[K, V]()
	case "sync":
		return safemap.NewSyncMap[K, V]()
	case "sharded":
		return safemap.NewShardedMap[K, V]()
	case "bucket":
		return safemap.NewBucketMap[K, V]()
	case "syncmap-raw":
		return new(syncMapRaw[K, V])
	case "xsync":
		return xsyncMap[K, V]{xsync.NewMap[K, V]()}
	case "orcaman":
		return newOrcaman[K, V]()
	case "haxmap":
		return haxmapMap[K, V]{haxmap.New[K, V]()}
	case "mutex-plain":
		return &mutexPlain[K, V]{m: make(map[K]V)}
	case "rwmutex-plain":
		return &rwMutexPlain[K, V]{m: make(map[K]V)}
	}
	panic("bench: no map called " + name)
}

// Skip returns why im cannot run mix with values of valueSize bytes (0 for
// int values), or "" if it can.
func (im Impl) Skip(mix workload.Mix, valueSize int) string {
	var why []string
	for _, op := range mix.Ops() {
		if r := im.Lacks[op]; r != "" {
			why = append(why, fmt.Sprintf("no %s (%s)", op, r))
		} else if r := im.LacksForBytes[op]; r != "" && valueSize > 0 {
			why = append(why, fmt.Sprintf("no %s with []byte values (%s)", op, r))
		}
	}
	return strings.Join(why, "; ")
}

// How says how the adapter runs op on im: "" for the method of that name,
// or what it calls instead.
func (im Impl) How(op workload.Op) string { return im.Via[op] }

// Lookup returns the Impl called name.
func Lookup(name string) (Impl, bool) {
	i := slices.IndexFunc(Impls, func(im Impl) bool { return im.Name == name })
	if i < 0 {
		return Impl{}, false
	}
	return Impls[i], true
}

// Names returns the names of Impls in order.
func Names() []string {
	names := make([]string, len(Impls))
	for i, im := range Impls {
		names[i] = im.Name
	}
	return names
}
