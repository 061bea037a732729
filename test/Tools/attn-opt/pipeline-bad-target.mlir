// RUN: not attn-opt %s --attn-pipeline=target=bogus 2>&1 | FileCheck %s

// An unknown pipeline target is rejected with a message naming the valid ones.
// CHECK: error: attn-pipeline: unknown target 'bogus' (expected cpu or cuda)
func.func @f() {
  return
}
