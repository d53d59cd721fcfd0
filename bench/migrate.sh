#!/usr/bin/env bash
# bench/migrate.sh: how long migrating to the message-id registry (schema
# 15, issue 18) takes per million stored messages (bench/migrate.py), on
# private servers.
#
#   bench/migrate.sh [--messages N] [--build DIR]
#
# N defaults to 5,000,000 (about 2 GB of disk).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build="$root/build" args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--messages) args+=("$1" "$2"); shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "migrate.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
build=$(realpath -m -- "$build")
. bench/private_env.sh
ct_private_env "$build" migrate
python3 bench/migrate.py "${args[@]}"
