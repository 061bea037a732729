// RUN: attn-opt %s -split-input-file --attn-split-kv | FileCheck %s

// Static decode, 8 rows of 4 heads: 4 blocks, so the 4096 keys become 16
// chunks of 256 (at most 4096 / 256 = 16 chunks of min-chunk keys; 64 blocks
// fill the most of a 132-block wave). Keys and values are reshaped, the
// query repeated; the chunks return f32 partial outputs and log-sum-exps.
// CHECK-LABEL: func.func @static_decode
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x8x128xf16>, %[[K:.*]]: tensor<1x4x4096x128xf16>, %[[V:.*]]: tensor<1x4x4096x128xf16>, %[[O:.*]]: tensor<1x4x8x128xf16>)
// CHECK: %[[QB:.*]] = linalg.broadcast ins(%[[Q]] : tensor<1x4x8x128xf16>) outs(%{{.*}} : tensor<1x4x16x8x128xf16>) dimensions = [2]
// CHECK: %[[QR:.*]] = tensor.collapse_shape %[[QB]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x4x16x8x128xf16> into tensor<1x64x8x128xf16>
// CHECK: %[[KE:.*]] = tensor.expand_shape %[[K]] {{\[}}[0], [1], [2, 3], [4]] output_shape [1, 4, 16, 256, 128]
// CHECK: %[[KR:.*]] = tensor.collapse_shape %[[KE]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x4x16x256x128xf16> into tensor<1x64x256x128xf16>
// CHECK: %[[VR:.*]] = tensor.collapse_shape {{.*}} into tensor<1x64x256x128xf16>
// CHECK: %[[P:.*]]:2 = attn.attention ins(%[[QR]], %[[KR]], %[[VR]] : {{.*}}) outs(%{{.*}} : tensor<1x64x8x128xf32>) lse(%{{.*}} : tensor<1x64x8xf32>) scale(1.250000e-01) -> tensor<1x64x8x128xf32>, tensor<1x64x8xf32>
// CHECK-DAG: %[[PO:.*]] = tensor.expand_shape %[[P]]#0 {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 4, 16, 8, 128]
// CHECK-DAG: %[[PL:.*]] = tensor.expand_shape %[[P]]#1 {{\[}}[0], [1, 2], [3]] output_shape [1, 4, 16, 8]
// The combination, one elementwise generic into the output: each element
// takes the largest log-sum-exp of its row, then in one walk the sum of the
// chunks' weights and the weighted sum of its column of the partial
// outputs, and is cast.
// CHECK: %[[N:.*]] = tensor.dim %[[PL]], %{{.*}} : tensor<1x4x16x8xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%[[O]] : tensor<1x4x8x128xf16>)
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[H:.*]] = linalg.index 1
// CHECK: %[[M:.*]] = linalg.index 2
// CHECK: %[[D:.*]] = linalg.index 3
// Each walk takes 8 chunks per iteration (their loads are independent),
// then the rest one at a time.
// CHECK: %[[WHOLE:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK: %[[MAX8:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[WHOLE]] step %{{.*}} iter_args
// CHECK: tensor.extract %[[PL]][%[[B]], %[[H]], %[[I]], %[[M]]]
// CHECK-COUNT-8: arith.maximumf
// CHECK: %[[MAX:.*]] = scf.for %[[I1:.*]] = %[[WHOLE]] to %[[N]] step %{{.*}} iter_args(%{{.*}} = %[[MAX8]])
// CHECK: tensor.extract %[[PL]][%[[B]], %[[H]], %[[I1]], %[[M]]]
// CHECK: arith.maximumf
// CHECK: %[[SUMS8:.*]]:2 = scf.for {{.*}} -> (f32, f32)
// CHECK-COUNT-8: math.exp
// CHECK: %[[SUMS:.*]]:2 = scf.for %[[J:.*]] = %{{.*}} to %[[N]] {{.*}} iter_args(%{{.*}} = %[[SUMS8]]#0, %{{.*}} = %[[SUMS8]]#1) -> (f32, f32)
// CHECK: %[[L:.*]] = tensor.extract %[[PL]][%[[B]], %[[H]], %[[J]], %[[M]]]
// CHECK: %[[X:.*]] = arith.subf %[[L]], %[[MAX]]
// CHECK: %[[E:.*]] = math.exp %[[X]]
// CHECK: %[[PART:.*]] = tensor.extract %[[PO]][%[[B]], %[[H]], %[[J]], %[[M]], %[[D]]]
// CHECK: arith.mulf %[[E]], %[[PART]]
// CHECK: %[[W:.*]] = arith.divf %[[SUMS]]#1, %[[SUMS]]#0
// CHECK: arith.truncf %[[W]] : f32 to f16
// CHECK: return %[[R]]
func.func @static_decode(%q: tensor<1x4x8x128xf16>, %k: tensor<1x4x4096x128xf16>,
                         %v: tensor<1x4x4096x128xf16>, %o: tensor<1x4x8x128xf16>)
    -> tensor<1x4x8x128xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x8x128xf16>,
           tensor<1x4x4096x128xf16>, tensor<1x4x4096x128xf16>)
         outs(%o : tensor<1x4x8x128xf16>) scale(0.125) -> tensor<1x4x8x128xf16>
  return %r : tensor<1x4x8x128xf16>
}

// -----

// Dynamic batch and key length: the number of chunks is computed on the
// host (a power of two dividing Sk, counted in waves of 132 blocks). One
// chunk runs the op as it is; more run the split, where a bottom-right
// causal mask, a no-op for one row, is dropped. The log-sum-exp is
// max + log(sum).
// CHECK-LABEL: func.func @dynamic_decode_lse
// CHECK: arith.ceildivsi %{{.*}}, %{{.*}} : i64
// CHECK: %[[N:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[N]], %{{.*}} : index
// CHECK: %[[R:.*]]:2 = scf.if %[[ONE]]
// CHECK-NEXT: %[[A:.*]]:2 = attn.attention ins({{.*}} : tensor<?x4x1x64xbf16>, tensor<?x4x?x64xbf16>, tensor<?x4x?x64xbf16>) {{.*}} causal<bottom_right>
// CHECK-NEXT: scf.yield %[[A]]#0, %[[A]]#1
// CHECK-NEXT: } else {
// CHECK: tensor.expand_shape %{{.*}} output_shape [%{{.*}}, 4, %[[N]], %{{.*}}, 64] : tensor<?x4x?x64xbf16> into tensor<?x4x?x?x64xbf16>
// CHECK: attn.attention ins({{.*}} : tensor<?x?x1x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>) outs({{.*}}) lse({{.*}}) scale(1.250000e-01) -> tensor<?x?x1x64xf32>, tensor<?x?x1xf32>
// CHECK-NOT: causal
// CHECK: math.log
// CHECK: scf.yield
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @dynamic_decode_lse(%q: tensor<?x4x1x64xbf16>, %k: tensor<?x4x?x64xbf16>,
                              %v: tensor<?x4x?x64xbf16>, %o: tensor<?x4x1x64xbf16>,
                              %l: tensor<?x4x1xf32>)
    -> (tensor<?x4x1x64xbf16>, tensor<?x4x1xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x4x1x64xbf16>,
           tensor<?x4x?x64xbf16>, tensor<?x4x?x64xbf16>)
         outs(%o : tensor<?x4x1x64xbf16>) lse(%l : tensor<?x4x1xf32>)
         scale(0.125) causal<bottom_right>
         -> tensor<?x4x1x64xbf16>, tensor<?x4x1xf32>
  return %r#0, %r#1 : tensor<?x4x1x64xbf16>, tensor<?x4x1xf32>
}

// -----

// Enough blocks already (64 x 8 heads): one chunk, nothing to do.
// CHECK-LABEL: func.func @many_blocks
// CHECK-NOT: linalg.broadcast
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<64x8x1x64xf16>
func.func @many_blocks(%q: tensor<64x8x1x64xf16>, %k: tensor<64x8x4096x64xf16>,
                       %v: tensor<64x8x4096x64xf16>, %o: tensor<64x8x1x64xf16>)
    -> tensor<64x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<64x8x1x64xf16>,
           tensor<64x8x4096x64xf16>, tensor<64x8x4096x64xf16>)
         outs(%o : tensor<64x8x1x64xf16>) scale(0.125) -> tensor<64x8x1x64xf16>
  return %r : tensor<64x8x1x64xf16>
}

// -----

// 80% of a wave of 132 blocks (27 x 4 = 108 blocks): one chunk.
// CHECK-LABEL: func.func @most_of_a_wave
// CHECK-NOT: linalg.broadcast
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<27x4x1x64xf16>
func.func @most_of_a_wave(%q: tensor<27x4x1x64xf16>, %k: tensor<27x4x4096x64xf16>,
                          %v: tensor<27x4x4096x64xf16>, %o: tensor<27x4x1x64xf16>)
    -> tensor<27x4x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<27x4x1x64xf16>,
           tensor<27x4x4096x64xf16>, tensor<27x4x4096x64xf16>)
         outs(%o : tensor<27x4x1x64xf16>) scale(0.125) -> tensor<27x4x1x64xf16>
  return %r : tensor<27x4x1x64xf16>
}

// -----

// 100 blocks fill 76% of one wave, as do 2 and 4 chunks (2 and 4 waves);
// 8 chunks fill 7 waves to 87% (800 of 924 blocks), 16 chunks 93%: 8 is
// the smallest within 85% of the best.
// CHECK-LABEL: func.func @later_waves_fuller
// CHECK: attn.attention ins({{.*}} : tensor<25x32x1x64xf16>, tensor<25x32x512x64xf16>, tensor<25x32x512x64xf16>)
func.func @later_waves_fuller(%q: tensor<25x4x1x64xf16>, %k: tensor<25x4x4096x64xf16>,
                              %v: tensor<25x4x4096x64xf16>, %o: tensor<25x4x1x64xf16>)
    -> tensor<25x4x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<25x4x1x64xf16>,
           tensor<25x4x4096x64xf16>, tensor<25x4x4096x64xf16>)
         outs(%o : tensor<25x4x1x64xf16>) scale(0.125) -> tensor<25x4x1x64xf16>
  return %r : tensor<25x4x1x64xf16>
}

// -----

// 16 blocks: 8 chunks make 128 blocks, 97% of a wave; 16 chunks would fill
// their two waves no better. The smallest such count wins.
// CHECK-LABEL: func.func @smallest_full_wave
// CHECK: attn.attention ins({{.*}} : tensor<1x128x1x64xf16>, tensor<1x128x512x64xf16>, tensor<1x128x512x64xf16>)
func.func @smallest_full_wave(%q: tensor<1x16x1x64xf16>, %k: tensor<1x16x4096x64xf16>,
                              %v: tensor<1x16x4096x64xf16>, %o: tensor<1x16x1x64xf16>)
    -> tensor<1x16x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x16x1x64xf16>,
           tensor<1x16x4096x64xf16>, tensor<1x16x4096x64xf16>)
         outs(%o : tensor<1x16x1x64xf16>) scale(0.125) -> tensor<1x16x1x64xf16>
  return %r : tensor<1x16x1x64xf16>
}

// -----

// Too few keys for two chunks of min-chunk (256) keys.
// CHECK-LABEL: func.func @short_keys
// CHECK-NOT: linalg.broadcast
func.func @short_keys(%q: tensor<1x4x1x64xf16>, %k: tensor<1x4x300x64xf16>,
                      %v: tensor<1x4x300x64xf16>, %o: tensor<1x4x1x64xf16>)
    -> tensor<1x4x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x1x64xf16>,
           tensor<1x4x300x64xf16>, tensor<1x4x300x64xf16>)
         outs(%o : tensor<1x4x1x64xf16>) scale(0.125) -> tensor<1x4x1x64xf16>
  return %r : tensor<1x4x1x64xf16>
}

// -----

// Grouped-query decoding (8 query heads, 2 key/value heads, one row): the 4
// query heads of a group become 4 rows of one head
// (--attn-pack-grouped-queries), then 2 blocks call for 16 chunks.
// CHECK-LABEL: func.func @grouped
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2], [3]] output_shape [1, 2, 4, 64] : tensor<1x8x64xf16> into tensor<1x2x4x64xf16>
// CHECK: linalg.broadcast ins(%{{.*}} : tensor<1x2x4x64xf16>) outs(%{{.*}} : tensor<1x2x16x4x64xf16>)
// CHECK: attn.attention ins({{.*}} : tensor<1x32x4x64xf16>, tensor<1x32x256x64xf16>, tensor<1x32x256x64xf16>)
// CHECK-NOT: attn.attention
// CHECK: return
func.func @grouped(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x4096x64xf16>,
                   %v: tensor<1x2x4096x64xf16>, %o: tensor<1x8x1x64xf16>)
    -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x2x4096x64xf16>, tensor<1x2x4096x64xf16>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}

// -----

// A mask is a function of the key index: not split.
// CHECK-LABEL: func.func @masked
// CHECK-NOT: linalg.broadcast
func.func @masked(%q: tensor<1x4x1x64xf16>, %k: tensor<1x4x4096x64xf16>,
                  %v: tensor<1x4x4096x64xf16>, %m: tensor<1x1x1x4096xf16>,
                  %o: tensor<1x4x1x64xf16>) -> tensor<1x4x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x1x64xf16>,
           tensor<1x4x4096x64xf16>, tensor<1x4x4096x64xf16>)
         mask(%m : tensor<1x1x1x4096xf16>)
         outs(%o : tensor<1x4x1x64xf16>) scale(0.125) -> tensor<1x4x1x64xf16>
  return %r : tensor<1x4x1x64xf16>
}

// -----

// Prefill (64 query rows, more than max-rows) and a top-left causal mask
// (which differs between chunks) are not split.
// CHECK-LABEL: func.func @prefill_causal
// CHECK-NOT: linalg.broadcast
func.func @prefill_causal(%q: tensor<1x4x64x64xf16>, %k: tensor<1x4x4096x64xf16>,
                          %v: tensor<1x4x4096x64xf16>, %o: tensor<1x4x64x64xf16>)
    -> tensor<1x4x64x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x64x64xf16>,
           tensor<1x4x4096x64xf16>, tensor<1x4x4096x64xf16>)
         outs(%o : tensor<1x4x64x64xf16>) scale(0.125) causal<top_left>
         -> tensor<1x4x64x64xf16>
  return %r : tensor<1x4x64x64xf16>
}

// -----

// Keys stored BSHD: the chunks would not be a reshape; not split.
// CHECK-LABEL: func.func @bshd_keys
// CHECK-NOT: linalg.broadcast
func.func @bshd_keys(%q: tensor<1x4x1x64xf16>, %k: tensor<1x4096x4x64xf16>,
                     %v: tensor<1x4096x4x64xf16>, %o: tensor<1x4x1x64xf16>)
    -> tensor<1x4x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x4x1x64xf16>,
           tensor<1x4096x4x64xf16>, tensor<1x4096x4x64xf16>)
         outs(%o : tensor<1x4x1x64xf16>) scale(0.125)
         {key_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>}
         -> tensor<1x4x1x64xf16>
  return %r : tensor<1x4x1x64xf16>
}

// -----

// Grouped and many blocks (64 x 8 key/value heads = 512 blocks, several
// waves of 132): only packed, one chunk.
// CHECK-LABEL: func.func @grouped_many_blocks
// CHECK-NOT: linalg.broadcast
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<64x8x4x64xf16>, tensor<64x8x4096x64xf16>
func.func @grouped_many_blocks(%q: tensor<64x32x1x64xf16>, %k: tensor<64x8x4096x64xf16>,
                               %v: tensor<64x8x4096x64xf16>, %o: tensor<64x32x1x64xf16>)
    -> tensor<64x32x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<64x32x1x64xf16>,
           tensor<64x8x4096x64xf16>, tensor<64x8x4096x64xf16>)
         outs(%o : tensor<64x32x1x64xf16>) scale(0.125) -> tensor<64x32x1x64xf16>
  return %r : tensor<64x32x1x64xf16>
}

// -----

// Grouped with a key-padding mask: neither packed nor split (packing alone
// would leave fewer blocks).
// CHECK-LABEL: func.func @grouped_masked
// CHECK-NOT: tensor.expand_shape
// CHECK: attn.attention ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x1x64xf16>
func.func @grouped_masked(%q: tensor<1x8x1x64xf16>, %k: tensor<1x2x4096x64xf16>,
                          %v: tensor<1x2x4096x64xf16>, %m: tensor<1x1x1x4096xf16>,
                          %o: tensor<1x8x1x64xf16>) -> tensor<1x8x1x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x8x1x64xf16>,
           tensor<1x2x4096x64xf16>, tensor<1x2x4096x64xf16>)
         mask(%m : tensor<1x1x1x4096xf16>)
         outs(%o : tensor<1x8x1x64xf16>) scale(0.125) -> tensor<1x8x1x64xf16>
  return %r : tensor<1x8x1x64xf16>
}
