#!/bin/bash
# Builds, here (LLVM/MLIR and the CUDA toolkit, no GPU), what
# scripts/device/programs.sh runs on the device machine, into DIR (default
# devcarry, to be carried: keep it ignored, e.g. in .git/info/exclude):
#   DIR/progs        every CPU integration program with a @main, compiled
#                    with attn-compile --target=cuda, fused and unfused
#   DIR/bin          attn-run, libattn_runtime.so, libattn_runner_utils.so
#   DIR/example-gpu  the README's GPU example
#   DIR/dev          attn-bench's bundle (bench/compare.py --dev DIR/dev)
set -eu -o pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
DIR=${1:-$ROOT/devcarry}
mkdir -p "$DIR/bin"
ninja -C "$BUILD" attn-run attn-compile attn_runtime attn_runner_utils \
  attn-bench-dev
python3 "$ROOT/test/lib/gpu_programs.py" build "$DIR/progs" \
  --build "$BUILD" > "$DIR/progs-build.log"
cp "$BUILD/bin/attn-run" "$BUILD/lib/libattn_runtime.so" \
  "$BUILD/lib/libattn_runner_utils.so" "$DIR/bin/"
BUILD_DIR=$BUILD "$ROOT/scripts/run-example.sh" --target=cuda
rm -rf "$DIR/example-gpu" "$DIR/dev"
cp -r "$BUILD/example-gpu" "$DIR/example-gpu"
cp -r "$BUILD/dev" "$DIR/dev"
git -C "$ROOT" log -1 --format='%h %s' > "$DIR/BUILT_FROM"
du -sh "$DIR"
