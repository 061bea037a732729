#!/bin/bash
# Nsight Compute profile of attn's sm_90a kernels (attn-bench, f16) and of
# cuDNN's fused attention (PyTorch SDPA) on the same FA-sweep shapes, for the
# gap analysis in docs/hopper.md. Run on the GPU machine from the repository
# root with the attn-bench bundle built here (ninja -C build attn-bench-dev):
#   scripts/device/profile.sh [dev-dir]        (reports go to $OUT)
# Cases: "D S causal" triples in $CASES (default below). One kernel launch
# each, after warm-up; sections: SpeedOfLight, LaunchStats, Occupancy,
# ComputeWorkloadAnalysis, WarpStateStats, and $NCU_EXTRA (e.g.
# "--section InstructionStats").
set -u
DEV=${1:-build/dev}
OUT=${OUT:-profile-out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH=$DEV${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
SECTIONS="--section SpeedOfLight --section LaunchStats --section Occupancy \
--section ComputeWorkloadAnalysis --section WarpStateStats ${NCU_EXTRA:-}"
CASES=${CASES:-"128 512 0;128 16384 0;64 16384 1"}
IFS=';' read -ra list <<< "$CASES"
for c in "${list[@]}"; do
  read -r d s causal <<< "$c"
  tag=d${d}-s${s}-c${causal}
  # Ours: the 4th launch of the attn kernel (after attn-bench's warm-ups).
  timeout 120 ncu $SECTIONS -k regex:'^attn_f16' --launch-skip 3 \
    --launch-count 1 "$DEV/attn-bench" --sweep=fa --d="$d" --seq="$s" \
    --causal="$causal" --filter=fa/f16 --provider=attn --runs=20 --warmup=3 \
    > "$OUT/ncu-attn-$tag.txt" 2>&1
  echo "attn $tag: rc=$?"
  # cuDNN: the SDPA call inside the NVTX range "prof" (after a warm-up).
  timeout 120 ncu $SECTIONS --nvtx --nvtx-include 'prof/' --launch-count 1 \
    python3 - "$d" "$s" "$causal" > "$OUT/ncu-cudnn-$tag.txt" 2>&1 <<'PY'
import sys, torch
from torch.nn.attention import SDPBackend, sdpa_kernel
d, s, causal = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
b, h = max(1, 16384 // s), 2048 // d
q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.float16)
           for _ in range(3))
with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
    for _ in range(3):
        torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.cuda.synchronize()
    torch.cuda.nvtx.range_push("prof")
    torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.cuda.nvtx.range_pop()
    torch.cuda.synchronize()
PY
  echo "cudnn $tag: rc=$?"
done
