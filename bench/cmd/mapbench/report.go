package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// Output files in -out; the charts are named in chart.go.
const (
	resultsFile = "results.txt"
	reportFile  = "report.md"
)

// writeOutputs writes results.txt, the charts and report.md into dir, and
// returns the names of the files written.
func writeOutputs(dir string, res *results) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	var buf bytes.Buffer
	if err := writeResults(&buf, res); err != nil {
		return nil, err
	}
	name := filepath.Join(dir, resultsFile)
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	files = append(files, name)

	var drawn []chart
	for _, ch := range charts(res) {
		written, err := ch.write(dir)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %v", ch.base, err)
		}
		if len(written) > 0 {
			drawn = append(drawn, ch)
			files = append(files, written...)
		}
	}

	buf.Reset()
	writeReport(&buf, res, drawn)
	name = filepath.Join(dir, reportFile)
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return append(files, name), nil
}

// detailsMarker separates the summary of report.md from its table per
// workload, so that a script can take the summary alone (make benchmarks
// puts it into BENCHMARKS.md).
const detailsMarker = "<!-- mapbench: details -->"

// writeReport writes report.md: the setting, the maps, the recommendations
// if asked for, the winner of each workload, the key ratios, latency and
// garbage collection in brief, the charts, the matrix of throughputs and,
// after detailsMarker, the tables of each workload.
func writeReport(w io.Writer, res *results, drawn []chart) {
	cfg := res.cfg
	fmt.Fprintf(w, "# mapbench report\n\n")
	fmt.Fprintf(w, "%d workloads, %d maps, %d runs each of %s; measured %s, in %s.\n\n",
		len(res.workloads), len(cfg.impls), cfg.count, cfg.benchtime,
		res.started.Format("2006-01-02 15:04 MST"), res.elapsed.Round(time.Second))
	fmt.Fprintf(w, "| | |\n|---|---|\n")
	if cpu := cpuName(); cpu != "" {
		fmt.Fprintf(w, "| cpu | %s |\n", cpu)
	}
	fmt.Fprintf(w, "| CPUs | %d |\n", numCPU())
	fmt.Fprintf(w, "| goroutines | %s (GOMAXPROCS is set to each, as by go test -cpu) |\n", joinInts(cfg.goroutines))
	fmt.Fprintf(w, "| Go | %s %s/%s |\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "| command | `%s` |\n\n", strings.Join(append([]string{"mapbench"}, cfg.args...), " "))
	fmt.Fprintf(w, "Every map is driven by the same code (safemap's internal/workload): a mix of calls of its methods on keys of which half are stored before the clock starts, run by RunParallel. "+
		"Runs are interleaved, run 1 of every map before run 2 of any. "+
		"Each figure is the median of the runs, with its 95%% confidence interval; "+
		"two maps differ only where a Mann-Whitney U test of their runs gives p ≤ 0.05, the rule benchstat uses (golang.org/x/perf/benchmath). "+
		"A map is named the winner only when it is significantly faster than every other; the maps not significantly slower than the fastest are marked tie, and ~ marks a ratio that is within noise.\n")
	for _, im := range cfg.impls {
		if im.Flaw != "" {
			fmt.Fprintf(w, "\nBeware: %s %s.\n", im.Name, im.Flaw)
		}
	}
	if n := oversubscribed(res); n > 0 {
		fmt.Fprintf(w, "\nThis machine has %d CPUs: goroutine counts above that show behaviour under oversubscription, not scaling.\n", n)
	}

	writeMaps(w, res)

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
	writeLatencySummary(w, res)
	writeGCSummary(w, res)

	if len(drawn) > 0 {
		fmt.Fprintf(w, "\n## Charts\n\n")
		for _, ch := range drawn {
			fmt.Fprintf(w, "%s\n\n![%s](%s.png)\n\n", ch.caption, ch.title, ch.base)
		}
		var svgs []string
		for _, ch := range drawn {
			svgs = append(svgs, fmt.Sprintf("[%s.svg](%s.svg)", ch.base, ch.base))
		}
		fmt.Fprintf(w, "Also as SVG: %s.\n", strings.Join(svgs, ", "))
	}

	writeMatrix(w, res)

	fmt.Fprintf(w, "\n## Raw results\n\n")
	fmt.Fprintf(w, "[%s](%s) holds every run in the format of go test -bench, latencies included. From bench/, compare the maps with `go tool benchstat -col /impl %s`, or two runs with `go tool benchstat old/%s new/%s`.\n",
		resultsFile, resultsFile, resultsFile, resultsFile, resultsFile)

	fmt.Fprintf(w, "\n%s\n\n## Results\n\n", detailsMarker)
	fmt.Fprintf(w, "Fastest first. ns/op is wall time per call over all goroutines, with the 95%% confidence interval of its median; "+
		"p50 to max are the latencies of the timed calls, over every method; B/write and allocs/write count the calls that can write; "+
		"GC CPU is the collector's share of the CPU during the runs; B/entry is the heap one entry of a map of %s int keys keeps live; vs fastest divides the median ns/op by the fastest's.\n",
		fmtCount(memoryEntries))
	for _, wr := range res.workloads {
		r := rank(wr)
		fmt.Fprintf(w, "\n### %s\n\n", title(wr))
		if len(r.cells) > 0 {
			fmt.Fprintf(w, "| %s |\n|---|%s---|\n", strings.Join(columns, " | "), strings.Repeat("--:|", len(columns)-2))
			for _, row := range r.rows(res, wr) {
				if row[len(row)-1] == "winner" {
					row[0] = "**" + row[0] + "**"
				}
				fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			}
		}
		fmt.Fprintf(w, "\n%s\n", r.verdict())
		for _, s := range wr.skipped {
			fmt.Fprintf(w, "\nSkipped %s: %s.\n", s.impl.Name, s.why)
		}
		writeLatencyTable(w, wr)
		writeGCTable(w, wr)
	}
}

// writeMaps says what each map name stands for, and how the peers run the
// methods of the mixes measured.
func writeMaps(w io.Writer, res *results) {
	fmt.Fprintf(w, "\n## Maps\n\n")
	fmt.Fprintf(w, "| name | what it is |\n|---|---|\n")
	for _, im := range res.cfg.impls {
		fmt.Fprintf(w, "| %s | %s |\n", im.Name, im.Doc)
	}
	fmt.Fprintf(w, "\nsync is safemap.SyncMap, syncmap-raw a sync.Map used directly; mutex is safemap.MutexMap, mutex-plain a built-in map and a sync.Mutex written by hand.\n")

	// The methods the mixes call beyond Load, Store and Delete, and how
	// the peers measured run them.
	var ops []workload.Op
	seen := map[workload.Op]bool{}
	valueSize := 0
	for _, wr := range res.workloads {
		valueSize = max(valueSize, wr.spec.ValueSize)
		for _, op := range wr.spec.OpMix().Ops() {
			if !seen[op] {
				seen[op] = true
				ops = append(ops, op)
			}
		}
	}
	if !slices.ContainsFunc(ops, func(op workload.Op) bool { return op > workload.OpDelete }) {
		return // Load, Store and Delete: the peers' names for them are plain
	}
	var peers []bench.Impl
	for _, im := range res.cfg.impls {
		if !im.Peer {
			continue
		}
		for _, op := range ops {
			if im.How(op) != "" || im.Skip(oneOp(op), valueSize) != "" {
				peers = append(peers, im)
				break
			}
		}
	}
	if len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWhich method of each peer runs each method measured (\"the same\" where it has one of that name and meaning; safemap's maps have them all):\n\n")
	fmt.Fprintf(w, "| method | %s |\n|---|%s\n", strings.Join(implNames(peers), " | "), strings.Repeat("---|", len(peers)))
	for _, op := range ops {
		fmt.Fprintf(w, "| %s |", op)
		for _, im := range peers {
			cellText := im.How(op)
			if why := im.Skip(oneOp(op), valueSize); why != "" {
				cellText = "skipped: " + why
			}
			if cellText == "" {
				cellText = "the same"
			}
			fmt.Fprintf(w, " %s |", cellText)
		}
		fmt.Fprintln(w)
	}
}

func oneOp(op workload.Op) workload.Mix {
	var m workload.Mix
	m[op] = 100
	return m
}

func implNames(impls []bench.Impl) []string {
	var ns []string
	for _, im := range impls {
		ns = append(ns, im.Name)
	}
	return ns
}

// writeMatrix writes one table of median throughputs: a row per workload,
// a column per map, the winner in bold and those tied with the fastest
// marked ~.
func writeMatrix(w io.Writer, res *results) {
	impls := res.cfg.impls
	fmt.Fprintf(w, "\n## Matrix\n\n")
	fmt.Fprintf(w, "Median operations per second. **Bold**: the winner, significantly faster than every other; ~: not significantly slower than the fastest (p > 0.05); -: skipped.\n\n")
	fmt.Fprintf(w, "| key | keys | dist | mix | goroutines |")
	for _, im := range impls {
		fmt.Fprintf(w, " %s |", im.Name)
	}
	fmt.Fprintf(w, "\n|---|--:|---|---|--:|%s\n", strings.Repeat("--:|", len(impls)))
	for _, wr := range res.workloads {
		r := rank(wr)
		s := wr.spec
		key := s.Key
		if wr.keysFile != "" {
			key = wr.keysFile
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d |", key, fmtCount(s.Keys), s.Dist, workloadMix(wr), wr.procs)
		for _, im := range impls {
			ops := "-"
			for i, c := range r.cells {
				if c.impl.Name != im.Name {
					continue
				}
				ops = fmtSI(1e9 / r.stats[i].center)
				switch r.mark(i) {
				case "winner":
					ops = "**" + ops + "**"
				case "tie":
					ops = "~" + ops
				}
			}
			fmt.Fprintf(w, " %s |", ops)
		}
		fmt.Fprintln(w)
	}
}

// workloadMix describes a workload's mix and values for a table cell.
func workloadMix(wr *workloadResult) string {
	s := wr.spec
	m := mixLabel(s)
	if s.ValueSize > 0 {
		m += fmt.Sprintf(", %dB values", s.ValueSize)
	}
	if wr.heap {
		m += ", large heap"
	}
	return m
}

// keyRatioPeers are the peers users most often pick instead of safemap.
var keyRatioPeers = []string{"syncmap-raw", "xsync", "orcaman"}

// writeKeyRatios writes, for each peer of keyRatioPeers that was measured,
// a table of its median ns/op divided by that of each of safemap's maps,
// for every mix measured at chartProcs goroutines with the first key type
// and distribution, and the heap workload.
func writeKeyRatios(w io.Writer, res *results) {
	cfg := res.cfg
	procs := chartProcs(cfg.goroutines)
	var rows []*workloadResult
	for _, wr := range res.workloads {
		s := wr.spec
		if wr.procs == procs && (wr.heap || s.Key == cfg.keyTypes[0] && s.Dist == cfg.dists[0]) {
			rows = append(rows, wr)
		}
	}
	var own []string
	for _, im := range cfg.impls {
		if !im.Peer {
			own = append(own, im.Name)
		}
	}
	var peers []string
	for _, p := range keyRatioPeers {
		if containsImpl(cfg.impls, p) {
			peers = append(peers, p)
		}
	}
	if len(rows) == 0 || len(own) == 0 || len(peers) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Key ratios\n\n")
	fmt.Fprintf(w, "Each of safemap's maps against the peers, %d goroutines: the peer's median ns/op divided by the safemap map's. "+
		"Above 1.00× the safemap map is faster. ~ marks a ratio within noise: the U test finds no significant difference (p > 0.05).\n", procs)
	for _, p := range peers {
		fmt.Fprintf(w, "\n### against %s\n\n| keys | mix | %s |\n|--:|---|%s\n", p, strings.Join(own, " | "), strings.Repeat("--:|", len(own)))
		for _, wr := range rows {
			fmt.Fprintf(w, "| %s | %s |", fmtCount(wr.spec.Keys), workloadMix(wr))
			peer := cellOf(wr, p)
			for _, o := range own {
				c := cellOf(wr, o)
				if c == nil || peer == nil {
					fmt.Fprintf(w, " - |")
					continue
				}
				x, cmp := ratio(c, peer)
				mark := ""
				if !cmp.differ {
					mark = "~"
				}
				fmt.Fprintf(w, " %s%s |", mark, fmtRatio(x))
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

// writeLatencySummary explains the latency figures and gives p99.9 of
// each map and method at chartProcs goroutines.
func writeLatencySummary(w io.Writer, res *results) {
	cfg := res.cfg
	if cfg.every == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Latency\n\n")
	fmt.Fprintf(w, "Each goroutine times %s, with two readings of the monotonic clock, into an HdrHistogram per method (two significant digits); the histograms are merged over the goroutines and the runs. "+
		"A timed call's latency includes one reading of the clock, about %s on this machine, so calls faster than that read as that. "+
		"Timing a call costs two readings and a record into the histogram, about %s here, spread over the untimed calls; the tables below give that cost's estimated share of each map's time per call (timing cost), an estimate that runs with -latency-every 0 can check (measured so on a 2-core VM, the cost was up to twice the estimate, 2–3%% for the fastest maps). "+
		"Where calls are slow enough, runs after the first time more of them, as long as that share stays under 0.3%%, so that slow maps and methods get enough timed calls for their p99.9. "+
		"A percentile is shown only when at least %d timed calls lie above it: raise -duration, or lower -latency-every, for more.\n",
		timingText(cfg.every), fmtDuration(clockCost()), fmtDuration(timedCallCost()), minAbove)
	procs := chartProcs(cfg.goroutines)
	fmt.Fprintf(w, "\np99.9 of each method at %d goroutines (the details below have p50, p99 and the longest call):\n\n", procs)
	for _, wr := range res.workloads {
		if wr.procs != procs || len(wr.cells) == 0 {
			continue
		}
		ops := wr.spec.OpMix().Ops()
		fmt.Fprintf(w, "**%s**\n\n| impl | %s | timing cost |\n|---|%s--:|\n", title(wr), joinOps(ops, " | "), strings.Repeat("--:|", len(ops)))
		for _, c := range rank(wr).cells {
			fmt.Fprintf(w, "| %s |", c.impl.Name)
			for _, op := range ops {
				fmt.Fprintf(w, " %s |", fmtLatency(c.lat[op].at(99.9)))
			}
			fmt.Fprintf(w, " %s |\n", fmtPercent(timingShare(c, wr)))
		}
		fmt.Fprintln(w)
	}
}

// timingShare estimates the share of a run's time that timing calls took:
// timedCallCost per timed call, against the time each goroutine spends per
// call, in the run that timed the most.
func timingShare(c *cell, wr *workloadResult) float64 {
	perCall := c.stats().center * float64(wr.procs) // ns per call on one goroutine
	share := 0.0
	for _, s := range c.samples {
		if s.every > 0 && perCall > 0 {
			timed := workload.Timing{Every: s.every}.TimedShare(wr.spec.OpMix())
			share = max(share, timed*float64(timedCallCost())/perCall)
		}
	}
	return share
}

func joinOps(ops []workload.Op, sep string) string {
	var s []string
	for _, op := range ops {
		s = append(s, op.String())
	}
	return strings.Join(s, sep)
}

// writeLatencyTable writes each map's latency per method on one workload.
func writeLatencyTable(w io.Writer, wr *workloadResult) {
	if len(wr.cells) == 0 || all(wr.cells[0].lat).count() == 0 {
		return
	}
	fmt.Fprintf(w, "\nLatency of the timed calls:\n\n| impl | method | timed | p50 | p99 | p99.9 | max |\n|---|---|--:|--:|--:|--:|--:|\n")
	for _, c := range rank(wr).cells {
		for _, op := range wr.spec.OpMix().Ops() {
			d := c.lat[op]
			fmt.Fprintf(w, "| %s | %s | %d |", c.impl.Name, op, d.count())
			for _, q := range quantiles {
				fmt.Fprintf(w, " %s |", fmtLatency(d.at(q.q)))
			}
			fmt.Fprintf(w, " %s |\n", fmtLatency(d.max(), d.count() > 0))
		}
	}
}

// writeGCSummary explains the collector's figures and shows the heap
// workload's.
func writeGCSummary(w io.Writer, res *results) {
	fmt.Fprintf(w, "\n## Garbage collection\n\n")
	fmt.Fprintf(w, "From runtime/metrics, read before and after each run: B/write and allocs/write are the bytes and objects allocated per call that can write "+
		"(Store, Delete, LoadOrStore, LoadOrCompute, LoadOrTryCompute, LoadAndDelete, Swap, Compute, Clear); "+
		"GC CPU is the collector's share of the CPU (/cpu/classes/gc/total over /cpu/classes/total, which the runtime updates at the end of each cycle, so it covers the cycles that ended during the runs); "+
		"pauses are the stop-the-world pauses of the collector (/sched/pauses/total/gc, the upper bound of the longest one's bucket). "+
		"A map that allocates nothing per write starts no collection of its own; one that does makes the collector run, and each run marks every live pointer in the heap.\n")
	for _, wr := range res.workloads {
		if !wr.heap {
			continue
		}
		fmt.Fprintf(w, "\n### %s\n\n", title(wr))
		fmt.Fprintf(w, "%s int keys, half of them present, each value a %d-byte []byte: a large live heap of pointers. Each map is filled once, alone in the heap, "+
			"then measured %d times in a row, by workload.DriveFor rather than testing.B, which would force a collection before each run: "+
			"so the collector paces itself across the runs, and the collections that the map's allocations cause happen during them (GC cycles, GC CPU, pauses). "+
			"Forced collections with only that map live show what every collection costs with it: its live heap, its objects, the heap the collector must scan, and the CPU one collection takes (the least of %d). "+
			"GC CPU (est.) is the collector's share of the CPU in a program that ran this workload for good: the map allocates B/op × ops/s bytes a second, "+
			"a collection starts each time the heap grows by GOGC%% of the live heap, and each costs the CPU of one GC; the runs are too short to measure that share well, the estimate is not. "+
			"It assumes the map is most of the heap; in your program, every collection also marks the rest.\n\n",
			fmtCount(wr.spec.Keys), wr.spec.ValueSize, res.cfg.count, measuredCycles)
		writeGCRows(w, wr, true)
	}
}

// writeGCTable writes the collector's figures of one workload.
func writeGCTable(w io.Writer, wr *workloadResult) {
	if len(wr.cells) == 0 {
		return
	}
	fmt.Fprintf(w, "\nGarbage collection:\n\n")
	writeGCRows(w, wr, wr.heap)
}

func writeGCRows(w io.Writer, wr *workloadResult, heap bool) {
	head := "| impl | ns/op | B/write | allocs/write | GC cycles | GC CPU | pauses | longest pause |"
	align := "|---|--:|--:|--:|--:|--:|--:|--:|"
	if heap {
		head += " live heap | objects | scannable | CPU of one GC | GC CPU (est.) |"
		align += "--:|--:|--:|--:|--:|"
	}
	fmt.Fprintf(w, "%s\n%s\n", head, align)
	writes := wr.spec.OpMix().Writes() / 100
	for _, c := range rank(wr).cells {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %s | %d | %s |", c.impl.Name, fmtNs(c.stats().center),
			fmtPerWrite(c.median(func(s sample) float64 { return s.bytesPerOp }), writes, "%.0f"),
			fmtPerWrite(c.median(func(s sample) float64 { return s.allocsPerOp }), writes, "%.2f"),
			c.gc.cycles, fmtPercent(c.gc.cpuShare()), c.gc.pauses, fmtPause(c.gc))
		if heap && c.heap != nil {
			h := c.heap
			fmt.Fprintf(w, " %s | %s | %s | %s | %s |", fmtMB(h.liveBytes), fmtSI(float64(h.liveObjects)), fmtMB(h.scanBytes),
				fmtDuration(time.Duration(h.cycleCPU*1e9)), fmtPercent(gcEstimate(c, wr)))
		}
		fmt.Fprintln(w)
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
