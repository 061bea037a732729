//===- AttnDialect.cpp - attn dialect ---------------------------*- C++ -*-===//
#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::attn;

#include "attn/Dialect/Attn/IR/AttnOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"

namespace {
/// attn.attention is a pure function of its operands (destination passing on
/// tensors): calls of functions holding it inline like any other. target=cuda
/// inlines every call before bufferization (docs/runtime.md).
struct AttnInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void AttnDialect::initialize() {
  addInterfaces<AttnInlinerInterface>();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "attn/Dialect/Attn/IR/AttnAttrs.cpp.inc"
      >();
  // Its LLVM IR translation is registered separately
  // (registerAttnTranslations), keeping LLVM IR out of the dialect; a tool
  // that translates without it gets an error, not a crash.
  declarePromisedInterface<gpu::OffloadingLLVMTranslationAttrInterface,
                           LazyObjectAttr>();
  addOperations<
#define GET_OP_LIST
#include "attn/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
}
