package main

import (
	"slices"
	"strings"
	"testing"

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
			runs:  map[string][]float64{"sharded": {10, 11, 12}, "xsync": {13, 14, 15}, "mutex": {30, 31, 29}},
			order: []string{"sharded", "xsync", "mutex"},
			marks: []string{"winner", "", ""},
		},
		{
			name:  "ranges touch",
			runs:  map[string][]float64{"sharded": {10, 11, 13}, "xsync": {13, 14, 15}},
			order: []string{"sharded", "xsync"},
			marks: []string{"tie", "tie"},
		},
		{
			// The third map's wide range reaches the fastest's although the
			// second's does not: it is tied, the second is not.
			name:  "tie skips a map",
			runs:  map[string][]float64{"sharded": {10, 11, 12}, "xsync": {13, 14, 15}, "mutex": {9, 40, 41}},
			order: []string{"sharded", "xsync", "mutex"},
			marks: []string{"tie", "", "tie"},
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

func TestVerdict(t *testing.T) {
	r := rank(fakeWorkload(t, map[string][]float64{"sharded": {10, 10, 10}, "xsync": {20, 15, 30}}))
	if got, want := r.verdict(), "sharded wins: 2.00× the throughput of xsync, the runner-up (1.50–3.00 over 3 paired runs)."; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
	r = rank(fakeWorkload(t, map[string][]float64{"sharded": {10, 12}, "xsync": {11, 13}, "mutex": {11.5, 20}}))
	if got, want := r.verdict(), "no winner: sharded, xsync and mutex are within noise of each other (their ns/op ranges overlap)."; got != want {
		t.Errorf("verdict %q, want %q", got, want)
	}
}

func recommend(t *testing.T, runs map[string][]float64) string {
	t.Helper()
	w := fakeWorkload(t, runs)
	var b strings.Builder
	writeRecommendations(&b, &results{cfg: &config{count: len(w.cells[0].samples)}, workloads: []*workloadResult{w}})
	return b.String()
}

func TestRecommendations(t *testing.T) {
	got := recommend(t, map[string][]float64{"sharded": {10, 11, 12}, "xsync": {20, 22, 24}, "mutex": {40, 41, 42}})
	for _, want := range []string{
		"Recommendation for key=int keys=1000 dist=uniform reads=90 goroutines=2 (3 runs each):",
		"  Use sharded. It does 2.00× the operations per second of xsync, the runner-up (2.00–2.00 over 3 paired runs; their ranges do not overlap).",
		"  What sharded offers: the full safemap.Map contract",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "For the full safemap.Map contract") {
		t.Errorf("points to safemap's fastest when that is the winner:\n%s", got)
	}

	// A peer wins: say what it keeps and how far safemap's best is behind.
	got = recommend(t, map[string][]float64{"xsync": {10, 10, 10}, "sharded": {20, 20, 25}, "syncmap-raw": {40, 40, 40}})
	for _, want := range []string{
		"  Use xsync.",
		"  What xsync offers: typed, with atomic Compute",
		"  For the full safemap.Map contract, take sharded: 0.50× the throughput of xsync (0.40–0.50).",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}

	// Within noise: no winner, and every tied map with its contract.
	got = recommend(t, map[string][]float64{"xsync": {10, 12, 14}, "sharded": {11, 13, 15}, "mutex": {30, 30, 30}})
	if strings.Contains(got, "Use ") || !strings.Contains(got, "No single winner: xsync and sharded are within noise") {
		t.Errorf("claims a winner inside the noise:\n%s", got)
	}
	if !strings.Contains(got, "    xsync: typed") || !strings.Contains(got, "    sharded: the full safemap.Map contract") || strings.Contains(got, "    mutex:") {
		t.Errorf("tie lists the wrong maps:\n%s", got)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		si   string
		text string
	}{
		{0, "0", "0"},
		{12.34567, "12.3", "12.35"},
		{999_700, "1M", "999700"},
		{82_634_000, "82.6M", "82634000"},
		{0.0136, "0.0136", "0.01360"},
	} {
		if got := fmtSI(tc.x); got != tc.si {
			t.Errorf("fmtSI(%v) = %q, want %q", tc.x, got, tc.si)
		}
		if got := fmtValue(tc.x); got != tc.text {
			t.Errorf("fmtValue(%v) = %q, want %q", tc.x, got, tc.text)
		}
	}
	if got := benchName("xsync", workload.Spec{Key: "int", Keys: 10, Dist: "zipf", Reads: 99}, 1); got != "BenchmarkMap/impl=xsync/key=int/keys=10/dist=zipf/reads=99" {
		t.Errorf("benchName at 1 goroutine: %q", got)
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
		{[]float64{2}, []string{"2"}},
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
