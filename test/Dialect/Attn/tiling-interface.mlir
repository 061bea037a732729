// RUN: attn-opt %s -transform-interpreter -split-input-file -canonicalize -cse | FileCheck %s

// Batch, heads and query rows tiled with scf.for: every tile is an
// attn.attention on slices. Keys are whole; the rows of a causal tile start
// at %m, so its diagonal moves to %m + (Sk - Sq) = %m + 3 (top_left plus
// causal_offset), keeping the causal condition of the whole sequence.
// CHECK-DAG: #[[$ROWS:.+]] = affine_map<(d0) -> (-d0 + 10, 4)>
// CHECK-DAG: #[[$DIAG:.+]] = affine_map<(d0) -> (d0 + 3)>
// CHECK-LABEL: func.func @rows_causal_bottom_right(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x4x10x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x4x13x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x13x8xf32>, %[[O:[a-z0-9]+]]: tensor<2x4x10x8xf32>
// CHECK: scf.for %[[B:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %[[M:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[ACC:.+]] = %{{.+}})
// CHECK: %[[SZ:.+]] = affine.min #[[$ROWS]](%[[M]])
// CHECK-DAG: %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[M]], 0] [1, 2, %[[SZ]], 16]
// CHECK-DAG: %[[KT:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], 0, 0] [1, 2, 13, 16]
// CHECK-DAG: %[[VT:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], 0, 0] [1, 2, 13, 8]
// CHECK-DAG: %[[OT:.+]] = tensor.extract_slice %[[ACC]][%[[B]], %[[H]], %[[M]], 0] [1, 2, %[[SZ]], 8]
// CHECK-DAG: %[[OFF:.+]] = affine.apply #[[$DIAG]](%[[M]])
// CHECK: %[[T:.+]] = attn.attention ins(%[[QT]], %[[KT]], %[[VT]] : tensor<1x2x?x16xf32>, tensor<1x2x13x16xf32>, tensor<1x2x13x8xf32>) outs(%[[OT]] : tensor<1x2x?x8xf32>) scale(2.500000e-01) causal<top_left> causal_offset(%[[OFF]])
// CHECK: tensor.insert_slice %[[T]] into %[[ACC]][%[[B]], %[[H]], %[[M]], 0] [1, 2, %[[SZ]], 8]
func.func @rows_causal_bottom_right(%q: tensor<2x4x10x16xf32>, %k: tensor<2x4x13x16xf32>,
    %v: tensor<2x4x13x8xf32>, %o: tensor<2x4x10x8xf32>) -> tensor<2x4x10x8xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x10x16xf32>, tensor<2x4x13x16xf32>, tensor<2x4x13x8xf32>)
         outs(%o : tensor<2x4x10x8xf32>) scale(0.25) causal<bottom_right> -> tensor<2x4x10x8xf32>
  return %r : tensor<2x4x10x8xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:3 = transform.structured.tile_using_for %a tile_sizes [1, 2, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// GQA, 8 query heads on 2 key/value heads, one query head per tile with
// scf.forall: the tile reads key/value head h floordiv 4.
// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func.func @gqa_single_head_forall(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x8x64x16xf16>, %[[K:[a-z0-9]+]]: tensor<1x2x48x16xf16>
// CHECK: scf.forall (%[[H:.+]], %[[MI:.+]]) in (8, 2)
// CHECK: %[[HK:.+]] = affine.apply #[[$GROUP]](%[[H]])
// CHECK: tensor.extract_slice %[[K]][0, %[[HK]], 0, 0] [1, 1, 48, 16]
// CHECK: attn.attention {{.*}} : tensor<1x1x32x16xf16>, tensor<1x1x48x16xf16>, tensor<1x1x48x16xf16>)
// CHECK-NOT: causal
// CHECK: tensor.parallel_insert_slice
func.func @gqa_single_head_forall(%q: tensor<1x8x64x16xf16>, %k: tensor<1x2x48x16xf16>,
    %v: tensor<1x2x48x16xf16>, %o: tensor<1x8x64x16xf16>) -> tensor<1x8x64x16xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x64x16xf16>, tensor<1x2x48x16xf16>, tensor<1x2x48x16xf16>)
         outs(%o : tensor<1x8x64x16xf16>) scale(0.25) -> tensor<1x8x64x16xf16>
  return %r : tensor<1x8x64x16xf16>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a tile_sizes [0, 1, 32]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// GQA with groups of 4: a tile of 2 query heads at a multiple of 2 lies in
// one group and reads the one key/value head h floordiv 4.
// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func.func @gqa_heads_within_group(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<8x32x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x32x16xf32>
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %c2
// CHECK: %[[HK:.+]] = affine.apply #[[$GROUP]](%[[H]])
// CHECK: tensor.extract_slice %[[Q]][%[[H]], 0, 0] [2, 32, 16]
// CHECK: tensor.extract_slice %[[K]][%[[HK]], 0, 0] [1, 32, 16]
// CHECK: attn.attention {{.*}} : tensor<2x32x16xf32>, tensor<1x32x16xf32>, tensor<1x32x16xf32>)
func.func @gqa_heads_within_group(%q: tensor<8x32x16xf32>, %k: tensor<2x32x16xf32>,
    %v: tensor<2x32x16xf32>, %o: tensor<8x32x16xf32>) -> tensor<8x32x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<8x32x16xf32>, tensor<2x32x16xf32>, tensor<2x32x16xf32>)
         outs(%o : tensor<8x32x16xf32>) scale(0.25) -> tensor<8x32x16xf32>
  return %r : tensor<8x32x16xf32>
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

// GQA with groups of 4, tiles of 8 query heads (two whole groups; the last
// tile of 4 is ragged): the key/value slice is [h floordiv 4, size floordiv 4).
// CHECK-DAG: #[[$SIZE:.+]] = affine_map<(d0) -> (-d0 + 12, 8)>
// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func.func @gqa_whole_groups_ragged(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<12x32x16xf32>, %[[K:[a-z0-9]+]]: tensor<3x32x16xf32>
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %c8
// CHECK-DAG: %[[SZ:.+]] = affine.min #[[$SIZE]](%[[H]])
// CHECK-DAG: %[[KSZ:.+]] = affine.apply #[[$GROUP]](%[[SZ]])
// CHECK-DAG: %[[HK:.+]] = affine.apply #[[$GROUP]](%[[H]])
// CHECK: tensor.extract_slice %[[K]][%[[HK]], 0, 0] [%[[KSZ]], 32, 16]
func.func @gqa_whole_groups_ragged(%q: tensor<12x32x16xf32>, %k: tensor<3x32x16xf32>,
    %v: tensor<3x32x16xf32>, %o: tensor<12x32x16xf32>) -> tensor<12x32x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<12x32x16xf32>, tensor<3x32x16xf32>, tensor<3x32x16xf32>)
         outs(%o : tensor<12x32x16xf32>) scale(0.25) -> tensor<12x32x16xf32>
  return %r : tensor<12x32x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_for %a tile_sizes [8]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Query and output stored [B, S, H, D]: their slices are taken in the stored
// order. The mask broadcasts over batch and heads: its slice keeps those dims
// at [0, 1) and follows the row tile. The lse result is tiled too.
// CHECK-LABEL: func.func @perms_mask_lse(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x10x4x16xf32>, %{{[a-z0-9]+}}: tensor<2x4x12x16xf32>, %{{[a-z0-9]+}}: tensor<2x4x12x16xf32>, %[[MASK:[a-z0-9]+]]: tensor<1x1x10x12xi1>
// CHECK: scf.for %[[H:.+]] = {{.+}} iter_args(%[[O:.+]] = %{{.+}}, %[[L:.+]] = %{{.+}})
// CHECK: scf.for %[[M:.+]] = {{.+}} iter_args(%[[O2:.+]] = %[[O]], %[[L2:.+]] = %[[L]])
// CHECK: %[[SZ:.+]] = affine.min
// CHECK: tensor.extract_slice %[[Q]][0, %[[M]], %[[H]], 0] [2, %[[SZ]], 1, 16]
// CHECK: %[[MT:.+]] = tensor.extract_slice %[[MASK]][0, 0, %[[M]], 0] [1, 1, %[[SZ]], 12]
// CHECK: %[[LT:.+]] = tensor.extract_slice %[[L2]][0, %[[H]], %[[M]]] [2, 1, %[[SZ]]]
// CHECK: %[[T:.+]]:2 = attn.attention {{.*}} mask(%[[MT]] : tensor<1x1x?x12xi1>) outs(%{{.+}} : tensor<2x?x1x16xf32>) lse(%[[LT]] : tensor<2x1x?xf32>) scale(2.500000e-01) {output_perm = array<i64: 0, 2, 1, 3>, query_perm = array<i64: 0, 2, 1, 3>}
// CHECK: tensor.insert_slice %[[T]]#0 into %[[O2]][0, %[[M]], %[[H]], 0] [2, %[[SZ]], 1, 16]
// CHECK: tensor.insert_slice %[[T]]#1 into %[[L2]][0, %[[H]], %[[M]]] [2, 1, %[[SZ]]]
func.func @perms_mask_lse(%q: tensor<2x10x4x16xf32>, %k: tensor<2x4x12x16xf32>,
    %v: tensor<2x4x12x16xf32>, %m: tensor<1x1x10x12xi1>, %o: tensor<2x10x4x16xf32>,
    %l: tensor<2x4x10xf32>) -> (tensor<2x10x4x16xf32>, tensor<2x4x10xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<2x10x4x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>)
         mask(%m : tensor<1x1x10x12xi1>) outs(%o : tensor<2x10x4x16xf32>) lse(%l : tensor<2x4x10xf32>)
         scale(0.25) {output_perm = array<i64: 0, 2, 1, 3>, query_perm = array<i64: 0, 2, 1, 3>}
         -> tensor<2x10x4x16xf32>, tensor<2x4x10xf32>
  return %r#0, %r#1 : tensor<2x10x4x16xf32>, tensor<2x4x10xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l:2 = transform.structured.tile_using_for %a tile_sizes [0, 1, 4]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// scf.forall with num_threads: 2 x 3 threads over 4 heads x 10 rows, tiles of
// 2 heads x 4 rows (the last ragged); a causal top_left tile's offset is its
// first row.
// CHECK-LABEL: func.func @num_threads(
// CHECK: scf.forall (%{{.+}}, %[[MI:.+]]) in (2, 3)
// CHECK: %[[M:.+]] = affine.apply #{{.+}}(%[[MI]])
// CHECK: attn.attention {{.*}} : tensor<2x?x16xf32>, tensor<2x12x16xf32>, tensor<2x12x16xf32>) {{.*}} causal<top_left> causal_offset(%[[M]])
func.func @num_threads(%q: tensor<4x10x16xf32>, %k: tensor<4x12x16xf32>,
    %v: tensor<4x12x16xf32>, %o: tensor<4x10x16xf32>) -> tensor<4x10x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<4x10x16xf32>, tensor<4x12x16xf32>, tensor<4x12x16xf32>)
         outs(%o : tensor<4x10x16xf32>) scale(0.25) causal<top_left> -> tensor<4x10x16xf32>
  return %r : tensor<4x10x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %t, %l = transform.structured.tile_using_forall %a num_threads [2, 3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// Tile-and-fuse: tiling the consumer pulls the attention into its loops
// through generateResultTileValue (a tile of every Dv column).
// CHECK-LABEL: func.func @fuse_into_consumer(
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for %[[M:.+]] = %{{.+}} to %{{.+}} step %c5
// CHECK: %[[A:.+]] = attn.attention {{.*}} -> tensor<1x2x5x16xf32>
// CHECK: linalg.generic {{.*}} ins(%[[A]] : tensor<1x2x5x16xf32>)
#id = affine_map<(b, h, s, e) -> (b, h, s, e)>
func.func @fuse_into_consumer(%q: tensor<2x4x10x16xf32>, %k: tensor<2x4x12x16xf32>,
    %v: tensor<2x4x12x16xf32>, %o: tensor<2x4x10x16xf32>) -> tensor<2x4x10x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x4x10x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>)
         outs(%o : tensor<2x4x10x16xf32>) scale(0.25) causal<bottom_right> -> tensor<2x4x10x16xf32>
  %e = tensor.empty() : tensor<2x4x10x16xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<2x4x10x16xf32>) outs(%e : tensor<2x4x10x16xf32>) {
  ^bb0(%x: f32, %y: f32):
    %s = arith.mulf %x, %x : f32
    linalg.yield %s : f32
  } -> tensor<2x4x10x16xf32>
  return %g : tensor<2x4x10x16xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %g = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %f, %l:3 = transform.structured.fuse %g tile_sizes [1, 2, 5, 0]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

// The key dimension split three ways with tile_reduction_using_forall: each
// chunk of 4 keys writes a normalised f32 output and a log-sum-exp into its
// slot (its causal diagonal shifted by the chunk's first key), then the
// slots merge through their log-sum-exps and the result is cast to f16.
// CHECK-DAG: #[[$KEYS:.+]] = affine_map<(d0) -> (d0 * 4)>
// CHECK-DAG: #[[$DIAG:.+]] = affine_map<(d0) -> (d0 * -4 + 2)>
// CHECK-LABEL: func.func @split_keys(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x10x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x12x16xf32>
// CHECK-DAG: %[[PO:.+]] = linalg.fill {{.*}} -> tensor<2x10x8x3xf32>
// CHECK-DAG: %[[PL:.+]] = linalg.fill {{.*}} -> tensor<2x10x3xf32>
// CHECK: %[[F:.+]]:2 = scf.forall (%[[S:.+]]) in (3) shared_outs(%[[O:.+]] = %[[PO]], %[[L:.+]] = %[[PL]])
// CHECK: %[[N:.+]] = affine.apply #[[$KEYS]](%[[S]])
// CHECK: %[[KT:.+]] = tensor.extract_slice %[[K]][0, %[[N]], 0] [2, 4, 16]
// CHECK: %[[OFF:.+]] = affine.apply #[[$DIAG]](%[[S]])
// CHECK: %[[OS:.+]] = tensor.extract_slice %[[O]][0, 0, 0, %[[S]]] [2, 10, 8, 1] [1, 1, 1, 1] : tensor<2x10x8x3xf32> to tensor<2x10x8xf32>
// CHECK: %[[LS:.+]] = tensor.extract_slice %[[L]][0, 0, %[[S]]] [2, 10, 1] [1, 1, 1] : tensor<2x10x3xf32> to tensor<2x10xf32>
// CHECK: %[[T:.+]]:2 = attn.attention ins(%[[Q]], %[[KT]], %{{.+}} : {{.*}}) outs(%[[OS]] : tensor<2x10x8xf32>) lse(%[[LS]] : tensor<2x10xf32>) scale(2.500000e-01) causal<top_left> causal_offset(%[[OFF]])
// CHECK: tensor.parallel_insert_slice %[[T]]#0 into %[[O]][0, 0, 0, %[[S]]] [2, 10, 8, 1]
// CHECK: tensor.parallel_insert_slice %[[T]]#1 into %[[L]][0, 0, %[[S]]] [2, 10, 1]
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} ins(%[[F]]#1 : tensor<2x10x3xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} ins(%[[F]]#1, %[[MAX]] : tensor<2x10x3xf32>, tensor<2x10xf32>)
// CHECK: math.exp
// CHECK: %[[LSE:.+]] = linalg.generic {{.*}} ins(%[[MAX]], %[[SUM]] : tensor<2x10xf32>, tensor<2x10xf32>)
// CHECK: math.log
// CHECK: %[[ACC:.+]] = linalg.generic {{.*}} ins(%[[F]]#0, %[[F]]#1, %[[LSE]] : tensor<2x10x8x3xf32>, tensor<2x10x3xf32>, tensor<2x10xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]] : tensor<2x10x8xf32>) outs(%{{.+}} : tensor<2x10x8xf16>)
// CHECK: arith.truncf
func.func @split_keys(%q: tensor<2x10x16xf32>, %k: tensor<2x12x16xf32>,
    %v: tensor<2x12x8xf32>, %o: tensor<2x10x8xf16>) -> tensor<2x10x8xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<2x10x16xf32>, tensor<2x12x16xf32>, tensor<2x12x8xf32>)
         outs(%o : tensor<2x10x8xf16>) scale(0.25) causal<bottom_right> -> tensor<2x10x8xf16>
  return %r : tensor<2x10x8xf16>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %a = transform.structured.match ops{["attn.attention"]} in %root : (!transform.any_op) -> !transform.any_op
    %fill:2, %split, %merge, %forall = transform.structured.tile_reduction_using_forall %a
        by num_threads = [0, 0, 3]
        : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}
