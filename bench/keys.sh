#!/usr/bin/env bash
# bench/keys.sh: bench/keys.py on private servers (issue 18): what a burst
# of new messages costs per index layout, empty and with STORED rows.
#
#   bench/keys.sh [--stored N] [--burst N] [--recent N] [--shared-buffers S] [--skip-zstd] [--huge-pages] [--build DIR]
#
# Needs what scripts/deps.sh installs, Python 3, and disk for two tables of
# STORED rows (about 220 bytes a row with their indexes: 50,000,000 rows,
# the default, take about 22 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build="$root/build" args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--stored | --burst | --recent | --shared-buffers) args+=("$1" "$2"); shift 2 ;;
	--skip-zstd | --huge-pages) args+=("$1"); shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "keys.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
build=$(realpath -m -- "$build")
. bench/private_env.sh
ct_private_env "$build" keys
python3 bench/keys.py "${args[@]}"
