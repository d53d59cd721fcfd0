#!/usr/bin/env bash
# fuzz.sh: a fuzzing campaign over every libFuzzer target of tests/fuzz
# (docs/fuzzing.md).  Builds the targets with clang (ASan, UBSan, libFuzzer)
# into build-fuzz, then runs each for SECONDS (default 600) with its seed
# corpus and dictionary, CT_FUZZ_JOBS targets at a time (default: the
# number of cores).  What the fuzzers learn accumulates in
# build-fuzz/campaign/corpus/ from one campaign to the next; what they find
# goes to build-fuzz/campaign/crashes/<target>/, which the script prints.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# A finding fails the script.  Replay one with
# build-fuzz/tests/fuzz/<target> <crash file>; once fixed, copy it to
# tests/fuzz/corpus/<target>/finding-<what> so that ctest replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-600}
shift || true
jobs=${CT_FUZZ_JOBS:-$(nproc)}
build=$root/build-fuzz
out=$build/campaign

[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2; }
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing: run scripts/deps.sh" >&2; exit 1; }

CC=clang cmake -S "$root" -B "$build" -DCT_FUZZ=ON -DCT_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz -j"$jobs"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
	for f in "$root"/tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$f" .c)")
	done
fi
mkdir -p "$out/crashes" "$out/logs"
echo "== fuzzing ${#targets[@]} targets for ${secs}s each, $jobs at a time"
echo "== findings go to $out/crashes/<target>/"

# Runs one target; its summary line is in logs/<target>.summary.
run_one() {
	local t=$1 rc=0
	bash "$root/tests/fuzz/run.sh" "$build/tests/fuzz/$t" "$secs" "$out" \
		>"$out/logs/$t.run" 2>&1 || rc=$?
	tail -n 1 "$out/logs/$t.run" >"$out/logs/$t.summary"
	if ((rc != 0)); then
		echo "FINDING: $t (see $out/logs/$t.run)"
	else
		cat "$out/logs/$t.summary"
	fi
	return $rc
}

pids=() names=() failed=()
for t in "${targets[@]}"; do
	while (($(jobs -rp | wc -l) >= jobs)); do
		wait -n || true
	done
	run_one "$t" &
	pids+=($!)
	names+=("$t")
done
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || failed+=("${names[$i]}")
done

echo "== summary (runs, coverage, corpus)"
for t in "${targets[@]}"; do
	cat "$out/logs/$t.summary"
done
echo "== findings: $out/crashes"
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "fuzz.sh: findings in: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz.sh: no findings"
