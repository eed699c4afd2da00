#!/usr/bin/env bash
# Checks safemap's speed targets, as ratios of time per operation (BucketMap
# at most 1.0× xsync, ShardedMap at most 0.8× orcaman's concurrent-map,
# SyncMap at most 1.1× a raw sync.Map, BucketMap's reads at most 1.1× an
# unlocked built-in map's), against a mapbench run: for each pair of maps it runs benchstat over the run's
# results.txt, writes the comparison to DIR/vs/OURS-vs-PEER.txt, and prints a
# Markdown summary: how many workloads meet the target and which miss it.
# It measures BucketMap against a built-in map with no lock through the
# library's own benchmarks. Usage: bench/targets.sh [-render] [DIR],
# where DIR holds results.txt (default bench/results); with -render it
# measures nothing and reuses DIR/vs/bucket-vs-unlocked.raw.
set -euo pipefail
cd "$(dirname "$0")/.."
render=false
if [ "${1:-}" = -render ]; then
	render=true
	shift
fi
dir=${1:-bench/results}
mkdir -p "$dir/vs"
abs=$(cd "$dir" && pwd)

# compare OURS PEER LIMIT: OURS's time per operation over PEER's must be at
# most LIMIT; where LIMIT is 1.0 or more, a difference benchstat finds
# insignificant (p > 0.05) counts as met, as the target allows ties.
compare() {
	local ours=$1 peer=$2 limit=$3 out="$dir/vs/$1-vs-$2.txt"
	local pair=(-filter "/impl:($ours OR $peer) .unit:sec/op" -col "/impl@($peer $ours)" "$abs/results.txt")
	(cd bench && go tool benchstat "${pair[@]}") >"$out"
	(cd bench && go tool benchstat -format csv "${pair[@]}") |
		awk -F, -v ours="$ours" -v peer="$peer" -v limit="$limit" -v file="$out" '
		$1 ~ /^Map\// {
			n++
			ratio = $4 / $2
			sig = ($6 != "~")
			if (ratio <= limit) { below++ } else if (!sig && limit >= 1) { tie++ } else { miss[++misses] = sprintf("%s: %.2f×%s", $1, ratio, sig ? "" : " (not significant)") }
			if (sig && ratio > 1) { slower++ }
			if (sig && ratio < 1) { faster++ }
			if (ratio > worst) { worst = ratio; worstrow = $1 }
			if (best == 0 || ratio < best) { best = ratio; bestrow = $1 }
			sum += log(ratio)
		}
		END {
			printf "### %s against %s: at most %.2f×\n\n", ours, peer, limit
			printf "Time per operation of %s over %s, as the ratio of the medians: geometric mean %.2f× over %d workloads, from %.2f× (%s) to %.2f× (%s). ", ours, peer, exp(sum / n), n, best, bestrow, worst, worstrow
			printf "benchstat finds %s significantly faster in %d workloads and slower in %d (p ≤ 0.05). ", ours, faster, slower
			printf "%d workloads meet the target with a ratio at or below %.2f×", below, limit
			if (limit >= 1) printf ", and %d more are ties within the noise", tie
			printf "; %d miss it. Full comparison: [%s](%s).\n\n", misses, file, file
			if (misses > 0) {
				printf "<details><summary>The workloads that miss it</summary>\n\n"
				for (i = 1; i <= misses; i++) printf "- %s\n", miss[i]
				printf "\n</details>\n\n"
			}
		}'
}

compare bucket xsync 1.0
compare sharded orcaman 0.8
compare sync syncmap-raw 1.1

echo "### Memory: BucketMap at most 48 bytes per entry of 1,000,000 int keys"
echo
echo "Heap per entry of a map holding 1,000,000 int→int entries (mapbench's B/entry, measured once per map):"
echo
grep -E '^BenchmarkMemory' "$dir/results.txt" |
	awk '{ for (i = 3; i < NF; i++) if ($(i+1) == "bytes/entry") printf "- %s: %s\n", $1, $i }' |
	sed -E 's#^- BenchmarkMemory/impl=([^ ]*)-[0-9]+:#- \1:#' | sort -u
echo
echo "Allocations per Load of int and string keys, and per Range over 10,000 entries, are held to zero and to"
echo "at most 20 by TestAllocs in \`make test\`, for every map."
echo

echo "### BucketMap at most 1.1× a built-in map read with no lock, reads=100, 1,000 int keys"
echo
out="$dir/vs/bucket-vs-unlocked.txt"
if ! $render; then
	go test -run '^$' -bench 'BenchmarkMap/impl=(bucket|unlocked)/key=int/keys=1000$/dist=uniform/reads=100$' -cpu 1,2 -count 6 . >"$dir/vs/bucket-vs-unlocked.raw"
fi
(cd bench && go tool benchstat -filter '.unit:sec/op' -col '/impl@(unlocked bucket)' "$abs/vs/bucket-vs-unlocked.raw") >"$out"
echo "Time per operation, a built-in map with no lock (base) against BucketMap, through the same driver:"
echo
echo '```'
grep -E 'sec/op|^Map/' "$out"
echo '```'
echo
echo "From \`go test -bench 'BenchmarkMap/impl=(bucket|unlocked)/key=int/keys=1000\$/dist=uniform/reads=100\$' -cpu 1,2 -count 6 .\`: [$out]($out)."
