//===- Utils.h - helpers shared by the ProgramToGPU passes -------*- C++
//-*-===//
//
// Private to lib/Conversion/ProgramToGPU: how host code of a target=cuda
// program is told apart from kernel code, and the linalg -> gpu.launch
// mapping that both --attn-map-linalg-to-gpu and
// --attn-place-buffers-on-device (for its copy kernels) use.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_LIB_CONVERSION_PROGRAMTOGPU_UTILS_H
#define ATTN_LIB_CONVERSION_PROGRAMTOGPU_UTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::attn {

/// True for operations that run on the host: not inside a gpu.launch, a
/// gpu.func or a gpu.module.
bool isHostCode(Operation *op);

/// Rewrites `op` (a linalg op on buffers, in host code) into a gpu.launch of
/// ceil(N / blockSize) blocks of `blockSize` threads, N being the number of
/// points of its parallel iteration space; each thread runs the reduction
/// loops of one point. Named ops are generalized and their parallel loops
/// moved outermost first.
LogicalResult mapLinalgOpToGPU(RewriterBase &rewriter, linalg::LinalgOp op,
                               int64_t blockSize);

/// Rewrites `op`, an f16 contraction with f32 accumulation on buffers (a
/// matmul, batch matmul or generic with one m, n and k loop), into a
/// tensor-core gpu.launch (mma.sync); fails, changing nothing, for any
/// other op.
LogicalResult mapContractionToMmaSync(RewriterBase &rewriter,
                                      linalg::LinalgOp op);

/// Runs `src` -> `dst` (buffers of one shape, any layouts) as a GPU copy
/// kernel, at the rewriter's insertion point.
LogicalResult emitCopyKernel(RewriterBase &rewriter, Location loc, Value src,
                             Value dst, int64_t blockSize);

} // namespace mlir::attn

#endif // ATTN_LIB_CONVERSION_PROGRAMTOGPU_UTILS_H
