// f16 twin (D = 64, S = 300) of relative-bias-prefix-lm.mlir with a prefix of
// 100 keys: a T5 relative-position bias gathered from a table (score_mod)
// and a prefix-LM mask (mask_mod: causal, or a key in the prefix) through
// the tensor-core kernels, which skip the key blocks past both the prefix and
// the diagonal of a whole block of queries (interval arithmetic on mask_mod).
// Q/K/V are rounded to f16 and printed rounded, so float64 numpy sees the
// kernel's inputs.
// RUN: attn-opt %s --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.ref
// RUN: %attn-check reference %t.ref --scale 0.35 --rel-bias 3 --prefix-lm 100 --tol 1e-2 | FileCheck %s
// RUN: attn-opt %s --attn-tile="block-q=4 block-kv=3" --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.tiled
// RUN: %attn-check reference %t.tiled --scale 0.35 --rel-bias 3 --prefix-lm 100 --tol 1e-2 | FileCheck %s
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
  %eq = tensor.empty() : tensor<1x2x300x64xf32>
  %dq = tensor.cast %eq : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %seed_q, %amp_q) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<1x2x300x64xf32>
  %q16_init = tensor.empty() : tensor<1x2x300x64xf16>
  %q16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x2x300x64xf32>) outs(%q16_init : tensor<1x2x300x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<1x2x300x64xf16>
  %qr_init = tensor.empty() : tensor<1x2x300x64xf32>
  %qr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q16 : tensor<1x2x300x64xf16>) outs(%qr_init : tensor<1x2x300x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<1x2x300x64xf32>
  %seed_k = arith.constant 1.7 : f32
  %amp_k = arith.constant 1.0 : f32
  %ek = tensor.empty() : tensor<1x2x300x64xf32>
  %dk = tensor.cast %ek : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %seed_k, %amp_k) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<1x2x300x64xf32>
  %k16_init = tensor.empty() : tensor<1x2x300x64xf16>
  %k16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k : tensor<1x2x300x64xf32>) outs(%k16_init : tensor<1x2x300x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<1x2x300x64xf16>
  %kr_init = tensor.empty() : tensor<1x2x300x64xf32>
  %kr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%k16 : tensor<1x2x300x64xf16>) outs(%kr_init : tensor<1x2x300x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<1x2x300x64xf32>
  %seed_v = arith.constant 2.3 : f32
  %amp_v = arith.constant 1.0 : f32
  %ev = tensor.empty() : tensor<1x2x300x64xf32>
  %dv = tensor.cast %ev : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %seed_v, %amp_v) : (tensor<?x?x?x?xf32>, f32, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<1x2x300x64xf32>
  %v16_init = tensor.empty() : tensor<1x2x300x64xf16>
  %v16 = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : tensor<1x2x300x64xf32>) outs(%v16_init : tensor<1x2x300x64xf16>) {
  ^bb0(%x: f32, %y: f16):
    %c = arith.truncf %x : f32 to f16
    linalg.yield %c : f16
  } -> tensor<1x2x300x64xf16>
  %vr_init = tensor.empty() : tensor<1x2x300x64xf32>
  %vr = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v16 : tensor<1x2x300x64xf16>) outs(%vr_init : tensor<1x2x300x64xf32>) {
  ^bb0(%x: f16, %y: f32):
    %c = arith.extf %x : f16 to f32
    linalg.yield %c : f32
  } -> tensor<1x2x300x64xf32>
  %table = arith.constant dense<[[0.5, -0.25, 1.0, 0.0, -1.0, 0.75, 0.1], [-0.5, 0.2, 0.3, 1.5, -0.1, 0.0, -2.0]]> : tensor<2x7xf32>
  %init = tensor.empty() : tensor<1x2x300x64xf32>
  %o = attn.attention ins(%q16, %k16, %v16 : tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16>, tensor<1x2x300x64xf16>)
         outs(%init : tensor<1x2x300x64xf32>) scale(0.35)
       score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %lo = arith.constant -3 : index
         %hi = arith.constant 3 : index
         %d = arith.subi %j, %i : index
         %c1 = arith.maxsi %d, %lo : index
         %c2 = arith.minsi %c1, %hi : index
         %bucket = arith.addi %c2, %hi : index
         %bias = tensor.extract %table[%h, %bucket] : tensor<2x7xf32>
         %r = arith.addf %s, %bias : f32
         attn.yield %r : f32
       } mask_mod {
       ^bb0(%b: index, %h: index, %i: index, %j: index):
         %p = arith.constant 100 : index
         %causal = arith.cmpi sle, %j, %i : index
         %prefix = arith.cmpi slt, %j, %p : index
         %keep = arith.ori %causal, %prefix : i1
         attn.yield %keep : i1
       } -> tensor<1x2x300x64xf32>
  %p_q = tensor.cast %qr : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_q) : (tensor<?x?x?x?xf32>) -> ()
  %p_k = tensor.cast %kr : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_k) : (tensor<?x?x?x?xf32>) -> ()
  %p_v = tensor.cast %vr : tensor<1x2x300x64xf32> to tensor<?x?x?x?xf32>
  call @print(%p_v) : (tensor<?x?x?x?xf32>) -> ()
  %u_table = tensor.cast %table : tensor<2x7xf32> to tensor<*xf32>
  call @printMemrefF32(%u_table) : (tensor<*xf32>) -> ()
  %u_o = tensor.cast %o : tensor<1x2x300x64xf32> to tensor<*xf32>
  call @printMemrefF32(%u_o) : (tensor<*xf32>) -> ()
  return
}
