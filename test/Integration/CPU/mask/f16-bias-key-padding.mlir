// An f16 additive mask [B, 1, 1, Sk] (a key-padding bias, values in
// [-3, 3], broadcast over heads and rows) on f16 Q/K/V with D = 64, Sq = 96,
// Sk = 80 (ragged against 64-key blocks). On target=cuda chip=sm_90a the op
// takes the TMA + wgmma kernel (test/lib/gpu_programs.py). Q/K/V/mask are
// rounded to f16 and printed rounded, so float64 numpy sees the kernel's
// inputs.
// RUN: attn-opt %s --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.ref
// RUN: %attn-check reference %t.ref --scale 0.125 --mask additive --tol 1e-2 | FileCheck %s
// RUN: attn-opt %s --attn-tile="block-q=4 block-kv=3" --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.tiled
// RUN: %attn-check reference %t.tiled --scale 0.125 --mask additive --tol 1e-2 | FileCheck %s
// CHECK: PASS

#id4 = affine_map<(a, b, c, d) -> (a, b, c, d)>

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random values in [-1, 1], times %amp.
func.func @fill(%t: tensor<?x?x?x?xf32>, %seed: f32, %amp: f32) -> tensor<?x?x?x?xf32> {
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
    %w = arith.mulf %v, %amp : f32
    linalg.yield %w : f32
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
  %amp_q = arith.constant 1.0 : f32
  %eq = tensor.empty() : tensor<2x2x96x64xf32>
  %dq = tensor.cast %eq : tensor<2x2x96x64xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %seed_q, %amp_q) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<2x2x96x64xf32>
  %q16_init = tensor.empty() : tensor<2x2x96x64xf16>
  %q16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<2x2x96x64xf32>) outs(%q16_init : tensor<2x2x96x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<2x2x96x64xf16>
  %qr_init = tensor.empty() : tensor<2x2x96x64xf32>
  %qr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q16 : tensor<2x2x96x64xf16>) outs(%qr_init : tensor<2x2x96x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<2x2x96x64xf32>
  %seed_k = arith.constant 1.7 : f32
  %amp_k = arith.constant 1.0 : f32
  %ek = tensor.empty() : tensor<2x2x80x64xf32>
  %dk = tensor.cast %ek : tensor<2x2x80x64xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %seed_k, %amp_k) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<2x2x80x64xf32>
  %k16_init = tensor.empty() : tensor<2x2x80x64xf16>
  %k16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<2x2x80x64xf32>) outs(%k16_init : tensor<2x2x80x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<2x2x80x64xf16>
  %kr_init = tensor.empty() : tensor<2x2x80x64xf32>
  %kr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k16 : tensor<2x2x80x64xf16>) outs(%kr_init : tensor<2x2x80x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<2x2x80x64xf32>
  %seed_v = arith.constant 2.3 : f32
  %amp_v = arith.constant 1.0 : f32
  %ev = tensor.empty() : tensor<2x2x80x64xf32>
  %dv = tensor.cast %ev : tensor<2x2x80x64xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %seed_v, %amp_v) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<2x2x80x64xf32>
  %v16_init = tensor.empty() : tensor<2x2x80x64xf16>
  %v16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<2x2x80x64xf32>) outs(%v16_init : tensor<2x2x80x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<2x2x80x64xf16>
  %vr_init = tensor.empty() : tensor<2x2x80x64xf32>
  %vr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v16 : tensor<2x2x80x64xf16>) outs(%vr_init : tensor<2x2x80x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<2x2x80x64xf32>
  %seed_m = arith.constant 0.9 : f32
  %amp_m = arith.constant 3.0 : f32
  %em = tensor.empty() : tensor<2x1x1x80xf32>
  %dm = tensor.cast %em : tensor<2x1x1x80xf32> to tensor<?x?x?x?xf32>
  %fm = call @fill(%dm, %seed_m, %amp_m) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %m = tensor.cast %fm : tensor<?x?x?x?xf32> to tensor<2x1x1x80xf32>
  %m16_init = tensor.empty() : tensor<2x1x1x80xf16>
  %m16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m : tensor<2x1x1x80xf32>) outs(%m16_init : tensor<2x1x1x80xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<2x1x1x80xf16>
  %mr_init = tensor.empty() : tensor<2x1x1x80xf32>
  %mr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%m16 : tensor<2x1x1x80xf16>) outs(%mr_init : tensor<2x1x1x80xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<2x1x1x80xf32>
  %init = tensor.empty() : tensor<2x2x96x64xf32>
  %o = attn.attention ins(%q16, %k16, %v16 : tensor<2x2x96x64xf16>, tensor<2x2x80x64xf16>, tensor<2x2x80x64xf16>)
         mask(%m16 : tensor<2x1x1x80xf16>)
         outs(%init : tensor<2x2x96x64xf32>) scale(0.125)
       -> tensor<2x2x96x64xf32>
  %p_qr = tensor.cast %qr : tensor<2x2x96x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_qr) : (tensor<?x?x?x?xf32>) -> ()
  %p_kr = tensor.cast %kr : tensor<2x2x80x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_kr) : (tensor<?x?x?x?xf32>) -> ()
  %p_vr = tensor.cast %vr : tensor<2x2x80x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_vr) : (tensor<?x?x?x?xf32>) -> ()
  %p_m = tensor.cast %mr : tensor<2x1x1x80xf32> to tensor<?x?x?x?xf32>
  call @print(%p_m) : (tensor<?x?x?x?xf32>) -> ()
  %u_o = tensor.cast %o : tensor<2x2x96x64xf32> to tensor<*xf32>
  call @printMemrefF32(%u_o) : (tensor<*xf32>) -> ()
  return
}
