// RUN: attn-opt --help | FileCheck %s

// The attn passes are registered and described in the tool's help.
// CHECK-DAG: --attn-decompose {{ *}}- Expand attn.attention into unfused linalg
// CHECK-DAG: --attn-fuse {{ *}}- Raise unfused attention in linalg IR to attn.attention
// CHECK-DAG: --attn-tile {{ *}}- Tile attn.attention into an online-softmax loop nest
// CHECK-DAG: --attn-pipeline {{ *}}- Lower a module with attn ops to LLVM
// CHECK-DAG: --convert-attn-to-gpu-simt {{ *}}- Lower any attn.attention to a general SIMT
