//===- LazyObjectAttr.cpp - LLVM IR translation of #attn.lazy_object ------===//
//
// The host side of a gpu.binary whose handler is #attn.lazy_object:
//
//   @<binary>_attn_blob = internal constant [N x i8] c"..."  (PTX: NUL added)
//   define internal void @<binary>_attn_release()           (a global dtor)
//     call void @attnUnloadBinary(ptr @<binary>_attn_blob)
//
// and for each gpu.launch_func of one of its kernels:
//
//   %f = call ptr @attnGetFunction(ptr @<binary>_attn_blob, i64 N,
//                                  ptr @<binary>_<kernel>_attn_kernel_name,
//                                  i32 format, i32 optLevel)
//   %s = <the launch's stream, or call ptr @mgpuStreamCreate()>
//   call void @mgpuLaunchKernel(ptr %f, grid, block, i32 smem, ptr %s,
//                               ptr %params, ptr null, i64 count)
//   ; a launch without a stream is synchronous, as gpu.launch_func says:
//   call void @mgpuStreamSynchronize(ptr %s)
//   call void @mgpuStreamDestroy(ptr %s)
//
// No global constructor: nothing touches CUDA until the first launch, which
// loads the module in the caller's current context (libattn_runtime,
// runtime/lib/Modules.cpp).
//
//===----------------------------------------------------------------------===//

#include "attn/Target/LLVMIR/LazyObject.h"

#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Target/LLVMIR/ModuleTranslation.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace mlir;

namespace {

// Values of attnGetFunction's `format` (attn/Runtime.h).
constexpr int32_t kFormatBinary = 0;
constexpr int32_t kFormatPTX = 1;

std::string binaryGlobalName(gpu::BinaryOp op) {
  return op.getName().str() + "_attn_blob";
}

/// The one object of `op` this handler can load: a cubin, a fatbin or PTX.
FailureOr<gpu::ObjectAttr> getObject(gpu::BinaryOp op) {
  ArrayRef<Attribute> objects = op.getObjectsAttr().getValue();
  if (objects.size() != 1)
    return op.emitError("#attn.lazy_object handles a binary of one object, "
                        "this one has ")
           << objects.size();
  auto object = cast<gpu::ObjectAttr>(objects.front());
  if (object.getFormat() == gpu::CompilationTarget::Offload)
    return op.emitError("#attn.lazy_object cannot load an object in the "
                        "offload (LLVM IR) format");
  return object;
}

bool isPTX(gpu::ObjectAttr object) {
  return object.getFormat() == gpu::CompilationTarget::Assembly;
}

/// The JIT optimization level of PTX: the object's `O` property, else 0 (the
/// driver's default, as upstream's loader does).
FailureOr<int32_t> getOptLevel(gpu::ObjectAttr object, Operation *op) {
  DictionaryAttr properties = object.getProperties();
  Attribute level = properties ? properties.get("O") : Attribute();
  if (!level)
    return 0;
  if (auto integer = dyn_cast<IntegerAttr>(level))
    return static_cast<int32_t>(integer.getInt());
  return op->emitError("#attn.lazy_object: the object's optimization level "
                       "is not an integer");
}

/// Adds a destructor that unloads the modules of `binary` when the library
/// is unloaded (dlclose or process exit), so that a later library mapped at
/// the same address never finds them.
void addUnloader(llvm::Module &module, llvm::GlobalVariable *binary,
                 StringRef name) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *voidTy = llvm::Type::getVoidTy(ctx);
  llvm::FunctionCallee unload = module.getOrInsertFunction(
      "attnUnloadBinary",
      llvm::FunctionType::get(voidTy, {llvm::PointerType::getUnqual(ctx)},
                              false));
  auto *fn = llvm::Function::Create(llvm::FunctionType::get(voidTy, false),
                                    llvm::GlobalValue::InternalLinkage,
                                    name + "_attn_release", module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "entry", fn));
  builder.CreateCall(unload, {binary});
  builder.CreateRetVoid();
  llvm::appendToGlobalDtors(module, fn, /*Priority=*/65535);
}

/// Emits a gpu.launch_func as calls into libattn_runtime.
class LaunchEmitter {
public:
  LaunchEmitter(llvm::IRBuilderBase &builder,
                LLVM::ModuleTranslation &moduleTranslation)
      : builder(builder), translation(moduleTranslation),
        module(*moduleTranslation.getLLVMModule()), ptrTy(builder.getPtrTy()),
        i32Ty(builder.getInt32Ty()), i64Ty(builder.getInt64Ty()),
        intPtrTy(builder.getIntPtrTy(module.getDataLayout())) {}

  LogicalResult emit(gpu::LaunchFuncOp op, gpu::BinaryOp binary);

private:
  llvm::Value *getKernel(gpu::LaunchFuncOp op, gpu::BinaryOp binary,
                         gpu::ObjectAttr object, int32_t optLevel);
  llvm::Value *packArguments(gpu::LaunchFuncOp op);
  llvm::Value *value(Value v, llvm::Type *type) {
    return builder.CreateZExtOrTrunc(translation.lookupValue(v), type);
  }
  llvm::FunctionCallee declare(StringRef name, llvm::Type *result,
                               ArrayRef<llvm::Type *> params) {
    return module.getOrInsertFunction(
        name, llvm::FunctionType::get(result, params, false));
  }

  llvm::IRBuilderBase &builder;
  LLVM::ModuleTranslation &translation;
  llvm::Module &module;
  llvm::PointerType *ptrTy;
  llvm::IntegerType *i32Ty, *i64Ty, *intPtrTy;
};

llvm::Value *LaunchEmitter::getKernel(gpu::LaunchFuncOp op,
                                      gpu::BinaryOp binary,
                                      gpu::ObjectAttr object,
                                      int32_t optLevel) {
  llvm::GlobalVariable *data =
      module.getGlobalVariable(binaryGlobalName(binary), true);
  StringRef kernel = op.getKernelName().getValue();
  std::string nameGlobal =
      (binary.getName() + "_" + kernel + "_attn_kernel_name").str();
  llvm::Value *name = module.getGlobalVariable(nameGlobal, true);
  if (!name)
    name = builder.CreateGlobalString(kernel, nameGlobal);
  llvm::FunctionCallee getFunction =
      declare("attnGetFunction", ptrTy, {ptrTy, i64Ty, ptrTy, i32Ty, i32Ty});
  return builder.CreateCall(
      getFunction,
      {data, builder.getInt64(object.getObject().getValue().size()), name,
       builder.getInt32(isPTX(object) ? kFormatPTX : kFormatBinary),
       builder.getInt32(optLevel)});
}

/// The kernel arguments as the driver takes them: an array of pointers to
/// the values, both on the stack. The allocas go to the entry block so that
/// a launch in a loop does not grow the stack.
llvm::Value *LaunchEmitter::packArguments(gpu::LaunchFuncOp op) {
  SmallVector<llvm::Value *> args =
      translation.lookupValues(op.getKernelOperands());
  SmallVector<llvm::Type *> types;
  for (llvm::Value *arg : args)
    types.push_back(arg->getType());
  auto *structTy =
      llvm::StructType::create(module.getContext(), types, "attn.kernel_args");
  llvm::Function *fn = builder.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&fn->getEntryBlock(),
                          fn->getEntryBlock().getFirstInsertionPt());
  llvm::Value *values = entry.CreateAlloca(structTy);
  llvm::Value *pointers = entry.CreateAlloca(
      llvm::ArrayType::get(ptrTy, std::max<size_t>(args.size(), 1)));
  for (auto [i, arg] : llvm::enumerate(args)) {
    llvm::Value *slot = builder.CreateStructGEP(structTy, values, i);
    builder.CreateStore(arg, slot);
    builder.CreateStore(slot, builder.CreateConstGEP1_32(ptrTy, pointers, i));
  }
  return pointers;
}

LogicalResult LaunchEmitter::emit(gpu::LaunchFuncOp op, gpu::BinaryOp binary) {
  if (op.hasClusterSize())
    return op.emitError("#attn.lazy_object does not launch clusters");
  FailureOr<gpu::ObjectAttr> object = getObject(binary);
  if (failed(object))
    return failure();
  FailureOr<int32_t> optLevel = getOptLevel(*object, op);
  if (failed(optLevel))
    return failure();
  if (!module.getGlobalVariable(binaryGlobalName(binary), true))
    return op.emitError("#attn.lazy_object: the binary @")
           << binary.getName() << " was not translated before its launch";

  llvm::Value *kernel = getKernel(op, binary, *object, *optLevel);
  bool ownStream = !op.getAsyncObject();
  llvm::Value *stream =
      ownStream ? builder.CreateCall(declare("mgpuStreamCreate", ptrTy, {}))
                : translation.lookupValue(op.getAsyncObject());
  gpu::KernelDim3 grid = op.getGridSizeOperandValues();
  gpu::KernelDim3 block = op.getBlockSizeOperandValues();
  Value smem = op.getDynamicSharedMemorySize();
  llvm::FunctionCallee launch =
      declare("mgpuLaunchKernel", builder.getVoidTy(),
              {ptrTy, intPtrTy, intPtrTy, intPtrTy, intPtrTy, intPtrTy,
               intPtrTy, i32Ty, ptrTy, ptrTy, ptrTy, i64Ty});
  builder.CreateCall(launch,
                     {kernel, value(grid.x, intPtrTy), value(grid.y, intPtrTy),
                      value(grid.z, intPtrTy), value(block.x, intPtrTy),
                      value(block.y, intPtrTy), value(block.z, intPtrTy),
                      smem ? value(smem, i32Ty) : builder.getInt32(0), stream,
                      packArguments(op), llvm::ConstantPointerNull::get(ptrTy),
                      builder.getInt64(op.getNumKernelOperands())});
  if (ownStream) {
    builder.CreateCall(
        declare("mgpuStreamSynchronize", builder.getVoidTy(), {ptrTy}),
        {stream});
    builder.CreateCall(
        declare("mgpuStreamDestroy", builder.getVoidTy(), {ptrTy}), {stream});
  }
  return success();
}

class LazyObjectAttrImpl
    : public gpu::OffloadingLLVMTranslationAttrInterface::ExternalModel<
          LazyObjectAttrImpl, attn::LazyObjectAttr> {
public:
  LogicalResult embedBinary(Attribute, Operation *operation,
                            llvm::IRBuilderBase &builder,
                            LLVM::ModuleTranslation &translation) const {
    auto op = dyn_cast<gpu::BinaryOp>(operation);
    if (!op)
      return operation->emitError("#attn.lazy_object handles gpu.binary");
    FailureOr<gpu::ObjectAttr> object = getObject(op);
    if (failed(object))
      return failure();
    llvm::Module &module = *translation.getLLVMModule();
    // The driver reads PTX up to its NUL; a cubin carries its size.
    llvm::Constant *bytes = llvm::ConstantDataArray::getString(
        module.getContext(), object->getObject().getValue(),
        /*AddNull=*/isPTX(*object));
    auto *global = new llvm::GlobalVariable(
        module, bytes->getType(), /*isConstant=*/true,
        llvm::GlobalValue::InternalLinkage, bytes, binaryGlobalName(op));
    global->setAlignment(llvm::Align(8));
    addUnloader(module, global, op.getName());
    return success();
  }

  LogicalResult launchKernel(Attribute, Operation *launchOperation,
                             Operation *binaryOperation,
                             llvm::IRBuilderBase &builder,
                             LLVM::ModuleTranslation &translation) const {
    auto launch = dyn_cast<gpu::LaunchFuncOp>(launchOperation);
    auto binary = dyn_cast<gpu::BinaryOp>(binaryOperation);
    if (!launch || !binary)
      return launchOperation->emitError(
          "#attn.lazy_object handles gpu.launch_func of a gpu.binary");
    return LaunchEmitter(builder, translation).emit(launch, binary);
  }
};

} // namespace

void mlir::attn::registerLazyObjectTranslation(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, attn::AttnDialect *) {
    attn::LazyObjectAttr::attachInterface<LazyObjectAttrImpl>(*ctx);
  });
}
