// Bad pass options are a located error and a non-zero exit, not a crash.
// RUN: not attn-opt %s --attn-tile="block-q=0" 2>&1 | FileCheck %s --check-prefix=BQ
// RUN: not attn-opt %s --attn-tile="block-kv=-4" 2>&1 | FileCheck %s --check-prefix=BKV
// RUN: not attn-opt %s --attn-tile="split-kv=maybe" 2>&1 | FileCheck %s --check-prefix=SPLIT
// RUN: not attn-opt %s --attn-tile="num-splits=-1" 2>&1 | FileCheck %s --check-prefix=NS
// The CPU pipeline's split-kv is the same enum option as --attn-tile's.
// RUN: not attn-opt %s --attn-pipeline="target=cpu split-kv=maybe" 2>&1 | FileCheck %s --check-prefix=PIPE
// A block size near INT64_MAX used to overflow 4 * block-kv (UBSan, found by
// the sanitizer build): now out of range.
// RUN: not attn-opt %s --attn-tile="block-kv=9223372036854775807" 2>&1 | FileCheck %s --check-prefix=HUGE

// PIPE: for the --split-kv option: unknown value 'maybe' (expected auto, on or off)

// BQ: tile-invalid-options.mlir:[[@LINE+8]]:8: error: attn-tile: invalid options: block-q (0)
// BKV: error: attn-tile: invalid options: {{.*}}block-kv (-4)
// SPLIT: for the --split-kv option: unknown value 'maybe' (expected auto, on or off)
// NS: error: attn-tile: invalid options: {{.*}}num-splits (-1)
// HUGE: error: attn-tile: invalid options: {{.*}}block-kv (9223372036854775807) must be in [1, 1048576]
func.func @f(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>,
             %v: tensor<1x1x4x8xf32>, %o: tensor<1x1x4x8xf32>)
    -> tensor<1x1x4x8xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>)
         outs(%o : tensor<1x1x4x8xf32>) scale(0.5) -> tensor<1x1x4x8xf32>
  return %r : tensor<1x1x4x8xf32>
}
