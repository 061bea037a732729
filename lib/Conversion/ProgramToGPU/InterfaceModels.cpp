//===- InterfaceModels.cpp - memory effects of GPU host ops --------------===//
//
// Upstream's ownership-based buffer deallocation refuses ops with memref
// operands and unknown memory effects. Two host ops of a target=cuda program
// have none declared: gpu.launch_func (the kernel may read and write every
// buffer it is given, and any other memory) and nvgpu.tma.create.descriptor
// (the kernel reads the buffer through the tensor map it makes). These models
// declare exactly that, so the kernels can be outlined before deallocation
// runs.
//
//===----------------------------------------------------------------------===//

#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

using EffectList =
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>;

struct LaunchFuncEffects
    : MemoryEffectOpInterface::ExternalModel<LaunchFuncEffects,
                                             gpu::LaunchFuncOp> {
  void getEffects(Operation *op, EffectList &effects) const {
    // Whatever else the kernel touches (memory behind pointers, globals):
    // without this a launch with no buffer operands would look dead.
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
    for (OpOperand &operand :
         cast<gpu::LaunchFuncOp>(op).getKernelOperandsMutable()) {
      if (!isa<BaseMemRefType>(operand.get().getType()))
        continue;
      effects.emplace_back(MemoryEffects::Read::get(), &operand);
      effects.emplace_back(MemoryEffects::Write::get(), &operand);
    }
  }
};

struct TmaDescriptorEffects
    : MemoryEffectOpInterface::ExternalModel<TmaDescriptorEffects,
                                             nvgpu::TmaCreateDescriptorOp> {
  void getEffects(Operation *op, EffectList &effects) const {
    effects.emplace_back(
        MemoryEffects::Read::get(),
        &cast<nvgpu::TmaCreateDescriptorOp>(op).getTensorMutable());
  }
};

} // namespace

void mlir::attn::registerGPUHostInterfaceModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
    gpu::LaunchFuncOp::attachInterface<LaunchFuncEffects>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, nvgpu::NVGPUDialect *) {
    nvgpu::TmaCreateDescriptorOp::attachInterface<TmaDescriptorEffects>(*ctx);
  });
}
