// attn-randgen seed=9 index=1 positive
// spec: {"bdims": [1], "bmm_collapse2": true, "body_bits": 65535, "causal_align": "bottom_right", "causal_form": "select", "contraction": "generic", "d": 2, "dtype": "f32", "dv": 2, "dyn": true, "dyn_kind": "all", "exp2_form": "mul_diff", "fill": "ninf", "g": 2, "gqa": "floordiv", "hash": [236, 107, 220, 17, 76, 196, 129, 153, 128, 41, 47, 50], "hkv": 1, "hq": 2, "index": 1, "layout": "bhsd", "mask": "none", "mask_before_scale": false, "mask_shape_seed": 164576123, "maxinit": "ninf", "mutant": null, "nb": 1, "pipeline": "tile=false", "ptrunc": false, "scale": 0.5, "scale_place": "scores_mul", "seed": 9, "sk": 2, "softmax": "decomp", "split_epilogue": false, "sq": 1}
// features: dtype=f32 contraction=generic layout=bhsd gqa=floordiv scale=scores_mul softmax=decomp mask=none dyn=all nb=1 pipeline=tile=false maxinit=ninf seq1=1
func.func @attn(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %i1 = arith.constant 0 : index
  %dim2 = tensor.dim %q, %i1 : tensor<?x?x?x?xf32>
  %i3 = arith.constant 1 : index
  %dim4 = tensor.dim %q, %i3 : tensor<?x?x?x?xf32>
  %i5 = arith.constant 1 : index
  %dim6 = tensor.dim %k, %i5 : tensor<?x?x?x?xf32>
  %i7 = arith.constant 2 : index
  %dim8 = tensor.dim %q, %i7 : tensor<?x?x?x?xf32>
  %i9 = arith.constant 2 : index
  %dim10 = tensor.dim %k, %i9 : tensor<?x?x?x?xf32>
  %i11 = arith.constant 3 : index
  %dim12 = tensor.dim %q, %i11 : tensor<?x?x?x?xf32>
  %i13 = arith.constant 3 : index
  %dim14 = tensor.dim %v, %i13 : tensor<?x?x?x?xf32>
  %e15 = tensor.empty(%dim2, %dim4, %dim8, %dim10) : tensor<?x?x?x?xf32>
  %c16 = arith.constant 0.000000000e+00 : f32
  %f17 = linalg.fill ins(%c16 : f32) outs(%e15 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %g18 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n, d) -> (b0, h, m, d)>, affine_map<(b0, h, m, n, d) -> (b0, h floordiv 2, n, d)>, affine_map<(b0, h, m, n, d) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%f17 : tensor<?x?x?x?xf32>) {
  ^bb0(%a19: f32, %a20: f32, %a21: f32):
    %t22 = arith.mulf %a19, %a20 : f32
    %t23 = arith.addf %a21, %t22 : f32
    linalg.yield %t23 : f32
  } -> tensor<?x?x?x?xf32>
  %e24 = tensor.empty(%dim2, %dim4, %dim8, %dim10) : tensor<?x?x?x?xf32>
  %g25 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g18 : tensor<?x?x?x?xf32>) outs(%e24 : tensor<?x?x?x?xf32>) {
  ^bb0(%a26: f32, %a27: f32):
    %t28 = arith.constant 5.000000000e-01 : f32
    %t29 = arith.mulf %a26, %t28 : f32
    linalg.yield %t29 : f32
  } -> tensor<?x?x?x?xf32>
  %e30 = tensor.empty(%dim2, %dim4, %dim8) : tensor<?x?x?xf32>
  %c31 = arith.constant 0xFF800000 : f32
  %f32 = linalg.fill ins(%c31 : f32) outs(%e30 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %g33 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g25 : tensor<?x?x?x?xf32>) outs(%f32 : tensor<?x?x?xf32>) {
  ^bb0(%a34: f32, %a35: f32):
    %t36 = arith.maximumf %a34, %a35 : f32
    linalg.yield %t36 : f32
  } -> tensor<?x?x?xf32>
  %e37 = tensor.empty(%dim2, %dim4, %dim8, %dim10) : tensor<?x?x?x?xf32>
  %g38 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g25, %g33 : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%e37 : tensor<?x?x?x?xf32>) {
  ^bb0(%a39: f32, %a40: f32, %a41: f32):
    %t42 = arith.subf %a39, %a40 : f32
    %t43 = math.exp %t42 : f32
    linalg.yield %t43 : f32
  } -> tensor<?x?x?x?xf32>
  %e44 = tensor.empty(%dim2, %dim4, %dim8) : tensor<?x?x?xf32>
  %c45 = arith.constant 0.000000000e+00 : f32
  %f46 = linalg.fill ins(%c45 : f32) outs(%e44 : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %g47 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%g38 : tensor<?x?x?x?xf32>) outs(%f46 : tensor<?x?x?xf32>) {
  ^bb0(%a48: f32, %a49: f32):
    %t50 = arith.addf %a48, %a49 : f32
    linalg.yield %t50 : f32
  } -> tensor<?x?x?xf32>
  %e51 = tensor.empty(%dim2, %dim4, %dim8, %dim10) : tensor<?x?x?x?xf32>
  %g52 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, n) -> (b0, h, m)>, affine_map<(b0, h, m, n) -> (b0, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%g38, %g47 : tensor<?x?x?x?xf32>, tensor<?x?x?xf32>) outs(%e51 : tensor<?x?x?x?xf32>) {
  ^bb0(%a53: f32, %a54: f32, %a55: f32):
    %t56 = arith.divf %a53, %a54 : f32
    linalg.yield %t56 : f32
  } -> tensor<?x?x?x?xf32>
  %e57 = tensor.empty(%dim2, %dim4, %dim8, %dim14) : tensor<?x?x?x?xf32>
  %c58 = arith.constant 0.000000000e+00 : f32
  %f59 = linalg.fill ins(%c58 : f32) outs(%e57 : tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %g60 = linalg.generic {indexing_maps = [affine_map<(b0, h, m, e, n) -> (b0, h, m, n)>, affine_map<(b0, h, m, e, n) -> (b0, h floordiv 2, n, e)>, affine_map<(b0, h, m, e, n) -> (b0, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%g52, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) outs(%f59 : tensor<?x?x?x?xf32>) {
  ^bb0(%a61: f32, %a62: f32, %a63: f32):
    %t64 = arith.mulf %a61, %a62 : f32
    %t65 = arith.addf %a63, %t64 : f32
    linalg.yield %t65 : f32
  } -> tensor<?x?x?x?xf32>
  return %g60 : tensor<?x?x?x?xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %e10001 = tensor.empty() : tensor<1x2x1x2xf32>
  %g10002 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10001 : tensor<1x2x1x2xf32>) {
  ^bb0(%a10003: f32):
    %t10004 = linalg.index 0 : index
    %t10005 = arith.index_cast %t10004 : index to i64
    %t10006 = arith.constant 4 : i64
    %t10007 = arith.muli %t10005, %t10006 : i64
    %t10008 = linalg.index 1 : index
    %t10009 = arith.index_cast %t10008 : index to i64
    %t10010 = arith.constant 2 : i64
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
    %t10023 = arith.constant 236 : i64
    %t10024 = arith.constant 107 : i64
    %t10025 = arith.constant 220 : i64
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
  } -> tensor<1x2x1x2xf32>
  %dc10038 = tensor.cast %g10002 : tensor<1x2x1x2xf32> to tensor<?x?x?x?xf32>
  %e10039 = tensor.empty() : tensor<1x1x2x2xf32>
  %g10040 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10039 : tensor<1x1x2x2xf32>) {
  ^bb0(%a10041: f32):
    %t10042 = linalg.index 0 : index
    %t10043 = arith.index_cast %t10042 : index to i64
    %t10044 = arith.constant 4 : i64
    %t10045 = arith.muli %t10043, %t10044 : i64
    %t10046 = linalg.index 1 : index
    %t10047 = arith.index_cast %t10046 : index to i64
    %t10048 = arith.constant 4 : i64
    %t10049 = arith.muli %t10047, %t10048 : i64
    %t10050 = arith.addi %t10045, %t10049 : i64
    %t10051 = linalg.index 2 : index
    %t10052 = arith.index_cast %t10051 : index to i64
    %t10053 = arith.constant 2 : i64
    %t10054 = arith.muli %t10052, %t10053 : i64
    %t10055 = arith.addi %t10050, %t10054 : i64
    %t10056 = linalg.index 3 : index
    %t10057 = arith.index_cast %t10056 : index to i64
    %t10058 = arith.constant 1 : i64
    %t10059 = arith.muli %t10057, %t10058 : i64
    %t10060 = arith.addi %t10055, %t10059 : i64
    %t10061 = arith.constant 17 : i64
    %t10062 = arith.constant 76 : i64
    %t10063 = arith.constant 196 : i64
    %t10064 = arith.constant 251 : i64
    %t10065 = arith.muli %t10060, %t10060 : i64
    %t10066 = arith.muli %t10065, %t10061 : i64
    %t10067 = arith.muli %t10060, %t10062 : i64
    %t10068 = arith.addi %t10066, %t10067 : i64
    %t10069 = arith.addi %t10068, %t10063 : i64
    %t10070 = arith.remsi %t10069, %t10064 : i64
    %t10071 = arith.constant 125 : i64
    %t10072 = arith.subi %t10070, %t10071 : i64
    %t10073 = arith.sitofp %t10072 : i64 to f32
    %t10074 = arith.constant 0.0078125 : f32
    %t10075 = arith.mulf %t10073, %t10074 : f32
    linalg.yield %t10075 : f32
  } -> tensor<1x1x2x2xf32>
  %dc10076 = tensor.cast %g10040 : tensor<1x1x2x2xf32> to tensor<?x?x?x?xf32>
  %e10077 = tensor.empty() : tensor<1x1x2x2xf32>
  %g10078 = linalg.generic {indexing_maps = [affine_map<(x0, x1, x2, x3) -> (x0, x1, x2, x3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e10077 : tensor<1x1x2x2xf32>) {
  ^bb0(%a10079: f32):
    %t10080 = linalg.index 0 : index
    %t10081 = arith.index_cast %t10080 : index to i64
    %t10082 = arith.constant 4 : i64
    %t10083 = arith.muli %t10081, %t10082 : i64
    %t10084 = linalg.index 1 : index
    %t10085 = arith.index_cast %t10084 : index to i64
    %t10086 = arith.constant 4 : i64
    %t10087 = arith.muli %t10085, %t10086 : i64
    %t10088 = arith.addi %t10083, %t10087 : i64
    %t10089 = linalg.index 2 : index
    %t10090 = arith.index_cast %t10089 : index to i64
    %t10091 = arith.constant 2 : i64
    %t10092 = arith.muli %t10090, %t10091 : i64
    %t10093 = arith.addi %t10088, %t10092 : i64
    %t10094 = linalg.index 3 : index
    %t10095 = arith.index_cast %t10094 : index to i64
    %t10096 = arith.constant 1 : i64
    %t10097 = arith.muli %t10095, %t10096 : i64
    %t10098 = arith.addi %t10093, %t10097 : i64
    %t10099 = arith.constant 129 : i64
    %t10100 = arith.constant 153 : i64
    %t10101 = arith.constant 128 : i64
    %t10102 = arith.constant 251 : i64
    %t10103 = arith.muli %t10098, %t10098 : i64
    %t10104 = arith.muli %t10103, %t10099 : i64
    %t10105 = arith.muli %t10098, %t10100 : i64
    %t10106 = arith.addi %t10104, %t10105 : i64
    %t10107 = arith.addi %t10106, %t10101 : i64
    %t10108 = arith.remsi %t10107, %t10102 : i64
    %t10109 = arith.constant 125 : i64
    %t10110 = arith.subi %t10108, %t10109 : i64
    %t10111 = arith.sitofp %t10110 : i64 to f32
    %t10112 = arith.constant 0.0078125 : f32
    %t10113 = arith.mulf %t10111, %t10112 : f32
    linalg.yield %t10113 : f32
  } -> tensor<1x1x2x2xf32>
  %dc10114 = tensor.cast %g10078 : tensor<1x1x2x2xf32> to tensor<?x?x?x?xf32>
  %out10115 = call @attn(%dc10038, %dc10076, %dc10114) : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32>
  %u10116 = tensor.cast %out10115 : tensor<?x?x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u10116) : (tensor<*xf32>) -> ()
  return
}
