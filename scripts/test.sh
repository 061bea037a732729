#!/usr/bin/env bash
# The whole CPU test suite: installs what is missing (apt), configures,
# builds, runs every lit test, and ends with an `N passed, N failed` line.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

attn_install_deps
attn_build
echo "== running the lit suite"
log="$BUILD_DIR/lit.log"
set +e
"$LLVM_PREFIX/bin/lit" -sv "$BUILD_DIR/test" 2>&1 | tee "$log"
lit_status=${PIPESTATUS[0]}
set -e
count() { sed -n "s/^ *$1 *: *\([0-9]*\).*/\1/p" "$log" | tail -1; }
passed=$(count Passed); failed=$(count Failed)
unsupported=$(count Unsupported); xfail=$(count 'Expectedly Failed')
timedout=$(count 'Timed Out'); xpass=$(count 'Unexpectedly Passed')
failed=$(( ${failed:-0} + ${timedout:-0} + ${xpass:-0} ))
passed=$(( ${passed:-0} + ${xfail:-0} ))
# The C++ sources follow .clang-format: counts as one test.
echo "== checking the formatting"
if "$ATTN_ROOT/scripts/check-format.sh"; then
  passed=$(( passed + 1 ))
else
  failed=$(( failed + 1 ))
fi
# CI only: the extra stages (fuzzing, sanitizers; docs/reliability.md). Each
# stage counts as one test in the totals below.
if [ "${CI:-}" = true ] && [ "${ATTN_CI_EXTRA:-1}" = 1 ]; then
  extra_counts="$BUILD_DIR/ci-extra.counts"
  rm -f "$extra_counts"
  "$ATTN_ROOT/scripts/ci-extra.sh" "$extra_counts" || true
  read -r extra_passed extra_failed < "$extra_counts" || extra_failed=1
  passed=$(( passed + ${extra_passed:-0} )); failed=$(( failed + ${extra_failed:-1} ))
fi
echo "${passed} passed, ${failed} failed, ${unsupported:-0} skipped"
if [ "$lit_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
