#!/bin/bash
# Runs attn's benchmarks on a GPU machine, from the repository root:
#   attn-bench (our kernels vs the unfused cuBLAS baseline; both sweeps) and
#   bench/compare.py (ours vs torch SDPA backends, eager, Triton).
# Needs the device bundle built on the build machine (no LLVM/MLIR here):
#   ninja -C build-h6 attn-bench-dev        # -> build-h6/dev
# and writes everything to $OUT (default bench-out/):
#   bench.log         device, versions, progress lines of both tools
#   attn-bench.txt    attn-bench's table
#   attn-bench.csv/.json
#   compare.md/.csv/.png (no .png without matplotlib; see compare.md)
# Usage: scripts/device/bench.sh [dev-dir]   (ATTN_BENCH_ARGS, COMPARE_ARGS
# add options to each tool; *_TIMEOUT bound each, in seconds;
# BENCH_PARTS=compare runs only compare.py).
set -u
DEV=${1:-build-h6/dev}
OUT=${OUT:-bench-out}
mkdir -p "$OUT"
LOG=$OUT/bench.log
: > "$LOG"
say() { echo "$@" | tee -a "$LOG"; }

say "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.sm,memory.total,power.limit,temperature.gpu \
  --format=csv 2>&1 | tee -a "$LOG"
python3 - <<'PY' 2>&1 | tee -a "$LOG"
import importlib
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda,
      "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name())
for m in ("triton", "matplotlib", "numpy"):
    try:
        print(m, importlib.import_module(m).__version__)
    except Exception as e:
        print(m, "unavailable:", e)
PY

# cuBLAS for attn-bench: the toolkit's, else the one PyTorch ships.
if [ -z "${ATTN_BENCH_CUBLAS:-}" ]; then
  for f in /usr/local/cuda/lib64/libcublas.so.13 \
           /usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13; do
    [ -e "$f" ] && ATTN_BENCH_CUBLAS=$f && break
  done
fi
if [ -z "${ATTN_BENCH_CUBLAS:-}" ]; then
  SP=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))')
  ATTN_BENCH_CUBLAS=$(find $SP -name 'libcublas.so.13*' 2>/dev/null | head -1)
fi
export ATTN_BENCH_CUBLAS
say "cuBLAS: ${ATTN_BENCH_CUBLAS:-not found}"
export LD_LIBRARY_PATH=$DEV${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
ls -la "$DEV" >> "$LOG"

PARTS=${BENCH_PARTS:-attn-bench,compare}   # which tools to run
rc1=0 rc2=0
if [[ ,$PARTS, == *,attn-bench,* ]]; then
say "== attn-bench"
timeout "${ATTN_BENCH_TIMEOUT:-220}" "$DEV/attn-bench" \
  --csv "$OUT/attn-bench.csv" --json "$OUT/attn-bench.json" \
  ${ATTN_BENCH_ARGS:-} > "$OUT/attn-bench.txt" 2>> "$LOG"
rc1=$?
say "attn-bench exit $rc1"
fi

if [[ ,$PARTS, == *,compare,* ]]; then
say "== compare.py"
PYTHONUNBUFFERED=1 timeout "${COMPARE_TIMEOUT:-230}" python3 bench/compare.py \
  --dev "$DEV" --out "$OUT/compare" --sweep fa,decode ${COMPARE_ARGS:-} \
  > "$OUT/compare.stdout" 2>> "$LOG"
rc2=$?
say "compare.py exit $rc2"
cat "$OUT/compare.stdout" >> "$LOG"; rm -f "$OUT/compare.stdout"
fi

[ -e "$OUT/attn-bench.txt" ] && cat "$OUT/attn-bench.txt"
[ -e "$OUT/compare.md" ] && cat "$OUT/compare.md"
echo "attn-bench exit $rc1, compare.py exit $rc2"
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]
