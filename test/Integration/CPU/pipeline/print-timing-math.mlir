// What test and benchmark programs use around the model lowers under
// --attn-pipeline=target=cpu and runs: vector.print (scalars, vectors,
// strings), scf.for/scf.if/scf.forall, math ops without an LLVM intrinsic
// (tanh, erf: libm calls), rtclock timing, printMemrefF32.
// RUN: attn-opt %s --attn-pipeline=target=cpu \
// RUN:   | mlir-runner -e main --entry-point-result=void \
// RUN:     --shared-libs=%mlir_c_runner_utils,%mlir_runner_utils | FileCheck %s

func.func private @rtclock() -> f64
func.func private @printMemrefF32(tensor<*xf32>)

// CHECK: sum 6
// CHECK-NEXT: ( 0, 1, 2, 3 )
// CHECK-NEXT: 0.964028
// CHECK-NEXT: 0.999978
// CHECK-NEXT: elapsed ok
// CHECK-NEXT: 1
// CHECK: [0,  2,  4,  6]
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t0 = call @rtclock() : () -> f64
  // scf.for with an index -> float conversion: 0 + 1 + 2 + 3.
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %a = arith.addf %acc, %f : f32
    scf.yield %a : f32
  }
  vector.print str "sum "
  vector.print %sum : f32
  %v = vector.step : vector<4xindex>
  %vi = arith.index_cast %v : vector<4xindex> to vector<4xi32>
  %vf = arith.sitofp %vi : vector<4xi32> to vector<4xf32>
  vector.print %vf : vector<4xf32>
  // tanh(2) and erf(3): libm.
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %th = math.tanh %two : f32
  %er = math.erf %three : f32
  vector.print %th : f32
  vector.print %er : f32
  %t1 = call @rtclock() : () -> f64
  %dt = arith.subf %t1, %t0 : f64
  %z = arith.constant 0.0 : f64
  %ok = arith.cmpf oge, %dt, %z : f64
  scf.if %ok {
    vector.print str "elapsed ok\n"
  }
  vector.print %ok : i1
  // scf.forall on tensors: out[i] = 2 * i.
  %init = tensor.empty() : tensor<4xf32>
  %r = scf.forall (%i) in (4) shared_outs(%o = %init) -> (tensor<4xf32>) {
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %d = arith.addf %f, %f : f32
    %t = tensor.from_elements %d : tensor<1xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %t into %o[%i] [1] [1] : tensor<1xf32> into tensor<4xf32>
    }
  }
  %u = tensor.cast %r : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
