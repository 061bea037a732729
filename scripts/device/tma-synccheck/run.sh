#!/bin/bash
# Builds tma_synccheck.cu for sm_90a and runs each of its variants, each in
# its own process, plainly and under `compute-sanitizer --tool synccheck`
# (issue 17; README.md says how to read the result). On a Hopper machine:
#
#   scripts/device/tma-synccheck/run.sh [variant...]   (default: all)
#
# Environment: CUDA (default /usr/local/cuda), TOOLS (default
# "none synccheck"; "none" is the plain run, any other word a
# compute-sanitizer tool), TIMEOUT (seconds per run, default 20), OUT (the
# log goes to $OUT/tma-synccheck.log; without OUT, ./tma-synccheck.log).
# Exit status 0 when every run passed.
set -u -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CUDA=${CUDA:-/usr/local/cuda}
TOOLS=${TOOLS:-none synccheck}
TIMEOUT=${TIMEOUT:-20}
SANITIZER=$(command -v compute-sanitizer || echo "$CUDA/bin/compute-sanitizer")
LOG=${OUT:-$PWD}/tma-synccheck.log
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tma-synccheck.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$(dirname "$LOG")"
start=$SECONDS

{
  date -u
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  "$CUDA/bin/nvcc" --version | tail -1
  "$SANITIZER" --version | tail -1
} > "$LOG" 2>&1

# Only the sm_90a cubin: plain -arch=sm_90a also embeds compute_90 PTX, in
# which wgmma and setmaxnreg trap (the GPU takes the cubin anyway).
if ! "$CUDA/bin/nvcc" -O2 -std=c++17 -gencode arch=compute_90a,code=sm_90a \
    -o "$WORK/tma_synccheck" "$HERE/tma_synccheck.cu" -lcuda \
    >> "$LOG" 2>&1; then
  echo "build failed (see $LOG)" | tee -a "$LOG"
  exit 1
fi
echo "built in $((SECONDS - start)) s" >> "$LOG"

if [ $# -gt 0 ]; then
  variants=("$@")
else
  mapfile -t variants < <("$WORK/tma_synccheck" --list | awk '{print $1}')
fi
[ ${#variants[@]} -gt 0 ] || { echo "no variants" | tee -a "$LOG"; exit 1; }

rc=0
# run <tool> <variant>: one process; prints and logs one line.
run() {
  local tool=$1 variant=$2 out=$WORK/$2.$1.out status verdict result summary
  if [ "$tool" = none ]; then
    timeout -k 5 "$TIMEOUT" "$WORK/tma_synccheck" "$variant" > "$out" 2>&1
  else
    timeout -k 5 "$TIMEOUT" "$SANITIZER" --tool "$tool" --error-exitcode 3 \
      "$WORK/tma_synccheck" "$variant" > "$out" 2>&1
  fi
  status=$?
  result=$(grep -m1 '^RESULT' "$out" | sed 's/ \+/ /g' | cut -d' ' -f3-)
  summary=$(grep -m1 -E 'ERROR SUMMARY' "$out" | sed 's/^=* *//')
  verdict=${result%% *}
  if [ $status -eq 124 ] || [ $status -eq 137 ]; then
    verdict="FAIL (timed out after ${TIMEOUT} s)"
  elif grep -q "Sanitizer will be disabled" "$out"; then
    verdict="FAIL (sanitizer disabled)"
  elif [ -z "$result" ]; then
    verdict="FAIL (exit $status, no result)"
  elif [ $status -ne 0 ] && [ "$verdict" = PASS ]; then
    verdict="FAIL (exit $status)"
  fi
  [ "${verdict%% *}" = PASS ] || rc=1
  printf '%-16s %-9s %s%s%s\n' "$variant" "$tool" "$verdict" \
    "${result:+ | ${result#* }}" "${summary:+ | $summary}" | tee -a "$LOG"
}

for tool in $TOOLS; do
  for variant in "${variants[@]}"; do
    run "$tool" "$variant"
  done
done
echo "total $((SECONDS - start)) s, exit $rc" | tee -a "$LOG"

# The full output of every run, for a closer look.
for out in "$WORK"/*.out; do
  echo "=== $(basename "$out" .out)"
  cat "$out"
done >> "$LOG"
exit $rc
