// Not a test (Inputs/ is excluded from lit): a reproducer, reported, for a
// bug in lib/Dialect/Attn/Transforms/Tile.cpp, which test/Fuzz must not fix.
// Under UBSan (scripts/sanitizers.sh):
//   attn-opt %s --attn-tile="block-kv=9223372036854775807"
//   Tile.cpp:443: runtime error: signed integer overflow:
//     4 * 9223372036854775807 cannot be represented in type 'int64_t'
// useSplitKV (split-kv=auto, Sq <= 16) computes `4 * config.blockKV` for any
// positive block-kv. Once fixed, turn this into test/Fuzz/tile-block-kv-overflow.mlir
// (RUN: attn-opt with that option | FileCheck: no crash, a loop nest or a
// located error).
func.func @f(%q: tensor<1x0x8xf32>, %k: tensor<1x0x8xf32>, %v: tensor<1x0x8xf32>,
             %init: tensor<1x0x8xf32>) -> tensor<1x0x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<1x0x8xf32>, tensor<1x0x8xf32>, tensor<1x0x8xf32>)
         outs(%init : tensor<1x0x8xf32>) scale(0.25) -> tensor<1x0x8xf32>
  return %o : tensor<1x0x8xf32>
}
