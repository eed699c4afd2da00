package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// fakeWorkload makes a workload whose maps took the given ns/op, run by run.
func fakeWorkload(t *testing.T, runs map[string][]float64) *workloadResult {
	t.Helper()
	w := &workloadResult{spec: workload.Spec{Key: "int", Keys: 1000, Dist: "uniform", Reads: 90}, procs: 2}
	for _, name := range bench.Names() {
		ns, ok := runs[name]
		if !ok {
			continue
		}
		im, _ := bench.Lookup(name)
		c := &cell{impl: im}
		for _, x := range ns {
			c.samples = append(c.samples, sample{n: 1000, nsPerOp: x, opsPerSec: 1e9 / x})
		}
		w.cells = append(w.cells, c)
	}
	return w
}

func TestRanking(t *testing.T) {
	for _, tc := range []struct {
		name  string
		runs  map[string][]float64
		order []string
		marks []string
	}{
		{
			name:  "clear winner",
			runs:  map[string][]float64{"sharded": {10, 11, 12, 10, 11, 12}, "xsync": {13, 14, 15, 13, 14, 15}, "mutex": {30, 31, 29, 30, 31, 29}},
			order: []string{"sharded", "xsync", "mutex"},
			marks: []string{"winner", "", ""},
		},
		{
			// Overlapping runs, but the U test still finds them apart.
			name:  "overlap but significant",
			runs:  map[string][]float64{"sharded": {10, 10.5, 11, 11.5, 12, 13.5}, "xsync": {13, 14, 15, 14, 15, 16}},
			order: []string{"sharded", "xsync"},
			marks: []string{"winner", ""},
		},
		{
			name:  "within noise",
			runs:  map[string][]float64{"sharded": {10, 12, 14, 11, 13, 15}, "xsync": {11, 13, 15, 12, 14, 16}},
			order: []string{"sharded", "xsync"},
			marks: []string{"tie", "tie"},
		},
		{
			// The third map's wide spread keeps it level with the fastest
			// although the second's does not: it is tied, the second is not.
			name:  "tie skips a map",
			runs:  map[string][]float64{"sharded": {10, 11, 12, 10, 11, 12}, "xsync": {13, 14, 15, 13, 14, 15}, "mutex": {9, 40, 41, 8, 42, 12}},
			order: []string{"sharded", "xsync", "mutex"},
			marks: []string{"tie", "", "tie"},
		},
		{
			name:  "too few runs to tell",
			runs:  map[string][]float64{"sharded": {10, 10, 10}, "xsync": {20, 20, 20}},
			order: []string{"sharded", "xsync"},
			marks: []string{"tie", "tie"},
		},
		{
			name:  "one map",
			runs:  map[string][]float64{"rw": {10, 20}},
			order: []string{"rw"},
			marks: []string{""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rank(fakeWorkload(t, tc.runs))
			var order, marks []string
			for i, c := range r.cells {
				order = append(order, c.impl.Name)
				marks = append(marks, r.mark(i))
			}
			if !slices.Equal(order, tc.order) || !slices.Equal(marks, tc.marks) {
				t.Errorf("order %v marks %q, want %v %q", order, marks, tc.order, tc.marks)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	s := summarise([]float64{12, 10, 11, 13, 9, 14})
	if s.center != 11.5 || s.lo != 9 || s.hi != 14 {
		t.Errorf("summary of six runs: %+v, want median 11.5 in 9–14", s)
	}
	if got := s.pct(); got != "±22%" {
		t.Errorf("pct() = %q", got)
	}
	if got := summarise([]float64{1, 2, 3}).pct(); got != "±∞" {
		t.Errorf("three runs have interval %q, want ±∞", got)
	}
	if s := summarise([]float64{math.NaN(), 4, 4, 4, 4, 4, 4}); s.center != 4 || s.n != 6 {
		t.Errorf("NaN not skipped: %+v", s)
	}
}

func TestVerdict(t *testing.T) {
	r := rank(fakeWorkload(t, map[string][]float64{"sharded": {10, 10, 10, 10, 10, 10}, "xsync": {20, 15, 30, 20, 20, 25}}))
	if got, want := r.verdict(), "sharded wins: 2.00× the throughput of xsync, the runner-up (p=0.002, 6 runs each)."; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
	r = rank(fakeWorkload(t, map[string][]float64{"sharded": {10, 12}, "xsync": {11, 13}, "mutex": {11.5, 20}}))
	if got, want := r.verdict(), "No winner: sharded, xsync and mutex are within noise of each other (p > 0.05)."; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
}

func recommend(t *testing.T, runs ...map[string][]float64) string {
	t.Helper()
	res := &results{cfg: &config{count: 6}}
	for _, r := range runs {
		res.workloads = append(res.workloads, fakeWorkload(t, r))
	}
	var b strings.Builder
	writeRecommendations(&b, res)
	return b.String()
}

func TestRecommendations(t *testing.T) {
	got := recommend(t, map[string][]float64{"sharded": {10, 11, 12, 10, 11, 12}, "xsync": {20, 22, 24, 20, 22, 24}, "mutex": {40, 41, 42, 40, 41, 42}})
	for _, want := range []string{
		"Recommendation for key=int keys=1000 dist=uniform reads=90 goroutines=2 (6 runs each):",
		"  Use sharded. It does 2.00× the operations per second of xsync, the runner-up (p=0.002: a significant difference).",
		"  sharded: the full safemap.Map contract",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "For the full safemap.Map contract") {
		t.Errorf("points to safemap's fastest when that is the winner:\n%s", got)
	}

	// A peer wins: say what it keeps and how far safemap's best is behind.
	got = recommend(t, map[string][]float64{"xsync": {10, 10, 10, 10, 10, 10}, "sharded": {20, 20, 25, 20, 20, 25}, "syncmap-raw": {40, 40, 40, 40, 40, 40}})
	for _, want := range []string{
		"  Use xsync.",
		"  xsync: typed, with atomic Compute",
		"  For the full safemap.Map contract, take sharded: 0.50× the throughput of xsync (p=0.002).",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}

	// Within noise: no winner, and each contract once, for the tied maps
	// of every workload together.
	tie := map[string][]float64{"xsync": {10, 12, 14, 10, 12, 14}, "sharded": {11, 13, 15, 11, 13, 15}, "bucket": {11, 12, 14, 11, 12, 14}, "mutex": {30, 30, 30, 30, 30, 30}}
	got = recommend(t, tie, tie)
	if strings.Contains(got, "Use ") || strings.Count(got, "No single winner: bucket, xsync and sharded are within noise") != 2 {
		t.Errorf("claims a winner inside the noise:\n%s", got)
	}
	if strings.Count(got, "the full safemap.Map contract") != 1 || !strings.Contains(got, "  bucket and sharded: the full safemap.Map contract") ||
		strings.Count(got, "typed, with atomic Compute") != 1 || strings.Contains(got, "mutex") {
		t.Errorf("contracts not named once each, for the tied maps only:\n%s", got)
	}
}

// TestKeyRatios checks that the key ratios cover every mix measured and
// mark ~ only where the U test finds no difference.
func TestKeyRatios(t *testing.T) {
	fast := []float64{10, 10, 10, 10, 10, 10}
	slow := []float64{17, 17.5, 17.4, 17.6, 17.3, 17.5}
	noisy := []float64{9, 11, 10.5, 9.5, 10.2, 9.8}
	res := &results{cfg: &config{count: 6, goroutines: []int{2}, keyTypes: []string{"int"}, dists: []string{"uniform"}}}
	for _, reads := range []int{100, 50} {
		w := fakeWorkload(t, map[string][]float64{"bucket": fast, "xsync": slow})
		if reads == 50 {
			w = fakeWorkload(t, map[string][]float64{"bucket": fast, "xsync": noisy})
		}
		w.spec.Reads = reads
		res.workloads = append(res.workloads, w)
	}
	for _, im := range []string{"bucket", "xsync"} {
		b, _ := bench.Lookup(im)
		res.cfg.impls = append(res.cfg.impls, b)
	}
	var b bytes.Buffer
	writeKeyRatios(&b, res)
	got := b.String()
	for _, want := range []string{"| 1k | reads=100 | 1.74× |", "| 1k | reads=50 | ~1.00× |"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		x  float64
		si string
	}{
		{0, "0"},
		{12.34567, "12.3"},
		{999_700, "1M"},
		{82_634_000, "82.6M"},
		{0.0136, "0.0136"},
	} {
		if got := fmtSI(tc.x); got != tc.si {
			t.Errorf("fmtSI(%v) = %q, want %q", tc.x, got, tc.si)
		}
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{40, "40ns"}, {1000, "1µs"}, {1250, "1.25µs"}, {12_345_678, "12.3ms"}, {2 * time.Second, "2s"}} {
		if got := fmtDuration(tc.d); got != tc.want {
			t.Errorf("fmtDuration(%d) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := round4(12.345678); got != 12.35 {
		t.Errorf("round4 = %v", got)
	}
	w := &workloadResult{spec: workload.Spec{Key: "int", Keys: 10, Dist: "zipf", Reads: 99}, procs: 1}
	if got := benchName("xsync", w); got != "BenchmarkMap/impl=xsync/key=int/keys=10/dist=zipf/reads=99" {
		t.Errorf("benchName at 1 goroutine: %q", got)
	}
	w.keysFile, w.procs = "urls.txt", 2
	if got := benchName("xsync", w); got != "BenchmarkMap/impl=xsync/key=int/keys=10/dist=zipf/reads=99/keys-from=urls.txt-2" {
		t.Errorf("benchName with keys from a file: %q", got)
	}
	if got := keysFileName("/tmp/my keys/é b.txt"); got != "__b.txt" {
		t.Errorf("keysFileName = %q", got)
	}
	if got := chartProcs([]int{1, 2, 4, 8}); got != min(8, numCPU()) && numCPU() < 8 && got != numCPU() {
		t.Errorf("chartProcs = %d on %d CPUs", got, numCPU())
	}
}

func TestXTicks(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want []string
	}{
		{[]float64{10, 50, 75, 90, 99, 100}, []string{"10", "50", "75", "90", "", "100"}}, // 99 would run into 100
		{[]float64{1, 2, 8}, []string{"1", "2", "8"}},
	} {
		var got []string
		for _, tick := range xTicks(c.xs) {
			got = append(got, tick.Label)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("labels of %v = %q, want %q", c.xs, got, c.want)
		}
	}
}

func TestLatDist(t *testing.T) {
	rs := newRecorderSet([]workload.Op{workload.OpLoad, workload.OpStore})
	a, b := rs.newRecorder(), rs.newRecorder()
	for i := 1; i <= 1000; i++ {
		a.Record(workload.OpLoad, time.Duration(i))
		b.Record(workload.OpLoad, time.Duration(i+1000))
	}
	b.Record(workload.OpStore, time.Hour) // beyond the range: kept as the largest
	d := rs.merge()
	load := d[workload.OpLoad]
	if n := load.count(); n != 2000 {
		t.Errorf("%d loads recorded", n)
	}
	if p50, ok := load.at(50); !ok || p50 < 990 || p50 > 1010 {
		t.Errorf("p50 = %v, %t", p50, ok)
	}
	if p99, ok := load.at(99); !ok || p99 < 1960 || p99 > 2000 {
		t.Errorf("p99 = %v, %t", p99, ok)
	}
	if _, ok := load.at(99.9); ok {
		t.Error("p99.9 of 2000 calls shown: 2 lie above it")
	}
	if m := load.max(); m < 2000 || m > 2020 {
		t.Errorf("max = %v", m)
	}
	if m := d[workload.OpStore].max(); m < time.Minute*99/100 {
		t.Errorf("a call of an hour reads %v", m)
	}
	merged := load.merge(load)
	if merged.count() != 4000 || len(merged) != len(load) {
		t.Errorf("merge: %d calls in %d buckets", merged.count(), len(merged))
	}
	if all(d).count() != 2001 {
		t.Errorf("all: %d", all(d).count())
	}
}

// TestProgressEstimate feeds the estimate tasks as a busy machine runs
// them: runs take 1.3 times their guess, and some maps take five times as
// long as others to fill and collect, in bytes/entry and in the heap task
// alike. After the first tenth of the time, the estimate of the whole run
// must be within 20% of the truth.
func TestProgressEstimate(t *testing.T) {
	cfg, err := parseFlags([]string{"-out", t.TempDir(), "-quiet"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newProgress(nil, cfg)
	tasks := plan(cfg, workloads(cfg))
	p.start(tasks)
	slow := map[string]bool{"sync": true, "syncmap-raw": true, "haxmap": true}
	truth := func(tk task) time.Duration {
		switch tk.kind {
		case memoryTask:
			if slow[tk.impl.Name] {
				return 2500 * time.Millisecond
			}
			return 500 * time.Millisecond
		case heapTask:
			fill := 900 * time.Millisecond
			if slow[tk.c.impl.Name] {
				fill *= 5
			}
			return fill + time.Duration(cfg.count)*160*time.Millisecond
		}
		return p.guess[runTask] * 13 / 10
	}
	var total time.Duration
	for _, tk := range tasks {
		total += truth(tk)
	}
	var elapsed time.Duration
	for i, tk := range tasks {
		p.done(tk, truth(tk))
		elapsed += truth(tk)
		if elapsed < total/10 || i == len(tasks)-1 {
			continue
		}
		est := elapsed + p.remaining()
		if ratio := float64(est) / float64(total); ratio < 0.8 || ratio > 1.2 {
			t.Errorf("after %d of %d tasks (%.0f%% of the time) the estimate is %.2f× the truth", i+1, len(tasks), 100*float64(elapsed)/float64(total), ratio)
		}
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "results.txt")
	var b strings.Builder
	b.WriteString("goos: linux\npkg: x\n")
	for i := range 6 {
		for _, l := range []struct {
			impl  string
			reads int
			ns    float64
		}{{"bucket", 90, 10}, {"xsync", 90, 12}, {"bucket", 50, 20}, {"xsync", 50, 19}} {
			ns := l.ns + float64(i%3)*0.1
			if l.reads == 50 && i%2 == 0 {
				ns += 2 // noisy: no significant difference
			}
			b.WriteString("BenchmarkMap/impl=" + l.impl + "/key=int/keys=1000/dist=uniform/reads=" + strconv.Itoa(l.reads) + "-2 1000 " + strconv.FormatFloat(ns, 'f', -1, 64) + " ns/op\n")
		}
	}
	os.WriteFile(in, []byte(b.String()), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-compare", "bucket,xsync", "-in", in, "-limit", "1.0"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	got := stdout.String()
	for _, want := range []string{
		"### bucket against xsync: at most 1.00×",
		"over 2 workloads",
		"bucket is significantly faster in 1 workloads and slower in 0",
		"1 workloads meet the target with a ratio at or below 1.00×, and 1 more are ties within the noise; 0 miss it.",
		"| Map/key=int/keys=1000/dist=uniform/reads=50-2 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	stdout.Reset()
	if code := run([]string{"-compare", "bucket,nope", "-in", in}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no workload has results for both") {
		t.Errorf("exit %d: %s", code, &stderr)
	}
}
