// RUN: attn-opt %s --attn-tile="block-q=64 block-kv=32 split-kv=off" \
// RUN:   -split-input-file --canonicalize --cse | FileCheck %s
// RUN: attn-opt %s --attn-tile="block-q=64 block-kv=32 split-kv=on num-splits=4" \
// RUN:   -split-input-file --canonicalize --cse | FileCheck %s --check-prefix=SPLIT

// The loop nest walks heads, then query blocks (both from tiling through
// the TilingInterface), then key blocks; only [bq, bk] score tiles exist,
// never the 256x512 score matrix.
// CHECK-LABEL: func @no_full_score_matrix
// CHECK-SAME: %{{.+}}: tensor<1x2x256x64xf32>, %[[K:.+]]: tensor<1x2x512x64xf32>, %{{.+}}: tensor<1x2x512x64xf32>
// CHECK-NOT: tensor<256x512xf32>
// CHECK-NOT: tensor<1x2x256x512xf32>
// CHECK-DAG: %[[C32:.+]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG: %[[C512:.+]] = arith.constant 512 : index
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step %{{.+}} iter_args
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %[[C64]] iter_args
// CHECK: %[[KH:.+]] = tensor.extract_slice %[[K]][0, %[[H]], 0, 0] [1, 1, 512, 64]
// CHECK: scf.for %[[KS:.+]] = %{{.+}} to %[[C512]] step %[[C32]] iter_args
// CHECK: tensor.extract_slice %[[KH]][0, 0, %[[KS]], 0]
// CHECK: math.exp2
// CHECK-NOT: arith.divf
// CHECK: scf.yield
// CHECK: arith.divf
// CHECK-NOT: tensor<256x512xf32>
// CHECK-NOT: tensor<1x2x256x512xf32>
// CHECK: return

// Split-KV: a loop over 4 chunks writing [4, bq, Dv] partials, then a
// combination over the split axis.
// SPLIT-LABEL: func @no_full_score_matrix
// SPLIT-NOT: tensor<256x512xf32>
// SPLIT: scf.for
// SPLIT: scf.for
// SPLIT: scf.for %{{.+}} = %{{.+}} to %c4 step %{{.+}} iter_args({{.+}}) -> (tensor<4x[[BQ:[0-9?]+]]x64xf32>, tensor<4x[[BQ]]xf32>, tensor<4x[[BQ]]xf32>)
// SPLIT: scf.for
// SPLIT: tensor.insert_slice %{{.+}} into %{{.+}}[%{{.+}}, 0, 0] [1, {{.+}}, 64] [1, 1, 1] : tensor<[[BQ]]x64xf32> into tensor<4x[[BQ]]x64xf32>
// SPLIT: linalg.generic {{.+}} iterator_types = ["parallel", "reduction"]} ins(%{{.+}} : tensor<4x[[BQ]]xf32>)
// SPLIT: arith.maximumf
// SPLIT-NOT: tensor<256x512xf32>
// SPLIT: return
func.func @no_full_score_matrix(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x512x64xf32>,
                                %v: tensor<1x2x512x64xf32>, %o: tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x256x64xf32>, tensor<1x2x512x64xf32>, tensor<1x2x512x64xf32>)
         outs(%o : tensor<1x2x256x64xf32>) scale(0.125) -> tensor<1x2x256x64xf32>
  return %r : tensor<1x2x256x64xf32>
}

// -----

// Causal: each query block is a tile with causal_offset qs + (Sk - Sq); its
// key loop ends at min(qs + (Sk - Sq) + bq, Sk); blocks below the diagonal
// run without the element mask, the rest with it.
// CHECK-DAG: #[[$DIAG:.+]] = affine_map<(d0) -> (d0 + 64)>
// CHECK-LABEL: func @causal_kv_bound_from_query_block
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK-DAG: %[[C192:.+]] = arith.constant 192 : index
// CHECK: scf.for %[[QS:.+]] = %{{.+}} to %{{.+}} step %[[C64]] iter_args
// CHECK: %[[DIAG:.+]] = affine.apply #[[$DIAG]](%[[QS]])
// CHECK: %[[E1:.+]] = arith.addi %[[DIAG]], %[[C64]] :
// CHECK: %[[E2:.+]] = arith.minsi %[[E1]], %[[C192]]
// CHECK: %[[END:.+]] = arith.maxsi %[[E2]], %{{.+}}
// CHECK: %[[FULL:.+]] = arith.muli %{{.+}}, %c32
// CHECK: arith.minsi %[[END]], %[[FULL]]
// CHECK-NEXT: %[[MID:.+]] = arith.maxsi
// CHECK: scf.for %{{.+}} = %{{.+}} to %[[MID]]
// CHECK-NOT: arith.cmpi sle
// CHECK: scf.yield
// CHECK: scf.for %{{.+}} = %[[MID]] to %[[END]]
// CHECK: arith.cmpi sle
// CHECK: scf.yield
func.func @causal_kv_bound_from_query_block(%q: tensor<1x1x128x16xf32>, %k: tensor<1x1x192x16xf32>,
                                            %v: tensor<1x1x192x16xf32>, %o: tensor<1x1x128x16xf32>) -> tensor<1x1x128x16xf32> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x1x128x16xf32>, tensor<1x1x192x16xf32>, tensor<1x1x192x16xf32>)
         outs(%o : tensor<1x1x128x16xf32>) scale(0.25) causal<bottom_right> -> tensor<1x1x128x16xf32>
  return %r : tensor<1x1x128x16xf32>
}

// -----

// GQA reads the shared K/V head h / G in place: no copy of K or V with Hq heads.
// CHECK-DAG: #[[$GROUP:.+]] = affine_map<(d0) -> (d0 floordiv 4)>
// CHECK-LABEL: func @gqa_indexes_shared_head
// CHECK-NOT: tensor<1x8x64x16xf16>
// CHECK: scf.for %[[H:.+]] = %{{.+}} to %{{.+}} step
// CHECK: %[[HK:.+]] = affine.apply #[[$GROUP]](%[[H]])
// CHECK: tensor.extract_slice %{{.+}}[0, %[[HK]], 0, 0] [1, 1, 64, 16] [1, 1, 1, 1] : tensor<1x2x64x16xf16>
func.func @gqa_indexes_shared_head(%q: tensor<1x8x32x16xf16>, %k: tensor<1x2x64x16xf16>,
                                   %v: tensor<1x2x64x16xf16>, %o: tensor<1x8x32x16xf16>) -> tensor<1x8x32x16xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x32x16xf16>, tensor<1x2x64x16xf16>, tensor<1x2x64x16xf16>)
         outs(%o : tensor<1x8x32x16xf16>) scale(0.25) -> tensor<1x8x32x16xf16>
  return %r : tensor<1x8x32x16xf16>
}
