#!/usr/bin/env bash
# deps.sh: installs the Debian 12 packages that convtrack needs to build, test
# and run its demo.  Only missing packages are installed, and `apt-get update`
# runs only when something is missing, so a second run is fast and needs no
# network.  Run as root, or as a user with sudo.
#
# Note: installing `postgresql` on Debian creates a "main" cluster and tries to
# start it on port 5432 (in a container without an init system it may stay
# stopped).  That does not conflict with anything here: scripts/ct-env runs its
# own cluster on a free port, in its own directory.  Stop the packaged one with
# `pg_ctlcluster 15 main stop` if you do not want it.
#
# python3-psycopg2 is for bench/serve.sh's baseline (bench/serve_baseline.py).
# clang, libclang-rt-14-dev and llvm are for the fuzz targets (tests/fuzz,
# docs/fuzzing.md): bookworm's clang is 14, libFuzzer and the sanitizer
# runtimes of clang 14 are in libclang-rt-14-dev, llvm-symbolizer in llvm.
set -euo pipefail

readonly PACKAGES=(
	build-essential binutils cmake pkg-config
	librdkafka-dev libpq-dev libyajl-dev uuid-dev libconfig-dev libmicrohttpd-dev libssl-dev
	libcurl4-openssl-dev
	postgresql postgresql-contrib
	python3 python3-yaml python3-jsonschema python3-numpy kcat
	python3-psycopg2
)
# The fuzz targets' compiler and runtimes (not part of the build the
# Dockerfile mirrors, so listed apart).
readonly FUZZ_PACKAGES=(clang libclang-rt-14-dev llvm)

die() {
	printf 'deps.sh: error: %s\n' "$*" >&2
	exit 1
}

installed() {
	[[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

command -v dpkg-query >/dev/null 2>&1 || die "this script is for Debian (dpkg-query not found)"

# `kubectl kustomize` renders deploy/k8s in tests/deploy/test_manifests.py.
# Debian's kubernetes-client provides it, unless a kubectl that can render is
# already there: some machine images ship Google Cloud's `kubectl` package,
# which owns /usr/bin/kubectl too, so dpkg would refuse kubernetes-client.
can_kustomize() {
	kubectl kustomize --help >/dev/null 2>&1
}

missing=()
for pkg in "${PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"; do
	installed "$pkg" || missing+=("$pkg")
done
can_kustomize || missing+=(kubernetes-client)

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "deps.sh: all $((${#PACKAGES[@]} + ${#FUZZ_PACKAGES[@]})) packages are installed"
	exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 || die "missing packages (${missing[*]}) and not root; run as root or install sudo"
	sudo=(sudo)
fi

echo "deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
	die "apt-get update failed"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
	die "apt-get install failed"

still=()
for pkg in "${missing[@]}"; do
	installed "$pkg" || still+=("$pkg")
done
[[ ${#still[@]} -eq 0 ]] || die "still missing after install: ${still[*]}"
can_kustomize || die "kubectl kustomize does not run after installing kubernetes-client"

if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q ' online'; then
	echo "deps.sh: note: the Debian-packaged PostgreSQL cluster is running (see pg_lsclusters);" \
		"ct-env does not use it and uses its own port"
fi
echo "deps.sh: done"
