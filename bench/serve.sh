#!/usr/bin/env bash
# bench/serve.sh: the caller API benchmark (issue 19; bench/README.md).
#
#   bench/serve.sh [--work DIR] [--keep] [-- serve.py options]
#
# Builds convtrack in Release into build-bench/ (bench/build.sh), starts a
# private PostgreSQL and mock Kafka cluster (`scripts/ct-env start` in a new
# directory under /tmp), has the worker make a database of 30,000 sessions
# (25,000 devices, 7,000 accounts) and runs bench/serve.py on it:
# `convtrack serve` and a minimal Python server over psycopg2
# (bench/serve_baseline.py) side by side under tools/ct_bench_http.c's load,
# lookups and classify at 2,000 requests/s and at their maximum.  Prints one
# table; DIR (default: a temporary one) keeps the logs and results.json.
# Options of serve.py after `--`: --sessions N, --rate N, --seconds S,
# --conns N, --max-conns N, --threads N.  ~5 min on 2 cores.  Run it on a
# quiet machine: the load generator, the servers and PostgreSQL share it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work="" keep=0
args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--work) work=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--) shift; args+=("$@"); break ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "serve.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
build=$root/build-bench
bench/build.sh "$build" convtrack ct-kafka ct-mock-kafka ct-bench-http
[[ -n $work ]] || work=$(mktemp -d /tmp/ct-serve-bench.XXXXXX)
mkdir -p "$work"

envdir=$(mktemp -d /tmp/ct-serve-env.XXXXXX)
stop_env() {
	if [[ $keep -eq 1 ]]; then
		echo "servers left running: . $envdir/env.sh;" \
			"stop with: CT_BIN_DIR=$build scripts/ct-env stop $envdir" >&2
	else
		CT_BIN_DIR=$build scripts/ct-env stop "$envdir" >/dev/null 2>&1 || true
		rm -rf "$envdir"
	fi
}
trap stop_env EXIT
echo "== servers in $envdir, work in $work" >&2
CT_BIN_DIR=$build scripts/ct-env start "$envdir" >/dev/null
PYTHONDONTWRITEBYTECODE=1 python3 bench/serve.py --env "$envdir" --build "$build" \
	--work "$work" "${args[@]}"
