#!/usr/bin/env bash
# One command from a fresh Debian 12 to the whole test suite: installs what is missing, then two
# builds and two runs:
#   1. $ZEUES_TEST_BUILD (default build-test): AddressSanitizer + UndefinedBehaviorSanitizer,
#      -Werror; every test (unit, integration with a real redis-server, black-box on the real
#      binary, browser end-to-end, fuzzing).
#   2. $ZEUES_TSAN_BUILD (default build-tsan): ThreadSanitizer, -Werror; the tests labelled
#      `tsan` (integration and black-box), where every report stops the process and fails its
#      test.
# Both runs always happen; the exit status is non-zero if either fails. The closing line
# counts both runs: "N passed, M failed". Extra arguments go to both ctest runs (e.g. -R cors).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
build="${ZEUES_TEST_BUILD:-build-test}"
tsan="${ZEUES_TSAN_BUILD:-build-tsan}"
jobs="$(nproc)"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DZEUES_ASAN=ON -DZEUES_UBSAN=ON \
  -DZEUES_WERROR=ON >/dev/null
cmake --build "$build" -j"$jobs"
cmake -S . -B "$tsan" -DCMAKE_BUILD_TYPE=Debug -DZEUES_TSAN=ON -DZEUES_WERROR=ON >/dev/null
cmake --build "$tsan" -j"$jobs"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Suppressions: tests/tsan.supp, one line per third-party library that needs one, each with its
# reason (today only libmicrohttpd's hand-over of sockets added with MHD_add_connection).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"

passed=0
failed=0
status=0
summary=()
# run LABEL DIR [PREFIX...] -- CTEST-ARGS...: one ctest run, its counts added to the totals.
run() {
  local label="$1" dir="$2" prefix=()
  shift 2
  while [[ "$1" != "--" ]]; do prefix+=("$1"); shift; done
  shift
  local log="$dir/ctest-run.log" t0=$SECONDS rc=0
  echo "=== $label ($dir): ctest $*"
  (cd "$dir" && "${prefix[@]}" ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$log" ||
    rc=$?
  local line p f n
  line="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 ||
          true)"
  if [[ -n "$line" ]]; then
    f="$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")"
    n="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")"
    p=$((n - f))
  else
    p=0 f=1 n=0       # ctest itself failed before running anything: that is a failure too
    echo "$label: no ctest summary (ctest exit $rc)"
  fi
  [[ $rc -eq 0 && $f -eq 0 ]] || status=1
  passed=$((passed + p))
  failed=$((failed + f))
  summary+=("$label: $p of $n passed in $((SECONDS - t0)) s")
}

run "ASan+UBSan" "$build" -- "$@"

# ThreadSanitizer needs its fixed address layout; some kernels' ASLR (vm.mmap_rnd_bits > 28)
# break it ("FATAL: ThreadSanitizer: unexpected memory mapping"). Then run it with ASLR off.
tsan_prefix=()
if ! "$tsan/zeues" --help >/dev/null 2>"$tsan/tsan-probe.log"; then
  if setarch "$(uname -m)" -R "$tsan/zeues" --help >/dev/null 2>>"$tsan/tsan-probe.log"; then
    echo "TSan: the binary cannot start with ASLR on this kernel; running the TSan tests under setarch -R"
    tsan_prefix=(setarch "$(uname -m)" -R)
  else
    echo "TSan: the binary does not start, even under setarch -R:"
    cat "$tsan/tsan-probe.log"
  fi
fi
run "TSan" "$tsan" "${tsan_prefix[@]}" -- -L tsan "$@"

echo "=== ${summary[0]}; ${summary[1]}; whole command ${SECONDS} s"
echo "$passed passed, $failed failed"
exit $status
