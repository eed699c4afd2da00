package main

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gosafemap/safemap/internal/workload"
)

// The latency chart has a row per workload, at chartProcs goroutines, and a
// column per method: each panel draws every map's percentile curve, the
// latency (log scale) below which a given share of the timed calls
// finished, against that share on a scale of nines (50%, 90%, 99%, 99.9%),
// as HdrHistogram's plots do, so that the tail gets the room it needs.

// maxLatencyRows bounds the workloads of the latency chart.
const maxLatencyRows = 6

// latencyChartOf returns the latency chart, if any call was timed.
func latencyChartOf(res *results) (chart, bool) {
	cfg := res.cfg
	if cfg.every == 0 {
		return chart{}, false
	}
	procs := chartProcs(cfg.goroutines)
	var ws []*workloadResult
	for _, keep := range []func(w *workloadResult) bool{
		func(w *workloadResult) bool { return true },
		func(w *workloadResult) bool { return w.heap || w.spec.Key == cfg.keyTypes[0] },
		func(w *workloadResult) bool { return w.heap || w.spec.Dist == cfg.dists[0] },
		func(w *workloadResult) bool { return w.heap || w.spec.Keys == cfg.keys[0] },
	} {
		ws = ws[:0]
		for _, w := range res.workloads {
			if w.procs == procs && len(w.cells) > 0 && keep(w) {
				ws = append(ws, w)
			}
		}
		if len(ws) <= maxLatencyRows {
			break
		}
	}
	if len(ws) > maxLatencyRows {
		ws = ws[:maxLatencyRows]
	}
	// The columns: every method some workload calls, in Op order.
	var used [workload.NumOps]bool
	for _, w := range ws {
		for _, op := range w.spec.OpMix().Ops() {
			used[op] = true
		}
	}
	var cols []workload.Op
	for op, u := range used {
		if u {
			cols = append(cols, workload.Op(op))
		}
	}
	ch := chart{base: latencyChart, title: "Latency percentiles", impls: measured(cfg, ws), panelW: latencyWidth, panelH: latencyHeight,
		caption: "The latency of the timed calls (" + timingText(cfg.every) + ", on each goroutine, over all runs) below which 50%, 90%, 99%, 99.9% … of them finished, for each method of each workload, on log scales. " +
			"A curve ends where fewer than " + strconv.Itoa(minAbove) + " timed calls lie beyond; a flat start is the clock's own cost, about " + fmtDuration(clockCost()) + " here."}
	// Wide enough for the longest title line, the mix, at 9 points.
	for _, w := range ws {
		ch.panelW = max(ch.panelW, vg.Length(len(mixTitle(w.spec)))*vg.Points(9)*0.55)
	}
	drawn := false
	for _, w := range ws {
		row := make([]*plot.Plot, len(cols))
		for j, op := range cols {
			if w.spec.OpMix()[op] == 0 {
				continue
			}
			if pl, ok := latencyPlot(w, op); ok {
				row[j], drawn = pl, true
			}
		}
		ch.grid = append(ch.grid, row)
	}
	return ch, drawn
}

// nines are the x positions of the ticks: -log10(1-p).
var nines = []struct {
	x     float64
	label string
}{{math.Log10(2), "50%"}, {1, "90%"}, {2, "99%"}, {3, "99.9%"}, {4, "99.99%"}, {5, "99.999%"}}

func latencyPlot(w *workloadResult, op workload.Op) (*plot.Plot, bool) {
	s := w.spec
	title := fmt.Sprintf("%s\n%s %s %s", op, fmtCount(s.Keys), keyName(w), s.Dist)
	if s.ValueSize > 0 {
		title += fmt.Sprintf(", %dB", s.ValueSize)
	}
	title += fmt.Sprintf(", %d goroutines", w.procs)
	if w.heap {
		title += ", large heap"
	}
	pl := newPlot(title + "\n" + mixTitle(s))
	pl.Title.TextStyle.Font.Size = vg.Points(9)
	pl.X.Label.Text = "share of calls faster"
	pl.Y.Label.Text = "latency"
	pl.Y.Scale = plot.LogScale{}
	pl.Y.Tick.Marker = durationTicks{}
	xmax := 0.0
	drawn := false
	for _, c := range rank(w).cells {
		d := c.lat[op]
		n := d.count()
		if n == 0 {
			continue
		}
		h := d.hist()
		// The last point: where minAbove calls still lie beyond.
		top := -math.Log10(float64(minAbove) / float64(n))
		if top < nines[0].x {
			continue
		}
		var xys plotter.XYs
		for x := nines[0].x; x <= top+1e-9; x += 0.05 {
			q := 100 * (1 - math.Pow(10, -x))
			xys = append(xys, plotter.XY{X: x, Y: float64(max(h.ValueAtQuantile(q), 1))})
		}
		xmax = max(xmax, top)
		col, glyph, dashes := style(c.impl)
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		line.Color, line.Width, line.Dashes = col, vg.Points(1.5), dashes
		// Glyphs at the nines, so that curves of close colours stay apart.
		var at plotter.XYs
		for _, t := range nines {
			if t.x <= top+1e-9 {
				q := 100 * (1 - math.Pow(10, -t.x))
				at = append(at, plotter.XY{X: t.x, Y: float64(max(h.ValueAtQuantile(q), 1))})
			}
		}
		pl.Add(line)
		if pts, err := plotter.NewScatter(at); err == nil {
			pts.Color, pts.Shape = col, glyph
			pl.Add(pts)
		}
		drawn = true
	}
	if !drawn {
		return nil, false
	}
	var ticks plot.ConstantTicks
	for _, t := range nines {
		if t.x <= xmax+0.5 {
			ticks = append(ticks, plot.Tick{Value: t.x, Label: t.label})
		}
	}
	pl.X.Tick.Marker = ticks
	pl.X.Min, pl.X.Max = nines[0].x, max(xmax, 1)
	return pl, true
}

// durationTicks marks a log axis of nanoseconds at 1, 2 and 5 times each
// power of ten (every multiple when the axis spans less than ten times),
// labelled as durations: 50ns, 100ns, 200ns, 1µs.
type durationTicks struct{}

func (durationTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	min = math.Max(min, 1)
	decades := math.Log10(max / min)
	steps := []float64{1, 2, 5}
	if decades < 1 {
		steps = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	for p := math.Floor(math.Log10(min)); p <= math.Ceil(math.Log10(max)); p++ {
		for _, m := range steps {
			v := m * math.Pow(10, p)
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || decades < 2.5 {
				t.Label = fmtDuration(time.Duration(v))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
