package main

import (
	"bufio"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// benchstatPkg is the pkg of results.txt.
const benchstatPkg = "github.com/gosafemap/safemap/bench/cmd/mapbench"

// latencyUnits are the units of a run's latencies in results.txt: the
// quantiles, then the longest timed call, over every method, in ns. They
// are written for every run in which a call was timed.
var latencyUnits = [4]string{"p50-ns", "p99-ns", "p99.9-ns", "max-ns"}

// writeResults writes every run of every measurement in the Go benchmark
// format, with benchfmt, grouped by benchmark, with the header lines
// benchstat reads: ns/op, ops/s, B/op and allocs/op as go test reports
// them, and the run's latencies. Bytes per entry follow as
// BenchmarkMemory, as the library's benchmark of that name reports them.
func writeResults(w io.Writer, res *results) error {
	bw := benchfmt.NewWriter(w)
	config := []benchfmt.Config{
		{Key: "goos", Value: []byte(runtime.GOOS), File: true},
		{Key: "goarch", Value: []byte(runtime.GOARCH), File: true},
		{Key: "pkg", Value: []byte(benchstatPkg), File: true},
	}
	if cpu := cpuName(); cpu != "" {
		config = append(config, benchfmt.Config{Key: "cpu", Value: []byte(cpu), File: true})
	}
	// benchstat knows that less ns/op is better, but not the others; and
	// bytes/entry, measured once, is as exact as a count.
	units := [][3]string{{"ops/s", "better", "higher"}, {"bytes/entry", "better", "lower"}, {"bytes/entry", "assume", "exact"}}
	for _, u := range latencyUnits {
		units = append(units, [3]string{u, "better", "lower"})
	}
	for _, u := range units {
		m := &benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u[0], Key: u[1]}, OrigUnit: u[0], Value: u[2]}
		if err := bw.Write(m); err != nil {
			return err
		}
	}
	for _, wr := range res.workloads {
		for _, c := range wr.cells {
			name := strings.TrimPrefix(benchName(c.impl.Name, wr), "Benchmark")
			for _, s := range c.samples {
				r := &benchfmt.Result{Config: config, Name: benchfmt.Name(name), Iters: s.n, Values: []benchfmt.Value{
					{Value: round4(s.nsPerOp), Unit: "ns/op"},
					{Value: round4(s.opsPerSec), Unit: "ops/s"},
					{Value: round4(s.bytesPerOp), Unit: "B/op"},
					{Value: round4(s.allocsPerOp), Unit: "allocs/op"},
				}}
				for i, u := range latencyUnits {
					if !math.IsNaN(s.p[i]) {
						r.Values = append(r.Values, benchfmt.Value{Value: s.p[i], Unit: u})
					}
				}
				// (Each run's latencies are written whenever a call was timed,
				// so that benchstat has one per run: a run's p99.9 from few
				// timed calls is rough, which its interval shows.)
				if err := bw.Write(r); err != nil {
					return err
				}
			}
		}
	}
	suffix := ""
	if p := runtime.GOMAXPROCS(0); p != 1 {
		suffix = "-" + strconv.Itoa(p)
	}
	for _, im := range res.cfg.impls {
		if b, ok := res.bytesPerEntry[im.Name]; ok {
			r := &benchfmt.Result{Config: config, Name: benchfmt.Name("Memory/impl=" + im.Name + suffix), Iters: 1,
				Values: []benchfmt.Value{{Value: round4(b), Unit: "bytes/entry"}}}
			if err := bw.Write(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// round4 rounds x to four significant digits, as go test prints figures:
// more would be noise.
func round4(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return y
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
