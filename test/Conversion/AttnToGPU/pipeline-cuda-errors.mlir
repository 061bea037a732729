// RUN: not attn-opt %s --attn-pipeline="target=cuda chip=sm_70" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %s --attn-pipeline="target=cuda format=fatbin" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not attn-opt %s --attn-pipeline="target=cuda gpu-warps=-3" 2>&1 | FileCheck %s --check-prefix=WARPS
// RUN: not attn-opt %s --convert-attn-to-gpu="chip=sm_99" 2>&1 | FileCheck %s --check-prefix=PASSCHIP

// CHIP: for the --chip option: unknown value 'sm_70' (expected sm_80, sm_90 or sm_90a)
// FORMAT: for the --format option: unknown value 'fatbin' (expected bin or isa)
// WARPS: gpu-warps (-3), gpu-block-kv (0) and gpu-row-tiles (0) must be non-negative
// PASSCHIP: for the --chip option: unknown value 'sm_99' (expected sm_80, sm_90 or sm_90a)
func.func @f() {
  return
}
