package main

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// The statistics are benchstat's, from golang.org/x/perf/benchmath, and
// there is one rule for every table, chart, verdict and recommendation:
//
//   - A cell's figure is the median of its runs, with a 95% confidence
//     interval for it (benchmath.AssumeNothing.Summary: order statistics,
//     no assumption about the distribution).
//   - Two maps differ only when a Mann-Whitney U test of their runs finds
//     p ≤ 0.05 (benchmath.AssumeNothing.Compare); otherwise they are tied,
//     marked ~, as benchstat marks them.
//   - A ratio between two maps is the ratio of their medians.
//
// With six runs a side, the interval of a median spans the lowest to the
// highest run, and the smallest p the U test can give is 0.002.

const confidence = 0.95

var thresholds = &benchmath.DefaultThresholds

var nan = math.NaN()

// A summary is a median and its confidence interval.
type summary struct {
	center, lo, hi float64
	n              int
}

// summarise summarises xs, ignoring NaNs (a run too short for a figure).
func summarise(xs []float64) summary {
	xs = finite(xs)
	if len(xs) == 0 {
		return summary{center: nan, lo: nan, hi: nan}
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(xs, thresholds), confidence)
	return summary{center: s.Center, lo: s.Lo, hi: s.Hi, n: len(xs)}
}

// finite returns a sorted copy of xs without NaNs and infinities.
func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// pct gives the interval as benchstat does: the larger distance of a bound
// from the median, as a percentage of it ("±3%"), or "±∞" when there are
// too few runs for an interval.
func (s summary) pct() string {
	if math.IsInf(s.lo, 0) || math.IsInf(s.hi, 0) || math.IsNaN(s.lo) {
		return "±∞"
	}
	b := benchmath.Summary{Center: s.center, Lo: s.lo, Hi: s.hi}
	return "±" + b.PctRangeString()
}

// A comparison is the outcome of the U test between two maps' runs.
type comparison struct {
	p float64
	// differ reports whether p ≤ 0.05.
	differ bool
}

func compare(a, b []float64) comparison {
	a, b = finite(a), finite(b)
	if len(a) == 0 || len(b) == 0 {
		return comparison{p: 1}
	}
	c := benchmath.AssumeNothing.Compare(benchmath.NewSample(a, thresholds), benchmath.NewSample(b, thresholds))
	return comparison{p: c.P, differ: c.P <= c.Alpha}
}

// String gives the p value as benchstat does: "p=0.002".
func (c comparison) String() string { return fmt.Sprintf("p=%.3f", c.p) }

// ns returns the ns/op of a cell's runs.
func (c *cell) ns() []float64 { return c.values(func(s sample) float64 { return s.nsPerOp }) }

// values returns f of each of a cell's runs.
func (c *cell) values(f func(sample) float64) []float64 {
	xs := make([]float64, len(c.samples))
	for i, s := range c.samples {
		xs[i] = f(s)
	}
	return xs
}

// stats summarises the ns/op of a cell's runs.
func (c *cell) stats() summary { return summarise(c.ns()) }

// median returns the median of f over a cell's runs.
func (c *cell) median(f func(sample) float64) float64 { return summarise(c.values(f)).center }

// A ranking orders the cells of one workload by median ns/op, fastest
// first, and says which of them are within the noise of the fastest.
type ranking struct {
	cells []*cell
	stats []summary
	// vs[i] compares cell i with the fastest; vs[0] is unused.
	vs []comparison
}

func rank(w *workloadResult) ranking {
	r := ranking{cells: slices.Clone(w.cells)}
	slices.SortStableFunc(r.cells, func(a, b *cell) int {
		return cmpFloat(a.stats().center, b.stats().center)
	})
	for i, c := range r.cells {
		r.stats = append(r.stats, c.stats())
		if i == 0 {
			r.vs = append(r.vs, comparison{p: 1})
			continue
		}
		r.vs = append(r.vs, compare(r.cells[0].ns(), c.ns()))
	}
	return r
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tied reports whether cell i is within noise of the fastest: for i > 0,
// not significantly slower; for the fastest, tied with any other.
func (r ranking) tied(i int) bool {
	if i > 0 {
		return !r.vs[i].differ
	}
	for j := 1; j < len(r.cells); j++ {
		if !r.vs[j].differ {
			return true
		}
	}
	return false
}

// winner reports whether the fastest cell is significantly faster than
// every other.
func (r ranking) winner() bool { return len(r.cells) > 1 && !r.tied(0) }

// tiedCells returns the fastest cell and those tied with it.
func (r ranking) tiedCells() []*cell {
	var cells []*cell
	for i, c := range r.cells {
		if i == 0 || r.tied(i) {
			cells = append(cells, c)
		}
	}
	return cells
}

// ratio returns slow's median ns/op over fast's, and the U test between
// them: how many times as fast fast is.
func ratio(fast, slow *cell) (float64, comparison) {
	return slow.stats().center / fast.stats().center, compare(fast.ns(), slow.ns())
}
