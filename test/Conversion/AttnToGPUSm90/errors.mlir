// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file -verify-diagnostics -o /dev/null
// RUN: attn-opt %s --convert-attn-to-gpu-sm90=soft -split-input-file | FileCheck %s --check-prefix=SOFT
// RUN: not attn-opt %s --split-input-file \
// RUN:   --convert-attn-to-gpu-sm90="stages=4 block-kv=128" 2>&1 | FileCheck %s --check-prefix=SMEM
// RUN: not attn-opt %s --split-input-file \
// RUN:   --convert-attn-to-gpu-sm90="stages=3 producer-warp=0" 2>&1 | FileCheck %s --check-prefix=STAGES
// STAGES: stages > 2 needs producer-warp=1 (the thread-0 refill path is verified with 2 stages only)

// With soft=1 every op the kernel cannot take stays for --convert-attn-to-gpu.
// SOFT-COUNT-3: attn.attention

// A row of 100 f16 is 200 bytes: TMA needs 16-byte row strides.
func.func @head_dim_100(%q: tensor<1x2x64x100xf16>, %k: tensor<1x2x64x100xf16>,
                        %v: tensor<1x2x64x100xf16>, %o: tensor<1x2x64x100xf16>)
    -> tensor<1x2x64x100xf16> {
  // expected-error @+1 {{cannot be lowered to the sm_90a kernel: head dim must be static, equal for query and value, a multiple of 8 and at most 256}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x100xf16>,
         tensor<1x2x64x100xf16>, tensor<1x2x64x100xf16>)
       outs(%o : tensor<1x2x64x100xf16>) scale(0.1)
       -> tensor<1x2x64x100xf16>
  return %r : tensor<1x2x64x100xf16>
}

// -----

func.func @f32_inputs(%q: tensor<1x2x64x64xf32>, %k: tensor<1x2x64x64xf32>,
                      %v: tensor<1x2x64x64xf32>, %o: tensor<1x2x64x64xf32>)
    -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{cannot be lowered to the sm_90a kernel: query, key and value must all be f16 or all bf16}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x64xf32>,
         tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>)
       outs(%o : tensor<1x2x64x64xf32>) scale(0.125)
       -> tensor<1x2x64x64xf32>
  return %r : tensor<1x2x64x64xf32>
}

// -----

func.func @three_batch_dims(%q: tensor<1x1x1x2x64x64xf16>,
                            %k: tensor<1x1x1x2x64x64xf16>,
                            %v: tensor<1x1x1x2x64x64xf16>,
                            %o: tensor<1x1x1x2x64x64xf16>)
    -> tensor<1x1x1x2x64x64xf16> {
  // expected-error @+1 {{cannot be lowered to the sm_90a kernel: at most 2 batch dims (TMA tensors have rank <= 5)}}
  %r = attn.attention ins(%q, %k, %v : tensor<1x1x1x2x64x64xf16>,
         tensor<1x1x1x2x64x64xf16>, tensor<1x1x1x2x64x64xf16>)
       outs(%o : tensor<1x1x1x2x64x64xf16>) scale(0.125)
       -> tensor<1x1x1x2x64x64xf16>
  return %r : tensor<1x1x1x2x64x64xf16>
}

// -----

// The D = 256 default fits (193 KiB); 4 stages of 128 keys do not.
// SMEM: tile config needs 590848 bytes of shared memory, over the limit of 232448 (227 KiB)
func.func @d256(%q: tensor<1x2x64x256xbf16>, %k: tensor<1x2x64x256xbf16>,
                %v: tensor<1x2x64x256xbf16>, %o: tensor<1x2x64x256xbf16>)
    -> tensor<1x2x64x256xbf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<1x2x64x256xbf16>,
         tensor<1x2x64x256xbf16>, tensor<1x2x64x256xbf16>)
       outs(%o : tensor<1x2x64x256xbf16>) scale(0.0625)
       -> tensor<1x2x64x256xbf16>
  return %r : tensor<1x2x64x256xbf16>
}
