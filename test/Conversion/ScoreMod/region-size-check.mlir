// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu=soft=1 | FileCheck %s
// RUN: attn-opt %s -split-input-file --convert-attn-to-gpu-sm90=soft=1 | FileCheck %s

// The kernels evaluate the regions' index arithmetic in 32 bits when the
// index ranges allow it, assuming every dynamic size the regions index over
// (batch dims, Hq, Sq, Sk) is at most 2^30: the host checks each before the
// launch, and a call past it is reported, not run.
// CHECK-DAG: llvm.mlir.global internal constant @{{.*}}("alibi: batch dim 0 is %lld, above %lld, the largest for which score modifications are evaluated\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{.*}}("alibi: query sequence length is %lld, above %lld, the largest for which score modifications are evaluated\00")
// CHECK-DAG: llvm.mlir.global internal constant @{{.*}}("alibi: key sequence length is %lld, above %lld, the largest for which score modifications are evaluated\00")
// CHECK-LABEL: func.func @alibi
// CHECK: arith.cmpi sgt, %{{.*}}, %c1073741824_i64 : i64
// CHECK: gpu.launch
// The static head count needs no check.
// CHECK-NOT: query head count is %lld, above
func.func @alibi(%q: tensor<?x8x?x64xf16>, %k: tensor<?x8x?x64xf16>,
                 %o: tensor<?x8x?x64xf16>) -> tensor<?x8x?x64xf16> {
  %r = attn.attention ins(%q, %k, %k : tensor<?x8x?x64xf16>,
         tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>)
       outs(%o : tensor<?x8x?x64xf16>) scale(0.125) score_mod {
       ^bb0(%s: f32, %b: index, %h: index, %i: index, %j: index):
         %d = arith.subi %j, %i : index
         %di = arith.index_cast %d : index to i64
         %df = arith.sitofp %di : i64 to f32
         %y = arith.addf %s, %df : f32
         attn.yield %y : f32
       } -> tensor<?x8x?x64xf16>
  return %r : tensor<?x8x?x64xf16>
}

// -----

// Without regions nothing is narrowed and no size is bounded.
// CHECK-NOT: the largest for which score modifications are evaluated
// CHECK-LABEL: func.func @plain
func.func @plain(%q: tensor<?x8x?x64xf16>, %o: tensor<?x8x?x64xf16>)
    -> tensor<?x8x?x64xf16> {
  %r = attn.attention ins(%q, %q, %q : tensor<?x8x?x64xf16>,
         tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>)
       outs(%o : tensor<?x8x?x64xf16>) scale(0.125) -> tensor<?x8x?x64xf16>
  return %r : tensor<?x8x?x64xf16>
}
