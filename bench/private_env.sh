# bench/private_env.sh, sourced by bench scripts (from the repository's
# root): ct_private_env BUILD NAME builds convtrack, ct-kafka and
# ct-mock-kafka into BUILD when they are missing, starts a private
# PostgreSQL and mock Kafka cluster (scripts/ct-env) in a new
# /tmp/ct-NAME-env.XXXXXX that is stopped and removed when the script
# exits, and exports CT_ENV_DIR and CT_BIN_DIR for the Python driver.
ct_private_env() {
	local build=$1 name=$2
	if [[ ! -x $build/ct-mock-kafka ]]; then
		cmake -S . -B "$build" >/dev/null
		cmake --build "$build" -j"$(nproc)" --target convtrack ct-kafka ct-mock-kafka >/dev/null
	fi
	ct_private_envdir=$(mktemp -d "/tmp/ct-$name-env.XXXXXX")
	trap 'CT_BIN_DIR=$CT_BIN_DIR scripts/ct-env stop "$ct_private_envdir" >/dev/null 2>&1 || true; rm -rf "$ct_private_envdir"' EXIT
	CT_BIN_DIR=$build scripts/ct-env start "$ct_private_envdir" >/dev/null
	export CT_ENV_DIR=$ct_private_envdir CT_BIN_DIR=$build
}
