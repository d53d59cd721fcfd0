#!/usr/bin/env bash
# bench/storm.sh: the storm test for longer, with figures (issue 17, part 2).
#
#   bench/storm.sh [SECONDS] [--build DIR] [--seed N] [--sessions N] [--keep]
#
# Starts a private PostgreSQL and mock Kafka cluster (`scripts/ct-env start`
# in a new directory under /tmp), runs bench/storm.py on them for SECONDS
# (default 300; the fixed plan of 10 kills, 3 PostgreSQL and 3 broker
# outages runs in any case), prints the figures and stops the servers.
# Two workers of one group with the product's default settings; the oracle
# of tests/integration/test_storm.py must hold at the end (exit 1 if not).
#   --build DIR   where convtrack, ct-kafka and ct-mock-kafka are (default
#                 ./build; built there with cmake if missing)
#   --seed N      the run's seed (printed; default: from the clock)
#   --sessions N  sessions per block of input (default 210: ~2,000 records)
#   --keep        leave the servers, worker logs included, running
# Needs what scripts/deps.sh installs, and Python 3.  Run as root or as a
# user that can run PostgreSQL's server binaries (see scripts/ct-env).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=300 build="$root/build" keep=0
args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--seed | --sessions) args+=("$1" "$2"); shift 2 ;;
	--keep) keep=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	[0-9]*) seconds=$1; shift ;;
	*) echo "storm.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
build=$(realpath -m -- "$build")

if [[ ! -x $build/convtrack || ! -x $build/ct-kafka || ! -x $build/ct-mock-kafka ]]; then
	echo "== build in $build" >&2
	cmake -S "$root" -B "$build" >/dev/null
	cmake --build "$build" -j"$(nproc)" --target convtrack ct-kafka ct-mock-kafka >/dev/null
fi

envdir=$(mktemp -d /tmp/ct-storm-env.XXXXXX)
stop_env() {
	if [[ $keep -eq 1 ]]; then
		echo "servers left running: . $envdir/env.sh; worker logs in $envdir/integration-logs;" \
			"stop with: CT_BIN_DIR=$build scripts/ct-env stop $envdir" >&2
	else
		CT_BIN_DIR=$build scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true
		rm -rf "$envdir"
	fi
}
trap stop_env EXIT
echo "== servers in $envdir" >&2
CT_BIN_DIR=$build scripts/ct-env start "$envdir" >/dev/null
CT_ENV_DIR=$envdir CT_BIN_DIR=$build PYTHONDONTWRITEBYTECODE=1 \
	python3 bench/storm.py --seconds "$seconds" "${args[@]}"
