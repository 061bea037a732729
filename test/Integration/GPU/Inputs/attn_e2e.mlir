// Kernels for the end-to-end GPU suite (run_e2e.sh builds them with
// --attn-pipeline=target=cuda and links attn_driver.cpp, which knows each
// one's name, types, mask and lse). All sizes but the head dim are dynamic:
// one kernel serves every shape the driver tries. Keep in sync with the
// kernel table in attn_driver.cpp.

func.func @attn_d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>)
       scale(0.08838834764831843) -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d128_causal(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>)
       scale(0.08838834764831843) causal<bottom_right> -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>)
       scale(0.125) -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

func.func @attn_d64_causal_tl(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>)
       scale(0.125) causal<top_left> -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

func.func @attn_d128_bshd(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>)
       scale(0.08838834764831843) causal<top_left>
       {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>,
        value_perm = array<i64: 0, 2, 1, 3>, output_perm = array<i64: 0, 2, 1, 3>} -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d256(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>, %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>)
    -> tensor<?x?x?x256xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>)
       scale(0.0625) -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}

func.func @attn_d256_causal(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>, %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>)
    -> tensor<?x?x?x256xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>)
       scale(0.0625) causal<bottom_right> -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}

func.func @attn_bf16_d128(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>, %o: tensor<?x?x?x128xbf16>)
    -> tensor<?x?x?x128xbf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
       outs(%o : tensor<?x?x?x128xbf16>)
       scale(0.08838834764831843) -> tensor<?x?x?x128xbf16>
  return %r : tensor<?x?x?x128xbf16>
}

func.func @attn_bf16_d64_causal_tl(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>, %o: tensor<?x?x?x64xf32>)
    -> tensor<?x?x?x64xf32> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>)
       outs(%o : tensor<?x?x?x64xf32>)
       scale(0.125) causal<top_left> -> tensor<?x?x?x64xf32>
  return %r : tensor<?x?x?x64xf32>
}

func.func @attn_bf16_d256(%q: tensor<?x?x?x256xbf16>, %k: tensor<?x?x?x256xbf16>, %v: tensor<?x?x?x256xbf16>, %o: tensor<?x?x?x256xbf16>)
    -> tensor<?x?x?x256xbf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xbf16>, tensor<?x?x?x256xbf16>, tensor<?x?x?x256xbf16>)
       outs(%o : tensor<?x?x?x256xbf16>)
       scale(0.0625) -> tensor<?x?x?x256xbf16>
  return %r : tensor<?x?x?x256xbf16>
}

func.func @attn_d128_addmask(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>, %v: tensor<?x?x?x128xf16>, %m: tensor<?x?x?x?xf32>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       mask(%m : tensor<?x?x?x?xf32>)
       outs(%o : tensor<?x?x?x128xf16>)
       scale(0.08838834764831843) -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_bf16_d64_boolmask_br(%q: tensor<?x?x?x64xbf16>, %k: tensor<?x?x?x64xbf16>, %v: tensor<?x?x?x64xbf16>, %m: tensor<?x1x?x?xi1>, %o: tensor<?x?x?x64xbf16>)
    -> tensor<?x?x?x64xbf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>, tensor<?x?x?x64xbf16>)
       mask(%m : tensor<?x1x?x?xi1>)
       outs(%o : tensor<?x?x?x64xbf16>)
       scale(0.125) causal<bottom_right> -> tensor<?x?x?x64xbf16>
  return %r : tensor<?x?x?x64xbf16>
}

func.func @attn_d64_addmask_lse(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>, %v: tensor<?x?x?x64xf16>, %m: tensor<?x?xf16>, %o: tensor<?x?x?x64xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x64xf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       mask(%m : tensor<?x?xf16>)
       outs(%o : tensor<?x?x?x64xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.125) -> tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
}

func.func @attn_bf16_d128_lse_causal(%q: tensor<?x?x?x128xbf16>, %k: tensor<?x?x?x128xbf16>, %v: tensor<?x?x?x128xbf16>, %o: tensor<?x?x?x128xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x128xf16>, tensor<?x?x?xf32>) attributes {llvm.emit_c_interface} {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>, tensor<?x?x?x128xbf16>)
       outs(%o : tensor<?x?x?x128xf16>) lse(%l : tensor<?x?x?xf32>)
       scale(0.08838834764831843) causal<bottom_right> -> tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x128xf16>, tensor<?x?x?xf32>
}
