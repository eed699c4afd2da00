package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// The charts draw only what the data supports: a line over the read
// percentages when there are two or more of them, a line over the
// goroutine counts likewise, bars for every workload that no line shows,
// and the latency percentiles of each method. Every chart has one legend
// that says what each map's name stands for.

// Chart file names in -out, without their extensions.
const (
	readsChart      = "throughput_by_reads"
	goroutinesChart = "throughput_by_goroutines"
	barsChart       = "throughput"
	latencyChart    = "latency"
)

// A chart is one figure: a grid of plots and a legend, written as SVG and PNG.
type chart struct {
	base, title, caption string
	grid                 [][]*plot.Plot // nil where a cell of the grid is empty
	impls                []bench.Impl   // the legend's entries
	panelW, panelH       vg.Length
}

// A panel is one plot of a line chart: a line per implementation.
type panel struct {
	title  string
	xs     []float64 // the x values measured, ascending
	series []series  // in the order of -impls
	ws     []*workloadResult
}

// A series is one implementation's points: the median throughput and the
// confidence interval of the median.
type series struct {
	impl   bench.Impl
	points []point
}

type point struct{ x, median, lo, hi float64 }

// maxPanels bounds the panels of one chart, so that each stays readable.
const maxPanels = 12

// chartProcs is the goroutine count of the charts and ratios that show one:
// the number of CPUs if measured, else the nearest count below it, else the
// smallest measured.
func chartProcs(goroutines []int) int {
	best := 0
	for _, g := range goroutines {
		if g <= numCPU() && g > best {
			best = g
		}
	}
	if best == 0 {
		best = slices.Min(goroutines)
	}
	return best
}

func numCPU() int { return runtime.NumCPU() }

// charts returns the charts res supports.
func charts(res *results) []chart {
	var out []chart
	covered := map[*workloadResult]bool{}
	line := func(base, title, caption, xLabel string, panels []panel) {
		panels = slices.DeleteFunc(panels, func(p panel) bool { return len(p.xs) < 2 })
		if len(panels) == 0 {
			return
		}
		for _, p := range panels {
			for _, w := range p.ws {
				covered[w] = true
			}
		}
		var ws []*workloadResult
		for _, p := range panels {
			ws = append(ws, p.ws...)
		}
		out = append(out, lineChart(base, title, caption, xLabel, panels, measured(res.cfg, ws)))
	}
	line(readsChart, "Throughput by read percentage",
		"Median operations per second against the percentage of calls that are Load (the rest split between Store and Delete), with the 95% confidence interval of the median. Solid lines are safemap's maps, dashed lines the peers.",
		"percent of calls that are Load", readsPanels(res))
	line(goroutinesChart, "Throughput by goroutine count",
		"Median operations per second against the goroutine count (GOMAXPROCS), with the 95% confidence interval of the median. Solid lines are safemap's maps, dashed lines the peers.",
		"goroutines (GOMAXPROCS)", goroutinePanels(res))
	var rest []*workloadResult
	for _, w := range res.workloads {
		if !covered[w] && len(w.cells) > 0 {
			rest = append(rest, w)
		}
	}
	if len(rest) > maxPanels {
		rest = rest[:maxPanels]
	}
	if len(rest) > 0 {
		out = append(out, barChart(rest, measured(res.cfg, rest)))
	}
	if ch, ok := latencyChartOf(res); ok {
		out = append(out, ch)
	}
	return out
}

// measured returns the maps, in the order of -impls, that ran at least one
// of ws: those a chart of ws draws and its legend names.
func measured(cfg *config, ws []*workloadResult) []bench.Impl {
	var impls []bench.Impl
	for _, im := range cfg.impls {
		for _, w := range ws {
			if cellOf(w, im.Name) != nil {
				impls = append(impls, im)
				break
			}
		}
	}
	return impls
}

// readsPanels plots throughput against the read percentage, a panel per
// key type, key count and distribution, at chartProcs goroutines, for the
// mixes of -reads.
func readsPanels(res *results) []panel {
	procs := chartProcs(res.cfg.goroutines)
	return facet(res,
		func(w *workloadResult) (string, bool) {
			s := w.spec
			return fmt.Sprintf("%s %s keys, %s, %d goroutines", fmtCount(s.Keys), keyName(w), s.Dist, w.procs),
				w.procs == procs && s.Mix.IsZero() && !w.heap
		},
		func(w *workloadResult) float64 { return float64(w.spec.Reads) })
}

func keyName(w *workloadResult) string {
	if w.keysFile != "" {
		return w.keysFile
	}
	return w.spec.Key
}

// goroutinePanels plots throughput against the goroutine count, a panel per
// workload. When that makes too many panels it keeps the first key type,
// then the first distribution, then the first key count.
func goroutinePanels(res *results) []panel {
	cfg := res.cfg
	keep := []func(w *workloadResult) bool{
		func(w *workloadResult) bool { return !w.heap },
		func(w *workloadResult) bool { return w.spec.Key == cfg.keyTypes[0] },
		func(w *workloadResult) bool { return w.spec.Dist == cfg.dists[0] },
		func(w *workloadResult) bool { return w.spec.Keys == cfg.keys[0] },
	}
	var panels []panel
	for i := range keep {
		panels = facet(res,
			func(w *workloadResult) (string, bool) {
				for _, k := range keep[:i+1] {
					if !k(w) {
						return "", false
					}
				}
				return shortTitle(w), true
			},
			func(w *workloadResult) float64 { return float64(w.procs) })
		if len(panels) <= maxPanels {
			break
		}
	}
	if len(panels) > maxPanels {
		panels = panels[:maxPanels]
	}
	return panels
}

// shortTitle names a workload without its goroutine count, in two lines,
// so that a long mix fits a panel: "1k int keys, uniform\n90% reads".
func shortTitle(w *workloadResult) string {
	s := w.spec
	t := fmt.Sprintf("%s %s keys, %s", fmtCount(s.Keys), keyName(w), s.Dist)
	if s.ValueSize > 0 {
		t += fmt.Sprintf(", %dB values", s.ValueSize)
	}
	return t + "\n" + mixTitle(s)
}

// mixTitle names a mix for a chart: "90% reads" or "load=70,compute=30".
func mixTitle(s workload.Spec) string {
	if s.Mix.IsZero() {
		return fmt.Sprintf("%d%% reads", s.Reads)
	}
	return s.Mix.String()
}

// facet groups the workloads that group keeps into panels by the title it
// gives them, in the order first seen, and places each at x(w).
func facet(res *results, group func(*workloadResult) (string, bool), x func(*workloadResult) float64) []panel {
	var panels []panel
	index := map[string]int{}
	for _, w := range res.workloads {
		title, ok := group(w)
		if !ok {
			continue
		}
		i, seen := index[title]
		if !seen {
			i = len(panels)
			index[title] = i
			p := panel{title: title}
			for _, im := range res.cfg.impls {
				p.series = append(p.series, series{impl: im})
			}
			panels = append(panels, p)
		}
		p := &panels[i]
		p.ws = append(p.ws, w)
		xv := x(w)
		if !slices.Contains(p.xs, xv) {
			p.xs = append(p.xs, xv)
		}
		for _, c := range w.cells {
			j := slices.IndexFunc(p.series, func(s series) bool { return s.impl.Name == c.impl.Name })
			med, lo, hi := throughput(c.stats())
			p.series[j].points = append(p.series[j].points, point{x: xv, median: med, lo: lo, hi: hi})
		}
	}
	for i := range panels {
		slices.Sort(panels[i].xs)
		for j := range panels[i].series {
			slices.SortFunc(panels[i].series[j].points, func(a, b point) int { return cmpFloat(a.x, b.x) })
		}
	}
	return panels
}

// throughput turns a summary of ns/op into operations per second, as the
// tables do: the median of ns/op gives the median of ops/s, and the
// interval's bounds swap. Without an interval (too few runs), lo and hi are
// the median.
func throughput(st summary) (med, lo, hi float64) {
	med = 1e9 / st.center
	if math.IsInf(st.lo, 0) || math.IsInf(st.hi, 0) || math.IsNaN(st.lo) || st.lo <= 0 {
		return med, med, med
	}
	return med, 1e9 / st.hi, 1e9 / st.lo
}

// Chart geometry.
const (
	panelWidth    = 4.5 * vg.Inch
	panelHeight   = 3.2 * vg.Inch
	latencyWidth  = 3.6 * vg.Inch
	latencyHeight = 3.0 * vg.Inch
	legendWidth   = 2.9 * vg.Inch
	chartCols     = 2
)

// palette holds eleven colours that stay apart for most colour-blind
// readers (Okabe and Ito's, less the yellow that vanishes on white, and
// more), one per map in bench.Impls, so that a map keeps its colour from
// chart to chart and run to run.
var palette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {117, 112, 179, 255}, {0, 0, 0, 255},
	{140, 86, 75, 255}, {140, 140, 140, 255}, {128, 128, 0, 255},
}

// style returns a map's colour, glyph and dashes.
func style(im bench.Impl) (color.Color, draw.GlyphDrawer, []vg.Length) {
	i := slices.IndexFunc(bench.Impls, func(b bench.Impl) bool { return b.Name == im.Name })
	shapes := []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
		draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	}
	var dashes []vg.Length
	if im.Peer {
		dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return palette[i%len(palette)], shapes[i%len(shapes)], dashes
}

// lineChart lays panels out chartCols to a row.
func lineChart(base, title, caption, xLabel string, panels []panel, impls []bench.Impl) chart {
	ch := chart{base: base, title: title, caption: caption, impls: impls, panelW: panelWidth, panelH: panelHeight}
	cols := min(chartCols, len(panels))
	for i, p := range panels {
		if i%cols == 0 {
			ch.grid = append(ch.grid, make([]*plot.Plot, cols))
		}
		ch.grid[i/cols][i%cols] = linePlot(p, xLabel)
	}
	return ch
}

func newPlot(title string) *plot.Plot {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont
	pl := plot.New()
	pl.Title.Text = title
	pl.Add(plotter.NewGrid())
	return pl
}

// linePlot draws one panel: a line per map, with error bars.
func linePlot(p panel, xLabel string) *plot.Plot {
	pl := newPlot(p.title)
	pl.X.Label.Text = xLabel
	pl.Y.Label.Text = "operations per second"
	pl.Y.Min = 0 // so that heights compare as ratios
	pl.Y.Tick.Marker = siTicks{}
	pl.X.Tick.Marker = xTicks(p.xs)
	for _, s := range p.series {
		if len(s.points) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.points))
		errs := make(plotter.YErrors, len(s.points))
		for j, pt := range s.points {
			xys[j] = plotter.XY{X: pt.x, Y: pt.median}
			errs[j].Low, errs[j].High = pt.median-pt.lo, pt.hi-pt.median
		}
		c, glyph, dashes := style(s.impl)
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue // a NaN: nothing to draw
		}
		line.Color, line.Width, line.Dashes = c, vg.Points(1.5), dashes
		points.Color, points.Shape = c, glyph
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err == nil {
			bars.Color = c
			pl.Add(bars)
		}
		pl.Add(line, points)
	}
	return pl
}

// barChart draws a panel per workload: a bar per map, fastest at the top,
// with the 95% confidence interval of its median.
func barChart(ws []*workloadResult, impls []bench.Impl) chart {
	ch := chart{base: barsChart, title: "Throughput", impls: impls, panelW: panelWidth, panelH: panelHeight,
		caption: "Median operations per second of each workload that no line chart shows, fastest at the top, with the 95% confidence interval of the median."}
	cols := min(chartCols, len(ws))
	for i, w := range ws {
		if i%cols == 0 {
			ch.grid = append(ch.grid, make([]*plot.Plot, cols))
		}
		ch.grid[i/cols][i%cols] = barPlot(w)
	}
	return ch
}

func barPlot(w *workloadResult) *plot.Plot {
	first, mix, _ := strings.Cut(shortTitle(w), "\n")
	title := first + ", " + strconv.Itoa(w.procs) + " goroutines\n" + mix
	if w.heap {
		title += "\nlarge heap: each map alone in it"
	}
	pl := newPlot(title)
	pl.Title.TextStyle.Font.Size = vg.Points(10)
	pl.X.Label.Text = "operations per second"
	pl.X.Min = 0
	pl.X.Tick.Marker = siTicks{}
	r := rank(w)
	n := len(r.cells)
	var names []string
	for i := n - 1; i >= 0; i-- { // the fastest at the top
		names = append(names, r.cells[i].impl.Name)
	}
	for i, c := range r.cells {
		y := float64(n - 1 - i)
		ops, lo, hi := throughput(r.stats[i])
		b, err := plotter.NewBarChart(plotter.Values{ops}, vg.Points(11))
		if err != nil {
			continue
		}
		col, _, _ := style(c.impl)
		b.Horizontal, b.XMin, b.Color, b.LineStyle.Width = true, y, col, 0
		pl.Add(b)
		if lo < hi {
			e, err := plotter.NewXErrorBars(struct {
				plotter.XYs
				plotter.XErrors
			}{plotter.XYs{{X: ops, Y: y}}, plotter.XErrors{{Low: ops - lo, High: hi - ops}}})
			if err == nil {
				pl.Add(e)
			}
		}
	}
	pl.NominalY(names...)
	pl.Y.Padding = vg.Points(10)
	return pl
}

// xTicks marks each measured x, ascending, and labels it unless its label
// would run into the next one's, as 99 would into 100: labels stand at
// least a twentieth of the axis apart, and the largest x always has one.
func xTicks(xs []float64) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(xs))
	minGap := (xs[len(xs)-1] - xs[0]) / 20
	next := math.Inf(1) // the x of the nearest label to the right
	for i := len(xs) - 1; i >= 0; i-- {
		ticks[i] = plot.Tick{Value: xs[i]}
		if next-xs[i] >= minGap {
			ticks[i].Label = strconv.FormatFloat(xs[i], 'f', -1, 64)
			next = xs[i]
		}
	}
	return ticks
}

// siTicks labels an axis 0, 20M, 40M, ... rather than 2e+07.
type siTicks struct{}

func (siTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = fmtSI(ticks[i].Value)
		}
	}
	return ticks
}

func fmtCount(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// write draws the chart's grid with its legend on the right, and writes it
// as base.svg and base.png in dir.
func (ch chart) write(dir string) ([]string, error) {
	if len(ch.grid) == 0 {
		return nil, nil
	}
	rows, cols := len(ch.grid), len(ch.grid[0])
	width, height := vg.Length(cols)*ch.panelW+legendWidth, max(vg.Length(rows)*ch.panelH, 3*vg.Inch)

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(10)
	for _, im := range ch.impls {
		c, glyph, dashes := style(im)
		line := &plotter.Line{LineStyle: draw.LineStyle{Color: c, Width: vg.Points(1.5), Dashes: dashes}}
		pts := &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: glyph}}
		legend.Add(im.Name+" = "+im.Label, line, pts)
	}

	var files []string
	for _, ext := range []string{"svg", "png"} {
		var c interface {
			vg.CanvasSizer
			io.WriterTo
		}
		if ext == "svg" {
			c = vgsvg.New(width, height)
		} else {
			c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))}
		}
		dc := draw.New(c)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		grid := draw.Crop(dc, 0, -legendWidth, 0, 0)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
			PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
		canvases := plot.Align(ch.grid, tiles, grid)
		for r := range ch.grid {
			for col, pl := range ch.grid[r] {
				if pl != nil {
					pl.Draw(canvases[r][col])
				}
			}
		}
		legend.Draw(draw.Crop(dc, width-legendWidth+vg.Millimeter*2, 0, 0, -vg.Millimeter*8))

		name := filepath.Join(dir, ch.base+"."+ext)
		if err := writeFile(name, c); err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	return files, nil
}

func writeFile(name string, w io.WriterTo) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
