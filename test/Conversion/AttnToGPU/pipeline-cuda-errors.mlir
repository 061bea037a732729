// RUN: not attn-opt %s --attn-pipeline="target=cuda chip=sm_70" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not attn-opt %s --attn-pipeline="target=cuda format=fatbin" 2>&1 | FileCheck %s --check-prefix=FORMAT

// CHIP: unsupported chip 'sm_70' (expected sm_80, sm_90 or sm_90a)
// FORMAT: unknown format 'fatbin' (expected bin or isa)
func.func @f() {
  return
}
