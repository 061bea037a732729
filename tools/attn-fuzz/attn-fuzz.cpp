//===- attn-fuzz.cpp - libFuzzer target for the attn passes -----*- C++ -*-===//
//
// Parses the input bytes as MLIR in a context with every dialect attn-opt
// registers. What parses and verifies is run, each time on a fresh clone,
// through --attn-fuse, --attn-decompose, --attn-tile (default and split-KV)
// and --attn-fuse followed by the CPU pipeline. Diagnostics are expected and
// swallowed: only crashes, sanitizer reports and invalid IR left behind by a
// pass that reported success count as findings.
//
// ATTN_FUZZ_VERBOSE=1 (useful when reproducing a crash input) prints each
// pipeline before it runs and lets diagnostics through to stderr, so a crash
// report says which pipeline it came from. See docs/reliability.md.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAttn.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

using namespace mlir;

static const char *const kPipelines[] = {
    "builtin.module(attn-fuse)",
    "builtin.module(attn-decompose)",
    "builtin.module(attn-tile)",
    "builtin.module(attn-tile{split-kv=on block-q=16 block-kv=16})",
    // The pipeline does not fuse; on input without fusable attention
    // attn-fuse is a no-op, so this also covers the pipeline on raw input.
    "builtin.module(attn-fuse,attn-pipeline{target=cpu})",
};

static DialectRegistry *registry;
static bool verbose;

namespace {
/// The pass manager's own verifier turns invalid IR into an ordinary pipeline
/// failure (a swallowed diagnostic). This instrumentation verifies after every
/// pass that reported success instead and aborts naming the pass, so that
/// invalid IR is a finding and is blamed on the pass that produced it.
struct VerifyAfterEachPass : public PassInstrumentation {
  void runAfterPass(Pass *pass, Operation *op) override {
    if (succeeded(verify(op)))
      return;
    llvm::errs() << "attn-fuzz: pass '" << pass->getArgument() << "' ("
                 << pass->getName()
                 << ") reported success but left IR that fails to verify\n";
    std::abort();
  }
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  registerAllToLLVMIRTranslations(*registry);
  attn::registerAttnTranslations(*registry);
  attn::registerAttnDialect(*registry);
  registerAllPasses();
  attn::registerAttnPassesAndPipelines();
  verbose = std::getenv("ATTN_FUZZ_VERBOSE") != nullptr;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: nothing (uniqued types and attributes, loaded
  // dialects) carries over from one input to the next.
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  ScopedDiagnosticHandler swallow(&context, [](Diagnostic &) {
    // failure() passes a diagnostic on to the default handler (stderr).
    return verbose ? failure() : success();
  });

  // MLIR's lexer expects a NUL after the buffer (a MemoryBuffer from a file
  // has one), but parseSourceString does not copy: parse a NUL-terminated
  // copy, or the lexer may read one byte past libFuzzer's exact-size input.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&context));
  if (!module || failed(verify(*module)))
    return 0;

  for (const char *pipeline : kPipelines) {
    if (verbose)
      llvm::errs() << "attn-fuzz: running " << pipeline << "\n";
    OwningOpRef<ModuleOp> clone = module->clone();
    PassManager pm(&context);
    if (failed(parsePassPipeline(pipeline, pm))) {
      llvm::errs() << "attn-fuzz: cannot parse pipeline " << pipeline << "\n";
      std::abort();
    }
    pm.enableVerifier(false);
    pm.addInstrumentation(std::make_unique<VerifyAfterEachPass>());
    (void)pm.run(*clone);
  }
  return 0;
}
