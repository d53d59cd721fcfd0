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
bench/build.sh "$build" convtrack ct-kafka ct-mock-kafka
work=$(mktemp -d /tmp/ct-soak.XXXXXX)
envdir=$(mktemp -d /tmp/ct-soak-env.XXXXXX)
trap 'CT_BIN_DIR=$build scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true; rm -rf "$envdir"' EXIT
CT_BIN_DIR=$build scripts/ct-env start "$envdir" >/dev/null
echo "== soak for $minutes minutes; work in $work" >&2
python3 bench/soak.py --env-dir "$envdir" --build "$build" --work "$work" \
	--minutes "$minutes" "$@"
