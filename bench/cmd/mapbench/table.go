package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// verdict says in one sentence who wins the workload, and by how much.
func (r ranking) verdict() string {
	switch {
	case len(r.cells) == 0:
		return "No map could run this workload."
	case len(r.cells) == 1:
		return fmt.Sprintf("Only %s was measured.", r.cells[0].impl.Name)
	case r.winner():
		x, c := ratio(r.cells[0], r.cells[1])
		return fmt.Sprintf("%s wins: %s the throughput of %s, the runner-up (%s, %d runs each).",
			r.cells[0].impl.Name, fmtRatio(x), r.cells[1].impl.Name, c, len(r.cells[0].samples))
	}
	return fmt.Sprintf("No winner: %s are within noise of each other (p > 0.05).", joinNames(names(r.tiedCells())))
}

func names(cells []*cell) []string {
	var ns []string
	for _, c := range cells {
		ns = append(ns, c.impl.Name)
	}
	return ns
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// title names a workload for headings.
func title(w *workloadResult) string {
	t := fmt.Sprintf("%s goroutines=%d", strings.ReplaceAll(w.spec.Name(), "/", " "), w.procs)
	if w.keysFile != "" {
		t += " keys-from=" + w.keysFile
	}
	if w.heap {
		t += " (large heap)"
	}
	return t
}

// mixLabel names a workload's mix briefly: "reads=90" or "ops=load:70,compute:30".
func mixLabel(s workload.Spec) string {
	if s.Mix.IsZero() {
		return "reads=" + strconv.Itoa(s.Reads)
	}
	return "ops=" + s.Mix.Name()
}

// columns are the table's headings; rows gives the cells in the same order.
var columns = []string{"impl", "ns/op", "95% CI", "ops/s", "p50", "p99", "p99.9", "max",
	"B/write", "allocs/write", "GC CPU", "B/entry", "vs fastest", ""}

func (r ranking) rows(res *results, w *workloadResult) [][]string {
	var rows [][]string
	writes := w.spec.OpMix().Writes() / 100
	for i, c := range r.cells {
		st := r.stats[i]
		d := all(c.lat)
		row := []string{c.impl.Name, fmtNs(st.center), st.pct(), fmtSI(1e9 / st.center)}
		for _, q := range quantiles {
			row = append(row, fmtLatency(d.at(q.q)))
		}
		row = append(row, fmtLatency(d.max(), d.count() > 0))
		row = append(row,
			fmtPerWrite(c.median(func(s sample) float64 { return s.bytesPerOp }), writes, "%.0f"),
			fmtPerWrite(c.median(func(s sample) float64 { return s.allocsPerOp }), writes, "%.2f"),
			fmtPercent(c.gc.cpuShare()),
			fmtBytes(res.bytesPerEntry, c.impl.Name),
			fmtRatio(st.center/r.stats[0].center),
			r.mark(i))
		rows = append(rows, row)
	}
	return rows
}

// mark is the last column of a row: winner, tie or nothing.
func (r ranking) mark(i int) string {
	switch {
	case i == 0 && r.winner():
		return "winner"
	case r.tied(i):
		return "tie"
	}
	return ""
}

// writeTables prints a table per workload, fastest first.
func writeTables(w io.Writer, res *results) {
	for i, wr := range res.workloads {
		if i > 0 {
			fmt.Fprintln(w)
		}
		r := rank(wr)
		fmt.Fprintf(w, "%s (median of %d runs)\n", title(wr), res.cfg.count)
		if len(r.cells) > 0 {
			writeAligned(w, append([][]string{columns}, r.rows(res, wr)...))
		}
		fmt.Fprintf(w, "  %s\n", r.verdict())
		for _, s := range wr.skipped {
			fmt.Fprintf(w, "  Skipped %s: %s.\n", s.impl.Name, s.why)
		}
		if wr.heap {
			writeHeapLine(w, wr)
		}
	}
	fmt.Fprintf(w, "\nLatency: %s, timed on each goroutine; here over all runs and methods (report.md has each method). "+
		"B/write and allocs/write count the calls that can write. GC CPU: the collector's share of the CPU during the runs.\n", timingText(res.cfg.every))
	if n := oversubscribed(res); n > 0 {
		fmt.Fprintf(w, "Goroutine counts above the machine's %d CPUs show behaviour under oversubscription, not scaling.\n", n)
	}
}

// writeHeapLine says what one collection costs with each map live, and
// what the collector did and would do for each.
func writeHeapLine(w io.Writer, wr *workloadResult) {
	fmt.Fprintf(w, "  The garbage collector with each map alone in the heap (%s keys, half present, %d-byte []byte values):\n", fmtCount(wr.spec.Keys), wr.spec.ValueSize)
	rows := [][]string{{"impl", "live heap", "objects", "scannable", "CPU/GC", "GCs in runs", "GC CPU in runs", "GC CPU (est.)", "longest pause"}}
	for _, c := range rank(wr).cells {
		if c.heap == nil {
			continue
		}
		h := c.heap
		rows = append(rows, []string{c.impl.Name, fmtMB(h.liveBytes), fmtSI(float64(h.liveObjects)), fmtMB(h.scanBytes),
			fmtDuration(time.Duration(h.cycleCPU * 1e9)), strconv.FormatUint(c.gc.cycles, 10), fmtPercent(c.gc.cpuShare()),
			fmtPercent(gcEstimate(c, wr)), fmtPause(c.gc)})
	}
	writeAligned(w, rows)
	fmt.Fprintf(w, "  CPU/GC: one forced collection with the map live. GC CPU (est.): the collector's share of the CPU in a program that ran this for good, from B/op, ops/s, the live heap, GOGC and CPU/GC.\n")
}

// gcEstimate is the collector's estimated share of the CPU for a heap cell.
func gcEstimate(c *cell, wr *workloadResult) float64 {
	return c.heap.gcShareEstimate(c.median(func(s sample) float64 { return s.bytesPerOp }),
		c.median(func(s sample) float64 { return s.opsPerSec }), wr.procs)
}

func timingText(every int) string {
	switch every {
	case 0:
		return "no call"
	case 1:
		return "every call"
	}
	return fmt.Sprintf("1 call in %d of the most frequent method, and of rarer ones in proportion (about as many timed calls each), more where calls are slow", every)
}

// writeAligned writes rows as columns two spaces apart, indented by two:
// the first and last columns (name and mark) aligned left, numbers right.
func writeAligned(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 || i == len(row)-1 {
				b.WriteString("  " + cell + pad)
			} else {
				b.WriteString("  " + pad + cell)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// writeRecommendations names the map to use for each workload, or the maps
// tied for it, and then says once what each map named promises.
func writeRecommendations(w io.Writer, res *results) {
	var named []bench.Impl
	name := func(im bench.Impl) {
		if !containsImpl(named, im.Name) {
			named = append(named, im)
		}
	}
	for _, wr := range res.workloads {
		r := rank(wr)
		fmt.Fprintf(w, "\nRecommendation for %s (%d runs each):\n", title(wr), res.cfg.count)
		switch {
		case len(r.cells) == 0:
			fmt.Fprintf(w, "  None: no map measured could run it.\n")
		case len(r.cells) == 1:
			fmt.Fprintf(w, "  Only %s was measured; give -impls more than one map to compare.\n", r.cells[0].impl.Name)
		case r.winner():
			best, next := r.cells[0], r.cells[1]
			x, c := ratio(best, next)
			fmt.Fprintf(w, "  Use %s. It does %s the operations per second of %s, the runner-up (%s: a significant difference).\n",
				best.impl.Name, fmtRatio(x), next.impl.Name, c)
			name(best.impl)
			if best.impl.Peer {
				if own := fastestOwn(r); own != nil {
					x, c := ratio(best, own)
					fmt.Fprintf(w, "  For the full safemap.Map contract, take %s: %s the throughput of %s (%s).\n",
						own.impl.Name, fmtRatio(1/x), best.impl.Name, c)
					name(own.impl)
				}
			}
		default:
			tied := r.tiedCells()
			fmt.Fprintf(w, "  No single winner: %s are within noise of each other (p > 0.05 over %d runs). Choose among them by what they promise.\n",
				joinNames(names(tied)), res.cfg.count)
			for _, c := range tied {
				name(c.impl)
			}
		}
	}
	if len(named) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWhat the maps named above promise:\n")
	for _, group := range byContract(named) {
		var ns []string
		for _, im := range group {
			ns = append(ns, im.Name)
		}
		fmt.Fprintf(w, "  %s: %s.\n", joinNames(ns), group[0].Contract)
	}
	for _, im := range named {
		if im.Flaw != "" {
			fmt.Fprintf(w, "  But beware: %s %s.\n", im.Name, im.Flaw)
		}
	}
}

// byContract groups maps that promise the same, in the order first named.
func byContract(impls []bench.Impl) [][]bench.Impl {
	var groups [][]bench.Impl
	for _, im := range impls {
		found := false
		for i, g := range groups {
			if g[0].Contract == im.Contract {
				groups[i] = append(groups[i], im)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, []bench.Impl{im})
		}
	}
	return groups
}

// fastestOwn returns the fastest of safemap's own maps in r, or nil.
func fastestOwn(r ranking) *cell {
	for _, c := range r.cells {
		if !c.impl.Peer {
			return c
		}
	}
	return nil
}

// oversubscribed returns the number of CPUs if some goroutine count
// exceeded it, and 0 otherwise.
func oversubscribed(res *results) int {
	n := numCPU()
	for _, g := range res.cfg.goroutines {
		if g > n {
			return n
		}
	}
	return 0
}

// Number formats.

func fmtNs(x float64) string {
	switch {
	case math.IsNaN(x):
		return "-"
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// fmtSI gives x to three significant digits with an SI suffix: 82.6M.
func fmtSI(x float64) string {
	for _, u := range []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if x >= u.scale*0.9995 { // so that 999.7k rounds up to 1M, not 1e+03k
			return fmt.Sprintf("%.3g%s", x/u.scale, u.suffix)
		}
	}
	return fmt.Sprintf("%.3g", x)
}

// fmtLatency gives a latency to two or three significant digits, or "-"
// when too few calls were timed to tell it.
func fmtLatency(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return fmtDuration(d)
}

func fmtDuration(d time.Duration) string {
	ns := float64(d)
	for _, u := range []struct {
		scale float64
		unit  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
		if ns >= u.scale {
			return trimFloat(ns/u.scale) + u.unit
		}
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + "ns"
}

// trimFloat gives x to three significant digits at most, without
// trailing zeros: 1.25, 12.5, 125, 2.
func trimFloat(x float64) string {
	x, _ = strconv.ParseFloat(strconv.FormatFloat(x, 'g', 3, 64), 64)
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// fmtPerWrite divides a per-call figure by the share of calls that can
// write; "-" for a mix without writes.
func fmtPerWrite(perOp, writes float64, format string) string {
	if writes == 0 || math.IsNaN(perOp) {
		return "-"
	}
	x := perOp / writes
	if x < 0.005 {
		return "0"
	}
	return fmt.Sprintf(format, x)
}

func fmtPercent(x float64) string {
	switch {
	case x == 0:
		return "0%"
	case x < 0.001:
		return "<0.1%"
	case x < 0.1:
		return fmt.Sprintf("%.1f%%", x*100)
	}
	return fmt.Sprintf("%.0f%%", x*100)
}

func fmtMB(b uint64) string {
	return fmt.Sprintf("%.1fMB", float64(b)/1e6)
}

func fmtPause(s gcStats) string {
	if s.pauses == 0 {
		return "-"
	}
	return fmtDuration(time.Duration(s.maxPause * 1e9))
}

func fmtBytes(perEntry map[string]float64, name string) string {
	b, ok := perEntry[name]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f", b)
}

func fmtRatio(x float64) string { return fmt.Sprintf("%.2f×", x) }
