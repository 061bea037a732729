#!/usr/bin/env bash
# CI-only stages, run by scripts/test.sh when CI=true (ATTN_CI_EXTRA=0 turns
# them off); see docs/reliability.md.
#
#   sanitizers  scripts/sanitizers.sh clang: ASan+UBSan build and the whole
#               lit suite under it (ATTN_CI_SANITIZERS=0 skips it).
#   fuzz        scripts/fuzz.sh 60: 60 s of libFuzzer from the seed corpus
#               (every .mlir under test/); fails on a crash in our code.
#
# Both stages use one clang build (ASan+UBSan with libFuzzer's coverage
# instrumentation), in CI_SAN_BUILD_DIR (default build-ci-san): a cold build
# of the project is most of CI's time on two cores.
#
# Usage: scripts/ci-extra.sh COUNTS-FILE
# Each stage counts as one test. Writes "PASSED FAILED" to COUNTS-FILE, which
# test.sh adds to its final `N passed, N failed` line; prints a line per
# stage but never that final line itself.
set -uo pipefail
ATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
counts="${1:?usage: $0 COUNTS-FILE}"
passed=0 failed=0
results=()

# stage NAME TIME-LIMIT-SECONDS COMMAND...
stage() {
  local name=$1 limit=$2; shift 2
  local t0 t1 rc
  echo "== ci-extra: $name"
  t0=$(date +%s)
  timeout "$limit" "$@"
  rc=$?
  t1=$(date +%s)
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); results+=("PASS $name ($((t1 - t0))s)")
  else
    [ $rc -eq 124 ] && echo "ci-extra: $name ran past ${limit}s"
    failed=$((failed + 1)); results+=("FAIL $name ($((t1 - t0))s, status $rc)")
  fi
}

build_dir="${CI_SAN_BUILD_DIR:-$ATTN_ROOT/build-ci-san}"
if [ "${ATTN_CI_SANITIZERS:-1}" = 1 ]; then
  stage sanitizers 3600 env SAN_BUILD_DIR="$build_dir" \
    "$ATTN_ROOT/scripts/sanitizers.sh" clang -DATTN_BUILD_FUZZER=ON
fi
stage fuzz 1200 env FUZZ_BUILD_DIR="$build_dir" "$ATTN_ROOT/scripts/fuzz.sh" 60

echo "== ci-extra results"
printf '%s\n' "${results[@]}"
echo "$passed $failed" > "$counts"
[ $failed -eq 0 ]
