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
    lse, other types or head dims) is rejected with a diagnostic.
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
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip, for the default tile table">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // ATTN_CONVERSION_PASSES_TD
