// Query rows tiled by the transform dialect through attn.attention's
// TilingInterface (3 tiles of 4 rows, the last ragged: 9 = 4 + 4 + 1), causal
// top-left with more queries than keys: every tile carries its rows' offset
// in causal_offset. Each tile is then lowered by the --attn-decompose oracle
// (tile=false) and by --attn-tile's online softmax (tile=true, which tiles
// the tiles again); both are checked against a float64 numpy reference.
// RUN: attn-opt %s --transform-preload-library=transform-library-paths=%p/Inputs/tiling.mlir \
// RUN:     --transform-interpreter=entry-point=rows_4 --attn-pipeline="target=cpu tile=false" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.rows_4-ref
// RUN: %attn-check reference %t.rows_4-ref --scale 0.35 --causal top_left | FileCheck %s
// RUN: attn-opt %s --transform-preload-library=transform-library-paths=%p/Inputs/tiling.mlir \
// RUN:     --transform-interpreter=entry-point=rows_4 --attn-pipeline="target=cpu tile=true block-q=2 block-kv=3" \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils > %t.rows_4-tiled
// RUN: %attn-check reference %t.rows_4-tiled --scale 0.35 --causal top_left | FileCheck %s
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

// 1.0 (keep) where x > -0.6, else 0.0: a keep-mask of ~70% true.
func.func @keep(%t: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %r = linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%t : tensor<?x?x?x?xf32>) {
  ^bb0(%x: f32):
    %lim = arith.constant -0.6 : f32
    %one = arith.constant 1.0 : f32
    %zero = arith.constant 0.0 : f32
    %k = arith.cmpf ogt, %x, %lim : f32
    %v = arith.select %k, %one, %zero : f32
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
  %sq = arith.constant 1.0 : f32
  %eq = tensor.empty() : tensor<1x2x9x8xf32>
  %dq = tensor.cast %eq : tensor<1x2x9x8xf32> to tensor<?x?x?x?xf32>
  %fq = call @fill(%dq, %sq) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %q = tensor.cast %fq : tensor<?x?x?x?xf32> to tensor<1x2x9x8xf32>
  %sk = arith.constant 1.7 : f32
  %ek = tensor.empty() : tensor<1x2x6x8xf32>
  %dk = tensor.cast %ek : tensor<1x2x6x8xf32> to tensor<?x?x?x?xf32>
  %fk = call @fill(%dk, %sk) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %k = tensor.cast %fk : tensor<?x?x?x?xf32> to tensor<1x2x6x8xf32>
  %sv = arith.constant 2.3 : f32
  %ev = tensor.empty() : tensor<1x2x6x8xf32>
  %dv = tensor.cast %ev : tensor<1x2x6x8xf32> to tensor<?x?x?x?xf32>
  %fv = call @fill(%dv, %sv) : (tensor<?x?x?x?xf32>, f32) -> tensor<?x?x?x?xf32>
  %v = tensor.cast %fv : tensor<?x?x?x?xf32> to tensor<1x2x6x8xf32>
  %init = tensor.empty() : tensor<1x2x9x8xf32>
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x9x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>)
         outs(%init : tensor<1x2x9x8xf32>) scale(0.35) causal<top_left> -> tensor<1x2x9x8xf32>
  call @print(%fq) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fk) : (tensor<?x?x?x?xf32>) -> ()
  call @print(%fv) : (tensor<?x?x?x?xf32>) -> ()
  %od = tensor.cast %r : tensor<1x2x9x8xf32> to tensor<?x?x?x?xf32>
  call @print(%od) : (tensor<?x?x?x?xf32>) -> ()
  return
}
