#!/usr/bin/env bash
# One command from a fresh Debian 12 to the whole test suite: installs what is missing, builds
# with AddressSanitizer + UndefinedBehaviorSanitizer and -Werror, and runs every test (unit,
# integration with a real redis-server, black-box on the real binary, browser end-to-end).
# ctest's closing line says how many passed and failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
build="${ZEUES_TEST_BUILD:-build-test}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DZEUES_ASAN=ON -DZEUES_UBSAN=ON \
  -DZEUES_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
