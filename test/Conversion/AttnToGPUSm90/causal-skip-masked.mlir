// RUN: attn-opt %s --convert-attn-to-gpu-sm90 -split-input-file | FileCheck %s
// RUN: attn-opt %s --convert-attn-to-gpu-sm90="persistent=1" -split-input-file | FileCheck %s --check-prefix=PERS

// Causal D = 256 (the table's row: producer warpgroup, no overlap, no
// ping-pong, 64-key stages): the CTA visits key blocks up to its last row,
// but a block whose first key is past the last key of a warpgroup's own 64
// rows adds nothing to them. That warpgroup skips the block's GEMMs and
// softmax and keeps its O, m and l (128 + 4 values); the stage is still
// released to the producer.
// CHECK-LABEL: func.func @d256_causal
// CHECK: nvvm.setmaxregister increase 240
// CHECK: scf.for {{.*}} -> (f32
// CHECK: %[[SEEN:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %{{.*}}:132 = scf.if %[[SEEN]] -> (f32
// CHECK: nvvm.wgmma.mma_async
// CHECK: } else {
// CHECK-NEXT: scf.yield %{{.*}}
// CHECK-NEXT: }
// CHECK: nvgpu.mbarrier.arrive

// Persistent: a skipped block can be the tile's last, and then the skipping
// warpgroup releases Q there (barrier 5: Q empty with 2 stages), or the
// producer would wait for it forever. Three arrivals on it: after a
// computed block's S (if it is the last), in the skip branch (likewise),
// and for a tile without blocks.
// PERS-LABEL: func.func @d256_causal
// PERS: %[[SEEN:.*]] = arith.cmpi sle, %{{.*}}, %{{.*}} : index
// PERS-NEXT: %{{.*}}:132 = scf.if %[[SEEN]] -> (f32
// PERS-COUNT-3: nvgpu.mbarrier.arrive %{{.*}}[%c5]
// PERS-NOT: nvgpu.mbarrier.arrive %{{.*}}[%c5]
// PERS: vector.store
func.func @d256_causal(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>,
                       %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>)
    -> tensor<?x?x?x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>,
         tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>) scale(0.0625) causal<top_left>
       -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}

// -----

// Not at D = 192, where the branch around the block made the loop slower
// (bench/results/2026-12-04-h200-skip-masked.md): one GEMM sequence per
// block, no branch around it.
// CHECK-LABEL: func.func @d192_causal
// CHECK: scf.for {{.*}} -> (f32
// CHECK-NOT: scf.if %{{.*}} -> (f32
// CHECK: nvvm.wgmma.mma_async
func.func @d192_causal(%q: tensor<?x?x?x192xf16>, %k: tensor<?x?x?x192xf16>,
                       %v: tensor<?x?x?x192xf16>, %o: tensor<?x?x?x192xf16>)
    -> tensor<?x?x?x192xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x192xf16>,
         tensor<?x?x?x192xf16>, tensor<?x?x?x192xf16>)
       outs(%o : tensor<?x?x?x192xf16>) scale(0.0625) causal<top_left>
       -> tensor<?x?x?x192xf16>
  return %r : tensor<?x?x?x192xf16>
}

// -----

// Not without causality: every visited block has keys every row sees.
// CHECK-LABEL: func.func @d256
// CHECK: scf.for {{.*}} -> (f32
// CHECK-NOT: scf.if %{{.*}} -> (f32
// CHECK: nvvm.wgmma.mma_async
func.func @d256(%q: tensor<?x?x?x256xf16>, %k: tensor<?x?x?x256xf16>,
                %v: tensor<?x?x?x256xf16>, %o: tensor<?x?x?x256xf16>)
    -> tensor<?x?x?x256xf16> {
  %r = attn.attention ins(%q, %k, %v : tensor<?x?x?x256xf16>,
         tensor<?x?x?x256xf16>, tensor<?x?x?x256xf16>)
       outs(%o : tensor<?x?x?x256xf16>) scale(0.0625)
       -> tensor<?x?x?x256xf16>
  return %r : tensor<?x?x?x256xf16>
}
