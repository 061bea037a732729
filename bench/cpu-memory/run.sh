#!/usr/bin/env bash
# Peak RSS of attention at Sq = Sk = 4096 (one head, D = 64, f32) through the
# CPU pipeline, unfused (--attn-decompose) vs tiled (--attn-tile), measured
# with /usr/bin/time -v around mlir-runner. Usage: run.sh [build-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
llvm=${LLVM_DIR:-/usr/lib/llvm-22}
libs=$llvm/lib/libmlir_c_runner_utils.so,$llvm/lib/libmlir_runner_utils.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/bin/attn-opt" "$here/baseline-4096.mlir" --attn-pipeline=target=cpu \
  > "$tmp/base.mlir"
/usr/bin/time -v "$llvm/bin/mlir-runner" -e main --entry-point-result=void \
  --shared-libs="$libs" "$tmp/base.mlir" > /dev/null 2> "$tmp/base.time"
base=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/base.time")
echo "baseline (no attention) max_rss_kib=$base"
for tile in false true; do
  "$build/bin/attn-opt" "$here/attention-4096.mlir" \
    --attn-pipeline="target=cpu tile=$tile" > "$tmp/$tile.mlir"
  /usr/bin/time -v "$llvm/bin/mlir-runner" -e main --entry-point-result=void \
    --shared-libs="$libs" "$tmp/$tile.mlir" > "$tmp/$tile.out" 2> "$tmp/$tile.time"
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/$tile.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/$tile.time")
  echo "tile=$tile max_rss_kib=$rss above_baseline_kib=$((rss - base)) wall=$wall out=$(tail -1 "$tmp/$tile.out")"
done
