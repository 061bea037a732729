// A dynamic causal mask whose offset is Sq - Sk (swapped): neither top-left
// nor bottom-right, so not the op's causal mask; it becomes a mask_mod that
// recomputes the offset from the operands' sizes (tensor.dim in the region)
// and keeps the program's own (unsigned) comparison.
// RUN: attn-opt %s --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-fuse=remarks=true -verify-diagnostics -o /dev/null

// CHECK-LABEL: func.func @attention(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<?x?x?x?xf32>, %[[K:[a-z0-9]+]]: tensor<?x?x?x?xf32>
// CHECK: attn.attention ins(%[[Q]], %[[K]], %{{.*}}) outs(%{{.*}}) scale(2.500000e-01) mask_mod {
// CHECK-NEXT: ^bb0(%{{.+}}: index, %{{.+}}: index, %[[I:.+]]: index, %[[J:.+]]: index):
// CHECK-DAG: %[[SQ:.+]] = tensor.dim %[[Q]], %c2
// CHECK-DAG: %[[SK:.+]] = tensor.dim %[[K]], %c2
// CHECK: %[[NEG:.+]] = arith.muli %[[SK]], %c-1
// CHECK: %[[OFF:.+]] = arith.addi %[[SQ]], %[[NEG]]
// CHECK: %[[LIM:.+]] = arith.addi %[[I]], %[[OFF]]
// CHECK: %[[MASKED:.+]] = arith.cmpi ugt, %[[J]], %[[LIM]]
// CHECK: %[[KEEP:.+]] = arith.xori %[[MASKED]], %true
// CHECK: attn.yield %[[KEEP]] : i1
// CHECK-NOT: linalg.generic
// CHECK: return

func.func @attention(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %c0_B = arith.constant 0 : index
  %B = tensor.dim %q, %c0_B : tensor<?x?x?x?xf32>
  %c1_H = arith.constant 1 : index
  %H = tensor.dim %q, %c1_H : tensor<?x?x?x?xf32>
  %c2_M = arith.constant 2 : index
  %M = tensor.dim %q, %c2_M : tensor<?x?x?x?xf32>
  %c3_D = arith.constant 3 : index
  %D = tensor.dim %q, %c3_D : tensor<?x?x?x?xf32>
  %c1_K = arith.constant 1 : index
  %K = tensor.dim %k, %c1_K : tensor<?x?x?x?xf32>
  %c2_N = arith.constant 2 : index
  %N = tensor.dim %k, %c2_N : tensor<?x?x?x?xf32>
  %c3_E = arith.constant 3 : index
  %E = tensor.dim %v, %c3_E : tensor<?x?x?x?xf32>
  %init1 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %cst2 = arith.constant 0.000000e+00 : f32
  %fill3 = linalg.fill ins(%cst2 : f32) outs(%init1 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %r4 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%fill3 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x?x?xf32>
  %init5 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r6 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r4 : tensor<?x?x?x?xf32>) outs(%init5 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %c = arith.constant 0.25 : f32
    %x = arith.mulf %a0, %c : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init7 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r8 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r6 : tensor<?x?x?x?xf32>) outs(%init7 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %m = linalg.index 2 : index
    %n = linalg.index 3 : index
    %off = arith.subi %M, %N : index
    %mo = arith.addi %m, %off : index
    %bad = arith.cmpi ugt, %n, %mo : index
    %ninf = arith.constant 0xFF800000 : f32
    %x = arith.select %bad, %ninf, %a0 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init9 = tensor.empty(%B, %H, %M) : tensor<?x?x?xf32>
  %cst10 = arith.constant 0xFF800000 : f32
  %fill11 = linalg.fill ins(%cst10 : f32) outs(%init9 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %r12 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r8 : tensor<?x?x?x?xf32>) outs(%fill11 : tensor<?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.maximumf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?xf32>
  %init13 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r14 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r8, %r12 : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%init13 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.subf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init15 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r16 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r14 : tensor<?x?x?x?xf32>) outs(%init15 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = math.exp %a0 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init17 = tensor.empty(%B, %H, %M) : tensor<?x?x?xf32>
  %cst18 = arith.constant 0.000000e+00 : f32
  %fill19 = linalg.fill ins(%cst18 : f32) outs(%init17 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %r20 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%r16 : tensor<?x?x?x?xf32>) outs(%fill19 : tensor<?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32):
    %x = arith.addf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?xf32>
  %init21 = tensor.empty(%B, %H, %M, %N) : tensor<?x?x?x?xf32>
  %r22 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r16, %r20 : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%init21 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %x = arith.divf %a0, %a1 : f32
    linalg.yield %x : f32
  } -> tensor<?x?x?x?xf32>
  %init23 = tensor.empty(%B, %H, %M, %E) : tensor<?x?x?x?xf32>
  %cst24 = arith.constant 0.000000e+00 : f32
  %fill25 = linalg.fill ins(%cst24 : f32) outs(%init23 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  // expected-remark @below {{fused attention: mask_mod (mask of positions), scale 0.25}}
  %r26 = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, e) -> (b, h, m, n)>, affine_map<(b, h, m, n, e) -> (b, h, n, e)>, affine_map<(b, h, m, n, e) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%r22, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%fill25 : tensor<?x?x?x?xf32>) {
  ^bb0(%a0: f32, %a1: f32, %a2: f32):
    %p = arith.mulf %a0, %a1 : f32
    %s = arith.addf %a2, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x?x?xf32>
  return %r26 : tensor<?x?x?x?xf32>
}
