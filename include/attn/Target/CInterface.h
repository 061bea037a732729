//===- CInterface.h - C header for generated entry points -------*- C++ -*-===//
//
// attn-compile writes, next to each object or shared library, a C header
// declaring the `_mlir_ciface_<name>` entry point of every public function,
// built from the function signatures before lowering (tensor types still
// carry rank and element type). docs/runtime.md describes the ABI.
//
//===----------------------------------------------------------------------===//
#ifndef ATTN_TARGET_CINTERFACE_H
#define ATTN_TARGET_CINTERFACE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::attn {

/// How a function's tensor results cross the C interface.
enum class CResultConvention {
  /// The callee allocates each result buffer and fills a descriptor the
  /// caller passes first (`result`, or a `<name>_results` struct); the CPU
  /// pipeline's convention.
  Returned,
  /// The caller passes a descriptor of a buffer for each result after the
  /// arguments (`result`, or `result0`, `result1`, ...); the callee writes
  /// into it. The CUDA pipeline's convention (upstream's
  /// buffer-results-to-out-params).
  OutParams,
};

/// Writes a C header declaring the entry points of `funcs`. `guard` is the
/// include guard's macro, `library` the name the header's comment gives.
/// Fails, with an error on the function, for a type that has no C form.
LogicalResult emitCInterfaceHeader(ArrayRef<func::FuncOp> funcs,
                                   CResultConvention convention,
                                   StringRef guard, StringRef library,
                                   raw_ostream &os);

} // namespace mlir::attn

#endif // ATTN_TARGET_CINTERFACE_H
