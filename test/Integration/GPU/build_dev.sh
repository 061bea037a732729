#!/bin/sh
# Builds everything scripts/device/gpu-suite.sh runs on a GPU machine, here
# (needs attn-opt, mlir-translate, llc, ptxas, a C++ compiler and cuda.h; no
# GPU). Nothing in the output needs LLVM/MLIR at run time.
#   build_dev.sh <attn-opt> <outdir> [baseline-attn-opt]
# <outdir>/attn_e2e_default: the suite with the default tile table (and the
# general cases on the fallback kernel);
# <outdir>/attn_e2e_kernel_simt: every case on the general SIMT kernel;
# <outdir>/sass/*.cubin: the default kernels (simt_*: the SIMT kernels), for
# cuobjdump -sass there;
# <outdir>/ptxas.txt: ptxas -v of every kernel;
# with a baseline attn-opt, <outdir>/base/attn_e2e_default: the previous
# kernels and driver (test/Integration/GPU at git revision $BASE_REV,
# default 6689e47, before bf16/masks/D=256), for timing side by side.
set -e
ATTN_OPT=$1
OUT=$2
BASE_OPT=$3
CUDA=${CUDA:-/usr/local/cuda}
SRC=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT/sass"
# ALT_CONFIGS: further tile configs (run_e2e.sh syntax), timed there too.
"$SRC/run_e2e.sh" "$ATTN_OPT" "$OUT" default kernel=simt ${ALT_CONFIGS:-}
: > "$OUT/ptxas.txt"
# <input> <extra pipeline options> <cubin name prefix>
ptxas_all() {
  "$ATTN_OPT" "$SRC/Inputs/$1.mlir" \
    "--attn-pipeline=target=cuda chip=sm_90a cuda-path=$CUDA format=isa $2" \
    -o "$OUT/isa.mlir"
  for k in $(grep -o 'gpu.binary @[a-z0-9_]*' "$OUT/isa.mlir" | sed 's/.*@//'); do
    python3 "$SRC/extract_ptx.py" "$OUT/isa.mlir" "$k" > "$OUT/sass/$3$k.ptx"
    echo "== $3$k" >> "$OUT/ptxas.txt"
    "$CUDA/bin/ptxas" -v -arch=sm_90a "$OUT/sass/$3$k.ptx" \
      -o "$OUT/sass/$3$k.cubin" 2>> "$OUT/ptxas.txt"
    rm "$OUT/sass/$3$k.ptx"
  done
  rm "$OUT/isa.mlir"
}
ptxas_all attn_e2e "" ""
ptxas_all attn_general_e2e "" ""
ptxas_all attn_e2e kernel=simt simt_
if [ -n "$BASE_OPT" ]; then
  mkdir -p "$OUT/base-src/Inputs"
  for f in attn_driver.cpp mgpu_runtime.cpp run_e2e.sh Inputs/attn_e2e.mlir; do
    git -C "$SRC" show "${BASE_REV:-6689e47}:./$f" > "$OUT/base-src/$f"
  done
  chmod +x "$OUT/base-src/run_e2e.sh"
  "$OUT/base-src/run_e2e.sh" "$BASE_OPT" "$OUT/base" default
  rm -rf "$OUT/base-src"
fi
