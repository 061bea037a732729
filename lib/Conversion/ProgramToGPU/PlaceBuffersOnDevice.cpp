//===- PlaceBuffersOnDevice.cpp - every buffer of host code on the GPU ----===//
//
// A target=cuda function receives device buffers; after bufferization and
// --attn-map-linalg-to-gpu its kernels read and write buffers that host code
// allocates, frees, copies, loads constants into, reads single elements of
// and passes to host functions. This pass keeps the invariant "every buffer
// of host code is device memory" by rewriting each of those, so that the
// kernels never see host memory and no tensor makes a round trip through
// the host. The host copies it makes for external calls and element
// accesses are the only host buffers, and only the ops this pass creates
// touch them.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "attn/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-place-buffers-on-device"

namespace mlir::attn {
#define GEN_PASS_DEF_ATTNPLACEBUFFERSONDEVICE
#include "attn/Conversion/Passes.h.inc"
} // namespace mlir::attn

using namespace mlir;
using namespace mlir::attn;

namespace {

/// Threads per block of the copy kernels this pass makes.
constexpr int64_t kCopyBlockSize = 256;

bool hasIdentityLayout(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.getLayout().isIdentity();
}

Value deviceAlloc(OpBuilder &b, Location loc, MemRefType type,
                  ValueRange dynamicSizes) {
  return gpu::AllocOp::create(b, loc, type, /*asyncToken=*/Type(),
                              /*asyncDependencies=*/ValueRange(), dynamicSizes,
                              /*symbolOperands=*/ValueRange(),
                              /*hostShared=*/false)
      .getMemref();
}

void deviceFree(OpBuilder &b, Location loc, Value memref) {
  gpu::DeallocOp::create(b, loc, /*asyncToken=*/Type(), ValueRange(), memref);
}

void memcpy(OpBuilder &b, Location loc, Value dst, Value src) {
  gpu::MemcpyOp::create(b, loc, /*asyncToken=*/Type(), ValueRange(), dst, src);
}

/// Waits for the device work enqueued so far (--attn-gpu-stream-order gives
/// it the stream to synchronize).
void hostWait(OpBuilder &b, Location loc) {
  gpu::WaitOp::create(b, loc, /*asyncToken=*/Type(), ValueRange());
}

/// The dynamic sizes of `v`'s type, read from `v`.
SmallVector<Value> dynamicSizesOf(OpBuilder &b, Location loc, Value v) {
  SmallVector<Value> sizes;
  auto type = cast<MemRefType>(v.getType());
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(memref::DimOp::create(b, loc, v, i));
  return sizes;
}

MemRefType denseTypeOf(Value v) {
  auto type = cast<MemRefType>(v.getType());
  return MemRefType::get(type.getShape(), type.getElementType());
}

//===----------------------------------------------------------------------===//
// Frees: bufferization.dealloc as guarded gpu.dealloc.
//===----------------------------------------------------------------------===//

/// Lowers `op` with upstream's semantics (LowerDeallocations.cpp): memref i
/// is freed if its condition holds and its base pointer differs from every
/// retained one and from those of memrefs 0..i-1; retained value k is owned
/// if some memref with a true condition has its base pointer. Comparisons
/// are emitted inline (dealloc ops are small after simplification), so no
/// host arrays are needed.
void lowerDealloc(RewriterBase &rw, bufferization::DeallocOp op) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  auto ptr = [&](Value m) -> Value {
    return memref::ExtractAlignedPointerAsIndexOp::create(rw, loc, m);
  };
  auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
    return arith::CmpIOp::create(rw, loc, p, x, y);
  };
  SmallVector<Value> ptrs = llvm::map_to_vector(op.getMemrefs(), ptr);
  SmallVector<Value> kept = llvm::map_to_vector(op.getRetained(), ptr);
  for (auto [i, memref] : llvm::enumerate(op.getMemrefs())) {
    Value m = memref; // Captured below: not a structured binding (C++17).
    Value free = op.getConditions()[i];
    for (Value r : kept)
      free = arith::AndIOp::create(rw, loc, free,
                                   cmp(arith::CmpIPredicate::ne, ptrs[i], r));
    for (size_t j = 0; j < i; ++j)
      free = arith::AndIOp::create(
          rw, loc, free, cmp(arith::CmpIPredicate::ne, ptrs[i], ptrs[j]));
    scf::IfOp::create(rw, loc, free, [&](OpBuilder &b, Location l) {
      deviceFree(b, l, m);
      scf::YieldOp::create(b, l);
    });
  }
  SmallVector<Value> owned;
  for (Value r : kept) {
    Value own = arith::ConstantOp::create(rw, loc, rw.getBoolAttr(false));
    for (auto [i, p] : llvm::enumerate(ptrs))
      own = arith::OrIOp::create(
          rw, loc, own,
          arith::AndIOp::create(rw, loc, op.getConditions()[i],
                                cmp(arith::CmpIPredicate::eq, p, r)));
    owned.push_back(own);
  }
  rw.replaceOp(op, owned);
}

//===----------------------------------------------------------------------===//
// Allocations, frees and copies of host code.
//===----------------------------------------------------------------------===//

void placeAlloc(RewriterBase &rw, memref::AllocOp op) {
  rw.setInsertionPoint(op);
  rw.replaceOp(
      op, deviceAlloc(rw, op.getLoc(), op.getType(), op.getDynamicSizes()));
}

/// A stack buffer lives until its block ends: a device buffer freed there.
void placeAlloca(RewriterBase &rw, memref::AllocaOp op) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  Value buffer = deviceAlloc(rw, loc, op.getType(), op.getDynamicSizes());
  rw.replaceOp(op, buffer);
  rw.setInsertionPoint(buffer.getParentBlock()->getTerminator());
  deviceFree(rw, loc, buffer);
}

LogicalResult placeCopy(RewriterBase &rw, memref::CopyOp op) {
  rw.setInsertionPoint(op);
  if (hasIdentityLayout(op.getSource()) && hasIdentityLayout(op.getTarget()))
    memcpy(rw, op.getLoc(), op.getTarget(), op.getSource());
  else if (failed(emitCopyKernel(rw, op.getLoc(), op.getSource(),
                                 op.getTarget(), kCopyBlockSize)))
    return failure();
  rw.eraseOp(op);
  return success();
}

/// A clone is a fresh dense device buffer holding a copy (cast back to the
/// clone's layout), as upstream's lowering makes it on the host.
LogicalResult placeClone(RewriterBase &rw, bufferization::CloneOp op) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  Value src = op.getInput();
  Value dense =
      deviceAlloc(rw, loc, denseTypeOf(src), dynamicSizesOf(rw, loc, src));
  if (hasIdentityLayout(src))
    memcpy(rw, loc, dense, src);
  else if (failed(emitCopyKernel(rw, loc, src, dense, kCopyBlockSize)))
    return failure();
  Value result = dense;
  if (result.getType() != op.getType())
    result = memref::CastOp::create(rw, loc, op.getType(), dense);
  rw.replaceOp(op, result);
  return success();
}

/// Constants live in host globals: each function copies the ones it uses to
/// device buffers on entry and frees them on return.
void placeGlobal(RewriterBase &rw, memref::GetGlobalOp op) {
  auto func = op->getParentOfType<FunctionOpInterface>();
  Block &entry = func.getFunctionBody().front();
  rw.moveOpBefore(op, &entry, entry.begin());
  rw.setInsertionPointAfter(op);
  Value device = deviceAlloc(rw, op.getLoc(), op.getType(), ValueRange());
  memcpy(rw, op.getLoc(), device, op.getResult());
  rw.replaceAllUsesExcept(op.getResult(), device,
                          device.getDefiningOp()->getNextNode());
  func.walk([&](func::ReturnOp ret) {
    rw.setInsertionPoint(ret);
    deviceFree(rw, op.getLoc(), device);
  });
}

//===----------------------------------------------------------------------===//
// Host reads and writes of elements, and external host functions.
//===----------------------------------------------------------------------===//

/// A one-element device buffer and a one-thread kernel that runs `body`
/// (given the kernel's builder) around it.
template <typename Fn>
void oneThreadKernel(OpBuilder &b, Location loc, Fn body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, one, one, one, one, one, one);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  body(b);
  gpu::TerminatorOp::create(b, loc);
}

/// `memref.load %m[i]` on the host: a kernel copies the element into a
/// device scalar, which comes to a host scalar after a wait.
void stageLoad(RewriterBase &rw, memref::LoadOp op, DenseSet<Value> &host) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  auto scalar = MemRefType::get({}, op.getType());
  Value device = deviceAlloc(rw, loc, scalar, ValueRange());
  oneThreadKernel(rw, loc, [&](OpBuilder &b) {
    Value v = memref::LoadOp::create(b, loc, op.getMemref(), op.getIndices());
    memref::StoreOp::create(b, loc, v, device, ValueRange());
  });
  Value staged = memref::AllocaOp::create(rw, loc, scalar);
  host.insert(staged);
  memcpy(rw, loc, staged, device);
  hostWait(rw, loc);
  deviceFree(rw, loc, device);
  rw.replaceOpWithNewOp<memref::LoadOp>(op, staged, ValueRange());
}

/// `memref.store %v, %m[i]` on the host: the value goes to a device scalar
/// that a one-thread kernel stores.
void stageStore(RewriterBase &rw, memref::StoreOp op, DenseSet<Value> &host) {
  Location loc = op.getLoc();
  rw.setInsertionPoint(op);
  auto scalar = MemRefType::get({}, op.getValueToStore().getType());
  Value staged = memref::AllocaOp::create(rw, loc, scalar);
  host.insert(staged);
  memref::StoreOp::create(rw, loc, op.getValueToStore(), staged, ValueRange());
  Value device = deviceAlloc(rw, loc, scalar, ValueRange());
  memcpy(rw, loc, device, staged);
  oneThreadKernel(rw, loc, [&](OpBuilder &b) {
    Value v = memref::LoadOp::create(b, loc, device, ValueRange());
    memref::StoreOp::create(b, loc, v, op.getMemref(), op.getIndices());
  });
  deviceFree(rw, loc, device);
  rw.eraseOp(op);
}

/// The ranked buffer behind an operand of an external call (unranked
/// operands are casts of ranked buffers), or null.
Value rankedSource(Value operand) {
  if (isa<MemRefType>(operand.getType()))
    return operand;
  if (auto cast = operand.getDefiningOp<memref::CastOp>())
    if (isa<MemRefType>(cast.getSource().getType()))
      return cast.getSource();
  return Value();
}

/// A dense device copy of `buffer` (itself if it is dense already).
Value denseOnDevice(RewriterBase &rw, Location loc, Value buffer) {
  if (hasIdentityLayout(buffer))
    return buffer;
  Value dense = deviceAlloc(rw, loc, denseTypeOf(buffer),
                            dynamicSizesOf(rw, loc, buffer));
  (void)emitCopyKernel(rw, loc, buffer, dense, kCopyBlockSize);
  return dense;
}

/// Calls of functions defined elsewhere run on the host: each buffer operand
/// is passed as a host copy, copied back after the call (the callee may
/// write it).
LogicalResult stageExternalCall(RewriterBase &rw, func::CallOp call,
                                DenseSet<Value> &host) {
  Location loc = call.getLoc();
  for (OpOperand &operand : call->getOpOperands()) {
    if (!isa<BaseMemRefType>(operand.get().getType()))
      continue;
    Value ranked = rankedSource(operand.get());
    if (!ranked)
      return call.emitOpError("passes an unranked buffer of unknown rank to "
                              "a host function; target=cuda cannot stage it");
    // The host copy is dense: the callee must accept that layout.
    if (!memref::CastOp::areCastCompatible(denseTypeOf(ranked),
                                           operand.get().getType()))
      return call.emitOpError("passes a buffer with a fixed strided layout "
                              "to a host function; target=cuda stages host "
                              "copies as dense buffers");
    rw.setInsertionPoint(call);
    Value dense = denseOnDevice(rw, loc, ranked);
    Value staged = memref::AllocOp::create(rw, loc, denseTypeOf(ranked),
                                           dynamicSizesOf(rw, loc, ranked));
    host.insert(staged);
    memcpy(rw, loc, staged, dense);
    hostWait(rw, loc);
    Value arg = staged;
    if (arg.getType() != operand.get().getType())
      arg = memref::CastOp::create(rw, loc, operand.get().getType(), staged);
    operand.set(arg);
    rw.setInsertionPointAfter(call);
    memcpy(rw, loc, dense, staged);
    if (dense != ranked)
      (void)emitCopyKernel(rw, loc, dense, ranked, kCopyBlockSize);
    hostWait(rw, loc);
    memref::DeallocOp::create(rw, loc, staged);
    if (dense != ranked)
      deviceFree(rw, loc, dense);
  }
  return success();
}

bool isExternalCall(func::CallOp call) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<FunctionOpInterface>(
      call, call.getCalleeAttr());
  return callee && callee.isExternal();
}

/// The buffer an access goes through, looking through casts and views.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      v = view.getViewSource();
    else if (auto cast = dyn_cast<memref::CastOp>(def))
      v = cast.getSource();
    else
      break;
  }
  return v;
}

/// After placement, no host op may read or write a device buffer except the
/// GPU runtime ops: anything left (e.g. a vector transfer in host code) is
/// reported instead of crashing at run time.
LogicalResult checkNoHostAccess(Operation *root, const DenseSet<Value> &host) {
  WalkResult walk = root->walk([&](Operation *op) {
    // GPU runtime ops (launches, copies, tensor maps) are what may.
    if (!isHostCode(op) ||
        isa<gpu::GPUDialect, nvgpu::NVGPUDialect>(op->getDialect()))
      return WalkResult::advance();
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (const auto &e : effects) {
      Value v = e.getValue();
      if (!v || !isa<BaseMemRefType>(v.getType()) ||
          !isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect()) ||
          host.contains(rootOf(v)))
        continue;
      op->emitOpError("accesses a device buffer from host code, which "
                      "target=cuda does not support for this operation");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

template <typename OpT> SmallVector<OpT> hostOps(Operation *root) {
  SmallVector<OpT> ops;
  root->walk([&](OpT op) {
    if (isHostCode(op))
      ops.push_back(op);
  });
  return ops;
}

struct AttnPlaceBuffersOnDevicePass
    : attn::impl::AttnPlaceBuffersOnDeviceBase<AttnPlaceBuffersOnDevicePass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    AttnPlaceBuffersOnDeviceBase::getDependentDialects(registry);
    // Deallocation, which runs before this pass in --attn-pipeline, needs
    // them; a pipeline registers every pass's dependencies up front.
    registerGPUHostInterfaceModels(registry);
  }

  void runOnOperation() override {
    Operation *root = getOperation();
    IRRewriter rw(&getContext());
    for (auto op : hostOps<bufferization::DeallocOp>(root))
      lowerDealloc(rw, op);
    for (auto op : hostOps<memref::AllocOp>(root))
      placeAlloc(rw, op);
    for (auto op : hostOps<memref::AllocaOp>(root))
      placeAlloca(rw, op);
    for (auto op : hostOps<memref::DeallocOp>(root)) {
      rw.setInsertionPoint(op);
      deviceFree(rw, op.getLoc(), op.getMemref());
      rw.eraseOp(op);
    }
    for (auto op : hostOps<bufferization::CloneOp>(root))
      if (failed(placeClone(rw, op)))
        return signalPassFailure();
    for (auto op : hostOps<memref::CopyOp>(root))
      if (failed(placeCopy(rw, op)))
        return signalPassFailure();
    for (auto op : hostOps<memref::GetGlobalOp>(root))
      placeGlobal(rw, op);
    // From here on, the only host buffers are the staging copies in `host`.
    DenseSet<Value> host;
    for (auto op : hostOps<memref::LoadOp>(root))
      stageLoad(rw, op, host);
    for (auto op : hostOps<memref::StoreOp>(root))
      stageStore(rw, op, host);
    for (auto call : hostOps<func::CallOp>(root))
      if (isExternalCall(call) && failed(stageExternalCall(rw, call, host)))
        return signalPassFailure();
    if (failed(checkNoHostAccess(root, host)))
      return signalPassFailure();
  }
};

} // namespace
