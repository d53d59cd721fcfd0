#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds the
# normal and the sanitizer (ASan + UBSan) configurations, and runs every
# unit and integration test in both with ctest.  Integration tests start
# their own PostgreSQL and Kafka protocol endpoint (scripts/ct-env).  Then
# a third configuration, clang with libFuzzer, builds the fuzz targets
# (tests/fuzz) and runs each over its seeds and for a few seconds
# (ctest -L fuzz, docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=${CT_TEST_JOBS:-2}

scripts/deps.sh

build_and_test() {
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DCT_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

echo "== build and test: release =="
build_and_test "$root/build" -DCT_SANITIZE=OFF
echo "== build and test: AddressSanitizer + UndefinedBehaviorSanitizer =="
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  build_and_test "$root/build-asan" -DCT_SANITIZE=ON
echo "== fuzz targets: clang, libFuzzer, ASan + UBSan (ctest -L fuzz) =="
CC=clang cmake -S "$root" -B "$root/build-fuzz" -DCT_FUZZ=ON -DCT_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-fuzz" --target fuzz -j"$jobs"
(cd "$root/build-fuzz" && ctest -L fuzz --output-on-failure -j"$jobs")
echo "all tests passed in all three configurations"
