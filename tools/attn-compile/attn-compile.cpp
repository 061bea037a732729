//===- attn-compile.cpp - ahead-of-time attn compiler -----------*- C++ -*-===//
//
// Compiles a module with (unfused) attention to an object file or a shared
// library with C entry points (_mlir_ciface_<name>) and a header declaring
// them. See docs/runtime.md for the ABI.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAttn.h"

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

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir>"),
                                          cl::init("-"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("path"),
                                           cl::Required);
static cl::opt<std::string> target("target", cl::desc("cpu or cuda"),
                                   cl::init("cpu"));
static cl::opt<std::string> chip("chip",
                                 cl::desc("GPU architecture (target=cuda)"),
                                 cl::init("sm_90a"));
static cl::opt<std::string>
    emit("emit", cl::desc("mlir, llvm, obj, so, ptx or cubin (default: from "
                          "the output's extension, else so)"),
         cl::init(""));
static cl::opt<bool> noFuse("no-fuse",
                            cl::desc("Skip --attn-prepare and --attn-fuse "
                                     "(input already holds attn.attention or "
                                     "needs no fusion)"),
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
               cl::desc("Directory of libattn_runtime.so (target=cuda, "
                        "emit=so; default: <prefix>/lib of this tool)"),
               cl::init(""));
static cl::opt<std::string> linker("linker",
                                   cl::desc("C compiler driver used to link "
                                            "the shared library"),
                                   cl::init("cc"));

namespace {

enum class Emit { MLIR, LLVM, Obj, SO, PTX, Cubin };

std::optional<Emit> parseEmit(StringRef s) {
  return StringSwitch<std::optional<Emit>>(s)
      .Case("mlir", Emit::MLIR)
      .Case("llvm", Emit::LLVM)
      .Case("obj", Emit::Obj)
      .Case("so", Emit::SO)
      .Case("ptx", Emit::PTX)
      .Case("cubin", Emit::Cubin)
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
  return Emit::SO;
}

//===----------------------------------------------------------------------===//
// Header generation from the pre-lowering signatures.
//===----------------------------------------------------------------------===//

std::optional<std::string> cScalarType(Type t) {
  if (t.isF32())
    return std::string("float");
  if (t.isF64())
    return std::string("double");
  // No portable C type: the bits.
  if (t.isF16() || t.isBF16())
    return std::string("uint16_t");
  if (t.isIndex())
    return std::string("intptr_t");
  if (t.isInteger(1))
    return std::string("bool");
  if (auto i = dyn_cast<IntegerType>(t))
    if (llvm::is_contained({8u, 16u, 32u, 64u}, i.getWidth()))
      return "int" + std::to_string(i.getWidth()) + "_t";
  return std::nullopt;
}

std::string mnemonic(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// The header's name for the descriptor of a ranked tensor/memref type.
std::optional<std::string>
descriptorName(ShapedType t, std::map<std::string, std::string> &structs) {
  std::optional<std::string> elt = cScalarType(t.getElementType());
  if (!elt)
    return std::nullopt;
  std::string name = "attn_memref_" + std::to_string(t.getRank()) + "d_" +
                     mnemonic(t.getElementType());
  std::string def = "typedef struct {\n  " + *elt + " *allocated;\n  " + *elt +
                    " *aligned;\n  int64_t offset;\n";
  if (t.getRank() > 0)
    def += "  int64_t sizes[" + std::to_string(t.getRank()) +
           "];\n  int64_t strides[" + std::to_string(t.getRank()) + "];\n";
  def += "} " + name + ";\n";
  structs.emplace(name, def);
  return name;
}

/// C type of a value crossing the C interface: descriptor pointers for
/// buffers, the scalar itself otherwise.
std::optional<std::string>
cType(Type t, std::map<std::string, std::string> &structs, bool &isBuffer) {
  isBuffer = false;
  if (auto shaped = dyn_cast<ShapedType>(t)) {
    if (!isa<RankedTensorType, MemRefType>(t))
      return std::nullopt;
    isBuffer = true;
    return descriptorName(shaped, structs);
  }
  return cScalarType(t);
}

/// The header text declaring the C entry points of `funcs`, from their
/// signatures before lowering (tensor types still say rank and element type).
FailureOr<std::string> buildHeader(ArrayRef<func::FuncOp> funcs,
                                   StringRef path) {
  std::map<std::string, std::string> structs;
  std::string decls;
  for (func::FuncOp f : funcs) {
    FunctionType type = f.getFunctionType();
    SmallVector<std::string> params;
    std::string ret = "void";
    std::string name = f.getSymName().str();
    auto unsupported = [&](Type t) -> FailureOr<std::string> {
      f.emitError() << "attn-compile: no C type for " << t
                    << " in the signature of @" << name;
      return failure();
    };
    if (type.getNumResults() == 1) {
      bool isBuffer;
      auto r = cType(type.getResult(0), structs, isBuffer);
      if (!r)
        return unsupported(type.getResult(0));
      // The C interface returns buffers through a leading out-pointer.
      if (isBuffer)
        params.push_back(*r + " *result");
      else
        ret = *r;
    } else if (type.getNumResults() > 1) {
      std::string def = "typedef struct {\n";
      for (auto [i, t] : llvm::enumerate(type.getResults())) {
        bool isBuffer;
        auto r = cType(t, structs, isBuffer);
        if (!r)
          return unsupported(t);
        def += "  " + *r + " r" + std::to_string(i) + ";\n";
      }
      def += "} " + name + "_results;\n";
      structs.emplace(name + "_results", def);
      params.push_back(name + "_results *results");
    }
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      bool isBuffer;
      auto r = cType(t, structs, isBuffer);
      if (!r)
        return unsupported(t);
      params.push_back(*r + (isBuffer ? " *" : " ") + "arg" +
                       std::to_string(i));
    }
    decls += ret + " _mlir_ciface_" + name + "(" +
             (params.empty() ? std::string("void")
                             : llvm::join(params, ", ")) +
             ");\n";
  }

  std::string guard = "ATTN_COMPILE_";
  for (char c : sys::path::filename(path))
    guard += llvm::isAlnum(c) ? llvm::toUpper(c) : '_';
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "/* Generated by attn-compile: C entry points of "
     << sys::path::filename(outputFilename) << " (see docs/runtime.md). */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (auto &[name, def] : structs)
    os << "#ifndef " << name << "_defined\n#define " << name << "_defined\n"
       << def << "#endif\n\n";
  os << decls << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard
     << " */\n";
  return text;
}

//===----------------------------------------------------------------------===//
// Code generation.
//===----------------------------------------------------------------------===//

LogicalResult writeFile(StringRef path, StringRef text, Location loc) {
  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return emitError(loc) << "attn-compile: " << err;
  out->os() << text;
  out->keep();
  return success();
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
  if (withRuntime) {
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
    args.append({"-L" + dir, "-Wl,-rpath," + dir, "-lattn_runtime"});
  }
  args.push_back("-lm");
  SmallVector<StringRef> argRefs(args.begin(), args.end());
  std::string err;
  int rc = sys::ExecuteAndWait(*cc, argRefs, std::nullopt, {}, 0, 0, &err);
  if (rc != 0)
    return emitError(loc) << "attn-compile: linking " << path << " with "
                          << *cc << " failed"
                          << (err.empty() ? "" : ": " + err);
  return success();
}

LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sourceMgr, Emit kind) {
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();
  if (failed(verify(*module)))
    return failure();
  Location loc = module->getLoc();

  // Public definitions get C entry points.
  SmallVector<func::FuncOp> entryPoints;
  for (auto f : module->getOps<func::FuncOp>()) {
    if (f.isPublic() && !f.isExternal()) {
      f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                 UnitAttr::get(&context));
      entryPoints.push_back(f);
    }
  }
  // Built before lowering, written after: no header for a failed compile.
  std::string headerPath;
  FailureOr<std::string> header;
  if (kind == Emit::Obj || kind == Emit::SO) {
    headerPath = headerFilename;
    if (headerPath.empty()) {
      SmallString<256> p(outputFilename);
      sys::path::replace_extension(p, "h");
      headerPath = std::string(p);
    }
    header = buildHeader(entryPoints, headerPath);
    if (failed(header))
      return failure();
  }

  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  if (!noFuse) {
    // Exporters' IR (TOSA included) is normalised first: --attn-prepare.
    attn::buildAttnPreparePipeline(pm, attn::AttnPrepareOptions());
    pm.addPass(attn::createAttnFuse());
  }
  std::string options = "target=" + target;
  if (target == "cuda")
    options += " chip=" + chip +
               (kind == Emit::PTX ? " format=isa" : " format=bin");
  if (!pipelineOptions.empty())
    options += " " + pipelineOptions;
  attn::AttnPipelineOptions pipelineOpts;
  if (failed(pipelineOpts.parseFromString(options)))
    return emitError(loc) << "attn-compile: invalid pipeline options '"
                          << options << "'";
  if (failed(attn::buildAttnPipeline(pm, pipelineOpts, [&](const Twine &msg) {
        return emitError(loc) << msg;
      })))
    return failure();
  if (failed(pm.run(*module)))
    return emitError(loc) << "attn-compile: lowering failed";

  if (kind == Emit::MLIR) {
    std::string err;
    auto out = openOutputFile(outputFilename, &err);
    if (!out)
      return emitError(loc) << "attn-compile: " << err;
    module->print(out->os());
    out->keep();
    return success();
  }
  if (kind == Emit::PTX || kind == Emit::Cubin)
    return dumpGpuBinary(*module, outputFilename, kind == Emit::PTX);

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  if (!llvmModule)
    return emitError(loc) << "attn-compile: translation to LLVM IR failed";
  if (kind == Emit::LLVM) {
    std::string err;
    auto out = openOutputFile(outputFilename, &err);
    if (!out)
      return emitError(loc) << "attn-compile: " << err;
    llvmModule->print(out->os(), nullptr);
    out->keep();
    return success();
  }
  if (kind == Emit::Obj) {
    if (failed(emitObject(*llvmModule, outputFilename, loc)))
      return failure();
    return writeFile(headerPath, *header, loc);
  }

  SmallString<128> object;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("attn-compile", "o", object))
    return emitError(loc) << "attn-compile: " << ec.message();
  llvm::FileRemover remover(object);
  if (failed(emitObject(*llvmModule, object, loc)))
    return failure();
  if (failed(linkSharedLibrary(object, outputFilename, target == "cuda", loc)))
    return failure();
  return writeFile(headerPath, *header, loc);
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
           << "' (expected mlir, llvm, obj, so, ptx or cubin)\n";
    return 1;
  }
  if (target != "cpu" && target != "cuda") {
    errs() << "attn-compile: unknown --target='" << target
           << "' (expected cpu or cuda)\n";
    return 1;
  }
  if ((*kind == Emit::PTX || *kind == Emit::Cubin) && target != "cuda") {
    errs() << "attn-compile: --emit=ptx/cubin needs --target=cuda\n";
    return 1;
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  attn::registerAttnDialect(registry);
  MLIRContext context(registry);

  std::string err;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputFilename, &err);
  if (!input) {
    errs() << "attn-compile: " << err << "\n";
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  return failed(compile(context, sourceMgr, *kind)) ? 1 : 0;
}
