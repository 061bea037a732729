// f16 at head dim 256, bottom-right causal: 200 query rows against 260
// keys, row i sees keys 0..i+60. On the sm_90a kernel (D = 256's causal
// row: 128-row tiles, 64-key blocks) the first warpgroup of each tile skips
// the last block its CTA visits, which none of its rows see (rows 0-63 see
// keys up to 123, the CTA visits keys up to 187; rows 128-191 see up to
// 251, the CTA visits up to 259). The reference recomputes from the f16
// values the op read.
// RUN: attn-opt %s --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.out
// RUN: %attn-check reference %t.out --scale 0.0625 --causal bottom_right --tol 1e-2 | FileCheck %s
// CHECK: PASS

#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1].
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<?x?x?x?xf32>) {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %c0 = arith.constant 1.37 : f32
    %c1 = arith.constant 2.71 : f32
    %c2 = arith.constant 0.577 : f32
    %c3 = arith.constant 1.913 : f32
    %f0 = arith.index_cast %i0 : index to i32
    %f1 = arith.index_cast %i1 : index to i32
    %f2 = arith.index_cast %i2 : index to i32
    %f3 = arith.index_cast %i3 : index to i32
    %g0 = arith.sitofp %f0 : i32 to f32
    %g1 = arith.sitofp %f1 : i32 to f32
    %g2 = arith.sitofp %f2 : i32 to f32
    %g3 = arith.sitofp %f3 : i32 to f32
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

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %eq = tensor.empty() : tensor<1x2x200x256xf32>
  %dq = tensor.cast %eq : tensor<1x2x200x256xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<1x2x200x256xf32>
  %q_f16_e = tensor.empty() : tensor<1x2x200x256xf16>
  %q_f16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x2x200x256xf32>) outs(%q_f16_e : tensor<1x2x200x256xf16>) {
    ^bb0(%a: f32, %b: f16):
      %r = arith.truncf %a : f32 to f16
      linalg.yield %r : f16
    } -> tensor<1x2x200x256xf16>
  %seed_k = arith.constant 1.7 : f32
  %ek = tensor.empty() : tensor<1x2x260x256xf32>
  %dk = tensor.cast %ek : tensor<1x2x260x256xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<1x2x260x256xf32>
  %k_f16_e = tensor.empty() : tensor<1x2x260x256xf16>
  %k_f16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<1x2x260x256xf32>) outs(%k_f16_e : tensor<1x2x260x256xf16>) {
    ^bb0(%a: f32, %b: f16):
      %r = arith.truncf %a : f32 to f16
      linalg.yield %r : f16
    } -> tensor<1x2x260x256xf16>
  %seed_v = arith.constant 2.3 : f32
  %ev = tensor.empty() : tensor<1x2x260x256xf32>
  %dv = tensor.cast %ev : tensor<1x2x260x256xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<1x2x260x256xf32>
  %v_f16_e = tensor.empty() : tensor<1x2x260x256xf16>
  %v_f16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<1x2x260x256xf32>) outs(%v_f16_e : tensor<1x2x260x256xf16>) {
    ^bb0(%a: f32, %b: f16):
      %r = arith.truncf %a : f32 to f16
      linalg.yield %r : f16
    } -> tensor<1x2x260x256xf16>
  %init = tensor.empty() : tensor<1x2x200x256xf16>
  %o = attn.attention ins(%q_f16, %k_f16, %v_f16 : tensor<1x2x200x256xf16>, tensor<1x2x260x256xf16>, tensor<1x2x260x256xf16>)
         outs(%init : tensor<1x2x200x256xf16>) scale(0.0625) causal<bottom_right> -> tensor<1x2x200x256xf16>
  %q_seen_e = tensor.empty() : tensor<1x2x200x256xf32>
  %q_seen = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q_f16 : tensor<1x2x200x256xf16>) outs(%q_seen_e : tensor<1x2x200x256xf32>) {
    ^bb0(%a: f16, %b: f32):
      %r = arith.extf %a : f16 to f32
      linalg.yield %r : f32
    } -> tensor<1x2x200x256xf32>
  %p1 = tensor.cast %q_seen : tensor<1x2x200x256xf32> to tensor<?x?x?x?xf32>
  call @print(%p1) : (tensor<?x?x?x?xf32>) -> ()
  %k_seen_e = tensor.empty() : tensor<1x2x260x256xf32>
  %k_seen = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k_f16 : tensor<1x2x260x256xf16>) outs(%k_seen_e : tensor<1x2x260x256xf32>) {
    ^bb0(%a: f16, %b: f32):
      %r = arith.extf %a : f16 to f32
      linalg.yield %r : f32
    } -> tensor<1x2x260x256xf32>
  %p2 = tensor.cast %k_seen : tensor<1x2x260x256xf32> to tensor<?x?x?x?xf32>
  call @print(%p2) : (tensor<?x?x?x?xf32>) -> ()
  %v_seen_e = tensor.empty() : tensor<1x2x260x256xf32>
  %v_seen = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v_f16 : tensor<1x2x260x256xf16>) outs(%v_seen_e : tensor<1x2x260x256xf32>) {
    ^bb0(%a: f16, %b: f32):
      %r = arith.extf %a : f16 to f32
      linalg.yield %r : f32
    } -> tensor<1x2x260x256xf32>
  %p3 = tensor.cast %v_seen : tensor<1x2x260x256xf32> to tensor<?x?x?x?xf32>
  call @print(%p3) : (tensor<?x?x?x?xf32>) -> ()
  %o_f32_e = tensor.empty() : tensor<1x2x200x256xf32>
  %o_f32 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%o : tensor<1x2x200x256xf16>) outs(%o_f32_e : tensor<1x2x200x256xf32>) {
    ^bb0(%a: f16, %b: f32):
      %r = arith.extf %a : f16 to f32
      linalg.yield %r : f32
    } -> tensor<1x2x200x256xf32>
  %p4 = tensor.cast %o_f32 : tensor<1x2x200x256xf32> to tensor<?x?x?x?xf32>
  call @print(%p4) : (tensor<?x?x?x?xf32>) -> ()
  return
}
