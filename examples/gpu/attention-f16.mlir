// Unfused causal attention as an exporter writes it: f16 Q, K, V in
// [batch, heads, seq, 64], an f32 score contraction, a scale, an inline causal
// mask, linalg.softmax, and P·V into the caller's output buffer (the
// destination-passing form target=cuda needs: every tensor is a device
// buffer). scripts/run-example.sh --target=cuda fuses and compiles it with
// attn-compile and runs it through run_attention.c.
func.func @attention(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>, %out: tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %cst = arith.constant 0.125 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %b = tensor.dim %q, %c0 : tensor<?x?x?x64xf16>
  %h = tensor.dim %q, %c1 : tensor<?x?x?x64xf16>
  %sq = tensor.dim %q, %c2 : tensor<?x?x?x64xf16>
  %sk = tensor.dim %k, %c2 : tensor<?x?x?x64xf16>
  %sempty = tensor.empty(%b, %h, %sq, %sk) : tensor<?x?x?x?xf32>
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>) outs(%szero : tensor<?x?x?x?xf32>) {
  ^bb0(%a: f16, %bb: f16, %c: f32):
    %ax = arith.extf %a : f16 to f32
    %bx = arith.extf %bb : f16 to f32
    %p = arith.mulf %ax, %bx : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?x?xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(b, h, m, n) -> (b, h, m, n)>, affine_map<(b, h, m, n) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<?x?x?x?xf32>) outs(%sempty : tensor<?x?x?x?xf32>) {
  ^bb0(%x0: f32, %o: f32):
    %y = arith.mulf %x0, %cst : f32
    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %future = arith.cmpi ugt, %j, %i : index
    %m = arith.select %future, %ninf, %y : f32
    linalg.yield %m : f32
  } -> tensor<?x?x?x?xf32>
  %sm = linalg.softmax dimension(3) ins(%sc : tensor<?x?x?x?xf32>) outs(%sempty : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %ozero = linalg.fill ins(%zero : f32) outs(%out : tensor<?x?x?x64xf32>) -> tensor<?x?x?x64xf32>
  %o = linalg.generic {indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%sm, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x64xf16>) outs(%ozero : tensor<?x?x?x64xf32>) {
  ^bb0(%a: f32, %bb: f16, %c: f32):
    %bx = arith.extf %bb : f16 to f32
    %p = arith.mulf %a, %bx : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  } -> tensor<?x?x?x64xf32>
  return %o : tensor<?x?x?x64xf32>
}
