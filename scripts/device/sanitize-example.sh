#!/bin/bash
# Runs the GPU example and, optionally, further generated programs under
# compute-sanitizer's memcheck, racecheck, initcheck and synccheck, and the
# example under Nsight Compute (ncu, when installed), on the device machine. Needs only what was built elsewhere: the folder that
# `./scripts/run-example.sh --target=cuda` made (run_attention,
# attention-f16.so, libattn_runtime.so), a CUDA driver and compute-sanitizer.
#
#   scripts/device/sanitize-example.sh [example-dir] [program.so ...]
#
#   example-dir  default build/example-gpu; `./run_attention 1 2 300` there
#                (set EXAMPLE_ARGS to change the shape)
#   program.so   a library with a @main built by `attn-compile --target=cuda`,
#                run as `attn-run program.so` ($ATTN_RUN, default attn-run
#                from PATH or build/bin)
#
# Logs: $OUT (default ./sanitize-out)/<program>.<tool>.log for each run and
# sanitize.log (device, driver, date, one PASS/FAIL line per run). A run
# fails when the tool reports an error, the program fails, or the sanitizer
# disabled itself (CUDA initialized before it attached, e.g. by a library's
# global constructor: the kernel libraries load lazily for this reason).
set -u -o pipefail
EXAMPLE=${1:-build/example-gpu}
[ $# -gt 0 ] && shift
OUT=${OUT:-$PWD/sanitize-out}
SANITIZER=${COMPUTE_SANITIZER:-compute-sanitizer}
command -v "$SANITIZER" >/dev/null ||
  SANITIZER=/usr/local/cuda/bin/compute-sanitizer
ATTN_RUN=${ATTN_RUN:-$(command -v attn-run || echo build/bin/attn-run)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY=$OUT/sanitize.log
rc=0

{
  date -u
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  "$SANITIZER" --version | tail -1
} > "$SUMMARY" 2>&1

# run <name> <tool> <dir> <command...>: one program under one tool, in <dir>.
run() {
  local name=$1 tool=$2 dir=$3
  shift 3
  local log=$OUT/$name.$tool.log
  local extra=()
  [ "$tool" = racecheck ] && extra=(--racecheck-report hazard)
  (cd "$dir" && timeout 900 "$SANITIZER" --tool "$tool" --error-exitcode 3 \
     "${extra[@]}" "$@") > "$log" 2>&1
  local status=$?
  local verdict=PASS
  if [ $status -ne 0 ]; then
    verdict="FAIL (exit $status)"
  elif grep -q "Sanitizer will be disabled" "$log"; then
    verdict="FAIL (sanitizer disabled: CUDA initialized before it)"
  elif grep -q "attn runtime error" "$log"; then
    verdict="FAIL (attn runtime error)"
  fi
  [ "$verdict" = PASS ] || rc=1
  printf '%-28s %-10s %s: %s\n' "$name" "$tool" "$verdict" \
    "$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -1)" \
    | tee -a "$SUMMARY"
}

programs=()
for program in "$@"; do
  programs+=("$(cd "$(dirname "$program")" && pwd)/$(basename "$program")")
done
ATTN_RUN=$(cd "$(dirname "$ATTN_RUN")" && pwd)/$(basename "$ATTN_RUN")
for tool in memcheck racecheck initcheck synccheck; do
  if [ -x "$EXAMPLE/run_attention" ]; then
    # shellcheck disable=SC2086
    run run_attention "$tool" "$EXAMPLE" ./run_attention \
      ${EXAMPLE_ARGS:-1 2 300}
  fi
  for program in "${programs[@]}"; do
    run "$(basename "$program" .so)" "$tool" . "$ATTN_RUN" "$program"
  done
done
# Nsight Compute on the example: the profiler attaches before the library
# loads its module (lazily, on the first call), profiles the attention
# kernel, and the program's own float64 check must still pass.
NCU=${NCU:-$(command -v ncu || echo /usr/local/cuda/bin/ncu)}
if [ -x "$EXAMPLE/run_attention" ] && [ -x "$NCU" ]; then
  log=$OUT/run_attention.ncu.log
  # shellcheck disable=SC2086
  (cd "$EXAMPLE" && timeout 300 "$NCU" --section SpeedOfLight \
     --launch-count 2 ./run_attention ${EXAMPLE_ARGS:-1 2 300}) > "$log" 2>&1
  status=$?
  verdict=PASS
  if [ $status -ne 0 ]; then
    verdict="FAIL (exit $status)"
  elif ! grep -q "check of .*: PASS" "$log"; then
    verdict="FAIL (the program's check did not pass)"
  elif ! grep -q "Section: GPU Speed Of Light" "$log"; then
    verdict="FAIL (no kernel profiled)"
  fi
  [ "$verdict" = PASS ] || rc=1
  printf '%-28s %-10s %s: %s\n' run_attention ncu "$verdict" \
    "$(grep -c 'Section: GPU Speed Of Light' "$log") kernel(s) profiled" \
    | tee -a "$SUMMARY"
fi
[ -x "$EXAMPLE/run_attention" ] ||
  echo "no $EXAMPLE/run_attention: build it with ./scripts/run-example.sh --target=cuda" \
    | tee -a "$SUMMARY"
echo "exit $rc" | tee -a "$SUMMARY"
exit $rc
