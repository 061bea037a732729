//===- Pipelines.h - attn end-to-end pipelines ------------------*- C++ -*-===//
#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "attn/Target/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class OpPassManager;
namespace attn {

struct AttnPipelineOptions : public PassPipelineOptions<AttnPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Where the module runs: cpu (LLVM dialect for the host) "
                     "or cuda (GPU kernel plus host code)"),
      llvm::cl::init("cpu")};
  PassOptions::Option<std::string> chip{
      *this, "chip", llvm::cl::desc("GPU architecture (target=cuda): sm_80 or "
                                    "sm_90a"),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("GPU binary format (target=cuda): bin (cubin) or isa "
                     "(PTX)"),
      llvm::cl::init("bin")};
  PassOptions::Option<bool> tile{
      *this, "tile",
      llvm::cl::desc("Lower attn.attention through the tiled online-softmax "
                     "loop nest (--attn-tile); false uses --attn-decompose"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> blockQ{
      *this, "block-q", llvm::cl::desc("Query block size for --attn-tile"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> blockKV{
      *this, "block-kv",
      llvm::cl::desc("Key/value block size for --attn-tile"),
      llvm::cl::init(64)};
  PassOptions::Option<std::string> splitKV{
      *this, "split-kv",
      llvm::cl::desc("Split-KV decoding for --attn-tile: auto, on or off"),
      llvm::cl::init("auto")};
  PassOptions::Option<int64_t> gpuWarps{
      *this, "gpu-warps",
      llvm::cl::desc("target=cuda: warps per block (16 * gpu-row-tiles rows "
                     "each); 0 uses the default tile table"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gpuBlockKV{
      *this, "gpu-block-kv",
      llvm::cl::desc("target=cuda: keys per shared-memory tile; 0 uses the "
                     "default tile table"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gpuRowTiles{
      *this, "gpu-row-tiles",
      llvm::cl::desc("target=cuda: 16-row query tiles per warp (1 or 2); 0 "
                     "uses the default tile table"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gpuWarpgroups{
      *this, "gpu-warpgroups",
      llvm::cl::desc("target=cuda, sm_90a kernel: consumer warpgroups per "
                     "block (64 query rows each, 1..3); 0 uses the default "
                     "table (DefaultConfigs.inc)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gpuStages{
      *this, "gpu-stages",
      llvm::cl::desc("target=cuda, sm_90a kernel: K/V shared-memory stages "
                     "(2..8); 0 uses the default table"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> gpuOverlap{
      *this, "gpu-overlap",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 overlaps S(j) = Q·K(j) "
                     "with P(j-1)·V(j-1), 0 does not; -1 uses the default "
                     "table"),
      llvm::cl::init(-1)};
  PassOptions::Option<int64_t> gpuProducerWarp{
      *this, "gpu-producer-warp",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 issues the TMA loads "
                     "from a producer warpgroup, 0 from thread 0; -1 uses "
                     "the default table"),
      llvm::cl::init(-1)};
  PassOptions::Option<int64_t> gpuPingpong{
      *this, "gpu-pingpong",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 makes the consumer "
                     "warpgroups take turns issuing their GEMMs (FA3 "
                     "ping-pong; needs a producer warpgroup), 0 does not; -1 "
                     "uses the default table"),
      llvm::cl::init(-1)};
  PassOptions::Option<int64_t> gpuPersistent{
      *this, "gpu-persistent",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 runs one CTA per SM "
                     "over all tiles (needs a producer warpgroup), 0 one CTA "
                     "per tile; -1 uses the default table"),
      llvm::cl::init(-1)};
  PassOptions::Option<std::string> kernel{
      *this, "kernel",
      llvm::cl::desc("target=cuda: auto, mma-sync (FlashAttention-2 on "
                     "mma.sync, any chip), wgmma (TMA + wgmma, sm_90a; "
                     "docs/hopper.md) or simt (the general f32 SIMT kernel, "
                     "every op). auto: wgmma on sm_90a where it supports the "
                     "op, else mma-sync where it does, else simt"),
      llvm::cl::init("auto")};
  PassOptions::Option<OffloadingHandler> offloadingHandler{
      *this, "offloading-handler",
      llvm::cl::desc("target=cuda: how the host code gets its kernels "
                     "(docs/runtime.md)"),
      llvm::cl::init(OffloadingHandler::Lazy),
      llvm::cl::values(
          clEnumValN(OffloadingHandler::Lazy, "lazy",
                     "#attn.lazy_object: the module is loaded on first use, "
                     "in the caller's CUDA context; no CUDA call at library "
                     "load (needs libattn_runtime)"),
          clEnumValN(OffloadingHandler::SelectObject, "select-object",
                     "upstream #gpu.select_object: a global constructor "
                     "loads the module at library load (any mgpu* "
                     "runtime)"))};
  PassOptions::Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("target=cuda: CUDA toolkit root, for ptxas and "
                     "libdevice"),
      llvm::cl::init("/usr/local/cuda")};
};

/// Lowers a module holding attn and upstream ops on tensors to the LLVM
/// dialect, ready for mlir-runner or mlir-translate.
void buildAttnCPUPipeline(OpPassManager &pm, const AttnPipelineOptions &opts);

/// Lowers a module holding attn ops on device-buffer tensors to the LLVM
/// dialect host code launching a FlashAttention-2 kernel held in a
/// gpu.binary (cubin or PTX, per `opts.format`).
void buildAttnCUDAPipeline(OpPassManager &pm, const AttnPipelineOptions &opts);

/// Builds the pipeline selected by `opts.target`. Reports an unknown or
/// unsupported target through `errorHandler` and fails.
LogicalResult
buildAttnPipeline(OpPassManager &pm, const AttnPipelineOptions &opts,
                  function_ref<LogicalResult(const Twine &)> errorHandler);

/// Registers `--attn-pipeline`.
/// Stages of the pipelines, for tests and for compilers that combine them
/// with their own passes.
/// target=cuda's bufferization of whole programs: one-shot bufferization,
/// tensor results as trailing caller buffers (upstream
/// buffer-results-to-out-params, public functions too; inline calls first),
/// ownership-based deallocation of what a function allocates.
void buildAttnDeviceBufferizationPipeline(OpPassManager &pm);
/// Host code on buffers (memref, scf, affine, arith, math, func) to the LLVM
/// dialect: the tail of target=cpu.
void buildAttnHostToLLVMPipeline(OpPassManager &pm);

void registerAttnPipelines();

} // namespace attn
} // namespace mlir

#endif // ATTN_PIPELINES_PIPELINES_H
