//===- Pipelines.h - attn end-to-end pipelines ------------------*- C++ -*-===//
#ifndef ATTN_PIPELINES_PIPELINES_H
#define ATTN_PIPELINES_PIPELINES_H

#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/Transforms/Passes.h"
#include "attn/Target/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
namespace attn {
/// Where a module compiled by --attn-pipeline runs.
enum class PipelineTarget { CPU, CUDA };
/// Which attention kernels target=cuda may use.
enum class AttentionKernel { Auto, MmaSync, Wgmma, Simt };
/// What the gpu.binary ops of target=cuda hold.
enum class GPUBinaryFormat { Cubin, PTX };
} // namespace attn
} // namespace mlir

ATTN_ENUM_OPTION_PARSER(mlir::attn::PipelineTarget)
ATTN_ENUM_OPTION_PARSER(mlir::attn::AttentionKernel)
ATTN_ENUM_OPTION_PARSER(mlir::attn::GPUBinaryFormat)

namespace mlir {
class OpPassManager;
namespace attn {

/// The `target` spellings, shared by --attn-pipeline and attn-compile.
inline llvm::cl::ValuesClass getPipelineTargetValues() {
  return llvm::cl::values(
      clEnumValN(PipelineTarget::CPU, "cpu", "LLVM dialect for the host"),
      clEnumValN(PipelineTarget::CUDA, "cuda", "GPU kernels plus host code"));
}

struct AttnPipelineOptions : public PassPipelineOptions<AttnPipelineOptions> {
  PassOptions::Option<PipelineTarget> target{
      *this, "target", llvm::cl::desc("Where the module runs"),
      llvm::cl::init(PipelineTarget::CPU), getPipelineTargetValues()};
  PassOptions::Option<GPUChip> chip{
      *this, "chip", llvm::cl::desc("GPU architecture (target=cuda)"),
      llvm::cl::init(GPUChip::Sm90a), getGPUChipValues()};
  PassOptions::Option<GPUBinaryFormat> format{
      *this, "format", llvm::cl::desc("GPU binary format (target=cuda)"),
      llvm::cl::init(GPUBinaryFormat::Cubin),
      llvm::cl::values(clEnumValN(GPUBinaryFormat::Cubin, "bin", "cubin"),
                       clEnumValN(GPUBinaryFormat::PTX, "isa", "PTX"))};
  PassOptions::Option<bool> tile{
      *this, "tile",
      llvm::cl::desc("Lower attn.attention through the tiled online-softmax "
                     "loop nest (--attn-tile); false uses --attn-decompose"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> blockQ{
      *this, "block-q", llvm::cl::desc("Query block size for --attn-tile"),
      llvm::cl::init(64)};
  PassOptions::Option<int64_t> blockKV{
      *this, "block-kv", llvm::cl::desc("Key/value block size for --attn-tile"),
      llvm::cl::init(64)};
  PassOptions::Option<SplitKVMode> splitKV{
      *this, "split-kv",
      llvm::cl::desc("Split-KV decoding: target=cpu in --attn-tile, "
                     "target=cuda through --attn-split-kv before the kernels "
                     "(on and auto: its heuristic)"),
      llvm::cl::init(SplitKVMode::Auto), getSplitKVModeValues()};
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
  PassOptions::Option<TriState> gpuOverlap{
      *this, "gpu-overlap",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 overlaps S(j) = Q·K(j) "
                     "with P(j-1)·V(j-1), 0 does not"),
      llvm::cl::init(TriState::Auto), getTriStateValues()};
  PassOptions::Option<TriState> gpuProducerWarp{
      *this, "gpu-producer-warp",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 issues the TMA loads "
                     "from a producer warpgroup, 0 from thread 0"),
      llvm::cl::init(TriState::Auto), getTriStateValues()};
  PassOptions::Option<TriState> gpuPingpong{
      *this, "gpu-pingpong",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 makes the consumer "
                     "warpgroups take turns issuing their GEMMs (FA3 "
                     "ping-pong; needs a producer warpgroup), 0 does not"),
      llvm::cl::init(TriState::Auto), getTriStateValues()};
  PassOptions::Option<TriState> gpuPersistent{
      *this, "gpu-persistent",
      llvm::cl::desc("target=cuda, sm_90a kernel: 1 runs one CTA per SM "
                     "over all tiles (needs a producer warpgroup), 0 one CTA "
                     "per tile"),
      llvm::cl::init(TriState::Auto), getTriStateValues()};
  PassOptions::Option<AttentionKernel> kernel{
      *this, "kernel",
      llvm::cl::desc("target=cuda: the attention kernels to use"),
      llvm::cl::init(AttentionKernel::Auto),
      llvm::cl::values(
          clEnumValN(AttentionKernel::Auto, "auto",
                     "wgmma on sm_90a where it supports the op, else "
                     "mma-sync where it does, else simt"),
          clEnumValN(AttentionKernel::MmaSync, "mma-sync",
                     "FlashAttention-2 on mma.sync, any chip"),
          clEnumValN(AttentionKernel::Wgmma, "wgmma",
                     "TMA + wgmma, sm_90a (docs/hopper.md)"),
          clEnumValN(AttentionKernel::Simt, "simt",
                     "the general f32 SIMT kernel, every op"))};
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

/// Builds the pipeline selected by `opts.target`. Reports option
/// combinations the pipeline cannot build through `errorHandler` and fails.
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
