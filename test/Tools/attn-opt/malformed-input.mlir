// RUN: not attn-opt %s 2>&1 | FileCheck %s

// Malformed MLIR gives a located parse error and a non-zero exit.
// CHECK: malformed-input.mlir:[[@LINE+1]]:{{[0-9]+}}: error:
func.func @f( {
