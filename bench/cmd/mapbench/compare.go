package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// -compare reads a results.txt, of mapbench or of the library's
// BenchmarkMap, and compares two maps on every workload both ran, with the
// statistics of the tables: the ratio of the medians of time per call, and
// the U test. bench/targets.sh can use it to check safemap's targets by the
// same rule as mapbench's tables.

type compareConfig struct {
	ours, peer string
	in         string
	limit      float64
}

func parseCompare(pair, in string, limit float64) (*config, error) {
	ours, peer, ok := strings.Cut(pair, ",")
	ours, peer = strings.TrimSpace(ours), strings.TrimSpace(peer)
	if !ok || ours == "" || peer == "" || strings.Contains(peer, ",") || ours == peer {
		return nil, fmt.Errorf("-compare %q: want two different map names, OURS,PEER", pair)
	}
	if in == "" {
		return nil, errors.New("-compare needs -in FILE, a results.txt")
	}
	if _, err := os.Stat(in); err != nil {
		return nil, fmt.Errorf("-in: %v", err)
	}
	if !(limit > 0) || math.IsInf(limit, 0) {
		return nil, fmt.Errorf("-limit %v: want a ratio above 0", limit)
	}
	return &config{compare: &compareConfig{ours: ours, peer: peer, in: in, limit: limit}}, nil
}

// A pairRow is one workload that both maps ran.
type pairRow struct {
	name       string // the benchmark name without its impl element
	ours, peer []float64
	ratio      float64
	cmp        comparison
}

func runCompare(w io.Writer, cc *compareConfig) error {
	rows, err := readPairs(cc)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no workload has results for both impl=%s and impl=%s", cc.in, cc.ours, cc.peer)
	}
	var (
		below, ties, faster, slower int
		misses                      []string
		logSum                      float64
		best, worst                 = rows[0], rows[0]
	)
	for _, r := range rows {
		logSum += math.Log(r.ratio)
		switch {
		case r.ratio <= cc.limit:
			below++
		case !r.cmp.differ && cc.limit >= 1:
			ties++
		default:
			note := ""
			if !r.cmp.differ {
				note = " (not significant)"
			}
			misses = append(misses, fmt.Sprintf("%s: %.2f×%s", r.name, r.ratio, note))
		}
		if r.cmp.differ && r.ratio < 1 {
			faster++
		}
		if r.cmp.differ && r.ratio > 1 {
			slower++
		}
		if r.ratio < best.ratio {
			best = r
		}
		if r.ratio > worst.ratio {
			worst = r
		}
	}
	fmt.Fprintf(w, "### %s against %s: at most %.2f×\n\n", cc.ours, cc.peer, cc.limit)
	fmt.Fprintf(w, "Time per operation of %s over %s, as the ratio of the medians: geometric mean %.2f× over %d workloads, from %.2f× (%s) to %.2f× (%s). ",
		cc.ours, cc.peer, math.Exp(logSum/float64(len(rows))), len(rows), best.ratio, best.name, worst.ratio, worst.name)
	fmt.Fprintf(w, "%s is significantly faster in %d workloads and slower in %d (Mann-Whitney U test, p ≤ 0.05, as benchstat and mapbench's tables). ", cc.ours, faster, slower)
	fmt.Fprintf(w, "%d workloads meet the target with a ratio at or below %.2f×", below, cc.limit)
	if cc.limit >= 1 {
		fmt.Fprintf(w, ", and %d more are ties within the noise", ties)
	}
	fmt.Fprintf(w, "; %d miss it.\n\n", len(misses))
	if len(misses) > 0 {
		fmt.Fprintf(w, "<details><summary>The workloads that miss it</summary>\n\n")
		for _, m := range misses {
			fmt.Fprintf(w, "- %s\n", m)
		}
		fmt.Fprintf(w, "\n</details>\n\n")
	}
	fmt.Fprintf(w, "<details><summary>Every workload</summary>\n\n| workload | %s ns/op | %s ns/op | ratio | p |\n|---|--:|--:|--:|--:|\n", cc.ours, cc.peer)
	for _, r := range rows {
		o, p := summarise(r.ours), summarise(r.peer)
		mark := ""
		if !r.cmp.differ {
			mark = "~"
		}
		fmt.Fprintf(w, "| %s | %s %s | %s %s | %s%.2f× | %.3f |\n", r.name, fmtNs(o.center), o.pct(), fmtNs(p.center), p.pct(), mark, r.ratio, r.cmp.p)
	}
	fmt.Fprintf(w, "\n</details>\n")
	return nil
}

// readPairs reads the ns/op of both maps, by workload, in the order of the
// file.
func readPairs(cc *compareConfig) ([]pairRow, error) {
	f, err := os.Open(cc.in)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byName := map[string]*pairRow{}
	var order []string
	r := benchfmt.NewReader(f, cc.in)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		secs, ok := res.Value("sec/op")
		if !ok {
			continue
		}
		impl, rest := splitImpl(res.Name)
		if impl != cc.ours && impl != cc.peer {
			continue
		}
		row := byName[rest]
		if row == nil {
			row = &pairRow{name: rest}
			byName[rest] = row
			order = append(order, rest)
		}
		if impl == cc.ours {
			row.ours = append(row.ours, secs*1e9)
		} else {
			row.peer = append(row.peer, secs*1e9)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	var rows []pairRow
	for _, name := range order {
		row := byName[name]
		if len(row.ours) == 0 || len(row.peer) == 0 {
			continue
		}
		row.ratio = summarise(row.ours).center / summarise(row.peer).center
		row.cmp = compare(row.ours, row.peer)
		rows = append(rows, *row)
	}
	return rows, nil
}

// splitImpl returns the impl element of a benchmark name and the name
// without it: "Map/impl=xsync/key=int-2" gives "xsync", "Map/key=int-2".
func splitImpl(name benchfmt.Name) (impl, rest string) {
	base, parts := name.Parts()
	var b strings.Builder
	b.Write(base)
	for _, p := range parts {
		if v, ok := strings.CutPrefix(string(p), "/impl="); ok {
			impl = v
			continue
		}
		b.Write(p)
	}
	return impl, b.String()
}
