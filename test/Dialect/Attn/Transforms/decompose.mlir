// RUN: attn-opt %s -split-input-file --attn-decompose | FileCheck %s

// The whole reference sequence, f32, no mask: S = Q·Kᵀ into a zero-filled
// [B, H, Sq, Sk] buffer, scale, row max from -inf, exp(s - max) (0 for a
// row whose max is -inf), row sum, divide (0 for a zero sum), P·V into a
// zero-filled buffer, copy into the init.

// CHECK-DAG: #[[$QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[$SMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @no_mask_f32(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x4x5x8xf32>, %[[K:[a-z0-9]+]]: tensor<2x4x7x8xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x7x8xf32>, %[[INIT:[a-z0-9]+]]: tensor<2x4x5x8xf32>
// CHECK-DAG: %[[SCALE:.+]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SEMPTY:.+]] = tensor.empty() : tensor<2x4x5x7xf32>
// CHECK: %[[SINIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[SEMPTY]] : tensor<2x4x5x7xf32>)
// CHECK: %[[S:.+]] = linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP]], #[[$SMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[Q]], %[[K]] : {{.*}}) outs(%[[SINIT]] : tensor<2x4x5x7xf32>)
// CHECK-NEXT: ^bb0(%[[QE:.+]]: f32, %[[KE:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[QE]], %[[KE]] : f32
// CHECK-NEXT: %[[SUM:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]]
// CHECK: %[[SCALED:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[S]] : {{.*}})
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %[[SCALE]] : f32
// CHECK-NEXT: linalg.yield %[[X]]
// CHECK: %[[MEMPTY:.+]] = tensor.empty() : tensor<2x4x5xf32>
// CHECK: %[[MINIT:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[MEMPTY]] : tensor<2x4x5xf32>)
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[SCALED]] : {{.*}}) outs(%[[MINIT]] : {{.*}})
// CHECK: arith.maximumf
// CHECK: %[[EXP:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], {{.*}} ins(%[[SCALED]], %[[MAX]] : {{.*}})
// CHECK-NEXT: ^bb0(%[[XE:.+]]: f32, %[[ME:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[EMPTYROW:.+]] = arith.cmpf oeq, %[[ME]], %[[NEGINF]] : f32
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[XE]], %[[ME]] : f32
// CHECK-NEXT: %[[E:.+]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[E0:.+]] = arith.select %[[EMPTYROW]], %[[ZERO]], %[[E]] : f32
// CHECK-NEXT: linalg.yield %[[E0]]
// CHECK: %[[LINIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.+}} : tensor<2x4x5xf32>)
// CHECK: %[[L:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[EXP]] : {{.*}}) outs(%[[LINIT]] : {{.*}})
// CHECK: arith.addf
// CHECK: %[[PROBS:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]], {{.*}} ins(%[[EXP]], %[[L]] : {{.*}})
// CHECK-NEXT: ^bb0(%[[EE:.+]]: f32, %[[LE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[ZEROSUM:.+]] = arith.cmpf oeq, %[[LE]], %[[ZERO]] : f32
// CHECK-NEXT: %[[DIV:.+]] = arith.divf %[[EE]], %[[LE]] : f32
// CHECK-NEXT: %[[P0:.+]] = arith.select %[[ZEROSUM]], %[[ZERO]], %[[DIV]] : f32
// CHECK-NEXT: linalg.yield %[[P0]]
// CHECK: %[[OEMPTY:.+]] = tensor.empty() : tensor<2x4x5x8xf32>
// CHECK: %[[OINIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[OEMPTY]] : tensor<2x4x5x8xf32>)
// CHECK: %[[PV:.+]] = linalg.generic {indexing_maps = [#[[$QMAP]], #[[$VMAP]], #[[$SMAP]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[PROBS]], %[[V]] : {{.*}}) outs(%[[OINIT]] : {{.*}})
// CHECK: %[[OUT:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]]], {{.*}} ins(%[[PV]] : {{.*}}) outs(%[[INIT]] : tensor<2x4x5x8xf32>)
// CHECK-NEXT: ^bb0(%[[OE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[OE]] : f32
// CHECK: return %[[OUT]]
// CHECK-NOT: attn.attention
func.func @no_mask_f32(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>, %v: tensor<2x4x7x8xf32>,
                       %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         outs(%init : tensor<2x4x5x8xf32>) scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// An additive f16 mask broadcast over batch and heads: read at (0, 0, m, n),
// extended to f32 and added after the scale.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (0, 0, d2, d3)>
// CHECK-LABEL: func.func @additive_mask_broadcast_over_batch_and_heads(
// CHECK-SAME: %[[MASK:[a-z0-9]+]]: tensor<1x1x5x7xf16>
// CHECK: %[[S:.+]] = linalg.generic {{.*}}"reduction"]
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$MASK]], #[[$ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[S]], %[[MASK]] : tensor<2x4x5x7xf32>, tensor<1x1x5x7xf16>)
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %[[ME:.+]]: f16, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[MF:.+]] = arith.extf %[[ME]] : f16 to f32
// CHECK-NEXT: %[[Y:.+]] = arith.addf %[[X]], %[[MF]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @additive_mask_broadcast_over_batch_and_heads(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %mask: tensor<1x1x5x7xf16>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%mask : tensor<1x1x5x7xf16>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// A rank-2 mask is right-aligned: it indexes (m, n) of the scores.

// CHECK-DAG: #[[$MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @additive_mask_rank2_right_aligned(
// CHECK-SAME: %[[MASK:[a-z0-9]+]]: tensor<5x7xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$MASK]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[MASK]] : tensor<2x4x5x7xf32>, tensor<5x7xf32>)
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %[[ME:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[Y:.+]] = arith.addf %[[X]], %[[ME]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @additive_mask_rank2_right_aligned(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %mask: tensor<5x7xf32>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%mask : tensor<5x7xf32>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// An i1 keep-mask selects the scaled score or -inf.

// CHECK-DAG: #[[$MASK:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, d3)>
// CHECK-LABEL: func.func @bool_mask_select(
// CHECK-SAME: %[[MASK:[a-z0-9]+]]: tensor<2x4x1x7xi1>
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$MASK]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[MASK]] : tensor<2x4x5x7xf32>, tensor<2x4x1x7xi1>)
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %[[KEEP:.+]]: i1, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[Y:.+]] = arith.select %[[KEEP]], %[[X]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @bool_mask_select(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x7x8xf32>,
    %v: tensor<2x4x7x8xf32>, %mask: tensor<2x4x1x7xi1>, %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>, tensor<2x4x7x8xf32>)
         mask(%mask : tensor<2x4x1x7xi1>) outs(%init : tensor<2x4x5x8xf32>)
         scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// causal<top_left>: keep key n for query m iff n <= m.

// CHECK-LABEL: func.func @causal_top_left(
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[M:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[N:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[KEEP:.+]] = arith.cmpi sle, %[[N]], %[[M]] : index
// CHECK-NEXT: %[[Y:.+]] = arith.select %[[KEEP]], %[[X]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @causal_top_left(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
                           %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(0.5) causal<top_left> -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// causal<bottom_right> with Sq = 5 < Sk = 7: keep n <= m + 2.

// CHECK-LABEL: func.func @causal_bottom_right_fewer_queries(
// CHECK-DAG: %[[OFF:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0(%[[SE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[X:.+]] = arith.mulf %[[SE]], %{{.+}} : f32
// CHECK-NEXT: %[[M:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[N:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[LIMIT:.+]] = arith.addi %[[M]], %[[OFF]] : index
// CHECK-NEXT: %[[KEEP:.+]] = arith.cmpi sle, %[[N]], %[[LIMIT]] : index
// CHECK-NEXT: %[[Y:.+]] = arith.select %[[KEEP]], %[[X]], %[[NEGINF]] : f32
func.func @causal_bottom_right_fewer_queries(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
                                             %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(0.5) causal<bottom_right> -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// causal<bottom_right> with Sq = 7 > Sk = 5: keep n <= m - 2 (the first two
// query rows see no key).

// CHECK-LABEL: func.func @causal_bottom_right_more_queries(
// CHECK-DAG: %[[OFF:.+]] = arith.constant -2 : index
// CHECK: %[[M:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[N:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[LIMIT:.+]] = arith.addi %[[M]], %[[OFF]] : index
// CHECK-NEXT: arith.cmpi sle, %[[N]], %[[LIMIT]] : index
func.func @causal_bottom_right_more_queries(%q: tensor<4x7x8xf32>, %k: tensor<4x5x8xf32>, %v: tensor<4x5x8xf32>,
                                            %init: tensor<4x7x8xf32>) -> tensor<4x7x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x7x8xf32>, tensor<4x5x8xf32>, tensor<4x5x8xf32>)
         outs(%init : tensor<4x7x8xf32>) scale(1.0) causal<bottom_right> -> tensor<4x7x8xf32>
  return %o : tensor<4x7x8xf32>
}

// -----

// GQA, Hq = 4, Hkv = 2: query head h reads key/value head h floordiv 2, in
// both contractions.

// CHECK-DAG: #[[$QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-LABEL: func.func @gqa_kv_head_index(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x4x5x8xf32>, %[[K:[a-z0-9]+]]: tensor<2x2x7x8xf32>, %[[V:[a-z0-9]+]]: tensor<2x2x7x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP]], #{{.+}}], {{.*}} ins(%[[Q]], %[[K]] :
// CHECK: linalg.generic {indexing_maps = [#[[$QMAP]], #[[$VMAP]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[V]] :
// CHECK-SAME: outs(%{{.+}} : tensor<2x4x5x16xf32>)
func.func @gqa_kv_head_index(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x7x8xf32>, %v: tensor<2x2x7x16xf32>,
                             %init: tensor<2x4x5x16xf32>) -> tensor<2x4x5x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x2x7x8xf32>, tensor<2x2x7x16xf32>)
         outs(%init : tensor<2x4x5x16xf32>) scale(0.125) -> tensor<2x4x5x16xf32>
  return %o : tensor<2x4x5x16xf32>
}

// -----

// MQA, Hq = 4, Hkv = 1: every query head reads head 0 (h floordiv 4).

// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d3, d4)>
// CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 4, d4, d3)>
// CHECK-LABEL: func.func @mqa_single_kv_head(
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<2x1x7x8xf32>, %[[V:[a-z0-9]+]]: tensor<2x1x7x8xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$KMAP]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[K]] :
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$VMAP]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[V]] :
func.func @mqa_single_kv_head(%q: tensor<2x4x5x8xf32>, %k: tensor<2x1x7x8xf32>, %v: tensor<2x1x7x8xf32>,
                              %init: tensor<2x4x5x8xf32>) -> tensor<2x4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x4x5x8xf32>, tensor<2x1x7x8xf32>, tensor<2x1x7x8xf32>)
         outs(%init : tensor<2x4x5x8xf32>) scale(0.125) -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// [B, S, H, D] storage (perm 0, 2, 1, 3) of every operand, with GQA: the
// operands are read in place through permuted maps; the scores stay logical
// [B, H, Sq, Sk]; the result is written through the output permutation.

// CHECK-DAG: #[[$QMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1 floordiv 2, d4)>
// CHECK-DAG: #[[$VMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d4, d1 floordiv 2, d3)>
// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[$OMAP:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-LABEL: func.func @perms_bshd(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<2x5x4x8xf32>, %[[K:[a-z0-9]+]]: tensor<2x7x2x8xf32>, %[[V:[a-z0-9]+]]: tensor<2x7x2x16xf32>, %[[INIT:[a-z0-9]+]]: tensor<2x5x4x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[$QMAP]], #[[$KMAP]], #{{.+}}], {{.*}} ins(%[[Q]], %[[K]] : {{.*}}) outs(%{{.+}} : tensor<2x4x5x7xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$VMAP]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[V]] : {{.*}}) outs(%{{.+}} : tensor<2x4x5x16xf32>)
// CHECK: %[[OUT:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$OMAP]]], {{.*}} outs(%[[INIT]] : tensor<2x5x4x16xf32>)
// CHECK: return %[[OUT]]
func.func @perms_bshd(%q: tensor<2x5x4x8xf32>, %k: tensor<2x7x2x8xf32>, %v: tensor<2x7x2x16xf32>,
                      %init: tensor<2x5x4x16xf32>) -> tensor<2x5x4x16xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<2x5x4x8xf32>, tensor<2x7x2x8xf32>, tensor<2x7x2x16xf32>)
         outs(%init : tensor<2x5x4x16xf32>) scale(0.25)
         {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>,
          value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>} -> tensor<2x5x4x16xf32>
  return %o : tensor<2x5x4x16xf32>
}

// -----

// The lse result is max + log(sum) of the row statistics, written into the
// lse init.

// CHECK-DAG: #[[$ROWID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @lse_result(
// CHECK-SAME: %[[INIT:[a-z0-9]+]]: tensor<4x5x8xf32>, %[[LINIT:[a-z0-9]+]]: tensor<4x5xf32>
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<4x5xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<4x5xf32>)
// CHECK: arith.addf
// CHECK: %[[OUT:.+]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<4x5x8xf32>)
// CHECK: %[[LSE:.+]] = linalg.generic {indexing_maps = [#[[$ROWID]], #[[$ROWID]], #[[$ROWID]]], iterator_types = ["parallel", "parallel"]} ins(%[[MAX]], %[[SUM]] : tensor<4x5xf32>, tensor<4x5xf32>) outs(%[[LINIT]] : tensor<4x5xf32>)
// CHECK-NEXT: ^bb0(%[[ME:.+]]: f32, %[[SE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[LOG:.+]] = math.log %[[SE]] : f32
// CHECK-NEXT: %[[L:.+]] = arith.addf %[[ME]], %[[LOG]] : f32
// CHECK-NEXT: linalg.yield %[[L]] : f32
// CHECK: return %[[OUT]], %[[LSE]]
func.func @lse_result(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
                      %init: tensor<4x5x8xf32>, %linit: tensor<4x5xf32>) -> (tensor<4x5x8xf32>, tensor<4x5xf32>) {
  %o:2 = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
           outs(%init : tensor<4x5x8xf32>) lse(%linit : tensor<4x5xf32>)
           scale(0.5) -> tensor<4x5x8xf32>, tensor<4x5xf32>
  return %o#0, %o#1 : tensor<4x5x8xf32>, tensor<4x5xf32>
}

// -----

// f16 operands: both contractions extend to f32 and accumulate in f32; the
// result is truncated to f16 only when written into the init.

// CHECK-LABEL: func.func @f16_accumulates_in_f32(
// CHECK-SAME: %{{[a-z0-9]+}}: tensor<4x5x8xf16>, %{{[a-z0-9]+}}: tensor<4x7x8xf16>, %{{[a-z0-9]+}}: tensor<4x7x8xf16>, %[[INIT:[a-z0-9]+]]: tensor<4x5x8xf16>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<4x5x7xf32>)
// CHECK-NEXT: ^bb0(%[[QE:.+]]: f16, %[[KE:.+]]: f16, %[[ACC:.+]]: f32):
// CHECK-DAG: %[[K32:.+]] = arith.extf %[[KE]] : f16 to f32
// CHECK-DAG: %[[Q32:.+]] = arith.extf %[[QE]] : f16 to f32
// CHECK: %[[P:.+]] = arith.mulf %[[Q32]], %[[K32]] : f32
// CHECK-NEXT: arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<4x5x8xf32>)
// CHECK-NEXT: ^bb0(%[[PE:.+]]: f32, %[[VE:.+]]: f16, %[[ACC2:.+]]: f32):
// CHECK-NEXT: %[[V32:.+]] = arith.extf %[[VE]] : f16 to f32
// CHECK-NEXT: %[[PV:.+]] = arith.mulf %[[PE]], %[[V32]] : f32
// CHECK-NEXT: arith.addf %[[ACC2]], %[[PV]] : f32
// CHECK: %[[OUT:.+]] = linalg.generic {{.*}} ins(%{{.+}} : tensor<4x5x8xf32>) outs(%[[INIT]] : tensor<4x5x8xf16>)
// CHECK-NEXT: ^bb0(%[[OE:.+]]: f32, %{{.+}}: f16):
// CHECK-NEXT: %[[T:.+]] = arith.truncf %[[OE]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
// CHECK: return %[[OUT]]
func.func @f16_accumulates_in_f32(%q: tensor<4x5x8xf16>, %k: tensor<4x7x8xf16>, %v: tensor<4x7x8xf16>,
                                  %init: tensor<4x5x8xf16>) -> tensor<4x5x8xf16> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf16>, tensor<4x7x8xf16>, tensor<4x7x8xf16>)
         outs(%init : tensor<4x5x8xf16>) scale(0.125) -> tensor<4x5x8xf16>
  return %o : tensor<4x5x8xf16>
}

// -----

// bf16 operands with an f32 output: extended on read, no truncation at the end.

// CHECK-LABEL: func.func @bf16_in_f32_out(
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<4x5x8xf32>) outs(%{{.+}} : tensor<4x5x8xf32>)
// CHECK-NEXT: ^bb0(%[[OE:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[OE]] : f32
// CHECK-NOT: arith.truncf
func.func @bf16_in_f32_out(%q: tensor<4x5x8xbf16>, %k: tensor<4x7x8xbf16>, %v: tensor<4x7x8xbf16>,
                           %init: tensor<4x5x8xf32>) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xbf16>, tensor<4x7x8xbf16>, tensor<4x7x8xbf16>)
         outs(%init : tensor<4x5x8xf32>) scale(0.125) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}

// -----

// Dynamic sequence lengths, static heads: buffers are sized from tensor.dim,
// and the bottom-right causal offset is Sk - Sq at run time.

// CHECK-DAG: #[[$KMAP:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-LABEL: func.func @dynamic_seq_causal_bottom_right(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x4x?x8xf32>, %[[K:[a-z0-9]+]]: tensor<?x2x?x8xf32>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[Q]], %[[C0]]
// CHECK-DAG: %[[SQ:.+]] = tensor.dim %[[Q]], %[[C2]]
// CHECK-DAG: %[[SK:.+]] = tensor.dim %[[K]], %[[C2]]
// CHECK: tensor.empty(%[[B]], %[[SQ]], %[[SK]]) : tensor<?x4x?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[$KMAP]], #{{.+}}], {{.*}} ins(%[[Q]], %[[K]] :
// CHECK: %[[OFF:.+]] = arith.subi %[[SK]], %[[SQ]] : index
// CHECK: linalg.generic
// CHECK: %[[M:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[N:.+]] = linalg.index 3 : index
// CHECK-NEXT: %[[LIMIT:.+]] = arith.addi %[[M]], %[[OFF]] : index
// CHECK-NEXT: arith.cmpi sle, %[[N]], %[[LIMIT]] : index
// CHECK: return %{{.+}} : tensor<?x4x?x8xf32>
func.func @dynamic_seq_causal_bottom_right(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>,
                                           %init: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>)
         outs(%init : tensor<?x4x?x8xf32>) scale(0.125) causal<bottom_right> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Dynamic head counts: the group size Hq / Hkv is only known at run time, so
// K and V are first materialised with Hq heads, head h reading h / (Hq / Hkv).

// CHECK-LABEL: func.func @dynamic_heads_expand_kv(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x?x?x?xf32>, %[[K:[a-z0-9]+]]: tensor<?x?x?x?xf32>, %[[V:[a-z0-9]+]]: tensor<?x?x?x?xf32>
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[HQ:.+]] = tensor.dim %[[Q]], %[[C1]]
// CHECK-DAG: %[[HKV:.+]] = tensor.dim %[[K]], %[[C1]]
// CHECK: %[[G:.+]] = arith.divui %[[HQ]], %[[HKV]] : index
// CHECK: %[[KX:.+]] = linalg.generic
// CHECK: %[[H:.+]] = linalg.index 1 : index
// CHECK: %[[HK:.+]] = arith.divui %[[H]], %[[G]] : index
// CHECK: tensor.extract %[[K]][%{{.+}}, %[[HK]], %{{.+}}, %{{.+}}]
// CHECK: %[[VX:.+]] = linalg.generic
// CHECK: tensor.extract %[[V]]
// CHECK: linalg.generic {{.*}} ins(%[[Q]], %[[KX]] :
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[VX]] :
func.func @dynamic_heads_expand_kv(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                                   %init: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
         outs(%init : tensor<?x?x?x?xf32>) scale(0.125) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}

// -----

// A tile's causal offset moves the diagonal: bottom-right (Sk - Sq = 2) plus
// the offset, keep n <= m + (2 + off).

// CHECK-LABEL: func.func @causal_offset(
// CHECK-SAME: %[[OFF:[a-z0-9]+]]: index
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : index
// CHECK: %[[DIAG:.+]] = arith.addi %[[OFF]], %[[C2]] : index
// CHECK: %[[M:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[N:.+]] = linalg.index 2 : index
// CHECK-NEXT: %[[LIMIT:.+]] = arith.addi %[[M]], %[[DIAG]] : index
// CHECK-NEXT: arith.cmpi sle, %[[N]], %[[LIMIT]] : index
func.func @causal_offset(%q: tensor<4x5x8xf32>, %k: tensor<4x7x8xf32>, %v: tensor<4x7x8xf32>,
                         %init: tensor<4x5x8xf32>, %off: index) -> tensor<4x5x8xf32> {
  %o = attn.attention ins(%q, %k, %v : tensor<4x5x8xf32>, tensor<4x7x8xf32>, tensor<4x7x8xf32>)
         outs(%init : tensor<4x5x8xf32>) scale(0.5) causal<bottom_right> causal_offset(%off) -> tensor<4x5x8xf32>
  return %o : tensor<4x5x8xf32>
}
