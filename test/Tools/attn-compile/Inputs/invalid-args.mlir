// Entry points for invalid-args.test: a plain kernel (wgmma under
// kernel=auto on sm_90a, mma.sync with kernel=mma-sync) and one with a
// broadcast mask and lse (always mma.sync).
func.func @attn(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                %v: tensor<?x?x?x64xf16>, %o: tensor<?x?x?x64xf16>)
    -> tensor<?x?x?x64xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
         tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
       outs(%o : tensor<?x?x?x64xf16>) scale(0.125)
       -> tensor<?x?x?x64xf16>
  return %r : tensor<?x?x?x64xf16>
}

func.func @masked(%q: tensor<?x?x?x64xf16>, %k: tensor<?x?x?x64xf16>,
                  %v: tensor<?x?x?x64xf16>, %m: tensor<?x1x?x?xf32>,
                  %o: tensor<?x?x?x64xf16>, %l: tensor<?x?x?xf32>)
    -> (tensor<?x?x?x64xf16>, tensor<?x?x?xf32>) {
  %r:2 = attn.attention ins(%q, %k, %v : tensor<?x?x?x64xf16>,
           tensor<?x?x?x64xf16>, tensor<?x?x?x64xf16>)
         mask(%m : tensor<?x1x?x?xf32>)
         outs(%o : tensor<?x?x?x64xf16>) lse(%l : tensor<?x?x?xf32>)
         scale(0.125) -> tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
  return %r#0, %r#1 : tensor<?x?x?x64xf16>, tensor<?x?x?xf32>
}
