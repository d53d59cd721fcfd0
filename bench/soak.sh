#!/usr/bin/env bash
# bench/soak.sh: convtrack under steady load for a while (issue 17, part 5).
#
#   bench/soak.sh [MINUTES] [-- SOAK.PY OPTIONS...]
#
# Builds convtrack in Release (like bench/run.sh), starts a private
# PostgreSQL and mock Kafka cluster with `scripts/ct-env start`, and runs
# bench/soak.py for MINUTES (default 30): two workers in one group at a
# steady --rate (default 200 events/s), worker 2 restarted every
# --restart-min (default 5) minutes, one line a minute with throughput, lag,
# RSS and open descriptors; at the end nothing may be lost and worker 1's RSS
# and descriptors may grow by less than 5 % after the warm-up.  Exit code 0
# when both hold.  Example: bench/soak.sh 10 -- --rate 300
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
minutes=30
if [[ $# -gt 0 && $1 != -- ]]; then
	minutes=$1
	shift
fi
[[ ${1:-} == -- ]] && shift
build=$root/build-bench
echo "== build (Release) in $build" >&2
o3_warnings="-Wno-error=maybe-uninitialized -Wno-error=array-bounds"
o3_warnings+=" -Wno-error=stringop-overflow -Wno-error=stringop-overread"
o3_warnings+=" -Wno-error=stringop-truncation"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCT_SANITIZE=OFF \
	-DCT_BUILD_TESTS=OFF "-DCMAKE_C_FLAGS=-g $o3_warnings" >/dev/null
cmake --build "$build" -j"$(nproc)" --target convtrack ct-kafka ct-mock-kafka \
	>"$build/soak-build.log" 2>&1 || {
	echo "soak.sh: build failed (log: $build/soak-build.log)" >&2
	exit 1
}
work=$(mktemp -d /tmp/ct-soak.XXXXXX)
envdir=$(mktemp -d /tmp/ct-soak-env.XXXXXX)
trap 'CT_BIN_DIR=$build scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true; rm -rf "$envdir"' EXIT
CT_BIN_DIR=$build scripts/ct-env start "$envdir" >/dev/null
echo "== soak for $minutes minutes; work in $work" >&2
python3 bench/soak.py --env-dir "$envdir" --build "$build" --work "$work" \
	--minutes "$minutes" "$@"
