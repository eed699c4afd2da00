package main

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gosafemap/safemap/internal/workload"
)

// Latency is recorded into HdrHistograms, one per goroutine and method,
// merged after each run, and kept between runs as a latDist: only the
// buckets that hold a count, so that the cells of a long run do not hold
// a full histogram each.

// The histograms' range and precision: 1ns to a minute, to two significant
// digits, so that a percentile is within 1% of the timed value.
const (
	latMin    = 1
	latMax    = int64(time.Minute)
	latDigits = 2
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(latMin, latMax, latDigits) }

// quantiles are the percentiles of the tables, and their column names.
var quantiles = []struct {
	q    float64 // in percent, as hdrhistogram takes it
	name string
}{{50, "p50"}, {99, "p99"}, {99.9, "p99.9"}}

// minAbove is how many timed calls must lie above a percentile for it to be
// shown: fewer, and it is a guess from a handful of calls.
const minAbove = 10

// A recorderSet makes the recorders of the goroutines of one run and
// merges what they recorded.
type recorderSet struct {
	ops    []workload.Op
	mu     sync.Mutex
	recs   []*recorder
	handed int // recorders handed out
}

func newRecorderSet(ops []workload.Op) *recorderSet { return &recorderSet{ops: ops} }

// prepare makes n recorders ahead, for newRecorder to hand out.
func (rs *recorderSet) prepare(n int) {
	for range n {
		rs.recs = append(rs.recs, rs.make())
	}
	rs.handed = 0
}

// newRecorder is a workload.Timing's NewRecorder: Drive calls it before the
// clock starts, so the histograms are made there, or by prepare.
func (rs *recorderSet) newRecorder() workload.Recorder {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.handed < len(rs.recs) {
		rs.handed++
		return rs.recs[rs.handed-1]
	}
	r := rs.make()
	rs.recs = append(rs.recs, r)
	rs.handed++
	return r
}

func (rs *recorderSet) make() *recorder {
	r := &recorder{}
	for _, op := range rs.ops {
		r.h[op] = newHist()
	}
	return r
}

// merge returns what every goroutine recorded, a distribution per method.
func (rs *recorderSet) merge() [workload.NumOps]latDist {
	var out [workload.NumOps]latDist
	for _, op := range rs.ops {
		h := newHist()
		for _, r := range rs.recs {
			h.Merge(r.h[op])
		}
		out[op] = distOf(h)
	}
	return out
}

// A recorder is the histograms of one goroutine, one per method of the mix.
type recorder struct {
	h [workload.NumOps]*hdrhistogram.Histogram
}

func (r *recorder) Record(op workload.Op, d time.Duration) {
	r.h[op].RecordValue(min(max(int64(d), latMin), latMax))
}

// A latDist is a latency distribution: the counts of the histogram buckets
// that hold any, by the highest value of each bucket, ascending.
type latDist []latBucket

type latBucket struct{ v, n int64 }

func distOf(h *hdrhistogram.Histogram) latDist {
	var d latDist
	for _, b := range h.Distribution() {
		if b.Count > 0 {
			d = append(d, latBucket{b.To, b.Count})
		}
	}
	return d
}

// merge returns the distribution of d and e together.
func (d latDist) merge(e latDist) latDist {
	out := make(latDist, 0, max(len(d), len(e)))
	i, j := 0, 0
	for i < len(d) || j < len(e) {
		switch {
		case j == len(e) || i < len(d) && d[i].v < e[j].v:
			out = append(out, d[i])
			i++
		case i == len(d) || e[j].v < d[i].v:
			out = append(out, e[j])
			j++
		default:
			out = append(out, latBucket{d[i].v, d[i].n + e[j].n})
			i++
			j++
		}
	}
	return out
}

// count returns the number of timed calls.
func (d latDist) count() int64 {
	var n int64
	for _, b := range d {
		n += b.n
	}
	return n
}

// hist rebuilds the histogram, for its percentiles.
func (d latDist) hist() *hdrhistogram.Histogram {
	h := newHist()
	for _, b := range d {
		h.RecordValues(b.v, b.n)
	}
	return h
}

// at returns the latency at percentile q and whether enough calls were
// timed to tell it (minAbove above it).
func (d latDist) at(q float64) (time.Duration, bool) {
	n := d.count()
	if n == 0 || float64(n)*(100-q)/100 < minAbove {
		return 0, false
	}
	return time.Duration(d.hist().ValueAtQuantile(q)), true
}

// max returns the longest timed call, or 0 if none was timed.
func (d latDist) max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return time.Duration(d[len(d)-1].v)
}

// all merges the distributions of every method.
func all(ds [workload.NumOps]latDist) latDist {
	var out latDist
	for _, d := range ds {
		out = out.merge(d)
	}
	return out
}

// clockCost is what one reading of the monotonic clock costs here, as the
// driver reads it (time.Since): the part of each timed call's latency that
// is the clock's, and half of what timing a call adds to a run.
var clockCost = sync.OnceValue(func() time.Duration {
	const n = 200_000
	base := time.Now()
	start := time.Since(base)
	var sink time.Duration
	for range n {
		sink += time.Since(base)
	}
	end := time.Since(base)
	if sink < 0 { // never; keeps the loop
		return 0
	}
	return (end - start) / n
})

// timedCallCost is what timing one call adds to it here: two readings of
// the clock and a record into a goroutine's histograms, of three methods
// as in a mix of Load, Store and Delete, with their cache misses. It is
// what the report's timing cost and measurer.every go by; measured against
// runs that time nothing, it is within a factor of two.
var timedCallCost = sync.OnceValue(func() time.Duration {
	const n = 100_000
	rs := newRecorderSet([]workload.Op{workload.OpLoad, workload.OpStore, workload.OpDelete})
	r := rs.newRecorder()
	rng := workload.NewRNG(1)
	base := time.Now()
	start := time.Since(base)
	for range n {
		x := rng.Next()
		t0 := time.Since(base)
		d := time.Since(base) - t0 + time.Duration(x&0xfff) // latencies spread as real ones are
		r.Record(workload.Op(x>>62%3), d)
	}
	return (time.Since(base) - start) / n
})
