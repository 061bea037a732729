// Prints memrefs of each element type attn_runner_utils supports (ranks 0 to
// 3, size-1 dims, a strided view with an offset, NaN, infinities, -0, the
// integer extremes) and vectors through vector.print.
func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefF64(tensor<*xf64>)
func.func private @printMemrefI32(tensor<*xi32>)
func.func private @printMemrefI64(memref<*xi64>)

memref.global "private" constant @longs : memref<2x2xi64> =
    dense<[[9223372036854775807, -1], [-9223372036854775808, 42]]>
memref.global "private" constant @grid : memref<4x4xi64> =
    dense<[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]>
func.func private @rtclock() -> f64

func.func private @print_f32(%t: tensor<*xf32>) {
  call @printMemrefF32(%t) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %scalar = arith.constant dense<2.5> : tensor<f32>
  %u0 = tensor.cast %scalar : tensor<f32> to tensor<*xf32>
  call @print_f32(%u0) : (tensor<*xf32>) -> ()

  %special = arith.constant dense<[[1.5, -0.0, 3.14159274, 1.0e-07],
      [1.0e+20, 0x7FC00000, 0xFF800000, 0x7F800000]]> : tensor<2x4xf32>
  %u1 = tensor.cast %special : tensor<2x4xf32> to tensor<*xf32>
  call @print_f32(%u1) : (tensor<*xf32>) -> ()

  %row = arith.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %u2 = tensor.cast %row : tensor<1x3xf32> to tensor<*xf32>
  call @print_f32(%u2) : (tensor<*xf32>) -> ()

  %col = arith.constant dense<[[1.0], [2.0], [3.0]]> : tensor<3x1xf32>
  %u3 = tensor.cast %col : tensor<3x1xf32> to tensor<*xf32>
  call @print_f32(%u3) : (tensor<*xf32>) -> ()

  %one = arith.constant dense<[7.0]> : tensor<1xf32>
  %u4 = tensor.cast %one : tensor<1xf32> to tensor<*xf32>
  call @print_f32(%u4) : (tensor<*xf32>) -> ()

  %cube = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]],
      [[5.0, 6.0], [7.0, 8.125]], [[-9.0, 1.0e-300], [1.0e+300, 0.1]]]>
      : tensor<3x2x2xf64>
  %u6 = tensor.cast %cube : tensor<3x2x2xf64> to tensor<*xf64>
  call @printMemrefF64(%u6) : (tensor<*xf64>) -> ()

  %ints = arith.constant dense<[-2147483648, 0, 2147483647]> : tensor<3xi32>
  %u7 = tensor.cast %ints : tensor<3xi32> to tensor<*xi32>
  call @printMemrefI32(%u7) : (tensor<*xi32>) -> ()

  %longs = memref.get_global @longs : memref<2x2xi64>
  %u8 = memref.cast %longs : memref<2x2xi64> to memref<*xi64>
  call @printMemrefI64(%u8) : (memref<*xi64>) -> ()

  // A strided view: offset 5, strides [4, 2].
  %grid = memref.get_global @grid : memref<4x4xi64>
  %view = memref.subview %grid[1, 1] [2, 2] [1, 2]
      : memref<4x4xi64> to memref<2x2xi64, strided<[4, 2], offset: 5>>
  %u9 = memref.cast %view
      : memref<2x2xi64, strided<[4, 2], offset: 5>> to memref<*xi64>
  call @printMemrefI64(%u9) : (memref<*xi64>) -> ()

  %v = arith.constant dense<[1.0, 2.5, -3.0, 1.0e+10]> : vector<4xf32>
  vector.print %v : vector<4xf32>
  %d = arith.constant 0.1 : f64
  vector.print %d : f64
  %i = arith.constant -7 : i64
  vector.print %i : i64
  %m = arith.constant dense<[1, -2, 3]> : vector<3xi32>
  vector.print %m : vector<3xi32>
  %u = arith.constant 9223372036854775807 : index
  vector.print %u : index
  %t0 = call @rtclock() : () -> f64
  %t1 = call @rtclock() : () -> f64
  %ordered = arith.cmpf oge, %t1, %t0 : f64
  vector.print %ordered : i1
  vector.print str "done\n"
  return
}
