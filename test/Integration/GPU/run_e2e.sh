#!/bin/sh
# Builds the end-to-end GPU check here (needs attn-opt, mlir-translate, llc,
# a C++ compiler and cuda.h; no GPU): one executable per tile config, in $2.
#   run_e2e.sh <attn-opt> <outdir> [extra pipeline options]...
set -e
ATTN_OPT=$1
OUT=$2
shift 2
LLVM_BIN=${LLVM_BIN:-/usr/lib/llvm-22/bin}
CUDA=${CUDA:-/usr/local/cuda}
SRC=$(dirname "$0")
mkdir -p "$OUT"
for cfg in default "gpu-warps=4" "gpu-warps=8"; do
  opts="target=cuda chip=sm_90a cuda-path=$CUDA"
  [ "$cfg" != default ] && opts="$opts $cfg"
  name=$(echo "$cfg" | tr '=' '_')
  "$ATTN_OPT" "$SRC/Inputs/attn_e2e.mlir" "--attn-pipeline=$opts" "$@" \
    -o "$OUT/$name.mlir"
  "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$OUT/$name.mlir" \
    -o "$OUT/$name.ll"
  "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$OUT/$name.ll" \
    -o "$OUT/$name.o"
  ${CXX:-g++} -O2 -std=c++17 -I"$CUDA/include" "$SRC/attn_driver.cpp" \
    "$SRC/mgpu_runtime.cpp" "$OUT/$name.o" -L"$CUDA/lib64/stubs" -lcuda \
    -o "$OUT/attn_e2e_$name"
done
