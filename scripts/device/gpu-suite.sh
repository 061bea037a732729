#!/bin/bash
# GPU suite for the target=cuda kernels, run on the device machine from the
# repository root. Needs only the artifacts that
# test/Integration/GPU/build_dev.sh built here into build-h5/dev (no
# LLVM/MLIR there), a CUDA driver, compute-sanitizer and cuobjdump.
#   scripts/device/gpu-suite.sh [devdir]   (logs into $OUT, or ./gpu-suite-out)
# Runs: the whole suite (correctness + timing), the same on the general
# SIMT kernel alone (kernel=simt, f32-accurate tolerances),
# compute-sanitizer memcheck and racecheck on the small shapes (both
# builds), HMMA/FFMA counts from cuobjdump -sass, and the D=128 S=4096
# B*H=64 non-causal f16 default timed against the baseline build (when
# build_dev.sh made one), alternating runs.
set -u -o pipefail
DEV=${1:-build-h5/dev}
OUT=${OUT:-$PWD/gpu-suite-out}
mkdir -p "$OUT"
LOG=$OUT/gpu-suite.log
SEED=${SEED:-$(date +%s)}
rc=0
step() { echo; echo "### $*"; }
exec > >(tee "$LOG") 2>&1
date -u
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total \
  --format=csv,noheader
step "suite (seed $SEED)"
"$DEV/attn_e2e_default" "$SEED" all || rc=1

if [ -x "$DEV/attn_e2e_kernel_simt" ]; then
  step "suite, kernel=simt (seed $SEED): every case on the general kernel"
  "$DEV/attn_e2e_kernel_simt" "$SEED" all || rc=1
fi

step "compute-sanitizer memcheck (small shapes)"
timeout 150 compute-sanitizer --tool memcheck --error-exitcode 3 \
  "$DEV/attn_e2e_default" "$((SEED + 1))" sanitize 2>&1 | tail -4 || rc=1
step "compute-sanitizer racecheck (small shapes)"
timeout 150 compute-sanitizer --tool racecheck --racecheck-report hazard \
  --error-exitcode 3 "$DEV/attn_e2e_default" "$((SEED + 2))" sanitize \
  2>&1 | tail -4 || rc=1

if [ -x "$DEV/attn_e2e_kernel_simt" ]; then
  step "compute-sanitizer memcheck and racecheck, kernel=simt (small shapes)"
  timeout 400 compute-sanitizer --tool memcheck --error-exitcode 3 \
    "$DEV/attn_e2e_kernel_simt" "$((SEED + 1))" sanitize 2>&1 | tail -4 || rc=1
  timeout 400 compute-sanitizer --tool racecheck --racecheck-report hazard \
    --error-exitcode 3 "$DEV/attn_e2e_kernel_simt" "$((SEED + 2))" sanitize \
    2>&1 | tail -4 || rc=1
fi

step "cuobjdump -sass: HMMA / HGMMA / UTMALDG / LDSM / LDGSTS / FFMA / LDL+STL per kernel"
for c in "$DEV"/sass/*.cubin; do
  s=$(cuobjdump -sass "$c")
  printf '%-40s HMMA %4s  HGMMA %4s  UTMALDG %4s  LDSM %4s  LDGSTS %4s  FFMA %5s  LDL/STL %s\n' \
    "$(basename "$c" .cubin)" "$(grep -c HMMA <<<"$s")" \
    "$(grep -c HGMMA <<<"$s")" "$(grep -c UTMALDG <<<"$s")" \
    "$(grep -c LDSM <<<"$s")" "$(grep -c LDGSTS <<<"$s")" \
    "$(grep -c FFMA <<<"$s")" "$(grep -cE '\b(LDL|STL)\b' <<<"$s")"
done

step "timing: D=128 S=4096 B*H=64 f16 (new default vs baseline, alternating)"
for i in 1 2; do
  "$DEV/attn_e2e_default" "$((SEED + 3))" time | grep '^TIME' || rc=1
  if [ -x "$DEV/base/attn_e2e_default" ]; then
    "$DEV/base/attn_e2e_default" "$((SEED + 3))" | grep '^TIME' \
      | sed 's/^TIME/BASE/' || rc=1
  fi
done
for alt in "$DEV"/attn_e2e_gpu-*; do
  [ -x "$alt" ] || continue
  step "timing, other tile config: ${alt##*/attn_e2e_}"
  "$alt" "$((SEED + 4))" time | grep -E '^TIME|FAIL' || rc=1
done
step "exit $rc"
exit $rc
