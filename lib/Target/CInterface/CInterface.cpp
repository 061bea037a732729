//===- CInterface.cpp - C header for generated entry points ---------------===//
//
// The C types follow MLIR's C interface (`llvm.emit_c_interface`): a ranked
// buffer is passed as a pointer to its descriptor, scalars by value; f16 and
// bf16 elements have no portable C type and are their bits (uint16_t).
//
//===----------------------------------------------------------------------===//

#include "attn/Target/CInterface.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringExtras.h"

#include <map>
#include <optional>

using namespace mlir;
using namespace mlir::attn;

namespace {

std::optional<std::string> cScalarType(Type t) {
  if (t.isF32())
    return std::string("float");
  if (t.isF64())
    return std::string("double");
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

/// Collects the typedefs the declarations use, by name.
class HeaderBuilder {
public:
  explicit HeaderBuilder(CResultConvention convention)
      : convention(convention) {}

  LogicalResult declare(func::FuncOp f);
  void write(StringRef guard, StringRef library, raw_ostream &os) const;

private:
  std::optional<std::string> descriptorName(ShapedType t);
  std::optional<std::string> cType(Type t, bool &isBuffer);
  LogicalResult returnedResults(func::FuncOp f,
                                SmallVector<std::string> &params,
                                std::string &ret);
  LogicalResult outParamResults(func::FuncOp f,
                                SmallVector<std::string> &params,
                                std::string &ret);
  LogicalResult unsupported(func::FuncOp f, Type t) {
    return f.emitError() << "attn-compile: no C type for " << t
                         << " in the signature of @" << f.getSymName();
  }

  CResultConvention convention;
  std::map<std::string, std::string> structs;
  std::string decls;
};

/// The header's name for the descriptor of a ranked tensor/memref type.
std::optional<std::string> HeaderBuilder::descriptorName(ShapedType t) {
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
std::optional<std::string> HeaderBuilder::cType(Type t, bool &isBuffer) {
  isBuffer = false;
  if (auto shaped = dyn_cast<ShapedType>(t)) {
    if (!isa<RankedTensorType, MemRefType>(t))
      return std::nullopt;
    isBuffer = true;
    return descriptorName(shaped);
  }
  return cScalarType(t);
}

/// One result comes back through a leading out-pointer (a buffer) or as the
/// return value (a scalar); several through a leading `<name>_results *`.
LogicalResult HeaderBuilder::returnedResults(func::FuncOp f,
                                             SmallVector<std::string> &params,
                                             std::string &ret) {
  FunctionType type = f.getFunctionType();
  if (type.getNumResults() == 1) {
    bool isBuffer;
    auto r = cType(type.getResult(0), isBuffer);
    if (!r)
      return unsupported(f, type.getResult(0));
    if (isBuffer)
      params.push_back(*r + " *result");
    else
      ret = *r;
    return success();
  }
  if (type.getNumResults() == 0)
    return success();
  std::string name = f.getSymName().str();
  std::string def = "typedef struct {\n";
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    bool isBuffer;
    auto r = cType(t, isBuffer);
    if (!r)
      return unsupported(f, t);
    def += "  " + *r + " r" + std::to_string(i) + ";\n";
  }
  def += "} " + name + "_results;\n";
  structs.emplace(name + "_results", def);
  params.push_back(name + "_results *results");
  return success();
}

/// Buffers become trailing descriptor pointers the caller fills; what is
/// left (scalars) is returned as with the other convention.
LogicalResult HeaderBuilder::outParamResults(func::FuncOp f,
                                             SmallVector<std::string> &params,
                                             std::string &ret) {
  FunctionType type = f.getFunctionType();
  SmallVector<std::string> buffers, scalars;
  for (Type t : type.getResults()) {
    bool isBuffer;
    auto r = cType(t, isBuffer);
    if (!r)
      return unsupported(f, t);
    (isBuffer ? buffers : scalars).push_back(*r);
  }
  if (scalars.size() > 1)
    return f.emitError() << "attn-compile: @" << f.getSymName()
                         << " returns several scalars, which target=cuda's C "
                            "interface cannot express";
  if (!scalars.empty())
    ret = scalars.front();
  for (auto [i, r] : llvm::enumerate(buffers))
    params.push_back(r + " *result" +
                     (buffers.size() > 1 ? std::to_string(i) : ""));
  return success();
}

LogicalResult HeaderBuilder::declare(func::FuncOp f) {
  SmallVector<std::string> params, results;
  std::string ret = "void";
  if (convention == CResultConvention::Returned &&
      failed(returnedResults(f, params, ret)))
    return failure();
  for (auto [i, t] : llvm::enumerate(f.getFunctionType().getInputs())) {
    bool isBuffer;
    auto r = cType(t, isBuffer);
    if (!r)
      return unsupported(f, t);
    params.push_back(*r + (isBuffer ? " *" : " ") + "arg" + std::to_string(i));
  }
  if (convention == CResultConvention::OutParams &&
      failed(outParamResults(f, params, ret)))
    return failure();
  decls += ret + " _mlir_ciface_" + f.getSymName().str() + "(" +
           (params.empty() ? std::string("void") : llvm::join(params, ", ")) +
           ");\n";
  return success();
}

void HeaderBuilder::write(StringRef guard, StringRef library,
                          raw_ostream &os) const {
  os << "/* Generated by attn-compile: C entry points of " << library
     << " (see docs/runtime.md). */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdbool.h>\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (auto &[name, def] : structs)
    os << "#ifndef " << name << "_defined\n#define " << name << "_defined\n"
       << def << "#endif\n\n";
  os << decls << "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard
     << " */\n";
}

} // namespace

LogicalResult mlir::attn::emitCInterfaceHeader(ArrayRef<func::FuncOp> funcs,
                                               CResultConvention convention,
                                               StringRef guard,
                                               StringRef library,
                                               raw_ostream &os) {
  HeaderBuilder builder(convention);
  for (func::FuncOp f : funcs)
    if (failed(builder.declare(f)))
      return failure();
  builder.write(guard, library, os);
  return success();
}
