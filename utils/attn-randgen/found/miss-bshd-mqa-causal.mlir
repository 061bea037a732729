// attn-randgen seed=8 index=1030 positive
// spec: {"bdims": [1], "bmm_collapse2": true, "body_bits": 65535, "causal_align": "top_left", "causal_form": "select", "contraction": "generic", "d": 2, "dtype": "f32", "dv": 2, "dyn": false, "exp2_form": "mul_diff", "fill": "ninf", "g": 2, "gqa": "unit0", "hash": [248, 79, 11, 65, 21, 245, 207, 153, 77, 121, 239, 97], "hkv": 1, "hq": 2, "index": 1030, "layout": "bshd_maps", "mask": "causal", "mask_before_scale": false, "mask_shape_seed": 367214718, "maxinit": "ninf", "mutant": null, "nb": 1, "pipeline": "tile=false", "ptrunc": false, "scale": 0.5, "scale_place": "scores_mul", "seed": 8, "sk": 2, "softmax": "decomp", "split_epilogue": false, "sq": 2}
// features: dtype=f32 contraction=generic layout=bshd_maps gqa=unit0 scale=scores_mul softmax=decomp mask=causal dyn=0 nb=1 pipeline=tile=false causal=top_left causal_form=select fill=ninf maxinit=ninf
func.func @attn(%q: tensor<1x2x2x2xf32>, %k: tensor<1x2x1x2xf32>, %v: tensor<1x2x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %e1 = tensor.empty() : tensor<1x2x2x2xf32>
  %c2 = arith.constant 0.000000000e+00 : f32
  %f3 = linalg.fill ins(%c2 : f32) outs(%e1 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %g4 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n, d) -> (b0, m, h, d)>, affine_map<(b0, h, m, n, d) -> (b0, n, 0, d)>, affine_map<(b0, h, m, n, d) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<1x2x2x2xf32>, tensor<1x2x1x2xf32>) outs(%f3 : tensor<1x2x2x2xf32>) {
  ^bb0(%a5: f32, %a6: f32, %a7: f32):
    %t8 = arith.mulf %a5, %a6 : f32
    %t9 = arith.addf %a7, %t8 : f32
    linalg.yield %t9 : f32
  } -> tensor<1x2x2x2xf32>
  %e10 = tensor.empty() : tensor<1x2x2x2xf32>
  %g11 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g4 : tensor<1x2x2x2xf32>) outs(%e10 : tensor<1x2x2x2xf32>) {
  ^bb0(%a12: f32, %a13: f32):
    %t14 = arith.constant 5.000000000e-01 : f32
    %t15 = arith.mulf %a12, %t14 : f32
    %t16 = linalg.index 2 : index
    %t17 = linalg.index 3 : index
    %t18 = arith.constant 0xFF800000 : f32
    %t19 = arith.cmpi sle, %t17, %t16 : index
    %t20 = arith.select %t19, %t15, %t18 : f32
    linalg.yield %t20 : f32
  } -> tensor<1x2x2x2xf32>
  %e21 = tensor.empty() : tensor<1x2x2xf32>
  %c22 = arith.constant 0xFF800000 : f32
  %f23 = linalg.fill ins(%c22 : f32) outs(%e21 : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %g24 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g11 : tensor<1x2x2x2xf32>) outs(%f23 : tensor<1x2x2xf32>) {
  ^bb0(%a25: f32, %a26: f32):
    %t27 = arith.maximumf %a25, %a26 : f32
    linalg.yield %t27 : f32
  } -> tensor<1x2x2xf32>
  %e28 = tensor.empty() : tensor<1x2x2x2xf32>
  %g29 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g11, %g24 : tensor<1x2x2x2xf32>, tensor<1x2x2xf32>) outs(%e28 : tensor<1x2x2x2xf32>) {
  ^bb0(%a30: f32, %a31: f32, %a32: f32):
    %t33 = arith.subf %a30, %a31 : f32
    %t34 = math.exp %t33 : f32
    linalg.yield %t34 : f32
  } -> tensor<1x2x2x2xf32>
  %e35 = tensor.empty() : tensor<1x2x2xf32>
  %c36 = arith.constant 0.000000000e+00 : f32
  %f37 = linalg.fill ins(%c36 : f32) outs(%e35 : tensor<1x2x2xf32>) -> tensor<1x2x2xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g29 : tensor<1x2x2x2xf32>) outs(%f37 : tensor<1x2x2xf32>) {
  ^bb0(%a39: f32, %a40: f32):
    %t41 = arith.addf %a39, %a40 : f32
    linalg.yield %t41 : f32
  } -> tensor<1x2x2xf32>
  %e42 = tensor.empty() : tensor<1x2x2x2xf32>
  %g43 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g29, %g38 : tensor<1x2x2x2xf32>, tensor<1x2x2xf32>) outs(%e42 : tensor<1x2x2x2xf32>) {
  ^bb0(%a44: f32, %a45: f32, %a46: f32):
    %t47 = arith.divf %a44, %a45 : f32
    linalg.yield %t47 : f32
  } -> tensor<1x2x2x2xf32>
  %e48 = tensor.empty() : tensor<1x2x2x2xf32>
  %c49 = arith.constant 0.000000000e+00 : f32
  %f50 = linalg.fill ins(%c49 : f32) outs(%e48 : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %g51 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, e, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, e, n) -> (b0, n, 0, e)>, affine_map<(b0, h, m, e, n) -> (b0, m, h, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%g43, %v : tensor<1x2x2x2xf32>, tensor<1x2x1x2xf32>) outs(%f50 : tensor<1x2x2x2xf32>) {
  ^bb0(%a52: f32, %a53: f32, %a54: f32):
    %t55 = arith.mulf %a52, %a53 : f32
    %t56 = arith.addf %a54, %t55 : f32
    linalg.yield %t56 : f32
  } -> tensor<1x2x2x2xf32>
  return %g51 : tensor<1x2x2x2xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %e10001 = tensor.empty() : tensor<1x2x2x2xf32>
  %g10002 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10001 : tensor<1x2x2x2xf32>) {
  ^bb0(%a10003: f32):
    %t10004 = linalg.index 0 : index
    %t10005 = arith.index_cast %t10004 : index to i64
    %t10006 = arith.constant 8 : i64
    %t10007 = arith.muli %t10005, %t10006 : i64
    %t10008 = linalg.index 1 : index
    %t10009 = arith.index_cast %t10008 : index to i64
    %t10010 = arith.constant 4 : i64
    %t10011 = arith.muli %t10009, %t10010 : i64
    %t10012 = arith.addi %t10007, %t10011 : i64
    %t10013 = linalg.index 2 : index
    %t10014 = arith.index_cast %t10013 : index to i64
    %t10015 = arith.constant 2 : i64
    %t10016 = arith.muli %t10014, %t10015 : i64
    %t10017 = arith.addi %t10012, %t10016 : i64
    %t10018 = linalg.index 3 : index
    %t10019 = arith.index_cast %t10018 : index to i64
    %t10020 = arith.constant 1 : i64
    %t10021 = arith.muli %t10019, %t10020 : i64
    %t10022 = arith.addi %t10017, %t10021 : i64
    %t10023 = arith.constant 248 : i64
    %t10024 = arith.constant 79 : i64
    %t10025 = arith.constant 11 : i64
    %t10026 = arith.constant 251 : i64
    %t10027 = arith.muli %t10022, %t10022 : i64
    %t10028 = arith.muli %t10027, %t10023 : i64
    %t10029 = arith.muli %t10022, %t10024 : i64
    %t10030 = arith.addi %t10028, %t10029 : i64
    %t10031 = arith.addi %t10030, %t10025 : i64
    %t10032 = arith.remsi %t10031, %t10026 : i64
    %t10033 = arith.constant 125 : i64
    %t10034 = arith.subi %t10032, %t10033 : i64
    %t10035 = arith.sitofp %t10034 : i64 to f32
    %t10036 = arith.constant 0.0078125 : f32
    %t10037 = arith.mulf %t10035, %t10036 : f32
    linalg.yield %t10037 : f32
  } -> tensor<1x2x2x2xf32>
  %e10038 = tensor.empty() : tensor<1x2x1x2xf32>
  %g10039 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10038 : tensor<1x2x1x2xf32>) {
  ^bb0(%a10040: f32):
    %t10041 = linalg.index 0 : index
    %t10042 = arith.index_cast %t10041 : index to i64
    %t10043 = arith.constant 4 : i64
    %t10044 = arith.muli %t10042, %t10043 : i64
    %t10045 = linalg.index 1 : index
    %t10046 = arith.index_cast %t10045 : index to i64
    %t10047 = arith.constant 2 : i64
    %t10048 = arith.muli %t10046, %t10047 : i64
    %t10049 = arith.addi %t10044, %t10048 : i64
    %t10050 = linalg.index 2 : index
    %t10051 = arith.index_cast %t10050 : index to i64
    %t10052 = arith.constant 2 : i64
    %t10053 = arith.muli %t10051, %t10052 : i64
    %t10054 = arith.addi %t10049, %t10053 : i64
    %t10055 = linalg.index 3 : index
    %t10056 = arith.index_cast %t10055 : index to i64
    %t10057 = arith.constant 1 : i64
    %t10058 = arith.muli %t10056, %t10057 : i64
    %t10059 = arith.addi %t10054, %t10058 : i64
    %t10060 = arith.constant 65 : i64
    %t10061 = arith.constant 21 : i64
    %t10062 = arith.constant 245 : i64
    %t10063 = arith.constant 251 : i64
    %t10064 = arith.muli %t10059, %t10059 : i64
    %t10065 = arith.muli %t10064, %t10060 : i64
    %t10066 = arith.muli %t10059, %t10061 : i64
    %t10067 = arith.addi %t10065, %t10066 : i64
    %t10068 = arith.addi %t10067, %t10062 : i64
    %t10069 = arith.remsi %t10068, %t10063 : i64
    %t10070 = arith.constant 125 : i64
    %t10071 = arith.subi %t10069, %t10070 : i64
    %t10072 = arith.sitofp %t10071 : i64 to f32
    %t10073 = arith.constant 0.0078125 : f32
    %t10074 = arith.mulf %t10072, %t10073 : f32
    linalg.yield %t10074 : f32
  } -> tensor<1x2x1x2xf32>
  %e10075 = tensor.empty() : tensor<1x2x1x2xf32>
  %g10076 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10075 : tensor<1x2x1x2xf32>) {
  ^bb0(%a10077: f32):
    %t10078 = linalg.index 0 : index
    %t10079 = arith.index_cast %t10078 : index to i64
    %t10080 = arith.constant 4 : i64
    %t10081 = arith.muli %t10079, %t10080 : i64
    %t10082 = linalg.index 1 : index
    %t10083 = arith.index_cast %t10082 : index to i64
    %t10084 = arith.constant 2 : i64
    %t10085 = arith.muli %t10083, %t10084 : i64
    %t10086 = arith.addi %t10081, %t10085 : i64
    %t10087 = linalg.index 2 : index
    %t10088 = arith.index_cast %t10087 : index to i64
    %t10089 = arith.constant 2 : i64
    %t10090 = arith.muli %t10088, %t10089 : i64
    %t10091 = arith.addi %t10086, %t10090 : i64
    %t10092 = linalg.index 3 : index
    %t10093 = arith.index_cast %t10092 : index to i64
    %t10094 = arith.constant 1 : i64
    %t10095 = arith.muli %t10093, %t10094 : i64
    %t10096 = arith.addi %t10091, %t10095 : i64
    %t10097 = arith.constant 207 : i64
    %t10098 = arith.constant 153 : i64
    %t10099 = arith.constant 77 : i64
    %t10100 = arith.constant 251 : i64
    %t10101 = arith.muli %t10096, %t10096 : i64
    %t10102 = arith.muli %t10101, %t10097 : i64
    %t10103 = arith.muli %t10096, %t10098 : i64
    %t10104 = arith.addi %t10102, %t10103 : i64
    %t10105 = arith.addi %t10104, %t10099 : i64
    %t10106 = arith.remsi %t10105, %t10100 : i64
    %t10107 = arith.constant 125 : i64
    %t10108 = arith.subi %t10106, %t10107 : i64
    %t10109 = arith.sitofp %t10108 : i64 to f32
    %t10110 = arith.constant 0.0078125 : f32
    %t10111 = arith.mulf %t10109, %t10110 : f32
    linalg.yield %t10111 : f32
  } -> tensor<1x2x1x2xf32>
  %out10112 = call @attn(%g10002, %g10039, %g10076) : (tensor<1x2x2x2xf32>, tensor<1x2x1x2xf32>, tensor<1x2x1x2xf32>) -> tensor<1x2x2x2xf32>
  %u10113 = tensor.cast %out10112 : tensor<1x2x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u10113) : (tensor<*xf32>) -> ()
  return
}
