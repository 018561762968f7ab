#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang and runs them from a copy of their seed
# corpus.
#
#   tests/fuzz/run.sh BUILD_DIR                 build every target, fuzz each FUZZ_SECONDS
#   tests/fuzz/run.sh BUILD_DIR body csv        build all, fuzz only these
#   tests/fuzz/run.sh BUILD_DIR --build-only    build, do not fuzz
#
# Environment: FUZZ_SECONDS (default 30) per target; CLANG (default clang).
# Each target first replays its regression seeds (corpus/<name>/regress-*, inputs that once
# crashed or broke a property; each is run on its own so every known bug is listed), then fuzzes
# from a copy of the other seeds.
# Exit status: 0 no finding; 1 a regression seed fails, or fuzzing found a crash, leak, timeout or
# property violation (the input is kept under BUILD_DIR/artifacts/<name>/ and printed with the
# command that reproduces it), or the build failed, or clang is not installed (never a skip: the
# test command installs clang, so its absence is a broken set-up).
# Concurrent invocations on one BUILD_DIR are safe: the build step holds a lock.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [--build-only] [NAME...]" >&2
  exit 2
fi
BUILD="$1"
shift
BUILD_ONLY=0
NAMES=()
for a in "$@"; do
  if [[ "$a" == "--build-only" ]]; then BUILD_ONLY=1; else NAMES+=("$a"); fi
done
if [[ ${#NAMES[@]} -eq 0 ]]; then
  for f in "$HERE"/fuzz_*.c; do
    n="$(basename "$f" .c)"
    n="${n#fuzz_}"
    [[ "$n" == "common" ]] || NAMES+=("$n")
  done
fi
SECONDS_PER_TARGET="${FUZZ_SECONDS:-30}"
CLANG_BIN="${CLANG:-clang}"

if ! command -v "$CLANG_BIN" >/dev/null 2>&1; then
  echo "fuzz: FAIL: $CLANG_BIN is not installed (scripts/install-deps.sh --test installs clang)"
  exit 1
fi

mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"

# ------------------------------------------------------------------------------------------
# Build (under a lock: ctest may start several fuzz tests at once)
# ------------------------------------------------------------------------------------------
build() {
  local probe="$BUILD/.probe"
  mkdir -p "$probe"
  printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/probe.c"
  if ! "$CLANG_BIN" -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" \
      >"$probe/probe.log" 2>&1; then
    echo "fuzz: FAIL: $CLANG_BIN cannot link -fsanitize=fuzzer,address,undefined" \
         "(Debian 12: apt-get install libclang-rt-14-dev):"
    cat "$probe/probe.log"
    return 1
  fi
  # Configured every time (about a second): picks up new targets and new sources.
  local cc=()
  [[ -f "$BUILD/CMakeCache.txt" ]] || cc=(-DCMAKE_C_COMPILER="$CLANG_BIN")
  if ! cmake -S "$HERE" -B "$BUILD" "${cc[@]}" >"$BUILD/configure.log" 2>&1; then
    echo "fuzz: FAIL: configuring $HERE failed:"
    tail -n 40 "$BUILD/configure.log"
    return 1
  fi
  local targets=()
  for n in "${NAMES[@]}"; do targets+=(--target "fuzz_$n"); done
  if ! cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" "${targets[@]}" \
      >"$BUILD/build.log" 2>&1; then
    echo "fuzz: FAIL: building the fuzz targets failed:"
    grep -E "error|undefined reference" "$BUILD/build.log" | head -n 40
    tail -n 20 "$BUILD/build.log"
    return 1
  fi
  return 0
}

exec 9>"$BUILD/.lock"
flock 9
build
rc=$?
flock -u 9
exec 9>&-
[[ $rc -eq 0 ]] || exit 1
echo "fuzz: built ${NAMES[*]} in $BUILD"
[[ $BUILD_ONLY -eq 1 ]] && exit 0

# ------------------------------------------------------------------------------------------
# Fuzz
# ------------------------------------------------------------------------------------------
export ASAN_OPTIONS="${FUZZ_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${FUZZ_UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

# Findings are summarised once each (libFuzzer prints them twice).
summarise() {
  grep -aE "FUZZ PROPERTY VIOLATED|^  |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY:" \
    "$1" | grep -av "^    #" | awk '!seen[$0]++' | head -n 20
}

status=0
for n in "${NAMES[@]}"; do
  exe="$BUILD/fuzz_$n"
  seeds="$HERE/corpus/$n"
  if [[ ! -x "$exe" ]]; then
    echo "fuzz.$n: FAIL: $exe was not built"
    status=1
    continue
  fi
  mkdir -p "$BUILD/logs"

  # 1. Regression seeds (corpus/<name>/regress-*): inputs that once crashed or broke a property.
  #    Each is replayed on its own so that every known bug is reported, not only the first.
  regress_failed=0
  for f in "$seeds"/regress-*; do
    [[ -f "$f" ]] || continue
    rlog="$BUILD/logs/$n.$(basename "$f").log"
    if ! "$exe" -error_exitcode=1 -timeout=10 "$f" >"$rlog" 2>&1; then
      regress_failed=1
      echo "fuzz.$n: FAIL: regression seed $(basename "$f") (reproduce: $exe $f)"
      summarise "$rlog" | sed 's/^/    /'
    fi
  done

  # 2. Fuzzing from a copy of the other seeds (new inputs never touch the committed corpus).
  work="$(mktemp -d "${TMPDIR:-/tmp}/zeues-fuzz-$n.XXXXXX")"
  mkdir -p "$work/corpus"
  if [[ -d "$seeds" ]]; then
    find "$seeds" -maxdepth 1 -type f ! -name 'regress-*' -exec cp {} "$work/corpus/" \;
  fi
  art="$BUILD/artifacts/$n"
  rm -rf "$art"
  mkdir -p "$art"
  log="$BUILD/logs/$n.log"
  nseeds="$(find "$work/corpus" -type f | wc -l)"
  echo "fuzz.$n: $nseeds seeds, ${SECONDS_PER_TARGET}s"
  "$exe" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$art/" \
    "$work/corpus" >"$log" 2>&1
  rc=$?
  found="$(find "$art" -type f 2>/dev/null | sort)"
  if [[ $rc -ne 0 || -n "$found" ]]; then
    status=1
    echo "fuzz.$n: FAIL (exit $rc). New finding:"
    summarise "$log" | sed 's/^/    /'
    echo "--- last lines of $log ---"
    grep -avE '^    #|^0x|^Base64|^\\' "$log" | tail -n 25 | cut -c1-300
    for f in $found; do
      echo "input $f ($(stat -c %s "$f") bytes), reproduce with: $exe $f"
      head -c 600 "$f" | od -c | head -n 12
    done
    echo "Keep it as a regression seed: cp <input> $seeds/regress-<what-it-shows>"
  else
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)" "$log" |
      tr '\n' ' '
    echo
    if [[ $regress_failed -eq 0 ]]; then
      echo "fuzz.$n: OK"
    else
      echo "fuzz.$n: no new finding in ${SECONDS_PER_TARGET}s, but regression seeds fail (above)"
    fi
  fi
  [[ $regress_failed -eq 0 ]] || status=1
  rm -rf "$work"
done
exit $status
