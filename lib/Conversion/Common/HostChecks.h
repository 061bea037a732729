//===- HostChecks.h - run-time checks of entry point descriptors -*- C++
//-*-===//
//
// Host code shared by --convert-attn-to-gpu and --convert-attn-to-gpu-sm90:
// before a kernel launch, check the memref descriptors the caller passed
// (null or misaligned pointers, offsets, strides, and the dynamic sizes that
// the verifier could not check) and skip the launch when one is wrong,
// reporting it through libattn_runtime's attnReportInvalidArgument.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_COMMON_HOSTCHECKS_H
#define ATTN_LIB_CONVERSION_COMMON_HOSTCHECKS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attn {

class AttentionOp;

/// The tensors of an attn.attention as buffers (`bufferization.to_buffer`
/// with identity layouts, inputs read-only): after bufferization of the
/// function boundary, the caller's descriptors. `mask` and `lse` are null
/// when the op has none.
struct AttentionBuffers {
  Value q, k, v, o, mask, lse;
};
AttentionBuffers toAttentionBuffers(OpBuilder &b, Location loc, AttentionOp op);

/// Replaces `op` by its output and lse buffers as tensors: the kernel
/// writes them in place.
void replaceWithAttentionBuffers(RewriterBase &rewriter, AttentionOp op,
                                 const AttentionBuffers &buffers);

/// Name of the libattn_runtime function the checks call on failure:
/// `void attnReportInvalidArgument(const char *format, int64_t, int64_t)`,
/// declared `extern_weak` (called only when the runtime defines it) so that
/// objects linked with other mgpu* runtimes still link.
inline constexpr const char *kReportInvalidArgumentFn =
    "attnReportInvalidArgument";

/// What a kernel assumes about the caller's buffers beyond their sizes.
enum class BufferLayout {
  /// Dense row-major, every pointer `pointerAlignment`-byte aligned: the
  /// tensor-core kernels copy whole rows (cp.async) or build TMA maps.
  DenseAligned,
  /// Any strides: the kernel addresses each element through its memref
  /// descriptor (the general SIMT kernel). Only what the memref type fixes
  /// (its static offset and strides) must match, pointers need only the
  /// alignment of their element type, and an empty buffer may be null.
  Strided,
};

/// Emits, at `b`'s insertion point (host code, before anything that uses the
/// buffers), the run-time checks of the buffers `q`, `k`, `v`, `o` and the
/// optional `mask` and `lse` of `op` (memrefs with identity layouts, which
/// become the entry point's descriptors after bufferization), then an
/// `scf.if` that holds when all of them passed. Each failing check calls
/// attnReportInvalidArgument with a message naming the enclosing function
/// and the problem (the runtime keeps the first). Returns the `scf.if`: build
/// the launch (and its host set-up, e.g. TMA descriptors) in its then block,
/// before its terminator.
scf::IfOp
emitGuardedLaunchRegion(OpBuilder &b, Location loc, AttentionOp op, Value q,
                        Value k, Value v, Value o, Value mask, Value lse,
                        int64_t pointerAlignment = 16,
                        BufferLayout layout = BufferLayout::DenseAligned);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_COMMON_HOSTCHECKS_H
