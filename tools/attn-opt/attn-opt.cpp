//===- attn-opt.cpp - attn optimizer driver ---------------------*- C++ -*-===//
//
// mlir-opt with the attn dialect, passes and pipelines added.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAttn.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#ifdef ATTN_INCLUDE_TESTS
namespace mlir::attn::test {
void registerTestEmulateGPUOnHost();
} // namespace mlir::attn::test
#endif

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::attn::registerAttnPassesAndPipelines();
#ifdef ATTN_INCLUDE_TESTS
  mlir::attn::test::registerTestEmulateGPUOnHost();
#endif

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::attn::registerAttnDialect(registry);
  mlir::attn::registerAttnTranslations(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "attn optimizer driver\n", registry));
}
