#!/bin/bash
# Regenerates base/*.ptx (committed; generated files, do not edit): the
# sm_90a PTX of examples/gpu/attention-f16.mlir's kernel in the
# configurations the bisect kit runs (run.sh's LAUNCH table), with attn-opt
# from BUILD (default build). Needs no GPU. From the repository root:
#
#   scripts/device/tma-synccheck/real/gen-base.sh [build-dir] [before|fix]
#
# before (default): ex, wg1, ws, wsopp.ptx, the kernels as main generated
# them before the fix of issue 17 (the 1 KiB padding of the shared-memory
# base, AttnToGPUSm90.cpp's setupSharedMemory): build-dir must be a build
# of a tree without it (the committed files come from main at b93d2ee).
# fix: exfix and wsoppfix.ptx, the same as ex and wsopp with the fix.
set -eu -o pipefail
BUILD=${1:-build}
WHICH=${2:-before}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
INPUT=$ROOT/examples/gpu/attention-f16.mlir
EXTRACT=$ROOT/test/Integration/GPU/extract_ptx.py
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$HERE/base"

# gen <name> <--attn-pipeline tile options>
gen() {
  "$BUILD/bin/attn-opt" "$INPUT" --attn-fuse \
    "--attn-pipeline=target=cuda chip=sm_90a format=isa kernel=wgmma $2" \
    -o "$TMP/$1.mlir"
  python3 "$EXTRACT" "$TMP/$1.mlir" > "$HERE/base/$1.ptx"
  [ "$(grep -c '^\.visible \.entry' "$HERE/base/$1.ptx")" = 1 ] ||
    { echo "$1: expected one kernel" >&2; exit 1; }
}
# What the example runs below 4096 keys (the default table's D = 64 causal
# row): 2 consumer warpgroups, 64-key blocks, 2 stages, thread-0 loads.
EX="gpu-warpgroups=2 gpu-block-kv=64 gpu-stages=2 gpu-producer-warp=0 gpu-overlap=0 gpu-pingpong=0 gpu-persistent=0"
# What it runs from 4096 keys: 3 consumer warpgroups + producer, 128-key
# blocks, overlap, ping-pong.
WSOPP="gpu-warpgroups=3 gpu-block-kv=128 gpu-stages=2 gpu-producer-warp=1 gpu-overlap=1 gpu-pingpong=1 gpu-persistent=0"
if [ "$WHICH" = fix ]; then
  gen exfix "$EX"
  gen wsoppfix "$WSOPP"
else
  gen ex "$EX"
  # One consumer warpgroup (128 threads).
  gen wg1 "gpu-warpgroups=1 gpu-block-kv=64 gpu-stages=2 gpu-producer-warp=0 gpu-overlap=0 gpu-pingpong=0 gpu-persistent=0"
  # A producer warpgroup (setmaxnreg, empty barriers), nothing else.
  gen ws "gpu-warpgroups=2 gpu-block-kv=64 gpu-stages=2 gpu-producer-warp=1 gpu-overlap=0 gpu-pingpong=0 gpu-persistent=0"
  gen wsopp "$WSOPP"
fi
ls -l "$HERE/base"
