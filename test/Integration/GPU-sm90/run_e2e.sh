#!/bin/sh
# Builds the sm_90a end-to-end check here (needs attn-opt, mlir-translate,
# llc, a C++ compiler and cuda.h; no GPU): one executable per config.
#   run_e2e.sh <attn-opt> <outdir> [config...]
# A config is comma-separated --attn-pipeline options, e.g. "kernel=wgmma" or
# "kernel=wgmma,gpu-block-kv=64" or "kernel=mma-sync", or "sm90" followed by
# --convert-attn-to-gpu-sm90 options ("sm90,producer-warp=0,overlap=0"); it yields
# <outdir>/attn_e2e_<config> (and <config>.ptx, the kernel's PTX).
set -e
ATTN_OPT=$1
OUT=$2
shift 2
[ $# -eq 0 ] && set -- kernel=wgmma
LLVM_BIN=${LLVM_BIN:-/usr/lib/llvm-22/bin}
CUDA=${CUDA:-/usr/local/cuda}
SRC=$(dirname "$0")
mkdir -p "$OUT"
for cfg in "$@"; do
  name=$(echo "$cfg" | tr '=,' '__')
  pre=""
  case "$cfg" in
  sm90*) # --convert-attn-to-gpu-sm90 options, then the pipeline's defaults.
    pre="--convert-attn-to-gpu-sm90=$(echo "${cfg#sm90,}" | tr ',' ' ')"
    cfg="" ;;
  esac
  # select-object: stock mlir-translate and the test runtime
  # (mgpu_runtime.cpp) know only upstream's offloading handler.
  opts="target=cuda chip=sm_90a cuda-path=$CUDA offloading-handler=select-object"
  opts="$opts $(echo "$cfg" | tr ',' ' ')"
  "$ATTN_OPT" "$SRC/Inputs/attn_e2e.mlir" ${pre:+"$pre"} "--attn-pipeline=$opts" \
    -o "$OUT/$name.mlir"
  "$ATTN_OPT" "$SRC/Inputs/attn_e2e.mlir" ${pre:+"$pre"} \
    "--attn-pipeline=$opts format=isa" -o "$OUT/$name.isa.mlir"
  python3 "$SRC/../GPU/extract_ptx.py" "$OUT/$name.isa.mlir" > "$OUT/$name.ptx"
  rm -f "$OUT/$name.isa.mlir"
  "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$OUT/$name.mlir" \
    -o "$OUT/$name.ll"
  "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$OUT/$name.ll" \
    -o "$OUT/$name.o"
  ${CXX:-g++} -O2 -std=c++17 -I"$CUDA/include" "$SRC/attn_driver.cpp" \
    "$SRC/../GPU/mgpu_runtime.cpp" "$OUT/$name.o" -L"$CUDA/lib64/stubs" -lcuda \
    -o "$OUT/attn_e2e_$name"
  rm -f "$OUT/$name.mlir" "$OUT/$name.ll"
done
