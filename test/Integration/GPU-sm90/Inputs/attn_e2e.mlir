// Kernels for the end-to-end check on a GPU (run_e2e.sh (GPU-sm90) builds them with
// --attn-pipeline=target=cuda and links attn_driver.cpp). All sizes but the
// head dim are dynamic: one kernel serves every shape the driver tries.

func.func @attn_d128(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                     %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d128_causal(%q: tensor<?x?x?x128xf16>,
                            %k: tensor<?x?x?x128xf16>,
                            %v: tensor<?x?x?x128xf16>,
                            %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       causal<bottom_right> -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                    %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

// [B, S, H, D] storage for all four operands.
func.func @attn_d128_bshd(%q: tensor<?x?x?x128xf16>, %k: tensor<?x?x?x128xf16>,
                          %v: tensor<?x?x?x128xf16>, %o: tensor<?x?x?x128xf16>)
    -> tensor<?x?x?x128xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x128xf16>,
         tensor<?x?x?x128xf16>, tensor<?x?x?x128xf16>)
       outs(%o : tensor<?x?x?x128xf16>) scale(0.08838834764831845)
       causal<top_left>
       {query_perm = array<i64: 0, 2, 1, 3>, key_perm = array<i64: 0, 2, 1, 3>,
        value_perm = array<i64: 0, 2, 1, 3>,
        output_perm = array<i64: 0, 2, 1, 3>} -> tensor<?x?x?x128xf16>
  return %r : tensor<?x?x?x128xf16>
}

func.func @attn_d64_causal(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                           %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> attributes {llvm.emit_c_interface} {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       causal<bottom_right> -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}
