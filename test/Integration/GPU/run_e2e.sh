#!/bin/sh
# Builds the end-to-end GPU check here (needs attn-opt, mlir-translate, llc,
# a C++ compiler and cuda.h; no GPU): one executable per tile config, with
# the kernels of Inputs/attn_e2e.mlir and Inputs/attn_general_e2e.mlir.
#   run_e2e.sh <attn-opt> <outdir> [config...]
# A config is "default" or comma-separated --attn-pipeline options, e.g.
# "gpu-warps=4,gpu-row-tiles=2"; it yields <outdir>/attn_e2e_<config>. With
# kernel=simt the driver expects f32 accuracy from every kernel.
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
  for input in attn_e2e attn_general_e2e; do
    "$ATTN_OPT" "$SRC/Inputs/$input.mlir" "--attn-pipeline=$opts" \
      -o "$OUT/$name.$input.mlir"
    "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$OUT/$name.$input.mlir" \
      -o "$OUT/$name.$input.ll"
    "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic \
      "$OUT/$name.$input.ll" -o "$OUT/$name.$input.o"
    rm -f "$OUT/$name.$input.mlir" "$OUT/$name.$input.ll"
  done
  defs=
  case "$cfg" in *kernel=simt*) defs=-DATTN_EXPECT_F32_ACCURACY ;; esac
  ${CXX:-g++} -O2 -std=c++17 $defs -I"$CUDA/include" \
    "$SRC/attn_driver.cpp" "$SRC/mgpu_runtime.cpp" "$OUT/$name.attn_e2e.o" \
    "$OUT/$name.attn_general_e2e.o" -L"$CUDA/lib64/stubs" -lcuda \
    -o "$OUT/attn_e2e_$name"
done
