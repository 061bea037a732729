#!/usr/bin/env bash
# The main job: install what is missing, build attn, fuse and compile an
# example, run it and check it against a float64 reference.
#
#   run-example.sh [FILE.mlir]     CPU: examples/attention.mlir through
#                                  --attn-fuse and --attn-pipeline=target=cpu,
#                                  run under mlir-runner.
#   run-example.sh --target=cuda   GPU: attn-compile fuses and compiles
#                                  examples/gpu/attention-f16.mlir to a shared
#                                  library; run_attention.c calls it. Runs it
#                                  when a CUDA driver is present; the folder it
#                                  prints needs only the driver, so it can be
#                                  copied to a GPU machine without LLVM/MLIR.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

TARGET=cpu
if [ "${1:-}" = --target=cuda ]; then
  TARGET=cuda
  shift
fi

attn_install_deps

if [ "$TARGET" = cuda ]; then
  CUDA="${CUDA_PATH:-/usr/local/cuda}"
  if [ ! -f "$CUDA/include/cuda.h" ] || [ ! -x "$CUDA/bin/ptxas" ]; then
    echo "error: --target=cuda needs the CUDA toolkit (cuda.h, ptxas) in $CUDA" >&2
    exit 1
  fi
  ATTN_BUILD_TARGETS="attn-compile attn_runtime" attn_build
  work="$BUILD_DIR/example-gpu"
  rm -rf "$work" && mkdir -p "$work"
  src="$ATTN_ROOT/examples/gpu"
  echo "== fusing and compiling $src/attention-f16.mlir for sm_90a"
  "$BUILD_DIR/bin/attn-compile" --target=cuda --chip=sm_90a \
    "$src/attention-f16.mlir" -o "$work/attention-f16.so"
  cp "$BUILD_DIR/lib/libattn_runtime.so" "$work/"
  ${CC:-cc} -O2 -std=gnu11 "$src/run_attention.c" -I"$work" \
    -I"$ATTN_ROOT/runtime/include" -I"$CUDA/include" \
    -L"$work" -l:attention-f16.so -lattn_runtime \
    -L"$CUDA/lib64/stubs" -lcuda -lm -Wl,-rpath,'$ORIGIN' \
    -o "$work/run_attention"
  if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
    echo "== no CUDA driver here: copy $work to a GPU machine and run"
    echo "   ./run_attention [batch heads seq] there (needs only the driver)"
    exit 0
  fi
  echo "== running on the GPU"
  exec "$work/run_attention" "$@"
fi

EXAMPLE="${1:-$ATTN_ROOT/examples/attention.mlir}"
ATTN_BUILD_TARGETS=attn-opt attn_build
OPT="$BUILD_DIR/bin/attn-opt"
work="$BUILD_DIR/example"
mkdir -p "$work"

echo "== fusing $EXAMPLE"
"$OPT" "$EXAMPLE" --attn-fuse="remarks=true" -o "$work/fused.mlir"
grep -m1 -A3 "attn.attention" "$work/fused.mlir"

echo "== compiling for the CPU and running"
"$OPT" "$work/fused.mlir" --attn-pipeline=target=cpu |
  "$LLVM_PREFIX/bin/mlir-runner" -e main --entry-point-result=void \
    --shared-libs="$LLVM_PREFIX/lib/libmlir_c_runner_utils.so,$LLVM_PREFIX/lib/libmlir_runner_utils.so" \
    > "$work/out.txt"
echo "output O[0, 0:4, 0:4] (the last printed tensor):"
/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$ATTN_ROOT/test/lib')
import attn_check as c
o = c.parse_memrefs(open('$work/out.txt').read())[-1]
print(o[0, :4, :4])"
echo "== checking against a float64 reference"
/usr/bin/python3 "$ATTN_ROOT/test/lib/attn_check.py" reference "$work/out.txt" \
  --scale 0.1767767 --causal top_left
