// [B,S,H,D] f16 with transposes, batch_matmul and causal mask.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.unfused
// RUN: %attn-check reference %t.unfused --scale 0.25 --causal bottom_right --tol 1e-2 \
// RUN:   | FileCheck %s --check-prefix=REF
// RUN: attn-opt %s --attn-fuse --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.fused
// RUN: %attn-check compare %t.fused %t.unfused --tol 1e-2 \
// RUN:   | FileCheck %s --check-prefix=CMP
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// REF: PASS
// CMP: PASS

// CHECK-LABEL: func.func @attention
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: linalg.transpose
// CHECK: attn.attention
// CHECK-SAME: scale(2.500000e-01)
// CHECK-SAME: causal<bottom_right>
// CHECK-SAME: key_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: output_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: query_perm = array<i64: 0, 2, 1, 3>
// CHECK-SAME: value_perm = array<i64: 0, 2, 1, 3>
// CHECK-NOT: linalg.generic
// CHECK-NOT: linalg.softmax
// CHECK-NOT: linalg.batch_matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.broadcast
// CHECK-NOT: linalg.transpose
// CHECK: return
// CHECK-LABEL: func.func @main

#fill_map = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1].
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [#fill_map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<?x?x?x?xf32>) {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %f0 = arith.index_cast %i0 : index to i32
    %f1 = arith.index_cast %i1 : index to i32
    %f2 = arith.index_cast %i2 : index to i32
    %f3 = arith.index_cast %i3 : index to i32
    %g0 = arith.sitofp %f0 : i32 to f32
    %g1 = arith.sitofp %f1 : i32 to f32
    %g2 = arith.sitofp %f2 : i32 to f32
    %g3 = arith.sitofp %f3 : i32 to f32
    %c0 = arith.constant 1.37 : f32
    %c1 = arith.constant 2.71 : f32
    %c2 = arith.constant 0.577 : f32
    %c3 = arith.constant 1.913 : f32
    %a0 = arith.mulf %g0, %c0 : f32
    %a1 = arith.mulf %g1, %c1 : f32
    %a2 = arith.mulf %g2, %c2 : f32
    %a3 = arith.mulf %g3, %c3 : f32
    %s0 = arith.addf %a0, %a1 : f32
    %s1 = arith.addf %a2, %a3 : f32
    %s2 = arith.addf %s0, %s1 : f32
    %s3 = arith.mulf %s2, %seed : f32
    %v = math.sin %s3 : f32
    linalg.yield %v : f32
  } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

func.func @print(%t: tensor<?x?x?x?xf32>) {
  %u = tensor.cast %t : tensor<?x?x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @cvt_f32_f16(%t: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %d0 = tensor.dim %t, %c0 : tensor<?x?x?x?xf32>
  %d1 = tensor.dim %t, %c1 : tensor<?x?x?x?xf32>
  %d2 = tensor.dim %t, %c2 : tensor<?x?x?x?xf32>
  %d3 = tensor.dim %t, %c3 : tensor<?x?x?x?xf32>
  %e = tensor.empty(%d0, %d1, %d2, %d3) : tensor<?x?x?x?xf16>
  %r = linalg.generic {indexing_maps = [#fill_map, #fill_map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<?x?x?x?xf32>) outs(%e : tensor<?x?x?x?xf16>) {
  ^bb0(%a: f32, %o: f16):
    %x = arith.truncf %a : f32 to f16
    linalg.yield %x : f16
  } -> tensor<?x?x?x?xf16>
  return %r : tensor<?x?x?x?xf16>
}

func.func @cvt_f16_f32(%t: tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %d0 = tensor.dim %t, %c0 : tensor<?x?x?x?xf16>
  %d1 = tensor.dim %t, %c1 : tensor<?x?x?x?xf16>
  %d2 = tensor.dim %t, %c2 : tensor<?x?x?x?xf16>
  %d3 = tensor.dim %t, %c3 : tensor<?x?x?x?xf16>
  %e = tensor.empty(%d0, %d1, %d2, %d3) : tensor<?x?x?x?xf32>
  %r = linalg.generic {indexing_maps = [#fill_map, #fill_map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%t : tensor<?x?x?x?xf16>) outs(%e : tensor<?x?x?x?xf32>) {
  ^bb0(%a: f16, %o: f32):
    %x = arith.extf %a : f16 to f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

func.func @attention(%q: tensor<2x5x2x16xf16>, %k: tensor<2x7x2x16xf16>, %v: tensor<2x7x2x16xf16>) -> tensor<2x5x2x16xf16> {
  %init1 = tensor.empty() : tensor<2x2x5x16xf16>
  %tr2 = linalg.transpose ins(%q : tensor<2x5x2x16xf16>) outs(%init1 : tensor<2x2x5x16xf16>) permutation = [0, 2, 1, 3]
  %init3 = tensor.empty() : tensor<2x2x7x16xf16>
  %tr4 = linalg.transpose ins(%k : tensor<2x7x2x16xf16>) outs(%init3 : tensor<2x2x7x16xf16>) permutation = [0, 2, 1, 3]
  %init5 = tensor.empty() : tensor<2x2x7x16xf16>
  %tr6 = linalg.transpose ins(%v : tensor<2x7x2x16xf16>) outs(%init5 : tensor<2x2x7x16xf16>) permutation = [0, 2, 1, 3]
  %qc7 = tensor.collapse_shape %tr2 [[0, 1], [2], [3]] : tensor<2x2x5x16xf16> into tensor<4x5x16xf16>
  %kc8 = tensor.collapse_shape %tr4 [[0, 1], [2], [3]] : tensor<2x2x7x16xf16> into tensor<4x7x16xf16>
  %init9 = tensor.empty() : tensor<4x5x7xf32>
  %cst10 = arith.constant 0.000000e+00 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %init13 = tensor.empty() : tensor<4x16x7xf16>
  %kt14 = linalg.transpose ins(%kc8 : tensor<4x7x16xf16>) outs(%init13 : tensor<4x16x7xf16>) permutation = [0, 2, 1]
  %bmm12 = linalg.batch_matmul ins(%qc7, %kt14 : tensor<4x5x16xf16>, tensor<4x16x7xf16>) outs(%fill11 : tensor<4x5x7xf32>) -> tensor<4x5x7xf32>
  %s415 = tensor.expand_shape %bmm12 [[0, 1], [2], [3]] output_shape [2, 2, 5, 7] : tensor<4x5x7xf32> into tensor<2x2x5x7xf32>
  %init16 = tensor.empty() : tensor<2x2x5x7xf32>
  %r17 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s415 : tensor<2x2x5x7xf32>) outs(%init16 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init18 = tensor.empty() : tensor<2x2x5x7xf32>
  %r19 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r17 : tensor<2x2x5x7xf32>) outs(%init18 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %m = linalg.index 2 : index
    %n = linalg.index 3 : index
    %off = arith.constant 2 : index
    %mo = arith.addi %m, %off : index
    %bad = arith.cmpi ugt, %n, %mo : index
    %ninf = arith.constant 0xFF800000 : f32
    %x = arith.select %bad, %ninf, %a0 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init20 = tensor.empty() : tensor<2x2x5xf32>
  %cst21 = arith.constant 0xFF800000 : f32
  %fill22 = linalg.fill ins(%cst21 : f32) outs(%init20 : tensor<2x2x5xf32>) -> tensor<2x2x5xf32>
  %r23 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r19 : tensor<2x2x5x7xf32>) outs(%fill22 : tensor<2x2x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.maximumf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5xf32>
  %init24 = tensor.empty() : tensor<2x2x5x7xf32>
  %r25 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r19, %r23 : tensor<2x2x5x7xf32>, tensor<2x2x5xf32>) outs(%init24 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.subf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init26 = tensor.empty() : tensor<2x2x5x7xf32>
  %r27 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r25 : tensor<2x2x5x7xf32>) outs(%init26 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init28 = tensor.empty() : tensor<2x2x5xf32>
  %cst29 = arith.constant 0.000000e+00 : f32
  %fill30 = linalg.fill ins(%cst29 : f32) outs(%init28 : tensor<2x2x5xf32>) -> tensor<2x2x5xf32>
  %r31 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r27 : tensor<2x2x5x7xf32>) outs(%fill30 : tensor<2x2x5xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.addf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5xf32>
  %init32 = tensor.empty() : tensor<2x2x5x7xf32>
  %r33 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r27, %r31 : tensor<2x2x5x7xf32>, tensor<2x2x5xf32>) outs(%init32 : tensor<2x2x5x7xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.divf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<2x2x5x7xf32>
  %init34 = tensor.empty() : tensor<2x2x5x7xf16>
  %r35 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r33 : tensor<2x2x5x7xf32>) outs(%init34 : tensor<2x2x5x7xf16>) {
  ^bb0(%a0: f32, %a1: f16):
    %x = arith.truncf %a0 : f32 to f16
    linalg.yield %x : f16
  } -> tensor<2x2x5x7xf16>
  %init36 = tensor.empty() : tensor<2x2x5x16xf32>
  %cst37 = arith.constant 0.000000e+00 : f32
  %fill38 = linalg.fill ins(%cst37 : f32) outs(%init36 : tensor<2x2x5x16xf32>) -> tensor<2x2x5x16xf32>
  // expected-remark @below {{fused attention: causal, scale 0.25}}
  %r39 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%r35, %tr6 : tensor<2x2x5x7xf16>, tensor<2x2x7x16xf16>) outs(%fill38 : tensor<2x2x5x16xf32>) {
  ^bb0(%a0: f16, %a1: f16, %a2: f32):
    %x = arith.extf %a0 : f16 to f32
    %y = arith.extf %a1 : f16 to f32
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x5x16xf32>
  %init40 = tensor.empty() : tensor<2x2x5x16xf16>
  %r41 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r39 : tensor<2x2x5x16xf32>) outs(%init40 : tensor<2x2x5x16xf16>) {
  ^bb0(%a0: f32, %a1: f16):
    %x = arith.truncf %a0 : f32 to f16
    linalg.yield %x : f16
  } -> tensor<2x2x5x16xf16>
  %init42 = tensor.empty() : tensor<2x5x2x16xf16>
  %ot43 = linalg.transpose ins(%r41 : tensor<2x2x5x16xf16>) outs(%init42 : tensor<2x5x2x16xf16>) permutation = [0, 2, 1, 3]
  return %ot43 : tensor<2x5x2x16xf16>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %e_q = tensor.empty() : tensor<2x2x5x16xf32>
  %ed_q = tensor.cast %e_q : tensor<2x2x5x16xf32> to tensor<?x?x?x?xf32>
  %fd_q = call @fill(%ed_q, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %td_q = call @cvt_f32_f16(%fd_q) : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf16>
  %pd_q = call @cvt_f16_f32(%td_q) : (tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf32>
  %x_q = tensor.cast %td_q : tensor<?x?x?x?xf16> to tensor<2x2x5x16xf16>
  %te_q = tensor.empty() : tensor<2x5x2x16xf16>
  %tt_q = linalg.transpose ins(%x_q : tensor<2x2x5x16xf16>) outs(%te_q : tensor<2x5x2x16xf16>) permutation = [0, 2, 1, 3]
  %seed_k = arith.constant 1.7 : f32
  %e_k = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_k = tensor.cast %e_k : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_k = call @fill(%ed_k, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %td_k = call @cvt_f32_f16(%fd_k) : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf16>
  %pd_k = call @cvt_f16_f32(%td_k) : (tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf32>
  %x_k = tensor.cast %td_k : tensor<?x?x?x?xf16> to tensor<2x2x7x16xf16>
  %te_k = tensor.empty() : tensor<2x7x2x16xf16>
  %tt_k = linalg.transpose ins(%x_k : tensor<2x2x7x16xf16>) outs(%te_k : tensor<2x7x2x16xf16>) permutation = [0, 2, 1, 3]
  %seed_v = arith.constant 2.3 : f32
  %e_v = tensor.empty() : tensor<2x2x7x16xf32>
  %ed_v = tensor.cast %e_v : tensor<2x2x7x16xf32> to tensor<?x?x?x?xf32>
  %fd_v = call @fill(%ed_v, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %td_v = call @cvt_f32_f16(%fd_v) : (tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf16>
  %pd_v = call @cvt_f16_f32(%td_v) : (tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf32>
  %x_v = tensor.cast %td_v : tensor<?x?x?x?xf16> to tensor<2x2x7x16xf16>
  %te_v = tensor.empty() : tensor<2x7x2x16xf16>
  %tt_v = linalg.transpose ins(%x_v : tensor<2x2x7x16xf16>) outs(%te_v : tensor<2x7x2x16xf16>) permutation = [0, 2, 1, 3]
  %o = call @attention(%tt_q, %tt_k, %tt_v) : (tensor<2x5x2x16xf16>, tensor<2x7x2x16xf16>, tensor<2x7x2x16xf16>) -> tensor<2x5x2x16xf16>
  %oe = tensor.empty() : tensor<2x2x5x16xf16>
  %ol = linalg.transpose ins(%o : tensor<2x5x2x16xf16>) outs(%oe : tensor<2x2x5x16xf16>) permutation = [0, 2, 1, 3]
  %od = tensor.cast %ol : tensor<2x2x5x16xf16> to tensor<?x?x?x?xf16>
  %op = call @cvt_f16_f32(%od) : (tensor<?x?x?x?xf16>) -> tensor<?x?x?x?xf32>
  call @print(%pd_q) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%pd_k) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%pd_v) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%op) : (tensor<?x?x?x?xf32>) -> ()
  return
}
