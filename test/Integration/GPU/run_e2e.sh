#!/bin/sh
# Builds the end-to-end GPU check here (needs attn-opt, mlir-translate, llc,
# a C++ compiler and cuda.h; no GPU): one executable per tile config.
#   run_e2e.sh <attn-opt> <outdir> [config...]
# A config is "default" or comma-separated --attn-pipeline options, e.g.
# "gpu-warps=4,gpu-row-tiles=2"; it yields <outdir>/attn_e2e_<config>.
set -e
ATTN_OPT=$1
OUT=$2
shift 2
[ $# -eq 0 ] && set -- default
LLVM_BIN=${LLVM_BIN:-/usr/lib/llvm-22/bin}
CUDA=${CUDA:-/usr/local/cuda}
SRC=$(dirname "$0")
mkdir -p "$OUT"
for cfg in "$@"; do
  # select-object: stock mlir-translate and the test runtime
  # (mgpu_runtime.cpp) know only upstream's offloading handler.
  opts="target=cuda chip=sm_90a cuda-path=$CUDA offloading-handler=select-object"
  [ "$cfg" != default ] && opts="$opts $(echo "$cfg" | tr ',' ' ')"
  name=$(echo "$cfg" | tr '=,' '__')
  "$ATTN_OPT" "$SRC/Inputs/attn_e2e.mlir" "--attn-pipeline=$opts" \
    -o "$OUT/$name.mlir"
  "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$OUT/$name.mlir" \
    -o "$OUT/$name.ll"
  "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$OUT/$name.ll" \
    -o "$OUT/$name.o"
  ${CXX:-g++} -O2 -std=c++17 -I"$CUDA/include" "$SRC/attn_driver.cpp" \
    "$SRC/mgpu_runtime.cpp" "$OUT/$name.o" -L"$CUDA/lib64/stubs" -lcuda \
    -o "$OUT/attn_e2e_$name"
  rm -f "$OUT/$name.mlir" "$OUT/$name.ll"
done
