#!/usr/bin/env bash
# Build everything with ASan+UBSan (-DATTN_ENABLE_SANITIZERS=ON) and run the
# whole lit suite under it. See docs/reliability.md.
#
# Usage: scripts/sanitizers.sh [gcc|clang] [CMAKE-ARG...]   (default gcc)
#
# CMAKE-ARGs go to the configure step: CI passes -DATTN_BUILD_FUZZER=ON so
# that the fuzz stage reuses this build (scripts/ci-extra.sh).
# Builds in $SAN_BUILD_DIR (default build-asan). Prints the build and lit
# times and ends with `sanitizers: N passed, N failed, N skipped`; the same go to
# $SAN_BUILD_DIR/summary.txt. Exits 1 if a test failed.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

compiler="${1:-gcc}"
shift $(( $# > 0 ? 1 : 0 ))
SAN_BUILD_DIR="${SAN_BUILD_DIR:-$ATTN_ROOT/build-asan}"
cmake_args=(-DATTN_ENABLE_SANITIZERS=ON)
case "$compiler" in
  gcc) ;;
  clang)
    APT_PACKAGES+=(clang-22 libclang-rt-22-dev)
    cmake_args+=(-DCMAKE_C_COMPILER="$LLVM_PREFIX/bin/clang"
                 -DCMAKE_CXX_COMPILER="$LLVM_PREFIX/bin/clang++") ;;
  *) echo "usage: $0 [gcc|clang] [CMAKE-ARG...]"; exit 2 ;;
esac
cmake_args+=("$@")
attn_install_deps

t0=$(date +%s)
BUILD_DIR="$SAN_BUILD_DIR" attn_build "${cmake_args[@]}"
t1=$(date +%s)
echo "== sanitizer build ($compiler): $((t1 - t0))s"

# Left out under the sanitizers (SAN_LIT_FILTER_OUT, a lit --filter-out
# regex; empty runs everything): the two slowest tests (145 s and 114 s of
# the plain suite on 2 cores), for little coverage of our code: the install
# test configures and builds a consumer project with the system compiler,
# and the emulated-GPU program test compiles all 130 CPU programs for
# target=cuda, paths that the Conversion tests and
# GPU-emulated/cuda-compile.test still run here.
filter_out=${SAN_LIT_FILTER_OUT-Install/find-package-consumer|GPU-emulated/cpu-programs}
echo "== running the lit suite under ASan+UBSan${filter_out:+ (without: $filter_out)}"
log="$SAN_BUILD_DIR/lit.log"
set +e
"$LLVM_PREFIX/bin/lit" -sv ${filter_out:+--filter-out "$filter_out"} \
  "$SAN_BUILD_DIR/test" > "$log" 2>&1
lit_status=$?
set -e
t2=$(date +%s)
# Failures (with their sanitizer reports) and the summary.
sed -n '/^\*\*\*\*\*\*\*\*\*\* TEST .* FAILED/,/^\*\*\*\*\*\*\*\*\*\*$/p' "$log" | head -n 300
grep -E '^(Failed Tests|Unsupported Tests|  ATTN ::)' "$log" || true
grep -E '^ *(Passed|Failed|Unsupported|Expectedly Failed|Timed Out|Unexpectedly Passed) *:' "$log" || true
echo "== lit under sanitizers: $((t2 - t1))s (log: $log)"
count() {
  local n
  n=$(sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | tail -1)
  echo "${n:-0}"
}
passed=$(( $(count Passed) + $(count 'Expectedly Failed') ))
failed=$(( $(count Failed) + $(count 'Timed Out') + $(count 'Unexpectedly Passed') ))
skipped=$(count Unsupported)
[ "$lit_status" -eq 0 ] || [ "$failed" -ne 0 ] || failed=1
echo "build_s=$((t1 - t0)) lit_s=$((t2 - t1)) passed=$passed failed=$failed skipped=$skipped" \
  > "$SAN_BUILD_DIR/summary.txt"
echo "sanitizers: ${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
