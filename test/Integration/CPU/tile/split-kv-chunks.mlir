// Split-KV decoding (--attn-split-kv) on the CPU against float64: 3 query
// rows of 2 heads, batch 2, 24 keys, with the log-sum-exp, through a
// function with a dynamic batch and key length (the number of chunks is
// computed at run time: 8 chunks of 3 keys with min-chunk=2, 4 of 6 with
// min-chunk=5, and one, as the op is, when 4 blocks make a wave), as
// written, and through the host side of target=cuda with the GPU emulated
// (the combine as generic GPU kernels).
// RUN: attn-opt %s --attn-split-kv="target-blocks=64 min-chunk=2" --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.split8
// RUN: %attn-check reference %t.split8 --scale 0.35 --lse | FileCheck %s
// RUN: attn-opt %s --attn-split-kv="target-blocks=64 min-chunk=5" --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.split4
// RUN: %attn-check reference %t.split4 --scale 0.35 --lse | FileCheck %s
// RUN: attn-opt %s --attn-split-kv="target-blocks=4 min-chunk=2" --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.split1
// RUN: %attn-check reference %t.split1 --scale 0.35 --lse | FileCheck %s
// RUN: attn-opt %s --attn-pipeline="target=cpu" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.plain
// RUN: %attn-check reference %t.plain --scale 0.35 --lse | FileCheck %s
// RUN: %attn-check compare %t.split8 %t.plain | FileCheck %s
// RUN: attn-opt %s --attn-split-kv="target-blocks=64 min-chunk=2" --test-attn-cuda-host-on-cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.emulated
// RUN: %attn-check reference %t.emulated --scale 0.35 --lse | FileCheck %s
// RUN: attn-opt %s --attn-split-kv="target-blocks=64 min-chunk=2" | FileCheck %s --check-prefix=IR
// CHECK: PASS
// IR: scf.if
// IR: attn.attention {{.*}} lse({{.*}} : tensor<?x?x3xf32>)

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

func.func @attend(%q: tensor<?x2x3x8xf32>, %k: tensor<?x2x?x8xf32>,
                  %v: tensor<?x2x?x8xf32>)
    -> (tensor<?x2x3x8xf32>, tensor<?x2x3xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %q, %c0 : tensor<?x2x3x8xf32>
  %init = tensor.empty(%b) : tensor<?x2x3x8xf32>
  %linit = tensor.empty(%b) : tensor<?x2x3xf32>
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x2x3x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>)
           outs(%init : tensor<?x2x3x8xf32>) lse(%linit : tensor<?x2x3xf32>)
           scale(0.35) -> tensor<?x2x3x8xf32>, tensor<?x2x3xf32>
  return %r#0, %r#1 : tensor<?x2x3x8xf32>, tensor<?x2x3xf32>
}

func.func @main() {
  %seed_q = arith.constant 1.0 : f32
  %eq = tensor.empty() : tensor<2x2x3x8xf32>
  %dq = tensor.cast %eq : tensor<2x2x3x8xf32> to tensor<?x?x?x?xf32>
  %q = call @fill(%dq, %seed_q) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %seed_k = arith.constant 1.7 : f32
  %ek = tensor.empty() : tensor<2x2x24x8xf32>
  %dk = tensor.cast %ek : tensor<2x2x24x8xf32> to tensor<?x?x?x?xf32>
  %k = call @fill(%dk, %seed_k) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %seed_v = arith.constant 2.3 : f32
  %ev = tensor.empty() : tensor<2x2x24x8xf32>
  %dv = tensor.cast %ev : tensor<2x2x24x8xf32> to tensor<?x?x?x?xf32>
  %v = call @fill(%dv, %seed_v) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %aq = tensor.cast %q : tensor<?x?x?x?xf32> to tensor<?x2x3x8xf32>
  %ak = tensor.cast %k : tensor<?x?x?x?xf32> to tensor<?x2x?x8xf32>
  %av = tensor.cast %v : tensor<?x?x?x?xf32> to tensor<?x2x?x8xf32>
  %r:2 = call @attend(%aq, %ak, %av) : (tensor<?x2x3x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> (tensor<?x2x3x8xf32>, tensor<?x2x3xf32>)
  call @print(%q) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%k) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%v) : (tensor<?x?x?x?xf32>) -> ()
  %o = tensor.cast %r#0 : tensor<?x2x3x8xf32> to tensor<?x?x?x?xf32>
  call @print(%o) : (tensor<?x?x?x?xf32>) -> ()
  %lse = tensor.cast %r#1 : tensor<?x2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%lse) : (tensor<*xf32>) -> ()
  return
}
