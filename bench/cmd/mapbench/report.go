package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gosafemap/safemap/internal/workload"
)

// Output files in -out.
const (
	resultsFile     = "results.txt"
	reportFile      = "report.md"
	readsChart      = "throughput_by_reads"
	goroutinesChart = "throughput_by_goroutines"
	benchstatPkg    = "github.com/gosafemap/safemap/bench/cmd/mapbench"
)

// writeOutputs writes results.txt, the charts and report.md into dir, and
// returns the names of the files written.
func writeOutputs(dir string, res *results) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	var buf bytes.Buffer
	writeResults(&buf, res)
	name := filepath.Join(dir, resultsFile)
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	files = append(files, name)

	for _, ch := range []struct {
		base, xLabel string
		panels       []panel
	}{
		{readsChart, "percent of operations that are Load", readsPanels(res)},
		{goroutinesChart, "goroutines (GOMAXPROCS)", goroutinePanels(res)},
	} {
		written, err := writeChart(dir, ch.base, ch.xLabel, ch.panels)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %v", ch.base, err)
		}
		files = append(files, written...)
	}

	buf.Reset()
	writeReport(&buf, res)
	name = filepath.Join(dir, reportFile)
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return append(files, name), nil
}

// writeResults writes every repeat of every measurement in the format of go
// test -bench, grouped by benchmark, with the header lines benchstat reads.
// Bytes per entry follow as BenchmarkMemory, as the library's benchmark of
// that name reports them.
func writeResults(w io.Writer, res *results) {
	fmt.Fprintf(w, "goos: %s\ngoarch: %s\npkg: %s\n", runtime.GOOS, runtime.GOARCH, benchstatPkg)
	if cpu := cpuName(); cpu != "" {
		fmt.Fprintf(w, "cpu: %s\n", cpu)
	}
	// benchstat knows that less ns/op is better, but not ops/s.
	fmt.Fprintf(w, "Unit ops/s better=higher\nUnit bytes/entry better=lower\n")
	for _, wr := range res.workloads {
		for _, c := range wr.cells {
			name := benchName(c.impl.Name, wr.spec, wr.procs)
			for _, s := range c.samples {
				fmt.Fprintf(w, "%s\t%d\t%s ns/op\t%s ops/s\t%s B/op\t%s allocs/op\n",
					name, s.n, fmtValue(s.nsPerOp), fmtValue(s.opsPerSec), fmtValue(s.bytesPerOp), fmtValue(s.allocsPerOp))
			}
		}
	}
	suffix := ""
	if p := runtime.GOMAXPROCS(0); p != 1 {
		suffix = "-" + strconv.Itoa(p)
	}
	for _, im := range res.cfg.impls {
		if b, ok := res.bytesPerEntry[im.Name]; ok {
			fmt.Fprintf(w, "BenchmarkMemory/impl=%s%s\t1\t%s bytes/entry\n", im.Name, suffix, fmtValue(b))
		}
	}
}

// fmtValue gives x to at least four significant digits, without an
// exponent, as go test does.
func fmtValue(x float64) string {
	decimals := 0
	for y := max(x, -x); y != 0 && y < 1000 && decimals < 6; y *= 10 {
		decimals++
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// cpuName returns the processor's model name on Linux, as go test prints
// it, or "".
func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// detailsMarker separates the summary of report.md from its table per
// workload, so that a script can take the summary alone (make benchmarks
// puts it into BENCHMARKS.md).
const detailsMarker = "<!-- mapbench: details -->"

// writeReport writes report.md: the setting, the recommendations if asked
// for, the winner of each workload, the key ratios, the charts, the matrix
// of throughputs and, after detailsMarker, a table per workload.
func writeReport(w io.Writer, res *results) {
	cfg := res.cfg
	fmt.Fprintf(w, "# mapbench report\n\n")
	fmt.Fprintf(w, "%d workloads on %s goroutines, %d maps, %d runs each of %s; measured %s, in %s.\n\n",
		len(cfg.specs()), joinInts(cfg.goroutines), len(cfg.impls), cfg.count, cfg.benchtime,
		res.started.Format("2006-01-02 15:04 MST"), res.elapsed.Round(time.Second))
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	if cpu := cpuName(); cpu != "" {
		fmt.Fprintf(w, "| cpu | %s |\n", cpu)
	}
	fmt.Fprintf(w, "| CPUs | %d |\n", numCPU())
	fmt.Fprintf(w, "| goroutines | %s (GOMAXPROCS is set to each, as by go test -cpu) |\n", joinInts(cfg.goroutines))
	fmt.Fprintf(w, "| Go | %s %s/%s |\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "| command | `%s` |\n\n", strings.Join(append([]string{"mapbench"}, cfg.args...), " "))
	fmt.Fprintf(w, "Every map is driven by the same code (safemap's internal/workload): a mix of Load, Store and Delete on prepopulated keys, run by RunParallel. "+
		"Each number is the median of the runs, and the range is the lowest to the highest. "+
		"Runs are interleaved, repeat 1 of every map before repeat 2 of any, and ratios between two maps are taken run by run. "+
		"A map is named the winner only when its range of ns/op lies wholly below every other's; otherwise the maps whose ranges overlap the fastest's are marked tie.\n")
	for _, im := range cfg.impls {
		if im.Flaw != "" {
			fmt.Fprintf(w, "\nBeware: %s %s.\n", im.Name, im.Flaw)
		}
	}
	if n := oversubscribed(res); n > 0 {
		fmt.Fprintf(w, "\nThis machine has %d CPUs: goroutine counts above that show behaviour under oversubscription, not scaling.\n", n)
	}

	if cfg.recommend {
		fmt.Fprintf(w, "\n## Recommendation\n\n```text")
		writeRecommendations(w, res)
		fmt.Fprintf(w, "```\n")
	}

	fmt.Fprintf(w, "\n## Winners\n\n")
	for _, wr := range res.workloads {
		fmt.Fprintf(w, "- %s: %s\n", title(wr), rank(wr).verdict())
	}

	writeKeyRatios(w, res)

	fmt.Fprintf(w, "\n## Charts\n\n")
	fmt.Fprintf(w, "Median operations per second, with bars from the lowest to the highest run. Solid lines are safemap's maps, dashed lines the peers.\n\n")
	fmt.Fprintf(w, "![Throughput by read percentage](%s.png)\n\n", readsChart)
	fmt.Fprintf(w, "![Throughput by goroutine count](%s.png)\n\n", goroutinesChart)
	fmt.Fprintf(w, "Also as SVG: [%s.svg](%s.svg), [%s.svg](%s.svg).\n", readsChart, readsChart, goroutinesChart, goroutinesChart)

	writeMatrix(w, res)

	fmt.Fprintf(w, "\n## Raw results\n\n")
	fmt.Fprintf(w, "[%s](%s) holds every run in the format of go test -bench. Compare the maps with `benchstat -col /impl %s`, or two runs with `benchstat old/%s new/%s`.\n",
		resultsFile, resultsFile, resultsFile, resultsFile, resultsFile)

	fmt.Fprintf(w, "\n%s\n\n## Results\n\n", detailsMarker)
	fmt.Fprintf(w, "Fastest first. ns/op is wall time per operation over all goroutines; B/entry is the heap one entry of a map of %s int keys keeps live; vs fastest divides the median ns/op by the fastest's.\n",
		fmtCount(memoryEntries))
	for _, wr := range res.workloads {
		r := rank(wr)
		fmt.Fprintf(w, "\n### %s\n\n", title(wr))
		fmt.Fprintf(w, "| %s |\n|---|%s---|\n", strings.Join(columns, " | "), strings.Repeat("--:|", len(columns)-2))
		for _, row := range r.rows(res) {
			if row[len(row)-1] == "winner" {
				row[0] = "**" + row[0] + "**"
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
		fmt.Fprintf(w, "\n%s\n", capitalise(r.verdict()))
	}
}

// writeMatrix writes one table of median throughputs: a row per workload,
// a column per map, the winner in bold and the tied marked ≈.
func writeMatrix(w io.Writer, res *results) {
	impls := res.cfg.impls
	fmt.Fprintf(w, "\n## Matrix\n\n")
	fmt.Fprintf(w, "Median operations per second. **Bold**: the winner; ≈: tied with the fastest, within noise.\n\n")
	fmt.Fprintf(w, "| key | keys | dist | reads | goroutines |")
	for _, im := range impls {
		fmt.Fprintf(w, " %s |", im.Name)
	}
	fmt.Fprintf(w, "\n|---|--:|---|--:|--:|%s\n", strings.Repeat("--:|", len(impls)))
	for _, wr := range res.workloads {
		r := rank(wr)
		s := wr.spec
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d |", s.Key, fmtCount(s.Keys), s.Dist, s.Reads, wr.procs)
		for _, im := range impls {
			for i, c := range r.cells {
				if c.impl.Name != im.Name {
					continue
				}
				ops := fmtSI(1e9 / r.stats[i].median)
				switch r.mark(i) {
				case "winner":
					ops = "**" + ops + "**"
				case "tie":
					ops = "≈" + ops
				}
				fmt.Fprintf(w, " %s |", ops)
			}
		}
		fmt.Fprintln(w)
	}
}

// The key ratios compare each of safemap's maps with the peers users most
// often pick instead, at these read percentages.
var (
	keyRatioPeers = []string{"syncmap-raw", "xsync", "orcaman"}
	keyRatioReads = []int{99, 90, 50}
)

// writeKeyRatios writes, for each peer of keyRatioPeers that was measured,
// a table of its ns/op divided by that of each of safemap's maps, run by
// run, on int keys chosen uniformly at chartProcs goroutines.
func writeKeyRatios(w io.Writer, res *results) {
	procs := chartProcs(res.cfg.goroutines)
	var rows []*workloadResult
	for _, wr := range res.workloads {
		s := wr.spec
		if wr.procs == procs && s.Key == workload.IntKey && s.Dist == workload.Uniform && contains(keyRatioReads, s.Reads) {
			rows = append(rows, wr)
		}
	}
	var own []string
	for _, im := range res.cfg.impls {
		if !im.Peer {
			own = append(own, im.Name)
		}
	}
	var peers []string
	for _, p := range keyRatioPeers {
		if containsImpl(res.cfg.impls, p) {
			peers = append(peers, p)
		}
	}
	if len(rows) == 0 || len(own) == 0 || len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Key ratios\n\n")
	fmt.Fprintf(w, "Each of safemap's maps against the peers, on int keys chosen uniformly, %d goroutines: the peer's ns/op divided by the safemap map's, run by run, as the median ratio and its range. "+
		"Above 1.00× the safemap map is faster. ≈ marks a pair whose ranges of ns/op overlap: within noise.\n", procs)
	for _, p := range peers {
		fmt.Fprintf(w, "\n### against %s\n\n| keys | reads | %s |\n|--:|--:|%s\n", p, strings.Join(own, " | "), strings.Repeat("--:|", len(own)))
		for _, wr := range rows {
			fmt.Fprintf(w, "| %s | %d |", fmtCount(wr.spec.Keys), wr.spec.Reads)
			peer := cellOf(wr, p)
			for _, o := range own {
				c := cellOf(wr, o)
				ratio := pairedRatio(c, peer)
				mark := ""
				if overlap(c.stats(), peer.stats()) {
					mark = "≈"
				}
				fmt.Fprintf(w, " %s%s (%s) |", mark, fmtRatio(ratio.median), fmtRatioRange(ratio))
			}
			fmt.Fprintln(w)
		}
	}
}

func cellOf(w *workloadResult, impl string) *cell {
	for _, c := range w.cells {
		if c.impl.Name == impl {
			return c
		}
	}
	return nil
}

func overlap(a, b stats) bool { return a.min <= b.max && b.min <= a.max }

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
