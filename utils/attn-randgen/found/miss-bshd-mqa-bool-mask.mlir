// attn-randgen seed=8 index=1001 positive
// spec: {"bdims": [], "bmm_collapse2": true, "body_bits": 65535, "causal_align": "bottom_right", "causal_form": "select", "contraction": "generic", "d": 1, "dtype": "f32", "dv": 1, "dyn": false, "dyn_kind": "bs", "exp2_form": "mul_both", "fill": "ninf", "g": 2, "gqa": "unit0", "hash": [206, 53, 35, 127, 37, 62, 69, 34, 12, 246, 101, 250], "hkv": 1, "hq": 2, "index": 1001, "layout": "bshd_maps", "mask": "bool", "mask_before_scale": false, "mask_shape_seed": 311402238, "maxinit": "ninf", "mutant": null, "nb": 0, "pipeline": "tile=false", "ptrunc": false, "scale": 0.5, "scale_place": "scores_mul", "seed": 8, "sk": 2, "softmax": "decomp", "split_epilogue": false, "sq": 2}
// features: dtype=f32 contraction=generic layout=bshd_maps gqa=unit0 scale=scores_mul softmax=decomp mask=bool dyn=0 nb=0 pipeline=tile=false fill=ninf maxinit=ninf
func.func @attn(%q: tensor<2x2x1xf32>, %k: tensor<2x1x1xf32>, %v: tensor<2x1x1xf32>, %mask: tensor<1x2x2xi1>) -> tensor<2x2x1xf32> {
  %e1 = tensor.empty() : tensor<2x2x2xf32>
  %c2 = arith.constant 0.000000000e+00 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %g4 = linalg.generic {indexing_maps = [affine_map<(h, m, n, d) -> (m, h, d)>, affine_map<(h, m, n, d) -> (n, 0, d)>, affine_map<(h, m, n, d) -> (h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x2x1xf32>, tensor<2x1x1xf32>) outs(%f3 : tensor<2x2x2xf32>) {
  ^bb0(%a5: f32, %a6: f32, %a7: f32):
    %t8 = arith.mulf %a5, %a6 : f32
    %t9 = arith.addf %a7, %t8 : f32
    linalg.yield %t9 : f32
  } -> tensor<2x2x2xf32>
  %e10 = tensor.empty() : tensor<2x2x2xf32>
  %g11 = linalg.generic {indexing_maps = [affine_map<(h, m, n) -> (h, m, n)>, affine_map<(h, m, n) -> (0, m, n)>, affine_map<(h, m, n) -> (h, m, n)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g4, %mask : tensor<2x2x2xf32>, tensor<1x2x2xi1>) outs(%e10 : tensor<2x2x2xf32>) {
  ^bb0(%a12: f32, %a13: i1, %a14: f32):
    %t15 = arith.constant 5.000000000e-01 : f32
    %t16 = arith.mulf %a12, %t15 : f32
    %t17 = arith.constant 0xFF800000 : f32
    %t18 = arith.select %a13, %t16, %t17 : f32
    linalg.yield %t18 : f32
  } -> tensor<2x2x2xf32>
  %e19 = tensor.empty() : tensor<2x2xf32>
  %c20 = arith.constant 0xFF800000 : f32
  %f21 = linalg.fill ins(%c20 : f32) outs(%e19 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %g22 = linalg.generic {indexing_maps = [affine_map<(h, m, n) -> (h, m, n)>, affine_map<(h, m, n) -> (h, m)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g11 : tensor<2x2x2xf32>) outs(%f21 : tensor<2x2xf32>) {
  ^bb0(%a23: f32, %a24: f32):
    %t25 = arith.maximumf %a23, %a24 : f32
    linalg.yield %t25 : f32
  } -> tensor<2x2xf32>
  %e26 = tensor.empty() : tensor<2x2x2xf32>
  %g27 = linalg.generic {indexing_maps = [affine_map<(h, m, n) -> (h, m, n)>, affine_map<(h, m, n) -> (h, m)>, affine_map<(h, m, n) -> (h, m, n)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g11, %g22 : tensor<2x2x2xf32>, tensor<2x2xf32>) outs(%e26 : tensor<2x2x2xf32>) {
  ^bb0(%a28: f32, %a29: f32, %a30: f32):
    %t31 = arith.subf %a28, %a29 : f32
    %t32 = math.exp %t31 : f32
    linalg.yield %t32 : f32
  } -> tensor<2x2x2xf32>
  %e33 = tensor.empty() : tensor<2x2xf32>
  %c34 = arith.constant 0.000000000e+00 : f32
  %f35 = linalg.fill ins(%c34 : f32) outs(%e33 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %g36 = linalg.generic {indexing_maps = [affine_map<(h, m, n) -> (h, m, n)>, affine_map<(h, m, n) -> (h, m)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g27 : tensor<2x2x2xf32>) outs(%f35 : tensor<2x2xf32>) {
  ^bb0(%a37: f32, %a38: f32):
    %t39 = arith.addf %a37, %a38 : f32
    linalg.yield %t39 : f32
  } -> tensor<2x2xf32>
  %e40 = tensor.empty() : tensor<2x2x2xf32>
  %g41 = linalg.generic {indexing_maps = [affine_map<(h, m, n) -> (h, m, n)>, affine_map<(h, m, n) -> (h, m)>, affine_map<(h, m, n) -> (h, m, n)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g27, %g36 : tensor<2x2x2xf32>, tensor<2x2xf32>) outs(%e40 : tensor<2x2x2xf32>) {
  ^bb0(%a42: f32, %a43: f32, %a44: f32):
    %t45 = arith.divf %a42, %a43 : f32
    linalg.yield %t45 : f32
  } -> tensor<2x2x2xf32>
  %e46 = tensor.empty() : tensor<2x2x1xf32>
  %c47 = arith.constant 0.000000000e+00 : f32
  %f48 = linalg.fill ins(%c47 : f32) outs(%e46 : tensor<2x2x1xf32>) -> tensor<2x2x1xf32>
  %g49 = linalg.generic {indexing_maps = [affine_map<(h, m, e, n) -> (h, m, n)>, affine_map<(h, m, e, n) -> (n, 0, e)>, affine_map<(h, m, e, n) -> (m, h, e)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g41, %v : tensor<2x2x2xf32>, tensor<2x1x1xf32>) outs(%f48 : tensor<2x2x1xf32>) {
  ^bb0(%a50: f32, %a51: f32, %a52: f32):
    %t53 = arith.mulf %a50, %a51 : f32
    %t54 = arith.addf %a52, %t53 : f32
    linalg.yield %t54 : f32
  } -> tensor<2x2x1xf32>
  return %g49 : tensor<2x2x1xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %e10001 = tensor.empty() : tensor<2x2x1xf32>
  %g10002 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2) -> (x0, x1, x2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e10001 : tensor<2x2x1xf32>) {
  ^bb0(%a10003: f32):
    %t10004 = linalg.index 0 : index
    %t10005 = arith.index_cast %t10004 : index to i64
    %t10006 = arith.constant 2 : i64
    %t10007 = arith.muli %t10005, %t10006 : i64
    %t10008 = linalg.index 1 : index
    %t10009 = arith.index_cast %t10008 : index to i64
    %t10010 = arith.constant 1 : i64
    %t10011 = arith.muli %t10009, %t10010 : i64
    %t10012 = arith.addi %t10007, %t10011 : i64
    %t10013 = linalg.index 2 : index
    %t10014 = arith.index_cast %t10013 : index to i64
    %t10015 = arith.constant 1 : i64
    %t10016 = arith.muli %t10014, %t10015 : i64
    %t10017 = arith.addi %t10012, %t10016 : i64
    %t10018 = arith.constant 206 : i64
    %t10019 = arith.constant 53 : i64
    %t10020 = arith.constant 35 : i64
    %t10021 = arith.constant 251 : i64
    %t10022 = arith.muli %t10017, %t10017 : i64
    %t10023 = arith.muli %t10022, %t10018 : i64
    %t10024 = arith.muli %t10017, %t10019 : i64
    %t10025 = arith.addi %t10023, %t10024 : i64
    %t10026 = arith.addi %t10025, %t10020 : i64
    %t10027 = arith.remsi %t10026, %t10021 : i64
    %t10028 = arith.constant 125 : i64
    %t10029 = arith.subi %t10027, %t10028 : i64
    %t10030 = arith.sitofp %t10029 : i64 to f32
    %t10031 = arith.constant 0.0078125 : f32
    %t10032 = arith.mulf %t10030, %t10031 : f32
    linalg.yield %t10032 : f32
  } -> tensor<2x2x1xf32>
  %e10033 = tensor.empty() : tensor<2x1x1xf32>
  %g10034 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2) -> (x0, x1, x2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e10033 : tensor<2x1x1xf32>) {
  ^bb0(%a10035: f32):
    %t10036 = linalg.index 0 : index
    %t10037 = arith.index_cast %t10036 : index to i64
    %t10038 = arith.constant 1 : i64
    %t10039 = arith.muli %t10037, %t10038 : i64
    %t10040 = linalg.index 1 : index
    %t10041 = arith.index_cast %t10040 : index to i64
    %t10042 = arith.constant 1 : i64
    %t10043 = arith.muli %t10041, %t10042 : i64
    %t10044 = arith.addi %t10039, %t10043 : i64
    %t10045 = linalg.index 2 : index
    %t10046 = arith.index_cast %t10045 : index to i64
    %t10047 = arith.constant 1 : i64
    %t10048 = arith.muli %t10046, %t10047 : i64
    %t10049 = arith.addi %t10044, %t10048 : i64
    %t10050 = arith.constant 127 : i64
    %t10051 = arith.constant 37 : i64
    %t10052 = arith.constant 62 : i64
    %t10053 = arith.constant 251 : i64
    %t10054 = arith.muli %t10049, %t10049 : i64
    %t10055 = arith.muli %t10054, %t10050 : i64
    %t10056 = arith.muli %t10049, %t10051 : i64
    %t10057 = arith.addi %t10055, %t10056 : i64
    %t10058 = arith.addi %t10057, %t10052 : i64
    %t10059 = arith.remsi %t10058, %t10053 : i64
    %t10060 = arith.constant 125 : i64
    %t10061 = arith.subi %t10059, %t10060 : i64
    %t10062 = arith.sitofp %t10061 : i64 to f32
    %t10063 = arith.constant 0.0078125 : f32
    %t10064 = arith.mulf %t10062, %t10063 : f32
    linalg.yield %t10064 : f32
  } -> tensor<2x1x1xf32>
  %e10065 = tensor.empty() : tensor<2x1x1xf32>
  %g10066 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2) -> (x0, x1, x2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e10065 : tensor<2x1x1xf32>) {
  ^bb0(%a10067: f32):
    %t10068 = linalg.index 0 : index
    %t10069 = arith.index_cast %t10068 : index to i64
    %t10070 = arith.constant 1 : i64
    %t10071 = arith.muli %t10069, %t10070 : i64
    %t10072 = linalg.index 1 : index
    %t10073 = arith.index_cast %t10072 : index to i64
    %t10074 = arith.constant 1 : i64
    %t10075 = arith.muli %t10073, %t10074 : i64
    %t10076 = arith.addi %t10071, %t10075 : i64
    %t10077 = linalg.index 2 : index
    %t10078 = arith.index_cast %t10077 : index to i64
    %t10079 = arith.constant 1 : i64
    %t10080 = arith.muli %t10078, %t10079 : i64
    %t10081 = arith.addi %t10076, %t10080 : i64
    %t10082 = arith.constant 69 : i64
    %t10083 = arith.constant 34 : i64
    %t10084 = arith.constant 12 : i64
    %t10085 = arith.constant 251 : i64
    %t10086 = arith.muli %t10081, %t10081 : i64
    %t10087 = arith.muli %t10086, %t10082 : i64
    %t10088 = arith.muli %t10081, %t10083 : i64
    %t10089 = arith.addi %t10087, %t10088 : i64
    %t10090 = arith.addi %t10089, %t10084 : i64
    %t10091 = arith.remsi %t10090, %t10085 : i64
    %t10092 = arith.constant 125 : i64
    %t10093 = arith.subi %t10091, %t10092 : i64
    %t10094 = arith.sitofp %t10093 : i64 to f32
    %t10095 = arith.constant 0.0078125 : f32
    %t10096 = arith.mulf %t10094, %t10095 : f32
    linalg.yield %t10096 : f32
  } -> tensor<2x1x1xf32>
  %e10097 = tensor.empty() : tensor<1x2x2xi1>
  %g10098 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2) -> (x0, x1, x2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e10097 : tensor<1x2x2xi1>) {
  ^bb0(%a10099: i1):
    %t10100 = linalg.index 0 : index
    %t10101 = arith.index_cast %t10100 : index to i64
    %t10102 = arith.constant 4 : i64
    %t10103 = arith.muli %t10101, %t10102 : i64
    %t10104 = linalg.index 1 : index
    %t10105 = arith.index_cast %t10104 : index to i64
    %t10106 = arith.constant 2 : i64
    %t10107 = arith.muli %t10105, %t10106 : i64
    %t10108 = arith.addi %t10103, %t10107 : i64
    %t10109 = linalg.index 2 : index
    %t10110 = arith.index_cast %t10109 : index to i64
    %t10111 = arith.constant 1 : i64
    %t10112 = arith.muli %t10110, %t10111 : i64
    %t10113 = arith.addi %t10108, %t10112 : i64
    %t10114 = arith.constant 246 : i64
    %t10115 = arith.constant 101 : i64
    %t10116 = arith.constant 250 : i64
    %t10117 = arith.constant 251 : i64
    %t10118 = arith.muli %t10113, %t10113 : i64
    %t10119 = arith.muli %t10118, %t10114 : i64
    %t10120 = arith.muli %t10113, %t10115 : i64
    %t10121 = arith.addi %t10119, %t10120 : i64
    %t10122 = arith.addi %t10121, %t10116 : i64
    %t10123 = arith.remsi %t10122, %t10117 : i64
    %t10124 = arith.constant 4 : i64
    %t10125 = arith.constant 0 : i64
    %t10126 = arith.remsi %t10123, %t10124 : i64
    %t10127 = arith.cmpi ne, %t10126, %t10125 : i64
    %t10128 = linalg.index 2 : index
    %t10129 = arith.constant 0 : index
    %t10130 = arith.cmpi eq, %t10128, %t10129 : index
    %t10131 = arith.ori %t10127, %t10130 : i1
    linalg.yield %t10131 : i1
  } -> tensor<1x2x2xi1>
  %out10132 = call @attn(%g10002, %g10034, %g10066, %g10098) : (tensor<2x2x1xf32>, tensor<2x1x1xf32>, tensor<2x1x1xf32>, tensor<1x2x2xi1>) -> tensor<2x2x1xf32>
  %u10133 = tensor.cast %out10132 : tensor<2x2x1xf32> to tensor<*xf32>
  call @printMemrefF32(%u10133) : (tensor<*xf32>) -> ()
  return
}
