//===- Passes.h - attn conversion passes ------------------------*- C++ -*-===//
#ifndef ATTN_CONVERSION_PASSES_H
#define ATTN_CONVERSION_PASSES_H

#include "attn/Support/EnumOptionParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/CommandLine.h"

#include <string>

namespace mlir {
namespace attn {

/// The GPU architectures the attention kernels are built for.
enum class GPUChip { Sm80, Sm90, Sm90a };

/// A feature switch of the sm_90a kernel: forced on, forced off, or left to
/// the default table (DefaultConfigs.inc), which picks it per shape.
enum class TriState { Auto, Off, On };

} // namespace attn
} // namespace mlir

ATTN_ENUM_OPTION_PARSER(mlir::attn::GPUChip)
ATTN_ENUM_OPTION_PARSER(mlir::attn::TriState)

namespace mlir {
class RewritePatternSet;
namespace attn {

/// The `chip` spellings, shared by the pass options, --attn-pipeline and
/// attn-compile so that all three accept and list the same values.
inline llvm::cl::ValuesClass getGPUChipValues() {
  return llvm::cl::values(
      clEnumValN(GPUChip::Sm80, "sm_80", "Ampere (mma.sync kernel)"),
      clEnumValN(GPUChip::Sm90, "sm_90", "Hopper without the 'a' features"),
      clEnumValN(GPUChip::Sm90a, "sm_90a",
                 "Hopper with wgmma and setmaxnreg (TMA + wgmma kernel)"));
}

/// The spelling of `chip` (e.g. "sm_90a"), for NVVM targets and messages.
inline StringRef stringifyGPUChip(GPUChip chip) {
  switch (chip) {
  case GPUChip::Sm80:
    return "sm_80";
  case GPUChip::Sm90:
    return "sm_90";
  case GPUChip::Sm90a:
    return "sm_90a";
  }
  llvm_unreachable("unknown GPUChip");
}

/// The spellings of a TriState option.
inline llvm::cl::ValuesClass getTriStateValues() {
  return llvm::cl::values(
      clEnumValN(TriState::Auto, "auto", "the default table's choice"),
      clEnumValN(TriState::Off, "0", "off"),
      clEnumValN(TriState::On, "1", "on"));
}

#define GEN_PASS_DECL
#include "attn/Conversion/Passes.h.inc"

/// Block shape of the FlashAttention-2 kernel.
struct AttnGPUTileConfig {
  /// Warps per block.
  int64_t numWarps = 4;
  /// Keys per shared-memory K/V tile.
  int64_t blockKV = 64;
  /// 16-row query tiles per warp (1 or 2).
  int64_t rowTiles = 1;
};

/// The default tile configuration for `chip`, head dim `headDim` and
/// causality.
AttnGPUTileConfig getDefaultAttnGPUTileConfig(GPUChip chip, int64_t headDim,
                                              bool causal);

/// Patterns lowering attn.attention to gpu.launch. A zero field of
/// `config` picks the default table's value.
void populateAttnToGPUPatterns(RewritePatternSet &patterns,
                               const AttnGPUTileConfig &config, GPUChip chip);

/// Declares the memory effects of gpu.launch_func and
/// nvgpu.tma.create.descriptor (external models), which upstream's
/// ownership-based buffer deallocation needs to run on target=cuda host code.
/// The target=cuda passes add this to their dependent registry.
void registerGPUHostInterfaceModels(DialectRegistry &registry);

/// Block shape of the general SIMT kernel (--convert-attn-to-gpu-simt).
struct AttnGPUSimtConfig {
  /// Warps per block.
  int64_t numWarps = 4;
  /// Query rows per warp.
  int64_t rowsPerWarp = 8;
};

/// Patterns lowering every attn.attention to the general SIMT gpu.launch.
void populateAttnToGPUSimtPatterns(RewritePatternSet &patterns,
                                   const AttnGPUSimtConfig &config);

#define GEN_PASS_REGISTRATION
#include "attn/Conversion/Passes.h.inc"

} // namespace attn
} // namespace mlir

#endif // ATTN_CONVERSION_PASSES_H
