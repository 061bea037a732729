// Kernels of the GPU suite that no tensor-core kernel takes: f32 inputs, head
// dims other than 64/128/256, D != Dv, dynamic head dims, a head dim that is
// not innermost, zero or two batch dims, more mask shapes. With the default
// pipeline they validate the fallback to the general SIMT kernel
// (--convert-attn-to-gpu-simt), with kernel=simt that kernel itself (which
// then also runs every kernel of attn_e2e.mlir). run_e2e.sh links both
// files; attn_driver.cpp knows each kernel's name, types, layouts, mask and
// lse: keep the two in sync.

// f32 in and out, D = 1.
func.func @gen_f32_d1(%q: tensor<?x?x?x1xf32>, %k: tensor<?x?x?x1xf32>, %v: tensor<?x?x?x1xf32>, %o: tensor<?x?x?x1xf32>)
    -> tensor<?x?x?x1xf32> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>, tensor<?x?x?x1xf32>)
       outs(%o : tensor<?x?x?x1xf32>)
       scale(1.000000e+00) -> tensor<?x?x?x1xf32>
  return %r : tensor<?x?x?x1xf32>
}

// D = 8, causal top-left, lse.
func.func @gen_f32_d8_tl_lse(%q: tensor<?x?x?x8xf32>, %k: tensor<?x?x?x8xf32>, %v: tensor<?x?x?x8xf32>, %o: tensor<?x?x?x8xf32>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x8xf32>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>, tensor<?x?x?x8xf32>)
       outs(%o : tensor<?x?x?x8xf32>) lse(%l : tensor<?x?x?xf32>)
       scale(0.35355339059327373) causal<top_left> -> tensor<?x?x?x8xf32>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x8xf32>, tensor<?x?x?xf32>
}

// f32 in, bf16 out, D = 16, causal bottom-right and a full i1 keep-mask.
func.func @gen_f32_d16_br_boolmask(%q: tensor<?x?x?x16xf32>, %k: tensor<?x?x?x16xf32>, %v: tensor<?x?x?x16xf32>, %m: tensor<?x?x?x?xi1>, %o: tensor<?x?x?x16xbf16>)
    -> tensor<?x?x?x16xbf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>, tensor<?x?x?x16xf32>)
       mask(%m : tensor<?x?x?x?xi1>)
       outs(%o : tensor<?x?x?x16xbf16>)
       scale(0.25) causal<bottom_right> -> tensor<?x?x?x16xbf16>
  return %r : tensor<?x?x?x16xbf16>
}

// D = 80 (no tensor-core kernel), additive f32 mask [B, Hq or 1, Sq, Sk].
func.func @gen_f16_d80_addmask(%q: tensor<?x?x?x80xf16>, %k: tensor<?x?x?x80xf16>, %v: tensor<?x?x?x80xf16>, %m: tensor<?x?x?x?xf32>, %o: tensor<?x?x?x80xf16>)
    -> tensor<?x?x?x80xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x80xf16>, tensor<?x?x?x80xf16>, tensor<?x?x?x80xf16>)
       mask(%m : tensor<?x?x?x?xf32>)
       outs(%o : tensor<?x?x?x80xf16>)
       scale(0.11180339887498948) -> tensor<?x?x?x80xf16>
  return %r : tensor<?x?x?x80xf16>
}

// bf16, D = 96, causal bottom-right, lse (GQA in the cases).
func.func @gen_bf16_d96_br_lse(%q: tensor<?x?x?x96xbf16>, %k: tensor<?x?x?x96xbf16>, %v: tensor<?x?x?x96xbf16>, %o: tensor<?x?x?x96xbf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x96xbf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x96xbf16>, tensor<?x?x?x96xbf16>, tensor<?x?x?x96xbf16>)
       outs(%o : tensor<?x?x?x96xbf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.10206207261596577) causal<bottom_right> -> tensor<?x?x?x96xbf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x96xbf16>, tensor<?x?x?xf32>
}

// D = 160, a bf16 additive mask [Hq, 1, Sk] (static 1 over rows), lse.
func.func @gen_f32_d160_keypad_lse(%q: tensor<?x?x?x160xf32>, %k: tensor<?x?x?x160xf32>, %v: tensor<?x?x?x160xf32>, %m: tensor<?x1x?xbf16>, %o: tensor<?x?x?x160xf32>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x160xf32>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x160xf32>, tensor<?x?x?x160xf32>, tensor<?x?x?x160xf32>)
       mask(%m : tensor<?x1x?xbf16>)
       outs(%o : tensor<?x?x?x160xf32>) lse(%l : tensor<?x?x?xf32>)
       scale(0.07905694150420949) -> tensor<?x?x?x160xf32>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x160xf32>, tensor<?x?x?xf32>
}

// D = 192, f32 out, causal top-left.
func.func @gen_f16_d192_tl_f32out(%q: tensor<?x?x?x192xf16>, %k: tensor<?x?x?x192xf16>, %v: tensor<?x?x?x192xf16>, %o: tensor<?x?x?x192xf32>)
    -> tensor<?x?x?x192xf32> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x192xf16>, tensor<?x?x?x192xf16>, tensor<?x?x?x192xf16>)
       outs(%o : tensor<?x?x?x192xf32>)
       scale(0.07216878364870323) causal<top_left> -> tensor<?x?x?x192xf32>
  return %r : tensor<?x?x?x192xf32>
}

// D = 192, Dv = 128 (MLA-style), causal bottom-right, lse, an f16 mask [?, Sk] whose row dim is 1 at run time.
func.func @gen_f16_d192_dv128(%q: tensor<?x?x?x192xf16>, %k: tensor<?x?x?x192xf16>, %v: tensor<?x?x?x128xf16>, %m: tensor<?x?xf16>, %o: tensor<?x?x?x128xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x128xf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x192xf16>, tensor<?x?x?x192xf16>, tensor<?x?x?x128xf16>)
       mask(%m : tensor<?x?xf16>)
       outs(%o : tensor<?x?x?x128xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.07216878364870323) causal<bottom_right> -> tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
}

// BSHD layout, f32, D = 64, causal top-left, i1 mask [B, 1, Sq, Sk].
func.func @gen_f32_bshd_d64_boolmask(%q: tensor<?x?x?x64xf32>, %k: tensor<?x?x?x64xf32>, %v: tensor<?x?x?x64xf32>, %m: tensor<?x1x?x?xi1>, %o: tensor<?x?x?x64xf32>)
    -> tensor<?x?x?x64xf32> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>, tensor<?x?x?x64xf32>)
       mask(%m : tensor<?x1x?x?xi1>)
       outs(%o : tensor<?x?x?x64xf32>)
       scale(0.125) causal<top_left>
       {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>, value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>} -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}

// The head dim not innermost: Q, K and O stored [B, H, D, S], V [B, S, H, D]; f16, D = 64, lse.
func.func @gen_f16_bhds_d64_lse(%q: tensor<?x?x64x?xf16>, %k: tensor<?x?x64x?xf16>, %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x64x?xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x64x?xf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x64x?xf16>, tensor<?x?x64x?xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x64x?xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.125)
       {query_perm = array<i64: 0, 1, 3, 2>, key_perm = array<i64: 0, 1, 3, 2>, value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 1, 3, 2>} -> tensor<?x?x64x?xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x64x?xf16>, tensor<?x?x?xf32>
}

// Dynamic D and Dv (chunked D, Dv split over blocks past 256), f32 in, f16 out, causal bottom-right, lse.
func.func @gen_f32_dynd_br_lse(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>, %o: tensor<?x?x?x?xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x?xf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>)
       outs(%o : tensor<?x?x?x?xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.125) causal<bottom_right> -> tensor<?x?x?x?xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x?xf16>, tensor<?x?x?xf32>
}

// Two batch dims, [B1, B2, S, H, D], D = 32, lse.
func.func @gen_f32_rank5_d32_lse(%q: tensor<?x?x?x?x32xf32>, %k: tensor<?x?x?x?x32xf32>, %v: tensor<?x?x?x?x32xf32>, %o: tensor<?x?x?x?x32xf32>, %l: tensor<?x?x?x?xf32>)
    -> (tensor<?x?x?x?x32xf32>, tensor<?x?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x?x32xf32>, tensor<?x?x?x?x32xf32>, tensor<?x?x?x?x32xf32>)
       outs(%o : tensor<?x?x?x?x32xf32>) lse(%l : tensor<?x?x?x?xf32>)
       scale(0.17677669529663687)
       {query_perm = array<i64: 0, 1, 3, 2, 4>, key_perm = array<i64: 0, 1, 3, 2, 4>, value_perm = array<i64: 0, 1, 3, 2, 4>, output_perm = array<i64: 0, 1, 3, 2, 4>} -> tensor<?x?x?x?x32xf32>, tensor<?x?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x?x32xf32>, tensor<?x?x?x?xf32>
}

// No batch dim, [H, S, D], D = 24, f16 in, bf16 out, f32 mask [Sq, Sk], GQA in the cases.
func.func @gen_f16_rank3_d24_mask(%q: tensor<?x?x24xf16>, %k: tensor<?x?x24xf16>, %v: tensor<?x?x24xf16>, %m: tensor<?x?xf32>, %o: tensor<?x?x24xbf16>)
    -> tensor<?x?x24xbf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x24xf16>, tensor<?x?x24xf16>, tensor<?x?x24xf16>)
       mask(%m : tensor<?x?xf32>)
       outs(%o : tensor<?x?x24xbf16>)
       scale(0.20412414523193154) -> tensor<?x?x24xbf16>
  return %r : tensor<?x?x24xbf16>
}

// f32, D = 128 (timed).
func.func @gen_f32_d128(%q: tensor<?x?x?x128xf32>, %k: tensor<?x?x?x128xf32>, %v: tensor<?x?x?x128xf32>, %o: tensor<?x?x?x128xf32>)
    -> tensor<?x?x?x128xf32> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>, tensor<?x?x?x128xf32>)
       outs(%o : tensor<?x?x?x128xf32>)
       scale(0.08838834764831843) -> tensor<?x?x?x128xf32>
  return %r : tensor<?x?x?x128xf32>
}
