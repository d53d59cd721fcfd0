#!/usr/bin/env bash
# run.sh: runs one libFuzzer target of tests/fuzz, as ctest (label "fuzz")
# and scripts/fuzz.sh do.
#
#   run.sh [--fresh] BINARY SECONDS OUTDIR
#
# First every seed of tests/fuzz/corpus/NAME is replayed (-runs=0), then
# the target fuzzes for SECONDS with its dictionary (tests/fuzz/dict/NAME.dict),
# growing OUTDIR/corpus/NAME (emptied first with --fresh) and writing what
# crashes, leaks, times out or trips a sanitizer to OUTDIR/crashes/NAME/.
# The seeds are only read.  Exits non-zero on any finding; the last line
# says how many runs, the coverage (cov, ft) and the corpus size.
set -euo pipefail

fresh=0
if [[ ${1:-} == --fresh ]]; then
	fresh=1
	shift
fi
if [[ $# -ne 3 ]]; then
	echo "usage: run.sh [--fresh] BINARY SECONDS OUTDIR" >&2
	exit 2
fi
bin=$1 secs=$2 out=$3
name=$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/corpus/$name
dict=$here/dict/$name.dict

[[ -x $bin ]] || { echo "run.sh: $bin is not built" >&2; exit 2; }
[[ -d $seeds ]] || { echo "run.sh: no seed corpus $seeds" >&2; exit 2; }

corpus=$out/corpus/$name
crashes=$out/crashes/$name
logs=$out/logs
((fresh)) && rm -rf "$corpus"
mkdir -p "$corpus" "$crashes" "$logs"

# Sanitizer reports abort with a stack; leaks are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# third-party leaks only, each explained in the file
export LSAN_OPTIONS=suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}

flags=(-rss_limit_mb=2048 -timeout=10 -malloc_limit_mb=2048
	-artifact_prefix="$crashes/" -print_final_stats=1)
[[ -f $dict ]] && flags+=(-dict="$dict")
# The text commands and ct-kafka report every bad line on stderr, as they
# should; libFuzzer keeps its own output (and the sanitizers') on a copy.
case $name in
fuzz_analyze | fuzz_ctkafka_input) flags+=(-close_fd_mask=2) ;;
esac

log=$logs/$name.log
echo "== $name: replaying $(find "$seeds" -type f | wc -l) seeds"
if ! "$bin" "${flags[@]}" -runs=0 "$seeds" >"$log.replay" 2>&1; then
	cat "$log.replay"
	echo "run.sh: $name fails on a seed of $seeds (crash files: $crashes)" >&2
	exit 1
fi
echo "== $name: fuzzing for ${secs}s (findings go to $crashes)"
rc=0
"$bin" "${flags[@]}" -max_total_time="$secs" "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
if ((rc != 0)); then
	tail -n 80 "$log"
	echo "run.sh: $name found something (exit $rc); crash files in $crashes:" >&2
	ls -l "$crashes" >&2
	exit 1
fi
runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
stats=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' | tail -n 1 || true)
# CPU seconds of this script's children (the replay and the fuzzer), from
# bash's times: a campaign is counted in CPU time, not wall time.
# (times runs in this shell: in a pipe or $(...) it would see none.)
times >"$log.times"
cpu=$(awk 'NR == 2 {
	n = split($1 " " $2, t, " "); s = 0
	for (i = 1; i <= n; i++) { split(t[i], ms, "m"); s += ms[1] * 60 + ms[2] }
	printf "%.0f", s }' "$log.times")
echo "$name: ${runs:-?}, ${stats:-no stats}, cpu ${cpu}s, log $log"
