// RUN: attn-opt %s -transform-interpreter -split-input-file -verify-diagnostics

// Tiles that attn.attention cannot express are refused with a located error
// on the op (then upstream's own "failed to tile" errors), never tiled wrongly.

// Grouped-query attention with groups of 2 query heads: a tile of 3 query
// heads straddles a group, and its own head mapping would read the wrong
// key/value heads.
func.func @gqa_head_tile_straddles_groups(%q: tensor<6x8x16xf32>, %k: tensor<3x8x16xf32>,
    %v: tensor<3x8x16xf32>, %o: tensor<6x8x16xf32>) -> tensor<6x8x16xf32> {
  // expected-error @below {{cannot be tiled: a tile of query heads must be one head, lie within one group of 2 query heads sharing a key/value head}}
  // expected-error @below {{to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = attn.attention ins(%q, %k, %v : tensor<6x8x16xf32>, tensor<3x8x16xf32>, tensor<3x8x16xf32>)
         outs(%o : tensor<6x8x16xf32>) scale(0.25) -> tensor<6x8x16xf32>
  return %r : tensor<6x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// The group size is only known at run time: a tile of 2 query heads may or
// may not straddle a group.
func.func @gqa_dynamic_group(%q: tensor<?x8x16xf32>, %k: tensor<?x8x16xf32>,
    %v: tensor<?x8x16xf32>, %o: tensor<?x8x16xf32>) -> tensor<?x8x16xf32> {
  // expected-error @below {{cannot be tiled: the group size Hq / Hkv is dynamic: a tile of query heads must be one head or all of them}}
  // expected-error @below {{to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = attn.attention ins(%q, %k, %v : tensor<?x8x16xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>)
         outs(%o : tensor<?x8x16xf32>) scale(0.25) -> tensor<?x8x16xf32>
  return %r : tensor<?x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [2]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tiling the key dimension as a full reduction would feed each tile's
// normalised output back as the next tile's init.
func.func @key_dim_full_reduction(%q: tensor<4x8x16xf32>, %k: tensor<4x12x16xf32>,
    %v: tensor<4x12x16xf32>, %o: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  // expected-error @below {{cannot be tiled: the key dimension is a reduction into a normalised output: tile it as a partial reduction with the outer-parallel strategy (transform.structured.tile_reduction_using_forall)}}
  // expected-error @below {{to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x8x16xf32>, tensor<4x12x16xf32>, tensor<4x12x16xf32>)
         outs(%o : tensor<4x8x16xf32>) scale(0.25) -> tensor<4x8x16xf32>
  return %r : tensor<4x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [0, 0, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// A sequential loop over key chunks (the outer-reduction strategy) is
// --attn-tile's online softmax, not a partial reduction.
func.func @key_dim_outer_reduction(%q: tensor<4x8x16xf32>, %k: tensor<4x12x16xf32>,
    %v: tensor<4x12x16xf32>, %o: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  // expected-error @below {{cannot be tiled: the key dimension is split only with the outer-parallel strategy}}
  // expected-error @below {{to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = attn.attention ins(%q, %k, %v : tensor<4x8x16xf32>, tensor<4x12x16xf32>, tensor<4x12x16xf32>)
         outs(%o : tensor<4x8x16xf32>) scale(0.25) -> tensor<4x8x16xf32>
  return %r : tensor<4x8x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @below {{failed to tile using partial reduction}}
    %fill:2, %split, %merge, %loop = transform.structured.tile_reduction_using_for %a by tile_sizes = [0, 0, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Split-KV tiling (partial reduction) of an op with sinks is refused: the
// sink belongs to one denominator.
func.func @split_keys_sinks(%q: tensor<1x2x4x16xf32>, %k: tensor<1x2x64x16xf32>,
    %v: tensor<1x2x64x16xf32>, %o: tensor<1x2x4x16xf32>, %sinks: tensor<2xf32>) -> tensor<1x2x4x16xf32> {
  // expected-error @below {{cannot be tiled: the key dimension of an op with sinks is not split (the sink term belongs to one chunk's denominator only)}}
  // expected-error @below {{faild to tile operation}}
  // expected-error @below {{failed to generate tiling loops}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x4x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>)
         sinks(%sinks : tensor<2xf32>) outs(%o : tensor<1x2x4x16xf32>) scale(0.25) -> tensor<1x2x4x16xf32>
  return %r : tensor<1x2x4x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    // expected-error @below {{could not tile reduction}}
    %fill:2, %split, %merge, %forall = transform.structured.tile_reduction_using_forall %a
        by num_threads = [0, 0, 0, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
