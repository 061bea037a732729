//===- attn-compile.cpp - ahead-of-time attn compiler -----------*- C++ -*-===//
//
// Compiles a module with (unfused) attention to an object file or a shared
// library with C entry points (_mlir_ciface_<name>) and a header declaring
// them. See docs/runtime.md for the ABI.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAttn.h"
#include "attn/Target/CInterface.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <optional>

using namespace mlir;
namespace cl = llvm::cl;
namespace sys = llvm::sys;
using llvm::errs;

static cl::opt<std::string>
    inputFilename(cl::Positional, cl::desc("<input .mlir>"), cl::init("-"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("path"),
                                           cl::Required);
static cl::opt<attn::PipelineTarget>
    target("target", cl::desc("Where the compiled code runs"),
           cl::init(attn::PipelineTarget::CPU),
           attn::getPipelineTargetValues());
static cl::opt<attn::GPUChip> chip("chip",
                                   cl::desc("GPU architecture (target=cuda)"),
                                   cl::init(attn::GPUChip::Sm90a),
                                   attn::getGPUChipValues());
static cl::opt<std::string>
    emit("emit",
         cl::desc("mlir, llvm, obj, so, ptx, cubin or header (default: "
                  "from the output's extension, else so)"),
         cl::init(""));
static cl::opt<bool> noFuse("no-fuse",
                            cl::desc("Skip --attn-fuse (input already holds "
                                     "attn.attention or must run unfused)"),
                            cl::init(false));
static cl::opt<std::string>
    pipelineOptions("pipeline-options",
                    cl::desc("Extra --attn-pipeline options, e.g. "
                             "\"tile=true block-q=32\""),
                    cl::init(""));
static cl::opt<std::string>
    headerFilename("header",
                   cl::desc("Header declaring the entry points (default: the "
                            "output with a .h extension; obj and so only)"),
                   cl::init(""));
static cl::opt<std::string>
    runtimeDir("runtime-dir",
               cl::desc("Directory of libattn_runtime.so (target=cuda) and "
                        "libattn_runner_utils.so (emit=so; default: "
                        "<prefix>/lib of this tool)"),
               cl::init(""));
static cl::opt<std::string> linker("linker",
                                   cl::desc("C compiler driver used to link "
                                            "the shared library"),
                                   cl::init("cc"));

namespace {

enum class Emit { MLIR, LLVM, Obj, SO, PTX, Cubin, Header };

std::optional<Emit> parseEmit(StringRef s) {
  return StringSwitch<std::optional<Emit>>(s)
      .Case("mlir", Emit::MLIR)
      .Case("llvm", Emit::LLVM)
      .Case("obj", Emit::Obj)
      .Case("so", Emit::SO)
      .Case("ptx", Emit::PTX)
      .Case("cubin", Emit::Cubin)
      .Case("header", Emit::Header)
      .Default(std::nullopt);
}

Emit emitFromExtension(StringRef path) {
  StringRef ext = sys::path::extension(path);
  if (ext == ".o")
    return Emit::Obj;
  if (ext == ".ll")
    return Emit::LLVM;
  if (ext == ".mlir")
    return Emit::MLIR;
  if (ext == ".ptx")
    return Emit::PTX;
  if (ext == ".cubin")
    return Emit::Cubin;
  if (ext == ".h")
    return Emit::Header;
  return Emit::SO;
}

//===----------------------------------------------------------------------===//
// The header, from the pre-lowering signatures (lib/Target/CInterface.cpp).
//===----------------------------------------------------------------------===//

FailureOr<std::string> buildHeader(ArrayRef<func::FuncOp> funcs,
                                   StringRef path) {
  std::string guard = "ATTN_COMPILE_";
  for (char c : sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  // target=cuda functions take their results as trailing caller buffers
  // (--attn-pipeline's buffer-results-to-out-params); target=cpu returns
  // callee-allocated ones.
  auto convention = target == attn::PipelineTarget::CUDA
                        ? attn::CResultConvention::OutParams
                        : attn::CResultConvention::Returned;
  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(attn::emitCInterfaceHeader(
          funcs, convention, guard, sys::path::filename(outputFilename), os)))
    return failure();
  return text;
}

//===----------------------------------------------------------------------===//
// Code generation.
//===----------------------------------------------------------------------===//

/// Opens `path` and writes into it what `print` prints.
LogicalResult writeOutput(StringRef path, Location loc,
                          function_ref<void(raw_ostream &)> print) {
  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return emitError(loc) << "attn-compile: " << err;
  print(out->os());
  out->keep();
  return success();
}

LogicalResult writeFile(StringRef path, StringRef text, Location loc) {
  return writeOutput(path, loc, [&](raw_ostream &os) { os << text; });
}

/// Writes the payload of every gpu.binary: PTX modules one after another
/// into `path`; cubins the first into `path` and each further one (a module
/// can hold several kernels, e.g. the sm_90a kernel's variants chosen by
/// sequence length at run time) into `<stem>.<binary name><ext>` beside it.
LogicalResult dumpGpuBinary(ModuleOp module, StringRef path, bool text) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.empty()) {
    emitError(module.getLoc()) << "attn-compile: no gpu.binary to write";
    return failure();
  }
  std::string err;
  std::unique_ptr<llvm::ToolOutputFile> out;
  for (auto [i, binary] : llvm::enumerate(binaries)) {
    auto objects = binary.getObjects();
    if (objects.size() != 1) {
      binary.emitError("attn-compile: expected one GPU object");
      return failure();
    }
    if (!out || !text) {
      if (out)
        out->keep();
      SmallString<128> file(path);
      if (i > 0) {
        if (path == "-") {
          emitError(module.getLoc())
              << "attn-compile: " << binaries.size()
              << " cubins cannot all go to stdout; name an output file";
          return failure();
        }
        StringRef ext = sys::path::extension(path);
        file = path.drop_back(ext.size());
        file += "." + binary.getSymName().str() + ext.str();
      }
      out = openOutputFile(file, &err);
      if (!out) {
        emitError(module.getLoc()) << "attn-compile: " << err;
        return failure();
      }
    }
    out->os() << cast<gpu::ObjectAttr>(objects[0]).getObject().getValue();
  }
  out->keep();
  return success();
}

LogicalResult emitObject(llvm::Module &llvmModule, StringRef path,
                         Location loc) {
  llvm::Triple triple(sys::getDefaultTargetTriple());
  std::string err;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, err);
  if (!t)
    return emitError(loc) << "attn-compile: " << err;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(t->createTargetMachine(
      triple, "generic", "", options, llvm::Reloc::PIC_));
  llvmModule.setDataLayout(tm->createDataLayout());
  llvmModule.setTargetTriple(triple);

  auto out = openOutputFile(path, &err);
  if (!out)
    return emitError(loc) << "attn-compile: " << err;
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, out->os(), nullptr,
                              llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "attn-compile: the host target cannot emit "
                             "object files";
  pm.run(llvmModule);
  out->keep();
  return success();
}

LogicalResult linkSharedLibrary(StringRef object, StringRef path,
                                bool withRuntime, Location loc) {
  llvm::ErrorOr<std::string> cc = sys::findProgramByName(linker);
  if (!cc)
    return emitError(loc) << "attn-compile: linker '" << linker
                          << "' not found in PATH";
  SmallVector<std::string> args = {*cc, "-shared", "-o", path.str(),
                                   object.str()};
  std::string dir = runtimeDir;
  if (dir.empty()) {
    // <prefix>/bin/attn-compile -> <prefix>/lib.
    SmallString<256> p(sys::fs::getMainExecutable(
        "attn-compile", reinterpret_cast<void *>(&linkSharedLibrary)));
    sys::path::remove_filename(p);
    sys::path::remove_filename(p);
    sys::path::append(p, "lib");
    dir = std::string(p);
  }
  SmallString<256> utils(dir);
  sys::path::append(utils, "libattn_runner_utils.so");
  bool withUtils = sys::fs::exists(utils);
  if (withRuntime || withUtils)
    args.append({"-L" + dir, "-Wl,-rpath," + dir});
  if (withRuntime)
    args.push_back("-lattn_runtime");
  // The printing helpers of test programs (printMemrefF32, vector.print's
  // printF32, ...): recorded as a dependency only when the program calls
  // them, so that attn-run and C programs need nothing else.
  if (withUtils)
    args.append(
        {"-Wl,--as-needed", "-lattn_runner_utils", "-Wl,--no-as-needed"});
  args.push_back("-lm");
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string err;
  int rc = sys::ExecuteAndWait(*cc, argRefs, std::nullopt, {}, 0, 0, &err);
  if (rc != 0)
    return emitError(loc) << "attn-compile: linking " << path << " with " << *cc
                          << " failed" << (err.empty() ? "" : ": " + err);
  return success();
}

/// Marks the public definitions of `module` for C entry points and returns
/// them.
SmallVector<func::FuncOp> markEntryPoints(ModuleOp module) {
  SmallVector<func::FuncOp> entryPoints;
  for (auto f : module.getOps<func::FuncOp>()) {
    if (f.isPublic() && !f.isExternal()) {
      f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(module.getContext()));
      entryPoints.push_back(f);
    }
  }
  return entryPoints;
}

/// --header, else the output with a .h extension.
std::string headerPathForOutput() {
  if (!headerFilename.empty())
    return headerFilename;
  SmallString<256> p(outputFilename);
  sys::path::replace_extension(p, "h");
  return std::string(p);
}

/// --attn-prepare, --attn-fuse (unless --no-fuse) and --attn-pipeline with
/// the tool's options, the GPU binaries in the format `kind` needs.
LogicalResult lowerModule(ModuleOp module, Emit kind) {
  Location loc = module.getLoc();
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  // Exporters' IR (TOSA included) is normalised first: --attn-prepare, which
  // unfused programs need as much as fused ones (TOSA has no other lowering).
  attn::buildAttnPreparePipeline(pm, attn::AttnPrepareOptions());
  if (!noFuse)
    pm.addPass(attn::createAttnFuse());
  // --pipeline-options come last, so that they can override the rest.
  attn::AttnPipelineOptions pipelineOpts;
  pipelineOpts.target = target;
  pipelineOpts.chip = chip;
  pipelineOpts.format = kind == Emit::PTX ? attn::GPUBinaryFormat::PTX
                                          : attn::GPUBinaryFormat::Cubin;
  if (failed(pipelineOpts.parseFromString(pipelineOptions)))
    return emitError(loc) << "attn-compile: invalid pipeline options '"
                          << pipelineOptions << "'";
  if (failed(attn::buildAttnPipeline(pm, pipelineOpts, [&](const Twine &msg) {
        return emitError(loc) << msg;
      })))
    return failure();
  if (failed(pm.run(module)))
    return emitError(loc) << "attn-compile: lowering failed";
  return success();
}

/// LLVM IR, an object or a shared library from the lowered `module`; the
/// latter two with `header` written to `headerPath`.
LogicalResult emitHostCode(ModuleOp module, Emit kind, StringRef headerPath,
                           StringRef header) {
  Location loc = module.getLoc();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return emitError(loc) << "attn-compile: translation to LLVM IR failed";
  if (kind == Emit::LLVM)
    return writeOutput(outputFilename, loc, [&](raw_ostream &os) {
      llvmModule->print(os, nullptr);
    });
  if (kind == Emit::Obj) {
    if (failed(emitObject(*llvmModule, outputFilename, loc)))
      return failure();
    return writeFile(headerPath, header, loc);
  }

  SmallString<128> object;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("attn-compile", "o", object))
    return emitError(loc) << "attn-compile: " << ec.message();
  llvm::FileRemover remover(object);
  if (failed(emitObject(*llvmModule, object, loc)))
    return failure();
  if (failed(linkSharedLibrary(object, outputFilename,
                               target == attn::PipelineTarget::CUDA, loc)))
    return failure();
  return writeFile(headerPath, header, loc);
}

LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                      Emit kind) {
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();
  if (failed(verify(*module)))
    return failure();
  Location loc = module->getLoc();

  SmallVector<func::FuncOp> entryPoints = markEntryPoints(*module);
  // Built before lowering, written after: no header for a failed compile.
  if (kind == Emit::Header) {
    FailureOr<std::string> header = buildHeader(entryPoints, outputFilename);
    return failed(header) ? failure() : writeFile(outputFilename, *header, loc);
  }
  std::string headerPath;
  FailureOr<std::string> header = std::string();
  if (kind == Emit::Obj || kind == Emit::SO) {
    headerPath = headerPathForOutput();
    header = buildHeader(entryPoints, headerPath);
    if (failed(header))
      return failure();
  }

  if (failed(lowerModule(*module, kind)))
    return failure();
  if (kind == Emit::MLIR)
    return writeOutput(outputFilename, loc,
                       [&](raw_ostream &os) { module->print(os); });
  if (kind == Emit::PTX || kind == Emit::Cubin)
    return dumpGpuBinary(*module, outputFilename, kind == Emit::PTX);
  return emitHostCode(*module, kind, headerPath, *header);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "attn ahead-of-time compiler: .mlir to an "
                              "object file or a shared library\n");

  std::optional<Emit> kind =
      emit.empty() ? emitFromExtension(outputFilename) : parseEmit(emit);
  if (!kind) {
    errs() << "attn-compile: unknown --emit='" << emit
           << "' (expected mlir, llvm, obj, so, ptx, cubin or header)\n";
    return 1;
  }
  if ((*kind == Emit::PTX || *kind == Emit::Cubin) &&
      target != attn::PipelineTarget::CUDA) {
    errs() << "attn-compile: --emit=ptx/cubin needs --target=cuda\n";
    return 1;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  attn::registerAttnDialect(registry);
  attn::registerAttnTranslations(registry);
  MLIRContext context(registry);

  std::string err;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &err);
  if (!input) {
    errs() << "attn-compile: " << err << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  return failed(compile(context, sourceMgr, *kind)) ? 1 : 0;
}
