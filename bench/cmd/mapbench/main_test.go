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

func TestMain(m *testing.M) {
	// The large-heap workload fills a million keys per map; here a few
	// thousand show the same tables, quickly, under the race detector too.
	heapKeys = 4000
	os.Exit(m.Run())
}

// tinyArgs is a run of a few milliseconds: 2 maps, 2 read mixes and 2
// goroutine counts, 2 runs each of 500 calls, every call timed.
func tinyArgs(out string, extra ...string) []string {
	return append([]string{"-duration", "500x", "-count", "2", "-keys", "100", "-reads", "100,50",
		"-goroutines", "1,2", "-impls", "sharded,xsync", "-memory=false", "-heap=false", "-latency-every", "1", "-out", out}, extra...)
}

func TestTinyRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(tinyArgs(out), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	checkProgress(t, stderr.String(), 16, `run \d/2 \S+ 100 int uniform reads=\d+ g=\d`) // 2 maps × 2 mixes × 2 goroutine counts × 2 runs
	checkTables(t, stdout.String(), []string{"sharded", "xsync"}, 4, `key=int keys=100 dist=uniform reads=(100|50) goroutines=(1|2)`)
	checkResults(t, filepath.Join(out, resultsFile), []string{"sharded", "xsync"}, []string{"reads=100", "reads=50"}, []string{"", "-2"})
	report := checkReport(t, filepath.Join(out, reportFile), []string{"sharded", "xsync"})
	for _, want := range []string{
		"| 100 | 2 |", "| reads=100 |", "| reads=50 |", // key ratios and matrix rows of every mix
		"](throughput_by_reads.png)", "](throughput_by_goroutines.png)", "](latency.png)",
	} {
		if !strings.Contains(report, want) && !strings.Contains(report, strings.ReplaceAll(want, "| 100 | 2 |", "")) {
			t.Errorf("report.md has no %q", want)
		}
	}
	for _, base := range []string{readsChart, goroutinesChart, latencyChart} {
		checkPNG(t, filepath.Join(out, base+".png"))
		checkSVG(t, filepath.Join(out, base+".svg"), []string{"sharded", "xsync"})
	}
	// Every workload is on a line chart, so there are no bars.
	if _, err := os.Stat(filepath.Join(out, barsChart+".png")); err == nil {
		t.Errorf("%s.png drawn although the line charts show every workload", barsChart)
	}
}

// TestOneOfEach: one read percentage and one goroutine count make no line
// chart over a single x value, but bars.
func TestOneOfEach(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-duration", "500x", "-count", "2", "-keys", "100", "-reads", "90", "-goroutines", "2",
		"-impls", "mutex,mutex-plain", "-memory=false", "-heap=false", "-quiet", "-out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	for _, base := range []string{readsChart, goroutinesChart} {
		if _, err := os.Stat(filepath.Join(out, base+".png")); err == nil {
			t.Errorf("%s.png drawn over one x value", base)
		}
	}
	checkPNG(t, filepath.Join(out, barsChart+".png"))
	checkSVG(t, filepath.Join(out, barsChart+".svg"), []string{"mutex", "mutex-plain"})
	svg, _ := os.ReadFile(filepath.Join(out, barsChart+".svg"))
	for _, label := range []string{"mutex = safemap.MutexMap", "mutex-plain = map + sync.Mutex"} {
		if !bytes.Contains(svg, []byte(label)) {
			t.Errorf("the legend does not say %q", label)
		}
	}
}

// TestOpsRun measures a mix of the user's, with values of a size and keys
// from a file, and the large-heap workload.
func TestOpsRun(t *testing.T) {
	out := t.TempDir()
	keysFile := filepath.Join(t.TempDir(), "my keys.txt")
	if err := os.WriteFile(keysFile, []byte("alpha\nbeta\n\ngamma\r\nbeta\n"+strings.Repeat("k\n", 3)+"delta\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"-duration", "2000x", "-count", "2", "-keys-file", keysFile, "-goroutines", "2",
		"-ops", "load=70,loadorstore=10,compute=10,len=5,range=5", "-value-size", "256",
		"-impls", "bucket,syncmap-raw,orcaman", "-memory=false", "-latency-every", "1", "-quiet", "-out", out}
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, &stderr)
	}
	text := stdout.String()
	for _, want := range []string{
		"key=string keys=5 dist=uniform ops=load:70,loadorstore:10,compute:10,range:5,len:5 value=256B goroutines=2 keys-from=my_keys.txt",
		"key=int keys=4000 dist=uniform ops=load:70,loadorstore:10,compute:10,range:5,len:5 value=256B goroutines=2 (large heap)",
		"Skipped syncmap-raw: no compute with []byte values (its Compute is a CompareAndSwap loop",
		"no len (sync.Map has no Len",
		"The garbage collector with each map alone in the heap", "GC CPU (est.)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stdout has no %q:\n%s", want, text)
		}
	}
	checkTables(t, text, []string{"bucket", "orcaman"}, 2, `key=(string|int) keys=(5|4000) dist=uniform ops=\S+ value=256B goroutines=2( keys-from=my_keys.txt| \(large heap\))`)
	checkResults(t, filepath.Join(out, resultsFile), []string{"bucket", "orcaman"},
		[]string{"ops=load:70,loadorstore:10,compute:10,range:5,len:5/value=256B/keys-from=my_keys.txt", "ops=load:70,loadorstore:10,compute:10,range:5,len:5/value=256B"}, []string{"-2"})
	report := checkReport(t, filepath.Join(out, reportFile), []string{"bucket", "syncmap-raw", "orcaman"})
	for _, want := range []string{
		"## Garbage collection", "live heap | objects | scannable | CPU of one GC | GC CPU (est.) |",
		"| key | keys | dist | mix | goroutines | bucket | syncmap-raw | orcaman |",
		"SetIfAbsent, then Get when the key was present", "| compute | skipped: no compute with []byte values",
		"| bucket | loadorstore |", "| orcaman | range |",
		"](throughput.png)", "](latency.png)",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md has no %q", want)
		}
	}
	for _, base := range []string{barsChart, latencyChart} {
		checkPNG(t, filepath.Join(out, base+".png"))
		checkSVG(t, filepath.Join(out, base+".svg"), []string{"bucket", "orcaman"})
	}
}

var progressLine = regexp.MustCompile(`^mapbench: +(\d+)% of (\d+) measurements, \S+ elapsed, about \S+ left \(last: (.*)\)$`)

// checkProgress checks that stderr, which is not a terminal, holds lines of
// progress, rising to 100% of total measurements, and nothing else.
func checkProgress(t *testing.T, stderr string, total int, last string) {
	t.Helper()
	lastRE := regexp.MustCompile("^" + last + "$")
	prev := 0
	for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		m := progressLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("stderr line %q is not a line of progress; stderr:\n%s", line, stderr)
		}
		if m[2] != strconv.Itoa(total) {
			t.Errorf("progress counts %s measurements, want %d: %q", m[2], total, line)
		}
		if !lastRE.MatchString(m[3]) {
			t.Errorf("progress names %q", m[3])
		}
		pct, _ := strconv.Atoi(m[1])
		if pct <= prev {
			t.Errorf("progress goes from %d%% to %d%%", prev, pct)
		}
		prev = pct
	}
	if prev != 100 {
		t.Errorf("progress ends at %d%%, want 100%%; stderr:\n%s", prev, stderr)
	}
}

var header = []string{"impl", "ns/op", "95%", "CI", "ops/s", "p50", "p99", "p99.9", "max", "B/write", "allocs/write", "GC", "CPU", "B/entry", "vs", "fastest"}

// checkTables checks that stdout holds n tables, each with a heading, a
// header row, one row per map, and either exactly one winner or a tie
// between at least two maps with a note that there is no winner.
func checkTables(t *testing.T, stdout string, impls []string, n int, heading string) {
	t.Helper()
	titleLine := regexp.MustCompile(`^` + heading + ` \(median of 2 runs\)$`)
	body, _, _ := strings.Cut(stdout, "\nLatency: ")
	blocks := strings.Split(strings.TrimSpace(body), "\n\n")
	if len(blocks) != n {
		t.Fatalf("%d tables, want %d:\n%s", len(blocks), n, stdout)
	}
	for _, b := range blocks {
		lines := strings.Split(b, "\n")
		if len(lines) < len(impls)+3 {
			t.Errorf("table has %d lines, want heading, header, %d rows and verdict:\n%s", len(lines), len(impls), b)
			continue
		}
		if !titleLine.MatchString(lines[0]) {
			t.Errorf("heading %q", lines[0])
		}
		if got := strings.Fields(lines[1]); !slices.Equal(got, header) {
			t.Errorf("header %q", lines[1])
		}
		var names []string
		winners, ties := 0, 0
		for _, row := range lines[2 : 2+len(impls)] {
			f := strings.Fields(row)
			names = append(names, f[0])
			// impl, ns/op, CI, ops/s, 4 latencies, B/write, allocs/write, GC CPU, B/entry, vs fastest, mark
			switch {
			case len(f) == 13:
			case len(f) == 14 && f[13] == "winner":
				winners++
			case len(f) == 14 && f[13] == "tie":
				ties++
			default:
				t.Errorf("row %q", row)
			}
			if len(f) >= 8 && (f[4] == "-" || f[7] == "-") {
				t.Errorf("row %q has no latency although every call was timed", row)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, impls) {
			t.Errorf("rows for %v, want %v", names, impls)
		}
		verdict := lines[2+len(impls)]
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
func checkResults(t *testing.T, name string, impls, mixes, procs []string) {
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
			var units []string
			for _, v := range rec.Values {
				unit := v.OrigUnit // as written, where benchfmt normalised it
				if unit == "" {
					unit = v.Unit
				}
				units = append(units, unit)
			}
			if want := []string{"ns/op", "ops/s", "B/op", "allocs/op", "p50-ns", "p99-ns", "p99.9-ns", "max-ns"}; !slices.Equal(units, want) {
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
	for _, u := range []string{"ops/s"} {
		if got := r.Units().GetBetter(u); got != 1 {
			t.Errorf("%s is not marked higher-is-better", u)
		}
	}
	for _, u := range []string{"p99.9-ns", "max-ns"} {
		if got := r.Units().GetBetter(u); got != -1 {
			t.Errorf("%s is not marked lower-is-better", u)
		}
	}
	var got []string
	for name, n := range counts {
		got = append(got, name)
		if n != 2 {
			t.Errorf("%s: %d results, want 2 (one per run)", name, n)
		}
	}
	for _, impl := range impls {
		for _, mix := range mixes {
			for _, p := range procs {
				if !slices.ContainsFunc(got, func(name string) bool {
					return strings.HasPrefix(name, "Map/impl="+impl+"/") && strings.HasSuffix(name, "/"+mix+p)
				}) {
					t.Errorf("no benchmark of %s with %s%s in %v", impl, mix, p, got)
				}
			}
		}
	}
}

// checkReport checks report.md's sections and returns it.
func checkReport(t *testing.T, name string, impls []string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	report := string(b)
	for _, want := range []string{
		"# mapbench report",
		"## Maps", "| name | what it is |",
		"## Winners",
		"## Matrix", "| key | keys | dist | mix | goroutines | " + strings.Join(impls, " | ") + " |",
		"## Latency",
		"## Garbage collection",
		detailsMarker,
		"## Charts",
		"## Results",
		"| " + strings.Join(columns, " | ") + " |",
		"Latency of the timed calls:", "| impl | method | timed | p50 | p99 | p99.9 | max |",
		"Garbage collection:", "| impl | ns/op | B/write | allocs/write | GC cycles | GC CPU | pauses | longest pause |",
		"[results.txt](results.txt)",
		"Mann-Whitney U test",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md has no %q", want)
		}
	}
	for _, im := range impls {
		b, _ := bench.Lookup(im)
		if !strings.Contains(report, "| "+im+" | "+b.Doc+" |") {
			t.Errorf("report.md does not say what %s is", im)
		}
	}
	if strings.Contains(report, "## Recommendation") {
		t.Error("report.md has a recommendation without -recommend")
	}
	return report
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

func checkSVG(t *testing.T, name string, impls []string) {
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
	for _, impl := range impls {
		im, _ := bench.Lookup(impl)
		if !bytes.Contains(b, []byte(">"+impl+" = "+im.Label+"<")) {
			t.Errorf("%s: no legend entry for %s", name, impl)
		}
	}
}

func TestRecommendRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-recommend", "-count", "3", "-duration", "500x", "-keys", "100", "-reads", "90",
		"-impls", "sync,xsync,mutex-plain", "-memory=false", "-heap=false", "-quiet", "-out", out}
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
	// Three runs a side can never differ at p ≤ 0.05.
	if !strings.Contains(rec, "No single winner: ") || !strings.Contains(rec, "\nWhat the maps named above promise:\n") {
		t.Errorf("recommendation is not a tie, with what the maps promise:\n%s", rec)
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
	dir := t.TempDir()
	noKeys := filepath.Join(dir, "empty.txt")
	os.WriteFile(noKeys, []byte("\n\n"), 0o644)
	binary := filepath.Join(dir, "binary.txt")
	os.WriteFile(binary, []byte("ok\n\xff\xfe\n"), 0o644)
	long := filepath.Join(dir, "long.txt")
	os.WriteFile(long, bytes.Repeat([]byte("x"), maxKeyLen+1), 0o644)
	aFile := filepath.Join(dir, "a-file")
	os.WriteFile(aFile, nil, 0o644)
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
		{[]string{"-out", filepath.Join(aFile, "sub")}, `-out ` + filepath.Join(aFile, "sub") + `: mkdir`},
		{[]string{"-nope"}, `flag provided but not defined: -nope`},
		{[]string{"compare"}, `unexpected argument "compare"`},
		{[]string{"-ops", "load=90,store=5"}, `-ops "load=90,store=5": the percentages add up to 95, want 100`},
		{[]string{"-ops", "load=90,get=10"}, `-ops "load=90,get=10": "get" is not an operation; want one of load, store, delete, loadorstore, loadorcompute, loadortrycompute, loadanddelete, swap, compute, range, all, len, clear`},
		{[]string{"-ops", "load"}, `-ops "load": "load": want name=percentage`},
		{[]string{"-ops", "load=x"}, `-ops "load=x": load=x: want a percentage from 0 to 100`},
		{[]string{"-ops", "load=100", "-reads", "90"}, `-reads is a shorthand for -ops`},
		{[]string{"-ops", "len=100", "-impls", "syncmap-raw"}, `no map can run these workloads (syncmap-raw: no len (sync.Map has no Len`},
		{[]string{"-value-size", "-1"}, `-value-size -1: want 0 (int values) to 1048576 bytes`},
		{[]string{"-latency-every", "-5"}, `-latency-every -5: want 1 or more, or 0 to time no call`},
		{[]string{"-keys-file", filepath.Join(dir, "missing.txt")}, `-keys-file: open ` + filepath.Join(dir, "missing.txt") + `: no such file`},
		{[]string{"-keys-file", "missing.txt"}, `-keys-file: open missing.txt: no such file or directory (a relative path is taken from `},
		{[]string{"-keys-file", noKeys}, `-keys-file ` + noKeys + `: no keys; want one key a line`},
		{[]string{"-keys-file", binary}, `-keys-file ` + binary + `:2: not UTF-8 text; want one key a line`},
		{[]string{"-keys-file", long}, `-keys-file ` + long + `:1: a line longer than 65536 bytes`},
		{[]string{"-keys-file", aFile + "x", "-keys", "10"}, `-keys-file gives the keys: leave out -key and -keys`},
		{[]string{"-compare", "bucket"}, `-compare "bucket": want two different map names, OURS,PEER`},
		{[]string{"-compare", "bucket,xsync"}, `-compare needs -in FILE`},
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

func TestUnwritableOut(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-out", dir}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "cannot write there") {
		t.Errorf("exit %d, stderr %q", code, &stderr)
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
	for _, want := range []string{"-goroutines", "GOMAXPROCS", "oversubscription", "-full", "-recommend", "benchstat",
		"-ops", "-value-size", "-keys-file", "-latency-every", "-heap", "-compare", "Mann-Whitney"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}

func TestPresets(t *testing.T) {
	cfg, err := parseFlags([]string{"-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.impls) != len(bench.Impls) || cfg.count != defaultCount || !cfg.memory || !cfg.heap || cfg.every != defaultEvery {
		t.Errorf("quick default: %d maps, count %d, memory %t, heap %t, every %d", len(cfg.impls), cfg.count, cfg.memory, cfg.heap, cfg.every)
	}
	if cfg.count < 6 {
		t.Errorf("default count %d: benchstat needs 6 runs for a confidence interval", cfg.count)
	}
	hs := cfg.heapSpec()
	if hs.Keys != heapKeys || hs.Reads != 50 || hs.ValueSize != heapValueSize {
		t.Errorf("heap workload %s, want the most writes (reads=50)", hs.Name())
	}

	cfg, err = parseFlags([]string{"-full", "-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.specs(), workload.Matrix()) || !slices.Equal(cfg.goroutines, []int{1, 2, 8}) {
		t.Errorf("-full measures %v on %v", cfg.specs(), cfg.goroutines)
	}

	cfg, err = parseFlags([]string{"-full", "-reads", "90,90", "-impls", "xsync", "-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.mixes) != 1 || cfg.mixes[0].reads != 90 || len(cfg.impls) != 1 || len(cfg.keys) != 2 {
		t.Errorf("-full with -reads 90,90 -impls xsync: mixes %v, %d maps, keys %v", cfg.mixes, len(cfg.impls), cfg.keys)
	}

	cfg, err = parseFlags([]string{"-recommend", "-count", "3", "-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.count != 3 {
		t.Errorf("-recommend -count 3 runs %d times", cfg.count)
	}

	cfg, err = parseFlags([]string{"-ops", "load=70,loadorstore=20,compute=10;load=100", "-value-size", "256", "-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.mixes) != 2 || cfg.valueSize != 256 || cfg.heapSpec().Mix[workload.OpCompute] != 10 || cfg.heapSpec().ValueSize != 256 {
		t.Errorf("-ops with two mixes: %v, value size %d, heap %s", cfg.mixes, cfg.valueSize, cfg.heapSpec().Name())
	}
}

// TestPlan checks the order of the tasks: bytes/entry first, then the runs
// interleaved, the heap tasks spread among them from near the start to
// near the end.
func TestPlan(t *testing.T) {
	cfg, err := parseFlags([]string{"-impls", "bucket,xsync,mutex", "-out", t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := workloads(cfg)
	if len(ws) != 4 || !ws[3].heap {
		t.Fatalf("%d workloads, the last heap %t", len(ws), ws[len(ws)-1].heap)
	}
	tasks := plan(cfg, ws)
	if want := 3 + 3*3*defaultCount + 3; len(tasks) != want {
		t.Fatalf("%d tasks, want %d", len(tasks), want)
	}
	for i, tk := range tasks[:3] {
		if tk.kind != memoryTask || tk.impl.Name != cfg.impls[i].Name {
			t.Errorf("task %d is not the bytes/entry of %s", i, cfg.impls[i].Name)
		}
	}
	var heaps []int
	for i, tk := range tasks {
		if tk.kind == heapTask {
			heaps = append(heaps, i)
		}
	}
	if len(heaps) != 3 || tasks[3].kind != runTask || heaps[0] > len(tasks)/5 || heaps[2] < len(tasks)*3/4 || heaps[2] == len(tasks)-1 {
		t.Errorf("heap tasks at %v of %d: not spread", heaps, len(tasks))
	}
	// Run r of every cell before run r+1 of any.
	seen := map[*cell]int{}
	for _, tk := range tasks {
		if tk.kind != runTask {
			continue
		}
		seen[tk.c]++
		for _, n := range seen {
			if n < seen[tk.c]-1 {
				t.Fatalf("a cell ran %d times while another began its run %d", n, seen[tk.c])
			}
		}
	}
}
