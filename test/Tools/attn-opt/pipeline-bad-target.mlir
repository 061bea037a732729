// RUN: not attn-opt %s --attn-pipeline=target=bogus 2>&1 | FileCheck %s

// An unknown pipeline target is rejected while parsing the enum option
// with a message listing the valid values.
// CHECK: for the --target option: unknown value 'bogus' (expected cpu or cuda)
func.func @f() {
  return
}
