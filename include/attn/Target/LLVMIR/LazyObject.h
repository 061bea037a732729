//===- LazyObject.h - LLVM IR translation of #attn.lazy_object --*- C++ -*-===//
#ifndef ATTN_TARGET_LLVMIR_LAZYOBJECT_H
#define ATTN_TARGET_LLVMIR_LAZYOBJECT_H

namespace mlir {
class DialectRegistry;
namespace attn {

/// Attaches the LLVM IR translation
/// (gpu::OffloadingLLVMTranslationAttrInterface) to #attn.lazy_object. Tools
/// that translate gpu.binary ops to LLVM IR need it next to
/// registerAllToLLVMIRTranslations.
void registerLazyObjectTranslation(DialectRegistry &registry);

} // namespace attn
} // namespace mlir

#endif // ATTN_TARGET_LLVMIR_LAZYOBJECT_H
