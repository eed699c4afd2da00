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

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A panel is one plot of a chart: a line per implementation.
type panel struct {
	title  string
	xs     []float64 // the x values measured, ascending
	series []series  // in the order of -impls
}

// A series is one implementation's points: the median throughput and its
// range over the repeats.
type series struct {
	impl   string
	peer   bool
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

// readsPanels plots throughput against the read percentage, a panel per
// key type, key count and distribution, at chartProcs goroutines.
func readsPanels(res *results) []panel {
	procs := chartProcs(res.cfg.goroutines)
	return facet(res,
		func(w *workloadResult) (string, bool) {
			s := w.spec
			return fmt.Sprintf("%s %s keys, %s, %d goroutines", fmtCount(s.Keys), s.Key, s.Dist, w.procs), w.procs == procs
		},
		func(w *workloadResult) float64 { return float64(w.spec.Reads) })
}

// goroutinePanels plots throughput against the goroutine count, a panel per
// workload. When that makes too many panels it keeps the first key type,
// then the first distribution, then the first key count.
func goroutinePanels(res *results) []panel {
	cfg := res.cfg
	keep := []func(w *workloadResult) bool{
		func(*workloadResult) bool { return true },
		func(w *workloadResult) bool { return w.spec.Key == cfg.keyTypes[0] },
		func(w *workloadResult) bool { return w.spec.Dist == cfg.dists[0] },
		func(w *workloadResult) bool { return w.spec.Keys == cfg.keys[0] },
	}
	var panels []panel
	for i := range keep {
		panels = facet(res,
			func(w *workloadResult) (string, bool) {
				s := w.spec
				for _, k := range keep[:i+1] {
					if !k(w) {
						return "", false
					}
				}
				return fmt.Sprintf("%s %s keys, %s, %d%% reads", fmtCount(s.Keys), s.Key, s.Dist, s.Reads), true
			},
			func(w *workloadResult) float64 { return float64(w.procs) })
		if len(panels) <= maxPanels {
			break
		}
	}
	return panels
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
			for _, c := range w.cells {
				p.series = append(p.series, series{impl: c.impl.Name, peer: c.impl.Peer})
			}
			panels = append(panels, p)
		}
		p := &panels[i]
		xv := x(w)
		if !slices.Contains(p.xs, xv) {
			p.xs = append(p.xs, xv)
		}
		for j, c := range w.cells {
			// Throughput from ns/op, as in the tables: the median of ns/op
			// gives the median of ops/s, its slowest run the lowest ops/s.
			st := c.stats()
			p.series[j].points = append(p.series[j].points, point{x: xv, median: 1e9 / st.median, lo: 1e9 / st.max, hi: 1e9 / st.min})
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

// Chart geometry.
const (
	panelWidth  = 4.5 * vg.Inch
	panelHeight = 3.2 * vg.Inch
	legendWidth = 1.7 * vg.Inch
	chartCols   = 2
)

// palette holds ten colours that stay apart for most colour-blind readers
// (Okabe and Ito's, less the yellow that vanishes on white, and more), so
// that ten maps can share a chart.
var palette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {213, 94, 0, 255}, {117, 112, 179, 255}, {0, 0, 0, 255},
	{140, 86, 75, 255}, {140, 140, 140, 255},
}

// writeChart draws panels side by side, chartCols to a row, with one legend
// for all, and writes it as base.svg and base.png in dir.
func writeChart(dir, base, xLabel string, panels []panel) ([]string, error) {
	if len(panels) == 0 {
		return nil, nil
	}
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont

	cols := min(chartCols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	width, height := vg.Length(cols)*panelWidth+legendWidth, vg.Length(rows)*panelHeight

	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	legend := plot.NewLegend()
	legend.Top = true
	legend.Left = true
	for i, p := range panels {
		pl, err := drawPanel(p, xLabel, &legend, i == 0)
		if err != nil {
			return nil, err
		}
		plots[i/cols][i%cols] = pl
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
		canvases := plot.Align(plots, tiles, grid)
		for r := range plots {
			for col, pl := range plots[r] {
				if pl != nil {
					pl.Draw(canvases[r][col])
				}
			}
		}
		legendArea := draw.Crop(dc, width-legendWidth+vg.Millimeter*2, 0, 0, -vg.Millimeter*8)
		legend.Draw(legendArea)

		name := filepath.Join(dir, base+"."+ext)
		if err := writeFile(name, c); err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	return files, nil
}

// drawPanel makes the plot of one panel and, when first, fills the legend.
func drawPanel(p panel, xLabel string, legend *plot.Legend, first bool) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.title
	pl.X.Label.Text = xLabel
	pl.Y.Label.Text = "operations per second"
	pl.Y.Min = 0 // so that heights compare as ratios
	pl.Y.Tick.Marker = siTicks{}
	pl.X.Tick.Marker = xTicks(p.xs)
	pl.Add(plotter.NewGrid())

	for i, s := range p.series {
		xys := make(plotter.XYs, len(s.points))
		errs := make(plotter.YErrors, len(s.points))
		for j, pt := range s.points {
			xys[j] = plotter.XY{X: pt.x, Y: pt.median}
			errs[j].Low, errs[j].High = pt.median-pt.lo, pt.hi-pt.median
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		c := palette[i%len(palette)]
		line.Color = c
		line.Width = vg.Points(1.5)
		if s.peer {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		points.Color = c
		points.Shape = shape(i)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{xys, errs})
		if err != nil {
			return nil, err
		}
		bars.Color = c
		pl.Add(line, points, bars)
		if first {
			legend.Add(s.impl, line, points)
		}
	}
	return pl, nil
}

// shape gives each series a glyph of its own, so that lines stay apart
// where colours are hard to tell.
func shape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{},
		draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
	}
	return shapes[i%len(shapes)]
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

// siTicks labels the y axis 0, 20M, 40M, ... rather than 2e+07.
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
