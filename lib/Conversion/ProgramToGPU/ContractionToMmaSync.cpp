//===- ContractionToMmaSync.cpp - f16 contractions on tensor cores --------===//
//
// The projections of a whole program (linear layers, Q/K/V and output
// projections, an unfused Q·Kᵀ) are f16 contractions with f32
// accumulation. One thread per output element, the generic mapping of
// --attn-map-linalg-to-gpu, runs them at 1-2 TFLOPS on an H200, where
// cuBLAS reaches 750. This kernel runs them on the tensor cores with
// mma.sync m16n8k16 (nvgpu.mma.sync), for any contraction
// `C[b..., m, n] += A[.., m, k] * B[.., k, n]` whose operands are indexed
// by projected permutations (so transposed weights and batch dims work):
//
//  - a block of 4 warps owns a 128 x 128 tile of C (blockIdx.x over n,
//    .y over m, .z over the batch dims), each warp 64 x 64: 4 x 8 mma tiles
//    whose 32 f32 accumulator fragments stay in registers;
//  - each step of 16 along k loads the warp's A and B fragments straight
//    from global memory into the mma.sync register layout (through L1/L2;
//    no shared-memory staging yet), elements past the ends read as 0;
//  - C is read first (linalg's `outs` semantics) and written back at the
//    end, elements past the ends skipped.
// The fragment layouts are those of PTX's mma.m16n8k16 with .f16 inputs:
// lane = 4 * group + t; A a0..a7 at rows (group, group + 8) and columns
// (2t, 2t + 1, 2t + 8, 2t + 9); B b0..b3 at k (2t, 2t + 1, 2t + 8, 2t + 9)
// of column group; C c0..c3 at rows (group, group + 8), columns (2t, 2t+1).
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "attn-map-linalg-to-gpu"

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr int64_t kWarps = 4;
constexpr int64_t kBlockTile = 128;
constexpr int64_t kWarpTile = 64;
constexpr int64_t kMTiles = kWarpTile / 16, kNTiles = kWarpTile / 8;

/// A contraction the kernel runs: which loops are m, n, k and batch, and
/// the operands with their indexing maps.
struct Contraction {
  unsigned m, n, k;
  SmallVector<unsigned> batch;
  Value a, b, c;
  AffineMap aMap, bMap, cMap;
};

/// `v` is `arith.extf` of block argument `arg` from f16.
bool isExtendedArg(Value v, BlockArgument arg) {
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  return ext && ext.getIn() == arg && arg.getType().isF16();
}

/// The body is `out + ext(a) * ext(b)` in f32 (either operand order).
bool isF16MulAddBody(Block &body) {
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !add.getType().isF32())
    return false;
  BlockArgument a = body.getArgument(0), b = body.getArgument(1),
                out = body.getArgument(2);
  for (auto [acc, prod] : {std::pair(add.getLhs(), add.getRhs()),
                           std::pair(add.getRhs(), add.getLhs())}) {
    auto mul = prod.getDefiningOp<arith::MulFOp>();
    if (acc != out || !mul)
      continue;
    if ((isExtendedArg(mul.getLhs(), a) && isExtendedArg(mul.getRhs(), b)) ||
        (isExtendedArg(mul.getLhs(), b) && isExtendedArg(mul.getRhs(), a)))
      return true;
  }
  return false;
}

/// The contraction `op` is, when the kernel can run it: f16 inputs, an f32
/// accumulator, one m, n and k loop, any batch loops, projected-permutation
/// indexing maps, buffers.
FailureOr<Contraction> matchF16Contraction(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureBufferSemantics() || op->getNumRegions() != 1 ||
      !isF16MulAddBody(op->getRegion(0).front()))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || op.getNumLoops() != dims->batch.size() + 3)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps,
                    [](AffineMap m) { return m.isProjectedPermutation(); }))
    return failure();
  Contraction c{dims->m.front(),
                dims->n.front(),
                dims->k.front(),
                SmallVector<unsigned>(dims->batch.begin(), dims->batch.end()),
                op.getDpsInputs()[0],
                op.getDpsInputs()[1],
                op.getDpsInits()[0],
                maps[0],
                maps[1],
                maps[2]};
  return c;
}

/// Emits the kernel body of one block.
class MmaSyncEmitter {
public:
  MmaSyncEmitter(OpBuilder &b, Location loc, const Contraction &c,
                 ArrayRef<Value> loopSizes)
      : b(b), loc(loc), c(c), sizes(loopSizes) {}

  void emit(gpu::LaunchOp launch);

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value add(Value x, int64_t y) { return y ? add(x, idx(y)) : x; }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, idx(y));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }

  /// The loop indices with m, n and k set (batch from the block).
  SmallVector<Value> point(Value m, Value n, Value k);
  /// Element `map(point)` of `mem`, or 0 where `valid` is false (reading
  /// element 0 instead, which exists when the element count is nonzero).
  Value load(Value mem, AffineMap map, ArrayRef<Value> iv, Value valid,
             Type type);
  /// Elements of A and B; unguarded ones must be in bounds.
  Value loadA(Value row, Value k, bool guarded);
  Value loadB(Value k, Value col, bool guarded);
  /// Whether the warp's whole 64 x 64 tile and the 16 k of this step are in
  /// bounds: then no load needs a check (the common case).
  Value isInterior(Value k0);
  Value inBoundsC(Value row, Value col) {
    return andi(lt(row, sizes[c.m]), lt(col, sizes[c.n]));
  }
  /// Accumulator fragment (mi, ni) of C, read from `outs`.
  Value loadAccumulator(int64_t mi, int64_t ni);
  SmallVector<Value> mmaStep(Value k0, ValueRange acc, bool guarded);
  void storeAccumulator(int64_t mi, int64_t ni, Value frag);

  OpBuilder &b;
  Location loc;
  const Contraction &c;
  ArrayRef<Value> sizes;
  SmallVector<Value> batchIdx; // per loop; null where not a batch loop
  Value group, t, m0, n0;
  Type f16, f32;
};

SmallVector<Value> MmaSyncEmitter::point(Value m, Value n, Value k) {
  SmallVector<Value> iv(batchIdx);
  iv[c.m] = m;
  iv[c.n] = n;
  iv[c.k] = k;
  return iv;
}

Value MmaSyncEmitter::load(Value mem, AffineMap map, ArrayRef<Value> iv,
                           Value valid, Type type) {
  if (!valid) {
    SmallVector<Value> indices;
    for (AffineExpr e : map.getResults())
      indices.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
    return memref::LoadOp::create(b, loc, mem, indices);
  }
  Value zero = idx(0);
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    indices.push_back(arith::SelectOp::create(b, loc, valid, iv[d], zero));
  }
  Value x = memref::LoadOp::create(b, loc, mem, indices);
  Value none = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  return arith::SelectOp::create(b, loc, valid, x, none);
}

Value MmaSyncEmitter::loadA(Value row, Value k, bool guarded) {
  Value valid =
      guarded ? andi(lt(row, sizes[c.m]), lt(k, sizes[c.k])) : Value();
  return load(c.a, c.aMap, point(row, idx(0), k), valid, f16);
}

Value MmaSyncEmitter::loadB(Value k, Value col, bool guarded) {
  Value valid =
      guarded ? andi(lt(k, sizes[c.k]), lt(col, sizes[c.n])) : Value();
  return load(c.b, c.bMap, point(idx(0), col, k), valid, f16);
}

Value MmaSyncEmitter::isInterior(Value k0) {
  auto le = [&](Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, x, y);
  };
  return andi(andi(le(add(m0, kWarpTile), sizes[c.m]),
                   le(add(n0, kWarpTile), sizes[c.n])),
              le(add(k0, 16), sizes[c.k]));
}

Value MmaSyncEmitter::loadAccumulator(int64_t mi, int64_t ni) {
  Value row = add(m0, add(group, mi * 16)), col = add(n0, add(t, ni * 8));
  SmallVector<Value> elems;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      Value r = add(row, i * 8), cl = add(col, j);
      elems.push_back(
          load(c.c, c.cMap, point(r, cl, idx(0)), inBoundsC(r, cl), f32));
    }
  return vector::FromElementsOp::create(b, loc, VectorType::get({2, 2}, f32),
                                        elems);
}

SmallVector<Value> MmaSyncEmitter::mmaStep(Value k0, ValueRange acc,
                                           bool guarded) {
  Value k = add(k0, t); // t holds 2 * (lane % 4)
  SmallVector<Value> aFrags, bFrags;
  for (int64_t mi = 0; mi < kMTiles; ++mi) {
    Value row = add(m0, add(group, mi * 16));
    SmallVector<Value> elems;
    for (int64_t kk : {0, 8})
      for (int64_t rr : {0, 8})
        for (int64_t j = 0; j < 2; ++j)
          elems.push_back(loadA(add(row, rr), add(k, kk + j), guarded));
    aFrags.push_back(vector::FromElementsOp::create(
        b, loc, VectorType::get({4, 2}, f16), elems));
  }
  for (int64_t ni = 0; ni < kNTiles; ++ni) {
    Value col = add(n0, add(group, ni * 8));
    SmallVector<Value> elems;
    for (int64_t kk : {0, 8})
      for (int64_t j = 0; j < 2; ++j)
        elems.push_back(loadB(add(k, kk + j), col, guarded));
    bFrags.push_back(vector::FromElementsOp::create(
        b, loc, VectorType::get({2, 2}, f16), elems));
  }
  SmallVector<Value> next;
  for (int64_t mi = 0; mi < kMTiles; ++mi)
    for (int64_t ni = 0; ni < kNTiles; ++ni)
      next.push_back(nvgpu::MmaSyncOp::create(b, loc, aFrags[mi], bFrags[ni],
                                              acc[mi * kNTiles + ni],
                                              ArrayRef<int64_t>{16, 8, 16}));
  return next;
}

void MmaSyncEmitter::storeAccumulator(int64_t mi, int64_t ni, Value frag) {
  Value row = add(m0, add(group, mi * 16)), col = add(n0, add(t, ni * 8));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      Value r = add(row, i * 8), cl = add(col, j);
      auto ifOp = scf::IfOp::create(b, loc, inBoundsC(r, cl),
                                    /*withElseRegion=*/false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      Value x =
          vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{i, j});
      SmallVector<Value> iv = point(r, cl, idx(0));
      SmallVector<Value> indices;
      for (AffineExpr e : c.cMap.getResults())
        indices.push_back(iv[cast<AffineDimExpr>(e).getPosition()]);
      memref::StoreOp::create(b, loc, x, c.c, indices);
    }
}

void MmaSyncEmitter::emit(gpu::LaunchOp launch) {
  f16 = b.getF16Type();
  f32 = b.getF32Type();
  Value tid = launch.getThreadIds().x;
  Value lane = arith::RemUIOp::create(b, loc, tid, idx(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, idx(32));
  group = arith::DivUIOp::create(b, loc, lane, idx(4));
  t = mul(arith::RemUIOp::create(b, loc, lane, idx(4)), 2);
  m0 = add(mul(launch.getBlockIds().y, kBlockTile),
           mul(arith::DivUIOp::create(b, loc, warp, idx(2)), kWarpTile));
  n0 = add(mul(launch.getBlockIds().x, kBlockTile),
           mul(arith::RemUIOp::create(b, loc, warp, idx(2)), kWarpTile));
  // blockIdx.z enumerates the batch loops, the last fastest.
  batchIdx.assign(sizes.size(), Value());
  Value rest = launch.getBlockIds().z;
  for (unsigned d : llvm::reverse(c.batch)) {
    batchIdx[d] = arith::RemUIOp::create(b, loc, rest, sizes[d]);
    rest = arith::DivUIOp::create(b, loc, rest, sizes[d]);
  }
  SmallVector<Value> acc;
  for (int64_t mi = 0; mi < kMTiles; ++mi)
    for (int64_t ni = 0; ni < kNTiles; ++ni)
      acc.push_back(loadAccumulator(mi, ni));
  auto loop = scf::ForOp::create(
      b, loc, idx(0), sizes[c.k], idx(16), acc,
      [&](OpBuilder &, Location, Value k0, ValueRange iter) {
        auto step = scf::IfOp::create(b, loc, TypeRange(iter), isInterior(k0),
                                      /*withElseRegion=*/true);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(step.thenBlock());
        scf::YieldOp::create(b, loc, mmaStep(k0, iter, /*guarded=*/false));
        b.setInsertionPointToStart(step.elseBlock());
        scf::YieldOp::create(b, loc, mmaStep(k0, iter, /*guarded=*/true));
        b.setInsertionPointAfter(step);
        scf::YieldOp::create(b, loc, step.getResults());
      });
  for (int64_t mi = 0; mi < kMTiles; ++mi)
    for (int64_t ni = 0; ni < kNTiles; ++ni)
      storeAccumulator(mi, ni, loop.getResult(mi * kNTiles + ni));
}

} // namespace

LogicalResult mlir::attn::mapContractionToMmaSync(RewriterBase &rewriter,
                                                  linalg::LinalgOp op) {
  FailureOr<Contraction> c = matchF16Contraction(op);
  if (failed(c))
    return failure();
  LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] mma.sync kernel for " << op
                          << "\n");
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  SmallVector<Value> sizes;
  for (Range r : op.createLoopRanges(rewriter, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, r.size));
  auto cst = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  auto tiles = [&](Value size) {
    return arith::CeilDivUIOp::create(rewriter, loc, size, cst(kBlockTile));
  };
  Value gridX = tiles(sizes[c->n]), gridY = tiles(sizes[c->m]), gridZ = cst(1);
  for (unsigned d : c->batch)
    gridZ = arith::MulIOp::create(rewriter, loc, gridZ, sizes[d]);
  // Nothing to launch for an empty C.
  Value zero = cst(0);
  auto nonEmpty = [&](Value v) {
    return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ugt, v,
                                 zero);
  };
  Value any = arith::AndIOp::create(
      rewriter, loc,
      arith::AndIOp::create(rewriter, loc, nonEmpty(gridX), nonEmpty(gridY)),
      nonEmpty(gridZ));
  auto ifOp = scf::IfOp::create(rewriter, loc, any, /*withElseRegion=*/false);
  rewriter.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  Value one = cst(1);
  auto launch = gpu::LaunchOp::create(rewriter, loc, gridX, gridY, gridZ,
                                      cst(kWarps * 32), one, one);
  rewriter.setInsertionPointToStart(&launch.getBody().front());
  MmaSyncEmitter(rewriter, loc, *c, sizes).emit(launch);
  gpu::TerminatorOp::create(rewriter, loc);
  rewriter.eraseOp(op);
  return success();
}
