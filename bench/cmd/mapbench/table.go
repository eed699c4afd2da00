package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// A ranking orders the cells of one workload by median ns/op, fastest
// first, and says which of them are within the noise of the fastest.
type ranking struct {
	cells []*cell
	stats []stats
	// tied[i] reports whether cell i's range of ns/op overlaps the
	// fastest's; tied[0] is true when any other cell is tied with it.
	tied []bool
}

func rank(w *workloadResult) ranking {
	r := ranking{cells: slices.Clone(w.cells)}
	slices.SortStableFunc(r.cells, func(a, b *cell) int {
		return cmpFloat(a.stats().median, b.stats().median)
	})
	r.tied = make([]bool, len(r.cells))
	for i, c := range r.cells {
		r.stats = append(r.stats, c.stats())
		if i > 0 && r.stats[i].min <= r.stats[0].max {
			r.tied[i], r.tied[0] = true, true
		}
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

// winner reports whether the fastest cell is faster than every other in
// every repeat's range, and not merely in the median.
func (r ranking) winner() bool { return len(r.cells) > 1 && !r.tied[0] }

// tiedNames names the fastest cell and those tied with it.
func (r ranking) tiedNames() []string {
	var names []string
	for i, c := range r.cells {
		if i == 0 || r.tied[i] {
			names = append(names, c.impl.Name)
		}
	}
	return names
}

// mark is the last column of a row: winner, tie or nothing.
func (r ranking) mark(i int) string {
	switch {
	case i == 0 && r.winner():
		return "winner"
	case r.tied[i]:
		return "tie"
	}
	return ""
}

// verdict says in one sentence who wins the workload, and by how much.
func (r ranking) verdict() string {
	switch {
	case len(r.cells) == 1:
		return fmt.Sprintf("only %s was measured.", r.cells[0].impl.Name)
	case r.winner():
		ratio := pairedRatio(r.cells[0], r.cells[1])
		return fmt.Sprintf("%s wins: %s the throughput of %s, the runner-up (%s over %d paired runs).",
			r.cells[0].impl.Name, fmtRatio(ratio.median), r.cells[1].impl.Name, fmtRatioRange(ratio), len(r.cells[0].samples))
	}
	return fmt.Sprintf("no winner: %s are within noise of each other (their ns/op ranges overlap).", joinNames(r.tiedNames()))
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
	return fmt.Sprintf("%s goroutines=%d", strings.ReplaceAll(w.spec.Name(), "/", " "), w.procs)
}

// columns are the table's headings; rows gives the cells in the same order.
var columns = []string{"impl", "ns/op", "range ns/op", "ops/s", "allocs/op", "B/entry", "vs fastest", ""}

func (r ranking) rows(res *results) [][]string {
	var rows [][]string
	for i, c := range r.cells {
		st := r.stats[i]
		rows = append(rows, []string{
			c.impl.Name,
			fmtNs(st.median),
			fmtRange(st),
			fmtSI(1e9 / st.median),
			fmtAllocs(c.median(func(s sample) float64 { return s.allocsPerOp })),
			fmtBytes(res.bytesPerEntry, c.impl.Name),
			fmtRatio(st.median / r.stats[0].median),
			r.mark(i),
		})
	}
	return rows
}

// writeTables prints a table per workload, fastest first.
func writeTables(w io.Writer, res *results) {
	for i, wr := range res.workloads {
		if i > 0 {
			fmt.Fprintln(w)
		}
		r := rank(wr)
		fmt.Fprintf(w, "%s (median of %d runs)\n", title(wr), res.cfg.count)
		writeAligned(w, append([][]string{columns}, r.rows(res)...))
		fmt.Fprintf(w, "  %s\n", capitalise(r.verdict()))
	}
	if n := oversubscribed(res); n > 0 {
		fmt.Fprintf(w, "\nGoroutine counts above the machine's %d CPUs show behaviour under oversubscription, not scaling.\n", n)
	}
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

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// writeRecommendations names the map to use for each workload, or the maps
// tied for it, with what each of them promises.
func writeRecommendations(w io.Writer, res *results) {
	for _, wr := range res.workloads {
		r := rank(wr)
		fmt.Fprintf(w, "\nRecommendation for %s (%d runs each):\n", title(wr), res.cfg.count)
		switch {
		case len(r.cells) == 1:
			fmt.Fprintf(w, "  Only %s was measured; give -impls more than one map to compare.\n", r.cells[0].impl.Name)
			continue
		case r.winner():
			best, next := r.cells[0], r.cells[1]
			ratio := pairedRatio(best, next)
			fmt.Fprintf(w, "  Use %s. It does %s the operations per second of %s, the runner-up (%s over %d paired runs; their ranges do not overlap).\n",
				best.impl.Name, fmtRatio(ratio.median), next.impl.Name, fmtRatioRange(ratio), len(best.samples))
			fmt.Fprintf(w, "  What %s offers: %s.\n", best.impl.Name, best.impl.Contract)
			if best.impl.Flaw != "" {
				fmt.Fprintf(w, "  But beware: %s %s.\n", best.impl.Name, best.impl.Flaw)
			}
			if best.impl.Peer {
				if own := fastestOwn(r); own != nil {
					ratio := pairedRatio(own, best) // best's ns/op over own's: own's share of best's throughput
					fmt.Fprintf(w, "  For the full safemap.Map contract, take %s: %s the throughput of %s (%s).\n",
						own.impl.Name, fmtRatio(ratio.median), best.impl.Name, fmtRatioRange(ratio))
				}
			}
		default:
			fmt.Fprintf(w, "  No single winner: %s are within noise of each other (their ns/op ranges overlap over %d runs). Choose among them by what they promise:\n",
				joinNames(r.tiedNames()), res.cfg.count)
			for i, c := range r.cells {
				if i == 0 || r.tied[i] {
					fmt.Fprintf(w, "    %s: %s.\n", c.impl.Name, c.impl.Contract)
					if c.impl.Flaw != "" {
						fmt.Fprintf(w, "      But beware: %s %s.\n", c.impl.Name, c.impl.Flaw)
					}
				}
			}
		}
	}
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
	case x < 10:
		return fmt.Sprintf("%.2f", x)
	case x < 100:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// fmtRange gives the lowest and highest ns/op, and half their distance as a
// percentage of the median.
func fmtRange(s stats) string {
	return fmt.Sprintf("%s–%s ±%.0f%%", fmtNs(s.min), fmtNs(s.max), (s.max-s.min)/2/s.median*100)
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

func fmtAllocs(x float64) string {
	if x < 0.005 {
		return "0"
	}
	return fmt.Sprintf("%.2f", x)
}

func fmtBytes(perEntry map[string]float64, name string) string {
	b, ok := perEntry[name]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f", b)
}

func fmtRatio(x float64) string { return fmt.Sprintf("%.2f×", x) }

func fmtRatioRange(s stats) string {
	return fmt.Sprintf("%.2f–%.2f", s.min, s.max)
}
