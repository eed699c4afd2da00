package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/gosafemap/safemap/bench"
	"github.com/gosafemap/safemap/internal/workload"
)

// These tests check the shape of what mapbench writes, never its timings:
// the machine that runs them may be busy, and a tiny run measures noise.

// tinyArgs is a run of a few milliseconds: 2 maps, 2 read mixes and 2
// goroutine counts, 2 runs each of 500 operations.
func tinyArgs(out string, extra ...string) []string {
	return append([]string{"-duration", "500x", "-count", "2", "-keys", "100", "-reads", "100,50",
		"-goroutines", "1,2", "-impls", "sharded,xsync", "-memory=false", "-out", out}, extra...)
}

func TestTinyRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(tinyArgs(out), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	checkProgress(t, stderr.String(), 16) // 2 maps × 2 mixes × 2 goroutine counts × 2 runs
	checkTables(t, stdout.String(), []string{"sharded", "xsync"}, 4)
	checkResults(t, filepath.Join(out, resultsFile))
	checkReport(t, filepath.Join(out, reportFile))
	for _, base := range []string{readsChart, goroutinesChart} {
		checkPNG(t, filepath.Join(out, base+".png"))
		checkSVG(t, filepath.Join(out, base+".svg"))
	}
}

var progressLine = regexp.MustCompile(`^mapbench: +(\d+)% of (\d+) measurements, \S+ elapsed, about \S+ left \(last: run \d/2 \S+ 100 int uniform reads=\d+ g=\d\)$`)

// checkProgress checks that stderr, which is not a terminal, holds lines of
// progress, rising to 100% of total measurements, and nothing else.
func checkProgress(t *testing.T, stderr string, total int) {
	t.Helper()
	last := 0
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := progressLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("stderr line %q is not a line of progress; stderr:\n%s", line, stderr)
		}
		if m[2] != strconv.Itoa(total) {
			t.Errorf("progress counts %s measurements, want %d: %q", m[2], total, line)
		}
		pct, _ := strconv.Atoi(m[1])
		if pct <= last {
			t.Errorf("progress goes from %d%% to %d%%", last, pct)
		}
		last = pct
	}
	if last != 100 {
		t.Errorf("progress ends at %d%%, want 100%%; stderr:\n%s", last, stderr)
	}
}

var titleLine = regexp.MustCompile(`^key=int keys=100 dist=uniform reads=(100|50) goroutines=(1|2) \(median of 2 runs\)$`)

// checkTables checks that stdout holds n tables, each with a heading, a
// header row, one row per map, and either exactly one winner or a tie
// between at least two maps with a note that there is no winner.
func checkTables(t *testing.T, stdout string, impls []string, n int) {
	t.Helper()
	body, _, _ := strings.Cut(stdout, "\nWrote ")
	body, _, _ = strings.Cut(body, "\nGoroutine counts above") // on a machine of one CPU
	blocks := strings.Split(strings.TrimSpace(body), "\n\n")
	if len(blocks) != n {
		t.Fatalf("%d tables, want %d:\n%s", len(blocks), n, stdout)
	}
	for _, b := range blocks {
		lines := strings.Split(b, "\n")
		if len(lines) != len(impls)+3 {
			t.Errorf("table has %d lines, want heading, header, %d rows and verdict:\n%s", len(lines), len(impls), b)
			continue
		}
		if !titleLine.MatchString(lines[0]) {
			t.Errorf("heading %q", lines[0])
		}
		if got := strings.Fields(lines[1]); !slices.Equal(got, []string{"impl", "ns/op", "range", "ns/op", "ops/s", "allocs/op", "B/entry", "vs", "fastest"}) {
			t.Errorf("header %q", lines[1])
		}
		var names []string
		winners, ties := 0, 0
		for _, row := range lines[2 : 2+len(impls)] {
			f := strings.Fields(row)
			names = append(names, f[0])
			// impl, ns/op, range (3 fields), ops/s, allocs/op, B/entry, vs fastest, mark
			switch {
			case len(f) == 8:
			case len(f) == 9 && f[8] == "winner":
				winners++
			case len(f) == 9 && f[8] == "tie":
				ties++
			default:
				t.Errorf("row %q", row)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, impls) {
			t.Errorf("rows for %v, want %v", names, impls)
		}
		verdict := lines[len(lines)-1]
		switch {
		case winners == 1 && ties == 0:
			if !strings.Contains(verdict, " wins: ") {
				t.Errorf("one winner but verdict %q", verdict)
			}
		case winners == 0 && ties >= 2:
			if !strings.HasPrefix(verdict, "  No winner: ") {
				t.Errorf("a tie but verdict %q", verdict)
			}
		default:
			t.Errorf("%d winners and %d ties:\n%s", winners, ties, b)
		}
	}
}

// checkResults parses results.txt as benchstat does and checks the
// benchmarks it names and the units of each.
func checkResults(t *testing.T, name string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	r := benchfmt.NewReader(f, name)
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("%v", rec)
		case *benchfmt.Result:
			counts[string(rec.Name.Full())]++
			if rec.Iters != 500 {
				t.Errorf("%s: %d iterations, want 500", rec.Name.Full(), rec.Iters)
			}
			var units []string
			for _, v := range rec.Values {
				unit := v.OrigUnit // as written, where benchfmt normalised it
				if unit == "" {
					unit = v.Unit
				}
				units = append(units, unit)
			}
			if want := []string{"ns/op", "ops/s", "B/op", "allocs/op"}; !slices.Equal(units, want) {
				t.Errorf("%s: units %v, want %v", rec.Name.Full(), units, want)
			}
			for _, key := range []string{"goos", "goarch", "pkg"} {
				if rec.GetConfig(key) == "" {
					t.Errorf("%s: no %s", rec.Name.Full(), key)
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if got := r.Units().GetBetter("ops/s"); got != 1 {
		t.Errorf("ops/s is not marked higher-is-better")
	}
	var want []string
	for _, impl := range []string{"sharded", "xsync"} {
		for _, reads := range []string{"100", "50"} {
			for _, procs := range []string{"", "-2"} {
				want = append(want, "Map/impl="+impl+"/key=int/keys=100/dist=uniform/reads="+reads+procs)
			}
		}
	}
	var got []string
	for name, n := range counts {
		got = append(got, name)
		if n != 2 {
			t.Errorf("%s: %d results, want 2 (one per run)", name, n)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("benchmarks\n%v\nwant\n%v", got, want)
	}
}

func checkReport(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	for _, want := range []string{
		"# mapbench report",
		"## Winners",
		"## Matrix", "| key | keys | dist | reads | goroutines | sharded | xsync |",
		detailsMarker,
		"## Key ratios", "### against xsync", "| 100 | 50 |",
		"## Charts",
		"](throughput_by_reads.png)", "](throughput_by_goroutines.png)",
		"](throughput_by_reads.svg)", "](throughput_by_goroutines.svg)",
		"## Results",
		"| impl | ns/op | range ns/op | ops/s | allocs/op | B/entry | vs fastest |  |",
		"[results.txt](results.txt)",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md has no %q", want)
		}
	}
	for _, reads := range []string{"100", "50"} {
		for _, g := range []string{"1", "2"} {
			heading := "### key=int keys=100 dist=uniform reads=" + reads + " goroutines=" + g + "\n"
			_, table, ok := strings.Cut(report, heading)
			if !ok {
				t.Errorf("report.md has no %q", heading)
				continue
			}
			rows := 0
			for _, line := range strings.Split(table, "\n")[2:] {
				if !strings.HasPrefix(line, "|") {
					break
				}
				rows++
			}
			if rows != 3 { // header, alignment and one row per map
				t.Errorf("%s: table of %d lines, want 4", heading, rows+2)
			}
		}
	}
	if strings.Contains(report, "## Recommendation") {
		t.Error("report.md has a recommendation without -recommend")
	}
}

func checkPNG(t *testing.T, name string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() < 200 || b.Dy() < 200 {
		t.Errorf("%s: %v image", name, b)
	}
}

func checkSVG(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
	}
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if root.XMLName.Local != "svg" || root.Width == "" {
		t.Errorf("%s: root element %v, width %q", name, root.XMLName, root.Width)
	}
	for _, impl := range []string{"sharded", "xsync"} {
		if !bytes.Contains(b, []byte(">"+impl+"<")) {
			t.Errorf("%s: no legend entry for %s", name, impl)
		}
	}
}

func TestRecommendRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-recommend", "-count", "3", "-duration", "500x", "-keys", "100", "-reads", "90",
		"-impls", "sync,xsync,mutex-plain", "-memory=false", "-quiet", "-out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr is not empty with -quiet:\n%s", &stderr)
	}
	_, rec, ok := strings.Cut(stdout.String(), "\nRecommendation for key=int keys=100 dist=uniform reads=90 goroutines=")
	if !ok {
		t.Fatalf("no recommendation:\n%s", &stdout)
	}
	use := regexp.MustCompile(`\n  Use (sync|xsync|mutex-plain)\. It does \d+\.\d\d× the operations per second of (sync|xsync|mutex-plain), the runner-up`)
	tie := regexp.MustCompile(`\n  No single winner: .* are within noise of each other`)
	if !use.MatchString(rec) && !tie.MatchString(rec) {
		t.Errorf("recommendation is neither a winner nor a tie:\n%s", rec)
	}
	report, err := os.ReadFile(filepath.Join(out, reportFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(report, []byte("## Recommendation")) {
		t.Error("report.md has no recommendation")
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"-impls", "sharded,nope"}, `-impls: unknown map "nope"; want some of ` + strings.Join(bench.Names(), ", ") + ", or all"},
		{[]string{"-reads", "101"}, `-reads: "101": want read percentages from 0 to 100`},
		{[]string{"-reads", "-1"}, `-reads: "-1": want read percentages from 0 to 100`},
		{[]string{"-reads", "90,"}, `-reads: "": want read percentages from 0 to 100`},
		{[]string{"-keys", "0"}, `-keys: "0": want key counts from 1 to 1073741824`},
		{[]string{"-keys", "ten"}, `-keys: "ten": want key counts from 1`},
		{[]string{"-key", "float"}, `-key: "float" is not one of int, string`},
		{[]string{"-dist", "normal"}, `-dist: "normal" is not one of uniform, zipf`},
		{[]string{"-goroutines", "0"}, `-goroutines: "0": want goroutine counts from 1 to 1024`},
		{[]string{"-goroutines", "1,2,x"}, `-goroutines: "x": want goroutine counts`},
		{[]string{"-duration", "0s"}, `-duration "0s": want a positive duration such as 300ms, or a count of operations such as 10000x`},
		{[]string{"-duration", "soon"}, `-duration "soon": want a positive duration`},
		{[]string{"-duration", "0x"}, `-duration "0x": want a positive duration`},
		{[]string{"-count", "1"}, `-count 1: want 2 or more`},
		{[]string{"-count", "many"}, `invalid value "many" for flag -count`},
		{[]string{"-recommend", "-count", "0"}, `-count 0: want 2 or more`},
		{[]string{"-out", ""}, `-out: want a directory`},
		{[]string{"-nope"}, `flag provided but not defined: -nope`},
		{[]string{"compare"}, `unexpected argument "compare"`},
	} {
		out := filepath.Join(t.TempDir(), "out")
		var stdout, stderr bytes.Buffer
		args := tc.args
		if !slices.Contains(args, "-out") {
			args = append(slices.Clone(args), "-out", out)
		}
		code := run(args, &stdout, &stderr)
		msg := stderr.String()
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if !strings.HasPrefix(msg, "mapbench: ") || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") != 1 {
			t.Errorf("%v: message %q, want one line with %q", tc.args, msg, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: wrote to stdout:\n%s", tc.args, &stdout)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: created %s", tc.args, out)
		}
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := stdout.String()
	for _, im := range bench.Impls {
		if !strings.Contains(help, "\n  "+im.Name+" ") {
			t.Errorf("help does not list %s", im.Name)
		}
	}
	for _, want := range []string{"-goroutines", "GOMAXPROCS", "oversubscription", "-full", "-recommend", "benchstat"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}

func TestPresets(t *testing.T) {
	cfg, err := parseFlags(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.impls) != len(bench.Impls) || cfg.count != quick.count || !cfg.memory {
		t.Errorf("quick default: %d maps, count %d, memory %t", len(cfg.impls), cfg.count, cfg.memory)
	}

	cfg, err = parseFlags([]string{"-full"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.specs(), workload.Matrix()) || !slices.Equal(cfg.goroutines, []int{1, 2, 8}) {
		t.Errorf("-full measures %v on %v", cfg.specs(), cfg.goroutines)
	}

	cfg, err = parseFlags([]string{"-full", "-reads", "90,90", "-impls", "xsync"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.reads, []int{90}) || len(cfg.impls) != 1 || len(cfg.keys) != 2 {
		t.Errorf("-full with -reads 90,90 -impls xsync: reads %v, %d maps, keys %v", cfg.reads, len(cfg.impls), cfg.keys)
	}

	cfg, err = parseFlags([]string{"-recommend"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.count != recommendCount {
		t.Errorf("-recommend runs %d times, want %d", cfg.count, recommendCount)
	}
	cfg, err = parseFlags([]string{"-recommend", "-count", "3"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.count != 3 {
		t.Errorf("-recommend -count 3 runs %d times", cfg.count)
	}
}
