#!/usr/bin/env python3
"""Do Hopper TMA + wgmma kernels that are not ours compute under
compute-sanitizer's synccheck? Runs PyTorch's f16 GEMM (cuBLAS) and SDPA
(cuDNN; FlashAttention-2, an mma.sync kernel) and prints, per kernel, the
largest difference to a float32 reference and whether the output has NaN.

  compute-sanitizer --tool synccheck python3 scripts/device/synccheck-peers.py

Run it with and without the tool: a kernel whose output is right without
the tool and wrong (or unwritten) under it shows the tool, not the kernel,
changes the result (see test/Integration/GPU-programs/results/README.md).
"""
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

torch.manual_seed(0)
dev = "cuda"
a = torch.randn(1024, 1024, device=dev, dtype=torch.half)
b = torch.randn(1024, 1024, device=dev, dtype=torch.half)
c = torch.full((1024, 1024), float("nan"), device=dev, dtype=torch.half)
torch.matmul(a, b, out=c)
ref = a.double() @ b.double()
print(f"cuBLAS f16 GEMM: max |diff| {(c.double() - ref).abs().max().item():.3g}"
      f", NaN {torch.isnan(c).any().item()}")
q, k, v = (torch.randn(1, 2, 300, 64, device=dev, dtype=torch.half)
           for _ in range(3))
s = (q.double() @ k.double().transpose(-1, -2)) / 8
s = s.masked_fill(torch.ones(300, 300, dtype=torch.bool, device=dev).triu(1),
                  float("-inf"))
ref = torch.softmax(s, -1) @ v.double()
for name, be in (("cuDNN", SDPBackend.CUDNN_ATTENTION),
                 ("FlashAttention-2", SDPBackend.FLASH_ATTENTION)):
    try:
        with sdpa_kernel([be]):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        torch.cuda.synchronize()
        print(f"SDPA {name}: max |diff| "
              f"{(o.double() - ref).abs().max().item():.3g}, NaN "
              f"{torch.isnan(o).any().item()}")
    except Exception as e:  # noqa: BLE001
        print(f"SDPA {name}: {type(e).__name__}: {str(e)[:200]}")
