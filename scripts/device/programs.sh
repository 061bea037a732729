#!/bin/bash
# Whole programs on the GPU, run on the device machine from the repository
# root: the CPU integration programs compiled here with target=cuda
# (test/lib/gpu_programs.py build), a sample of them and the GPU example
# under compute-sanitizer's four tools, and a silent-exit check. Needs no
# LLVM/MLIR there: only the driver, python3 with numpy, compute-sanitizer.
#
#   scripts/device/programs.sh DIR
#
# DIR holds progs/ (gpu_programs.py build's output), bin/ (attn-run,
# libattn_runtime.so, libattn_runner_utils.so) and example-gpu/ (what
# ./scripts/run-example.sh --target=cuda made). Prepare it here with
# scripts/device/prepare-programs.sh DIR. Logs go to $OUT (default
# ./programs-out): programs.log (one line per program and variant, then
# the counts) and sanitize.log with one log per sanitizer run.
set -u -o pipefail
DIR=${1:?usage: programs.sh DIR}
DIR=$(cd "$DIR" && pwd)
OUT=${OUT:-$PWD/programs-out}
mkdir -p "$OUT"
# The libraries' rpath names the build directory they were linked in here.
export LD_LIBRARY_PATH=$DIR/bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
rc=0

{
  date -u
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  # The commit the libraries were built from (recorded by
  # prepare-programs.sh); the device copy's git metadata can be stale.
  echo "built from: $(cat "$DIR/BUILT_FROM" 2>/dev/null || echo unknown)"
  echo "command: scripts/device/programs.sh $*"
} > "$OUT/programs.log"
PYTHONUNBUFFERED=1 timeout ${PROGRAMS_TIMEOUT:-330} python3 \
  test/lib/gpu_programs.py run "$DIR/progs" --attn-run "$DIR/bin/attn-run" \
  2>&1 | tee -a "$OUT/programs.log" | grep -v '^PASS' || rc=1

# Exit silence: a run's stderr must be empty (no unload errors at exit).
noisy=0
for so in "$DIR"/progs/*.fused.so; do
  err=$("$DIR/bin/attn-run" "$so" 2>&1 >/dev/null)
  if [ -n "$err" ]; then
    noisy=$((noisy + 1))
    echo "stderr of attn-run $(basename "$so"): $err" | head -3
  fi
done 2>&1 | tee -a "$OUT/programs.log"
echo "silent exit: checked $(ls "$DIR"/progs/*.fused.so | wc -l) libraries" \
  | tee -a "$OUT/programs.log"

# The GPU example and a sample of programs (fused: attention kernels;
# unfused: generic kernels only) through the generated libraries.
sample=()
for p in ${SANITIZE_PROGRAMS:-decompose-perms-bshd-gqa.fused \
    decompose-dynamic-shapes-causal-bottom-right.fused \
    fuse-additive-mask.unfused decompose-lse-causal-bottom-right.fused}; do
  sample+=("$DIR/progs/$p.so")
done
OUT=$OUT/sanitize ATTN_RUN=$DIR/bin/attn-run timeout ${SANITIZE_TIMEOUT:-200} \
  scripts/device/sanitize-example.sh "$DIR/example-gpu" "${sample[@]}" || rc=1
echo "exit $rc" | tee -a "$OUT/programs.log"
exit $rc
