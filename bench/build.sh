#!/usr/bin/env bash
# bench/build.sh BUILD_DIR TARGET...: the benchmarks' Release build (-O3,
# plus -g for profilers) of TARGETs in BUILD_DIR; used by bench/run.sh and
# bench/soak.sh.  Prints the errors and exits 1 when the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
shift
echo "== build (Release) in $build" >&2
# GCC 12 at -O3 reports warnings that the project's -O2 builds do not
# (maybe-uninitialized on PGresult out-parameters in src/store/repo*.c,
# array-bounds in src/text/redact.c): here they stay warnings, not errors; the
# normal builds keep -Werror.
o3_warnings="-Wno-error=maybe-uninitialized -Wno-error=array-bounds"
o3_warnings+=" -Wno-error=stringop-overflow -Wno-error=stringop-overread"
o3_warnings+=" -Wno-error=stringop-truncation"
cmake -S "$PWD" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCT_SANITIZE=OFF \
	-DCT_BUILD_TESTS=OFF "-DCMAKE_C_FLAGS=-g $o3_warnings" >/dev/null
if ! cmake --build "$build" -j"$(nproc)" --target "$@" \
	>"$build/bench-build.log" 2>&1; then
	grep -E "error|Error" "$build/bench-build.log" | head -20 >&2
	echo "bench/build.sh: build failed (full log: $build/bench-build.log)" >&2
	exit 1
fi
