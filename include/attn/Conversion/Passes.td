//===- Passes.td - attn conversion passes ------------------*- tablegen -*-===//
#ifndef ATTN_CONVERSION_PASSES_TD
#define ATTN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToGPU : Pass<"convert-attn-to-gpu", "ModuleOp"> {
  let summary = "Lower attn.attention to a tensor-core FlashAttention-2 "
                "gpu.launch";
  let description = [{
    Replaces every `attn.attention` on tensors by a `gpu.launch` working on
    the buffers of its operands (`bufferization.to_buffer`), writing the
    result in place into the buffer of `outs`, and a restrict
    `bufferization.to_tensor` of it. The kernel is FlashAttention-2: one
    block per (query block, batch·head), 16 or 32 query rows per warp, K/V tiles
    double-buffered in shared memory through `nvgpu.device_async_copy`,
    `S = Q·Kᵀ` and `O += P·V` on `nvgpu.mma.sync` m16n8k16 fed by
    `nvgpu.ldmatrix`, P reused from registers, online softmax in exp2.
    Sizes other than the head dimension are read at run time.

    Supported: f16 query/key/value, f16/bf16/f32 output, head dim 64 or 128
    (D == Dv), the head dim innermost in every operand, positive scale,
    causal (both alignments), GQA, any batch rank. Anything else (masks,
    lse, other types or head dims) is rejected with a diagnostic, or with
    `soft` left for --convert-attn-to-gpu-simt.
  }];
  let options = [
    Option<"numWarps", "warps", "int64_t", /*default=*/"0",
           "Warps per block (16 * row-tiles query rows each); 0 picks from "
           "the default table">,
    Option<"blockKV", "block-kv", "int64_t", /*default=*/"0",
           "Keys per shared-memory tile (multiple of 16); 0 picks from the "
           "default table">,
    Option<"rowTiles", "row-tiles", "int64_t", /*default=*/"0",
           "16-row tiles per warp (1 or 2; 2 halves shared-memory reads of K "
           "and V per mma); 0 picks from the default table">,
    Option<"chip", "chip", "::mlir::attn::GPUChip",
           /*default=*/"::mlir::attn::GPUChip::Sm90a",
           "Target chip, for the default tile table and the shared-memory "
           "limit", [{::mlir::attn::getGPUChipValues()}]>,
    Option<"soft", "soft", "bool", /*default=*/"false",
           "Skip unsupported attn.attention ops (for "
           "--convert-attn-to-gpu-simt to take) instead of failing">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def ConvertAttnToGPUSm90 : Pass<"convert-attn-to-gpu-sm90", "ModuleOp"> {
  let summary = "Lower attn.attention to a Hopper (sm_90a) TMA + wgmma "
                "FlashAttention gpu.launch";
  let description = [{
    Like --convert-attn-to-gpu, but the kernel is written for sm_90a: Q, K
    and V tiles come in through TMA (`nvgpu.tma.async.load` on host-made
    tensor maps, 128-byte swizzle) into a ring of shared-memory stages that
    complete on `nvgpu.mbarrier`s, and both products run on wgmma
    (`nvvm.wgmma.mma_async` for S = Q·Kᵀ, register-A wgmma for O += P·V).
    See docs/hopper.md. With `soft`, unsupported ops are left alone (for
    --convert-attn-to-gpu to take) instead of failing.
  }];
  let options = [
    Option<"warpgroups", "warpgroups", "int64_t", /*default=*/"0",
           "Consumer warpgroups per block (64 query rows each); 0 = default">,
    Option<"blockKV", "block-kv", "int64_t", /*default=*/"0",
           "Keys per K/V stage (multiple of 16, at most 256); 0 = default">,
    Option<"stages", "stages", "int64_t", /*default=*/"0",
           "K/V shared-memory stages (>= 2); 0 = default">,
    Option<"overlap", "overlap", "::mlir::attn::TriState",
           /*default=*/"::mlir::attn::TriState::Auto",
           "1: issue S(j) = Q·K(j) and O += P(j-1)·V(j-1) together and run "
           "the softmax of S(j) while P·V is in flight (FA3 intra-warpgroup "
           "overlap); 0: one block at a time",
           [{::mlir::attn::getTriStateValues()}]>,
    Option<"producerWarp", "producer-warp", "::mlir::attn::TriState",
           /*default=*/"::mlir::attn::TriState::Auto",
           "1: a producer warpgroup issues every TMA load (setmaxnreg moves "
           "its registers to the consumers), consumers release stages through "
           "'empty' mbarriers instead of a block barrier; 0: thread 0 loads "
           "between block barriers", [{::mlir::attn::getTriStateValues()}]>,
    Option<"pingpong", "pingpong", "::mlir::attn::TriState",
           /*default=*/"::mlir::attn::TriState::Auto",
           "1: the consumer warpgroups take turns issuing their GEMMs (named "
           "barriers), so that one's softmax overlaps the other's GEMMs "
           "(FA3 ping-pong; needs producer-warp=1); 0: they run freely",
           [{::mlir::attn::getTriStateValues()}]>,
    Option<"persistent", "persistent", "::mlir::attn::TriState",
           /*default=*/"::mlir::attn::TriState::Auto",
           "1: one CTA per SM loops over the tiles (the causal ones longest "
           "first), and the producer loads the next tile's Q and K/V during "
           "the epilogue (needs producer-warp=1; the host asks the runtime's "
           "attnMultiprocessorCount); 0: one CTA per tile",
           [{::mlir::attn::getTriStateValues()}]>,
    Option<"soft", "soft", "bool", /*default=*/"false",
           "Skip unsupported attn.attention ops instead of failing">,
    Option<"explicitMasks", "explicit-masks", "bool", /*default=*/"true",
           "Lower ops with an explicit mask operand (read per score); 0 "
           "leaves them to another kernel">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::func::FuncDialect"
  ];
}

//===----------------------------------------------------------------------===//
// Whole programs on the GPU (target=cuda): the host side of a function.
//===----------------------------------------------------------------------===//

def AttnMapLinalgToGPU : Pass<"attn-map-linalg-to-gpu", "ModuleOp"> {
  let summary = "Run every linalg op of host code as a GPU kernel";
  let description = [{
    On buffers (after bufferization), rewrites each linalg op that is not
    inside a GPU kernel into a `gpu.launch`: the op's parallel loops are
    collapsed into one dimension, tiled by `block-size`, and mapped to blocks
    and threads (one thread per point of the parallel iteration space; the
    reduction loops run inside the thread). An op without parallel loops runs
    on one thread. Non-contiguous `memref.copy` ops become `linalg.copy`
    first, so that they run as kernels too. Built from upstream pieces:
    `linalg::linalgOpToParallelLoops`, `collapseParallelLoops`,
    `scf::tileParallelLoop` and the scf.parallel → gpu.launch conversion.
    With `mma-sync` (the default), f16 contractions with f32 accumulation
    (matmuls, batch matmuls, generics with one m, n and k loop and
    projected-permutation maps) run on the tensor cores instead: blocks of
    4 warps own 128 x 128 tiles of the result, each warp 64 x 64 in
    mma.sync m16n8k16 fragments (lib/Conversion/ProgramToGPU/
    ContractionToMmaSync.cpp).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"mmaSync", "mma-sync", "bool", /*default=*/"true",
           "Run f16 contractions with f32 accumulation on the tensor cores "
           "(sm_80 and later)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def AttnPlaceBuffersOnDevice : Pass<"attn-place-buffers-on-device",
                                    "ModuleOp"> {
  let summary = "Keep every buffer of host code in device memory";
  let description = [{
    Host functions of a target=cuda program get device buffers as arguments;
    this pass makes every other buffer live in device memory too, so that the
    GPU kernels of a function never see host memory and no tensor crosses to
    the host inside a function:

    - `memref.alloc`/`alloca` become `gpu.alloc` (stream-ordered in the
      runtime), `bufferization.dealloc` becomes `gpu.dealloc` guarded by the
      same ownership and aliasing conditions as upstream's lowering;
    - contiguous `memref.copy` becomes `gpu.memcpy`;
    - constants (`memref.get_global`) are copied to a device buffer;
    - the few host reads and writes of buffer elements (`memref.load` and
      `memref.store` outside kernels, e.g. from `tensor.extract`) go through a
      one-element host staging buffer, after waiting for the device;
    - calls of external host functions (e.g. `printMemrefF32`) get host copies
      of their buffer arguments, copied back after the call.

    Run after `--attn-map-linalg-to-gpu` and the ownership-based
    deallocation pass, before `--attn-gpu-stream-order`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def AttnGPUStreamOrder : Pass<"attn-gpu-stream-order", "ModuleOp"> {
  let summary = "Enqueue the GPU work of host code on one stream, without "
                "host synchronization";
  let description = [{
    Makes every GPU operation of host code (`gpu.launch_func`, `gpu.alloc`,
    `gpu.dealloc`, `gpu.memcpy`, `gpu.memset`) asynchronous on the stream of
    one `gpu.wait async` per block (the runtime hands out the caller's
    stream), so that a call enqueues its kernels and returns: results are
    ready when the caller synchronizes that stream. Program order on one
    stream is the only ordering needed. A synchronous `gpu.wait` (placed by
    `--attn-place-buffers-on-device` before host reads) synchronizes that
    stream; later operations take a new token.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def ConvertAttnToGPUSimt : Pass<"convert-attn-to-gpu-simt", "ModuleOp"> {
  let summary = "Lower any attn.attention to a general SIMT (f32 FMA) "
                "FlashAttention gpu.launch";
  let description = [{
    The fallback GPU lowering: takes every `attn.attention` the verifier
    accepts (f16, bf16 or f32 inputs, any output type, any head dims D and
    Dv, static or dynamic, D != Dv, any `*_perm`, any batch rank, every mask
    kind and broadcast, causal, GQA, lse) and rewrites it, like
    --convert-attn-to-gpu, into a `gpu.launch` on the buffers of its
    operands that writes the result in place into the buffer of `outs`.

    One block of `warps` warps per (`warps` * `rows` query rows, batch·head,
    slice of Dv); each warp owns `rows` query rows. K/V tiles of 32 keys are
    staged in shared memory as f32 (converted once), one key per lane for
    S = Q·Kᵀ, online softmax in f32 (exp2, scale·log2(e) folded into Q),
    one output column per lane for O += P·V, accumulators in registers.
    All arithmetic is f32 on the FMA units (no tensor cores, no tf32).
    Every element is addressed through `memref.load`/`memref.store` with its
    real indices, so any layout of the buffers works. See docs/gpu.md.
  }];
  let options = [
    Option<"warps", "warps", "int64_t", /*default=*/"4",
           "Warps per block (1..32)">,
    Option<"rows", "rows", "int64_t", /*default=*/"8",
           "Query rows per warp (1..16)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::func::FuncDialect"
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
