// Unfused causal attention as a framework exports it: Q·Kᵀ through a
// transpose and a batch matmul, a scale, an inline causal mask, linalg.softmax
// and a second batch matmul. `attn-opt --attn-fuse` turns the chain into one
// attn.attention; the CPU pipeline lowers it; @main prints Q, K, V and O.

#id3 = affine_map<(b, m, n) -> (b, m, n)>

func.func @attention(%q: tensor<4x64x32xf32>, %k: tensor<4x64x32xf32>,
                     %v: tensor<4x64x32xf32>) -> tensor<4x64x32xf32> {
  %cst0 = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %scale = arith.constant 0.1767767 : f32
  %kt0 = tensor.empty() : tensor<4x32x64xf32>
  %kt = linalg.transpose ins(%k : tensor<4x64x32xf32>) outs(%kt0 : tensor<4x32x64xf32>) permutation = [0, 2, 1]
  %s0 = tensor.empty() : tensor<4x64x64xf32>
  %sz = linalg.fill ins(%cst0 : f32) outs(%s0 : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<4x64x32xf32>, tensor<4x32x64xf32>) outs(%sz : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %masked = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<4x64x64xf32>) outs(%s0 : tensor<4x64x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %y = arith.mulf %x, %scale : f32
    %keep = arith.cmpi sle, %j, %i : index
    %r = arith.select %keep, %y, %ninf : f32
    linalg.yield %r : f32
  } -> tensor<4x64x64xf32>
  %p = linalg.softmax dimension(2) ins(%masked : tensor<4x64x64xf32>) outs(%s0 : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %o0 = tensor.empty() : tensor<4x64x32xf32>
  %oz = linalg.fill ins(%cst0 : f32) outs(%o0 : tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  %out = linalg.batch_matmul ins(%p, %v : tensor<4x64x64xf32>, tensor<4x64x32xf32>) outs(%oz : tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  return %out : tensor<4x64x32xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

// Deterministic pseudo-random inputs in [-1, 1].
func.func @fill(%seed: f32) -> tensor<4x64x32xf32> {
  %e = tensor.empty() : tensor<4x64x32xf32>
  %r = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%e : tensor<4x64x32xf32>) {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %c64 = arith.constant 64 : index
    %c32 = arith.constant 32 : index
    %a = arith.muli %i0, %c64 : index
    %b = arith.addi %a, %i1 : index
    %c = arith.muli %b, %c32 : index
    %lin = arith.addi %c, %i2 : index
    %li = arith.index_cast %lin : index to i32
    %lf = arith.sitofp %li : i32 to f32
    %x = arith.mulf %lf, %seed : f32
    %s = math.sin %x : f32
    linalg.yield %s : f32
  } -> tensor<4x64x32xf32>
  return %r : tensor<4x64x32xf32>
}

func.func @print(%t: tensor<4x64x32xf32>) {
  %u = tensor.cast %t : tensor<4x64x32xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %s1 = arith.constant 0.7313 : f32
  %s2 = arith.constant 1.2597 : f32
  %s3 = arith.constant 2.0393 : f32
  %q = call @fill(%s1) : (f32) -> tensor<4x64x32xf32>
  %k = call @fill(%s2) : (f32) -> tensor<4x64x32xf32>
  %v = call @fill(%s3) : (f32) -> tensor<4x64x32xf32>
  %o = call @attention(%q, %k, %v) : (tensor<4x64x32xf32>, tensor<4x64x32xf32>, tensor<4x64x32xf32>) -> tensor<4x64x32xf32>
  call @print(%q) : (tensor<4x64x32xf32>) -> ()
  call @print(%k) : (tensor<4x64x32xf32>) -> ()
  call @print(%v) : (tensor<4x64x32xf32>) -> ()
  call @print(%o) : (tensor<4x64x32xf32>) -> ()
  return
}
