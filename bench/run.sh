#!/usr/bin/env bash
# bench/run.sh: convtrack's throughput benchmark (issue 4), in one command.
#
#   bench/run.sh [--messages N] [--sessions N] [--runs N] [--stored N[,N...]]
#                [--partitions N] [--quick] [--work DIR] [--build DIR]
#                [--huge-pages] [--keep] [--profile] [-- BENCH.PY OPTIONS...]
#
# Builds convtrack in Release (-O3, plus -g for profilers), starts a private
# PostgreSQL 15 (durable defaults) and mock Kafka cluster with
# `scripts/ct-env start`, runs bench/bench.py (generate, produce, convtrack,
# COPY ceiling, baseline, latency, 5M stored) and prints one table, then
# bench/text.py (classify and analyze on one core); stops the servers at
# the end.  Defaults: 1,000,000 messages in 20,000 sessions,
# 3 runs, 5,000,000 stored messages, 32 partitions per topic.  --stored
# takes a comma list of sizes (e.g. 5000000,50000000): each is preloaded
# and measured in turn, with its stored / empty ratio and its WAL per event
# against the empty database's (issue 18).
#   --quick    100,000 messages in 2,000 sessions, 1 run, 500,000 stored
#   --profile  instead of the benchmark: one profiled convtrack run
#              (bench/profile.py: perf, pg_stat_statements, auto_explain)
#   --pg-defaults  run PostgreSQL with its own defaults instead of the
#              README's deployment guidance (shared_buffers = 1GB,
#              max_wal_size = 4GB, checkpoint_timeout = 15min,
#              wal_compression = lz4; fsync,
#              synchronous_commit and full_page_writes stay on either way)
#   --huge-pages  PostgreSQL with huge_pages = on (the README's guidance;
#              needs root: the kernel reserves the pages for the run)
#   --keep     leave the servers running (the ct-env directory is printed)
#   --work DIR where events, logs and results go (default: a new
#              directory under /tmp; results.md and results.json)
# Anything after -- goes to bench.py (see bench/bench.py --help), e.g.
# `-- --skip stored,latency` or `-- --baseline-events 20000`.
#
# Needs what scripts/deps.sh installs, and Python 3.  Run as root or as a
# user that can run PostgreSQL's server binaries (see scripts/ct-env).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

messages=1000000 sessions=20000 runs=3 stored=5000000 partitions=32
work="" build="$root/build-bench" keep=0 profile=0 pgdefaults=0 hugepages=0
extra=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--messages) messages=$2; shift 2 ;;
	--sessions) sessions=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--stored) stored=$2; shift 2 ;;
	--partitions) partitions=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--quick) messages=100000 sessions=2000 runs=1 stored=500000; shift ;;
	--keep) keep=1; shift ;;
	--pg-defaults) pgdefaults=1; shift ;;
	--huge-pages) hugepages=1; shift ;;
	--profile) profile=1; shift ;;
	--) shift; extra=("$@"); break ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

bench/build.sh "$build" convtrack ct-kafka ct-mock-kafka ct-bench-baseline \
	ct-bench-latency

[[ -n $work ]] || work=$(mktemp -d /tmp/ct-bench.XXXXXX)
mkdir -p "$work"
envdir=$(mktemp -d /tmp/ct-bench-env.XXXXXX)
stop_env() {
	if [[ $keep -eq 1 ]]; then
		echo "servers left running: . $envdir/env.sh; stop with: scripts/ct-env stop $envdir" >&2
	else
		CT_BIN_DIR=$build scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true
		rm -rf "$envdir"
	fi
}
trap stop_env EXIT
echo "== servers in $envdir, work in $work" >&2
CT_BIN_DIR=$build scripts/ct-env start "$envdir" --partitions 4 >/dev/null

# README "Deploying": PostgreSQL settings for convtrack's database
pg=(--pg shared_buffers=1GB --pg max_wal_size=4GB --pg checkpoint_timeout=15min
	--pg wal_compression=lz4)
[[ $pgdefaults -eq 1 ]] && pg=()
if [[ $hugepages -eq 1 ]]; then
	pg+=(--pg huge_pages=on)
elif [[ $pgdefaults -eq 0 ]]; then
	pg+=(--pg huge_pages=off) # not "try": pages another program reserved
fi
if [[ $profile -eq 1 ]]; then
	python3 bench/profile.py --env "$envdir" --build "$build" --work "$work" \
		--messages "$messages" --sessions "$sessions" --partitions "$partitions" \
		"${pg[@]}" "${extra[@]}"
else
	python3 bench/bench.py --env "$envdir" --build "$build" --work "$work" \
		--messages "$messages" --sessions "$sessions" --runs "$runs" \
		--stored "$stored" --partitions "$partitions" "${pg[@]}" "${extra[@]}"
	echo
	# the text path alone, on one core (issue 16): classify and analyze
	python3 bench/text.py --build "$build" --runs "$runs"
fi
