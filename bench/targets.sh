#!/usr/bin/env bash
# Checks issue 5's speed and memory targets against a mapbench run: for each
# pair of maps it runs benchstat over the run's results.txt, writes the
# comparison to DIR/vs/OURS-vs-PEER.txt, and prints a Markdown summary: how
# many workloads meet the target and which miss it. It also measures
# BucketMap against a built-in map with no lock, through the library's own
# benchmarks, as the target asks. Usage: bench/targets.sh [DIR], where DIR
# holds results.txt (default docs/benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-docs/benchmarks}
mkdir -p "$dir/vs"
abs=$(cd "$dir" && pwd)

# compare OURS PEER LIMIT: OURS's time per operation over PEER's must be at
# most LIMIT; where LIMIT is 1.0 or more, a difference benchstat finds
# insignificant (p > 0.05) counts as met, as the target allows ties.
compare() {
	local ours=$1 peer=$2 limit=$3 out="$dir/vs/$1-vs-$2.txt"
	(cd bench && go tool benchstat -filter "/impl:($ours OR $peer) .unit:sec/op" -col "/impl@($peer $ours)" "$abs/results.txt") >"$out"
	(cd bench && go tool benchstat -format csv -filter "/impl:($ours OR $peer) .unit:sec/op" -col "/impl@($peer $ours)" "$abs/results.txt") |
		awk -F, -v ours="$ours" -v peer="$peer" -v limit="$limit" -v file="$out" '
		$1 ~ /^Map\// {
			n++
			ratio = $4 / $2
			tie = ($6 == "~")
			if (ratio <= limit || (tie && limit >= 1)) { met++ } else { miss[++misses] = sprintf("%s %.2f×", $1, ratio) }
			if (ratio > worst) { worst = ratio; worstrow = $1 }
			if (best == 0 || ratio < best) { best = ratio }
			sum += log(ratio)
		}
		END {
			printf "### %s against %s: at most %.2f×\n\n", ours, peer, limit
			printf "%d of %d workloads meet it. Time per operation, %s over %s: geometric mean %.2f×, from %.2f× to %.2f× (%s). Full comparison: [%s](%s).\n\n", met, n, ours, peer, exp(sum / n), best, worst, worstrow, file, file
			if (misses > 0) {
				printf "Missed, where the difference is significant (benchstat, p ≤ 0.05):\n\n"
				for (i = 1; i <= misses; i++) printf "- %s\n", miss[i]
				printf "\n"
			}
		}'
}

compare bucket xsync 1.0
compare sharded orcaman 0.8
compare sync syncmap-raw 1.1

echo "### Memory and allocations"
echo
grep -E '^BenchmarkMemory' "$dir/results.txt" | awk '{ for (i = 3; i < NF; i++) if ($(i+1) == "bytes/entry") printf "- %s: %s bytes per entry\n", $1, $i }' | sed 's#BenchmarkMemory/impl=##' | sort -u
echo

echo "### BucketMap against a built-in map with no lock, reads=100, 1,000 int keys"
echo
out="$dir/vs/bucket-vs-unlocked.txt"
go test -run '^$' -bench 'BenchmarkMap/impl=(bucket|unlocked)/key=int/keys=1000/dist=uniform/reads=100$' -cpu 1,2 -count 6 . >"$dir/vs/bucket-vs-unlocked.raw"
(cd bench && go tool benchstat -filter '.unit:sec/op' -col '/impl@(unlocked bucket)' "$abs/vs/bucket-vs-unlocked.raw") >"$out"
grep -E '^Map/' "$out" | sed 's/^/    /'
echo
echo "From \`go test -bench 'BenchmarkMap/impl=(bucket|unlocked)/key=int/keys=1000/dist=uniform/reads=100\$' -cpu 1,2 -count 6 .\`: [$out]($out)."
