package main

import (
	"math"
	"runtime"
	"runtime/metrics"
)

// What a map costs the garbage collector comes from runtime/metrics, read
// before and after each run (gcStats) and, for the large-heap workload,
// around one collection with only that map live (heapStats).

const (
	mCycles    = "/gc/cycles/total:gc-cycles"
	mGCCPU     = "/cpu/classes/gc/total:cpu-seconds"
	mTotalCPU  = "/cpu/classes/total:cpu-seconds"
	mPauses    = "/sched/pauses/total/gc:seconds"
	mAllocs    = "/gc/heap/allocs:bytes"
	mObjects   = "/gc/heap/allocs:objects"
	mLive      = "/gc/heap/live:bytes"
	mLiveObjs  = "/gc/heap/objects:objects"
	mScanHeap  = "/gc/scan/heap:bytes"
	mGOGC      = "/gc/gogc:percent"
	numMetrics = 10
)

var metricNames = [numMetrics]string{mCycles, mGCCPU, mTotalCPU, mPauses, mAllocs, mObjects, mLive, mLiveObjs, mScanHeap, mGOGC}

// gcReading is one reading of the metrics.
type gcReading [numMetrics]metrics.Sample

func readGC() *gcReading {
	var r gcReading
	for i, name := range metricNames {
		r[i].Name = name
	}
	metrics.Read(r[:])
	return &r
}

func (r *gcReading) uint(i int) uint64 {
	if r[i].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return r[i].Value.Uint64()
}

func (r *gcReading) float(i int) float64 {
	if r[i].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return r[i].Value.Float64()
}

// gcStats is what the garbage collector did during a run.
type gcStats struct {
	cycles uint64
	// gcCPU and totalCPU are the CPU seconds the collector used and the
	// CPU seconds there were, over the cycles that ended during the run:
	// the runtime updates both only when a cycle ends, so their ratio is
	// the collector's share of the CPU from the start of the run (which
	// testing.B begins with a collection) to the end of its last cycle.
	gcCPU, totalCPU float64
	pauses          uint64  // stop-the-world pauses for the collector
	maxPause        float64 // seconds: the upper bound of the longest pause's bucket
	allocBytes      uint64
	allocObjects    uint64
}

// since returns what happened between before and r.
func (r *gcReading) since(before *gcReading) gcStats {
	s := gcStats{
		cycles:       r.uint(0) - before.uint(0),
		gcCPU:        r.float(1) - before.float(1),
		totalCPU:     r.float(2) - before.float(2),
		allocBytes:   r.uint(4) - before.uint(4),
		allocObjects: r.uint(5) - before.uint(5),
	}
	if r[3].Value.Kind() == metrics.KindFloat64Histogram && before[3].Value.Kind() == metrics.KindFloat64Histogram {
		a, b := r[3].Value.Float64Histogram(), before[3].Value.Float64Histogram()
		for i := range a.Counts {
			if n := a.Counts[i] - b.Counts[i]; n > 0 {
				s.pauses += n
				s.maxPause = a.Buckets[i+1]
				if math.IsInf(s.maxPause, 1) {
					s.maxPause = a.Buckets[i]
				}
			}
		}
	}
	return s
}

// add sums two runs' statistics.
func (s gcStats) add(t gcStats) gcStats {
	return gcStats{
		cycles: s.cycles + t.cycles, gcCPU: s.gcCPU + t.gcCPU, totalCPU: s.totalCPU + t.totalCPU,
		pauses: s.pauses + t.pauses, maxPause: max(s.maxPause, t.maxPause),
		allocBytes: s.allocBytes + t.allocBytes, allocObjects: s.allocObjects + t.allocObjects,
	}
}

// cpuShare returns the collector's share of the CPU, 0 if no cycle ended.
func (s gcStats) cpuShare() float64 {
	if s.totalCPU <= 0 {
		return 0
	}
	return s.gcCPU / s.totalCPU
}

// heapStats is what one map costs each collection when it is the only
// large thing live: measured by forcing collections after filling it.
type heapStats struct {
	liveBytes   uint64  // live heap the map adds
	liveObjects uint64  // heap objects the map adds
	scanBytes   uint64  // scannable heap the map adds: what marking reads
	liveTotal   uint64  // the whole live heap, the map's and the rest
	gogc        float64 // GOGC, in percent: the heap may grow by liveTotal·gogc/100 between collections
	cycleCPU    float64 // CPU seconds of one collection with the map live, the least of measuredCycles
}

// measuredCycles is how many collections measureHeap forces and times;
// it keeps the cheapest, the one least disturbed by the machine's other work.
const measuredCycles = 3

// measureHeap forces collections before and after fill runs, and returns
// what the filled map adds to the heap and what one collection costs with
// it. The key and value slices it uses must be live before fill.
func measureHeap(fill func()) heapStats {
	runtime.GC()
	base := readGC()
	fill()
	runtime.GC() // the collection that finds the map live
	var h heapStats
	for i := range measuredCycles {
		before := readGC()
		runtime.GC()
		after := readGC()
		if cpu := after.float(1) - before.float(1); i == 0 || cpu < h.cycleCPU {
			h.cycleCPU = cpu
		}
		h.liveBytes = sub(after.uint(6), base.uint(6))
		h.liveObjects = sub(after.uint(7), base.uint(7))
		h.scanBytes = sub(after.uint(8), base.uint(8))
		h.liveTotal = after.uint(6)
		h.gogc = float64(after.uint(9))
	}
	return h
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// gcShareEstimate estimates the collector's share of the CPU in a program
// that runs this workload for good: the runs allocate bytesPerOp·opsPerSec
// bytes a second; the collector runs each time the heap has grown by
// GOGC percent of the live heap; each run costs cycleCPU, out of procs CPUs.
// It is 0 when GOGC is off or the map allocates nothing.
func (h *heapStats) gcShareEstimate(bytesPerOp, opsPerSec float64, procs int) float64 {
	if h == nil || h.gogc <= 0 || h.liveTotal == 0 {
		return 0
	}
	cyclesPerSec := bytesPerOp * opsPerSec / (float64(h.liveTotal) * h.gogc / 100)
	return cyclesPerSec * h.cycleCPU / float64(procs)
}
