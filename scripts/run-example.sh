#!/usr/bin/env bash
# The main job: install what is missing, build attn, fuse and compile
# examples/attention.mlir for the CPU, run it and check it in float64.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

EXAMPLE="${1:-$ATTN_ROOT/examples/attention.mlir}"
attn_install_deps
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
