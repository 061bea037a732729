//===- AttnToGPUSimt.cpp - attn.attention -> general SIMT kernel ----------===//
//
// The GPU lowering of last resort: every attn.attention the verifier accepts
// (f16/bf16/f32 inputs, any output type, any head dims D and Dv, static or
// dynamic, any *_perm, any batch rank, every mask, causal, GQA, lse, empty
// and length-1 sizes) becomes a gpu.launch on the buffers of its operands
// that writes the result in place into the buffer of `outs`, like
// --convert-attn-to-gpu. The tensor-core lowerings run first (soft) in
// --attn-pipeline=target=cuda and leave this one what they cannot take.
//
// Per block: `warps` warps, `rows` query rows each (BQ = warps * rows rows of
// one batch·head), and one slice of Dv columns. Per tile of 32 keys:
//  - all threads stage K (32 x D) and V (32 x Dv-slice) in shared memory as
//    f32, converted once; Q (BQ x D, pre-multiplied by scale·log2(e)) is
//    staged once when D is static and at most 256, else D is walked in
//    chunks of 128 columns with Q and K staged per chunk;
//  - S = Q·Kᵀ: lane l computes the scores of key l for the warp's rows,
//    4 columns at a time (one 16-byte K load, conflict-free thanks to the
//    row padding, and broadcast 16-byte Q loads feed 4 * rows FMAs);
//  - online softmax in the exp2 domain in f32: row max over the warp with
//    `gpu.shuffle xor`, the row sum kept per lane and reduced once at the
//    end; masks and the causal limit are applied per score, fully masked
//    rows give 0 and lse -inf;
//  - O += P·V: P goes through shared memory (per warp), lane l owns output
//    columns l + 32 t, the accumulators of all rows stay in registers.
// Score modifications run in the kernel: the score_mod region on each f32
// score (back in the natural-log domain) before the additive mask, the
// mask_mod region with the other keep-masks, at clamped indices (rows and
// keys past the ends read element 0 of what the regions gather); the
// tensors a region reads are passed as buffers (tensor.extract becomes
// memref.load). Sinks start each row's online softmax at the sink logit
// with a sum of 1 (a key of value 0 and logit sink[h]). A region that does
// more with tensors than extract elements and sizes of captured ones is
// left to the decomposition (--attn-decompose-aggregated-ops) and generic
// GPU kernels.
// Causal tiles above the diagonal of the block are not visited, and a warp
// skips the tiles above its own rows. Every global element is read with
// memref.load at its real indices (so any layout of the buffers works),
// rows/keys/columns past the ends are clamped to index 0 and replaced by
// zeros, and Dv larger than 256 (or dynamic) is split over gridDim.y in
// slices of 128 columns, each block recomputing the scores.
//
// Accuracy: f32 products and sums on the FMA units (no tensor cores, no
// tf32), exp2/log from libdevice (__nv_exp2f, __nv_logf), an IEEE division
// for 1/l; the only roundings beyond f32 arithmetic are the inputs' own.
//
//===----------------------------------------------------------------------===//

#include "Common/ExplicitMask.h"
#include "Common/HostChecks.h"
#include "Common/KernelBuilder.h"
#include "Common/ScoreMods.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

#include <cmath>

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUSIMT
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr int64_t kWarpSize = 32;
/// Keys per K/V tile: one per lane in S = Q·Kᵀ.
constexpr int64_t kBlockKV = 32;
/// A static head dim up to this keeps the block's Q in shared memory for the
/// whole kernel; a larger or dynamic one is walked in chunks of kDChunk.
constexpr int64_t kMaxResidentD = 256;
constexpr int64_t kDChunk = 128;
/// A static Dv up to this is one slice (registers: rows * ceil(Dv / 32)
/// accumulators per lane); a larger or dynamic one is split into slices of
/// kDvSlice columns over gridDim.y.
constexpr int64_t kMaxWholeDv = 256;
constexpr int64_t kDvSlice = 128;
/// Opt-in shared memory per block on sm_80, the smallest of the chips
/// target=cuda supports.
constexpr int64_t kMaxSharedBytes = 163 * 1024;

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

int64_t logicalSize(RankedTensorType ty, ArrayRef<int64_t> perm, int64_t ld) {
  return AttentionOp::getLogicalShape(ty, perm)[ld];
}

/// The static shape of the kernel: tiles, chunks and shared-memory layout
/// (f32 everywhere; every region starts 16-byte aligned).
struct SimtPlan {
  int64_t warps, rows, blockQ, threads;
  /// Q stays in shared memory for the whole kernel (static D <= 256);
  /// otherwise Q and K are staged `dCols` columns at a time.
  bool qResident;
  /// Columns of a Q/K chunk (a multiple of 4, zero-padded past D) and the
  /// row stride of the K tile (4 more when that makes the 16-byte loads of
  /// 8 consecutive lanes hit distinct banks).
  int64_t dCols, kStride;
  /// Dv is split over gridDim.y into slices of `dvCols` columns; lane l owns
  /// columns l + 32 t of a slice, t < dvTiles (V rows are 32 * dvTiles
  /// wide, zero-padded).
  bool splitDv;
  int64_t dvCols, dvTiles;
  /// Byte offsets of Q [BQ][dCols], K [32][kStride], V [32][32 * dvTiles]
  /// and P [BQ][32], and the total.
  int64_t qOff, kOff, vOff, pOff, bytes;

  static SimtPlan get(AttentionOp op, const AttnGPUSimtConfig &cfg);
};

SimtPlan SimtPlan::get(AttentionOp op, const AttnGPUSimtConfig &cfg) {
  int64_t nb = op.getNumBatchDims();
  int64_t d = logicalSize(op.getQueryType(), op.getQueryPermutation(), nb + 2);
  int64_t dv = logicalSize(op.getValueType(), op.getValuePermutation(), nb + 2);
  SimtPlan p;
  p.warps = cfg.numWarps;
  p.rows = cfg.rowsPerWarp;
  p.blockQ = p.warps * p.rows;
  p.threads = p.warps * kWarpSize;
  p.qResident = !ShapedType::isDynamic(d) && d <= kMaxResidentD;
  p.dCols = p.qResident ? std::max<int64_t>(4, roundUp(d, 4)) : kDChunk;
  p.kStride = p.dCols % 8 == 0 ? p.dCols + 4 : p.dCols;
  p.splitDv = ShapedType::isDynamic(dv) || dv > kMaxWholeDv;
  p.dvCols = p.splitDv ? kDvSlice : dv;
  p.dvTiles = std::max<int64_t>(1, roundUp(p.dvCols, kWarpSize) / kWarpSize);
  p.qOff = 0;
  p.kOff = p.qOff + p.blockQ * p.dCols * 4;
  p.vOff = p.kOff + kBlockKV * p.kStride * 4;
  p.pOff = p.vOff + kBlockKV * p.dvTiles * kWarpSize * 4;
  p.bytes = p.pOff + p.blockQ * kBlockKV * 4;
  return p;
}

/// Why `op` cannot be lowered with `cfg`, or an empty string. Every op the
/// verifier accepts is supported; only the block shape and the host side
/// (device buffers) can fail.
std::string getUnsupportedReason(AttentionOp op, const AttnGPUSimtConfig &cfg) {
  if (cfg.numWarps < 1 || cfg.numWarps > 32 || cfg.rowsPerWarp < 1 ||
      cfg.rowsPerWarp > 16)
    return "block shape: warps must be in 1..32 and rows in 1..16";
  SimtPlan plan = SimtPlan::get(op, cfg);
  if (plan.bytes > kMaxSharedBytes)
    return "block shape needs " + std::to_string(plan.bytes) +
           " bytes of shared memory, over the limit of " +
           std::to_string(kMaxSharedBytes) +
           " (163 KiB on sm_80); use fewer warps or rows";
  return "";
}

/// Emits the kernel body (see the file comment).
class SimtEmitter : KernelBuilder {
public:
  SimtEmitter(OpBuilder &b, Location loc, AttentionOp op, const SimtPlan &plan,
              const AttentionBuffers &buffers, const KernelScoreMods &mods)
      : KernelBuilder(b, loc), p(plan), q(buffers.q), k(buffers.k),
        v(buffers.v), o(buffers.o), mask(buffers.mask), lse(buffers.lse),
        mods(mods) {
    nb = op.getNumBatchDims();
    qPerm = op.getQueryPermutation();
    kPerm = op.getKeyPermutation();
    vPerm = op.getValuePermutation();
    oPerm = op.getOutputPermutation();
    staticD = logicalSize(op.getQueryType(), qPerm, nb + 2);
    staticDv = logicalSize(op.getValueType(), vPerm, nb + 2);
    if (std::optional<CausalAlignment> c = op.getCausal()) {
      causal = true;
      bottomRight = *c == CausalAlignment::BottomRight;
    }
    // A tile of a tiled op sees keys up to its own diagonal shift.
    extraCausalOffset = op.getCausalOffset();
    // exp(x * scale) == exp2(x * scale * log2(e)): folded into Q.
    scaleLog2 = op.getScale().convertToDouble() * M_LOG2E;
    outElemTy = op.getOutputType().getElementType();
    f32 = b.getF32Type();
    vec4 = VectorType::get({4}, f32);
  }

  void emit(gpu::LaunchOp launch);

private:
  Value lt(Value x, Value y) { return cmp(arith::CmpIPredicate::slt, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value mini(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxi(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value exp2(Value x) { return math::Exp2Op::create(b, loc, x); }
  Value feq(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, y);
  }
  Value zeroVec4() {
    return arith::ConstantOp::create(
        b, loc, vec4, DenseElementsAttr::get(vec4, b.getF32FloatAttr(0)));
  }
  /// `then()` where `cond` holds, else `otherwise()`; both return values of
  /// `types`.
  SmallVector<Value> ifElse(Value cond, TypeRange types,
                            function_ref<SmallVector<Value>()> then,
                            function_ref<SmallVector<Value>()> otherwise);
  /// Max or sum of `x` over the 32 lanes of the warp.
  Value warpReduce(Value x, bool isMax);
  /// True when the memref stored with `perm` has its sequence dim after
  /// (inside) its head dim: staging then walks rows fastest, so that
  /// consecutive threads read consecutive addresses.
  bool rowsFastest(ArrayRef<int64_t> perm) const {
    auto pos = [&](int64_t ld) {
      return std::distance(perm.begin(), llvm::find(perm, ld));
    };
    return pos(nb + 1) > pos(nb + 2);
  }

  void decodeBlock(gpu::LaunchOp launch);
  void setupShared();
  /// Element (head, row, col) of `mem` as f32, or 0 where `valid` is false
  /// (then index 0 is read instead, which exists in a non-empty buffer).
  Value loadAsF32(Value mem, ArrayRef<int64_t> perm, Value head, Value row,
                  Value col, Value valid);
  /// All threads write `element(r, c)` to `dst[r, c]`, r < rows, c < cols.
  void stageTile(Value dst, int64_t rows, int64_t cols, bool byRows,
                 function_ref<Value(Value, Value)> element);
  void stageQ(Value d0);
  void stageK(Value kv0, Value d0);
  void stageV(Value kv0);
  void stageVIfAny(Value kv0);
  /// Adds the products of columns [0, dCols) of the staged Q rows of this
  /// warp and K row `lane` to the per-row accumulators.
  SmallVector<Value> dotChunk(ValueRange acc);
  /// Scores (exp2 domain, before masking) of key kv0 + lane for the warp's
  /// rows; stages K (and Q chunks) with the barriers around them.
  SmallVector<Value> tileScores(Value kv0, Value active);
  /// Whether this warp has rows that may see keys of the tile at `kv0`.
  Value warpActive(Value kv0);
  Value maskedScore(Value s, Value row, Value key);
  /// (batch..., head, row, key) for the regions.
  SmallVector<Value> regionIndices(Value row, Value key);
  /// The initial running max and per-lane sum of a row: -inf and 0, or,
  /// with sinks, the sink logit (exp2 domain) and 1 in lane 0.
  std::pair<Value, Value> initialRowState();
  Value loadMask(Value row, Value key);
  SmallVector<Value> softmaxAndPV(Value kv0, ArrayRef<Value> s,
                                  ValueRange state);
  SmallVector<Value> accumulatePV(ValueRange acc);
  void storeResults(ValueRange state);

  const SimtPlan &p;
  Value q, k, v, o, mask, lse;
  const KernelScoreMods &mods;
  int64_t nb, staticD, staticDv;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
  bool causal = false, bottomRight = false;
  Value extraCausalOffset;
  double scaleLog2;
  Type outElemTy, f32;
  VectorType vec4;
  // The mask's indexing (the tensor-core kernels' too), set when the op
  // has a mask.
  std::optional<ExplicitMask> explicitMask;

  // Kernel-wide values.
  Value tid, lane, warp, blockY, sq, sk, headQ, headKV, q0, dv0, dSize, dvSize,
      causalOffset, warpRow0, warpRowInBlock;
  Value sQ, sK, sV, sP;
};

SmallVector<Value>
SimtEmitter::ifElse(Value cond, TypeRange types,
                    function_ref<SmallVector<Value>()> then,
                    function_ref<SmallVector<Value>()> otherwise) {
  auto ifOp = scf::IfOp::create(b, loc, types, cond, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, then());
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, otherwise());
  return SmallVector<Value>(ifOp.getResults());
}

Value SimtEmitter::warpReduce(Value x, bool isMax) {
  for (int32_t off = 1; off < kWarpSize; off *= 2) {
    Value other =
        gpu::ShuffleOp::create(b, loc, x, off, kWarpSize, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    x = isMax ? fmax(x, other) : fadd(x, other);
  }
  return x;
}

void SimtEmitter::decodeBlock(gpu::LaunchOp launch) {
  tid = launch.getThreadIds().x;
  lane = remu(tid, kWarpSize);
  warp = divu(tid, kWarpSize);
  blockY = launch.getBlockIds().y;
  // blockIdx.x enumerates (batch..., head, query block), query block
  // fastest, so that the blocks sharing K/V run together.
  Value numQBlocks = arith::CeilDivUIOp::create(
      b, loc, logicalDim(q, qPerm, nb + 1), idx(p.blockQ));
  Value bx = launch.getBlockIds().x;
  BlockHeads heads =
      decodeBlockHeads(divu(bx, numQBlocks), q, qPerm, k, kPerm, nb);
  sq = heads.sq;
  sk = heads.sk;
  headQ = heads.headQ;
  headKV = heads.headKV;
  q0 = mul(remu(bx, numQBlocks), idx(p.blockQ));
  dv0 = mul(blockY, idx(p.dvCols));
  dSize = ShapedType::isDynamic(staticD) ? logicalDim(q, qPerm, nb + 2)
                                         : idx(staticD);
  dvSize = ShapedType::isDynamic(staticDv) ? logicalDim(v, vPerm, nb + 2)
                                           : idx(staticDv);
  causalOffset = bottomRight ? sub(sk, sq) : idx(0);
  if (extraCausalOffset)
    causalOffset = add(causalOffset, extraCausalOffset);
  warpRowInBlock = mul(warp, idx(p.rows));
  warpRow0 = add(q0, warpRowInBlock);
}

void SimtEmitter::setupShared() {
  auto wg =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(), wg));
  auto view = [&](int64_t offset, int64_t rows, int64_t cols) -> Value {
    auto ty = MemRefType::get({rows, cols}, f32, AffineMap(), wg);
    return memref::ViewOp::create(b, loc, ty, base, idx(offset), ValueRange{});
  };
  sQ = view(p.qOff, p.blockQ, p.dCols);
  sK = view(p.kOff, kBlockKV, p.kStride);
  sV = view(p.vOff, kBlockKV, p.dvTiles * kWarpSize);
  sP = view(p.pOff, p.blockQ, kBlockKV);
}

Value SimtEmitter::loadAsF32(Value mem, ArrayRef<int64_t> perm, Value head,
                             Value row, Value col, Value valid) {
  Value zero = idx(0);
  Value safeRow = select(valid, row, zero), safeCol = select(valid, col, zero);
  Value x = memref::LoadOp::create(b, loc, mem,
                                   storedIndices(perm, head, safeRow, safeCol));
  if (!x.getType().isF32())
    x = arith::ExtFOp::create(b, loc, f32, x);
  return select(valid, x, f32Cst(0.0f));
}

void SimtEmitter::stageTile(Value dst, int64_t rows, int64_t cols, bool byRows,
                            function_ref<Value(Value, Value)> element) {
  // One element per thread and step. Batching 8 loads per thread before the
  // stores was measured slower overall (docs/gpu.md): it costs registers,
  // hence resident blocks, more than it hides latency.
  int64_t n = rows * cols;
  int64_t iters = (n + p.threads - 1) / p.threads;
  scf::ForOp::create(
      b, loc, idx(0), idx(iters), idx(1), ValueRange{},
      [&](OpBuilder &, Location, Value it, ValueRange) {
        Value i = add(tid, mul(it, idx(p.threads)));
        Value r = byRows ? remu(i, rows) : divu(i, cols);
        Value c = byRows ? divu(i, rows) : remu(i, cols);
        // Past the tile (i >= n) the element read is still in bounds
        // (element() clamps what it reads); it is not stored.
        Value x = element(r, c);
        if (n % p.threads == 0) {
          memref::StoreOp::create(b, loc, x, dst, ValueRange{r, c});
        } else {
          auto ifOp = scf::IfOp::create(b, loc, lt(i, idx(n)),
                                        /*withElseRegion=*/false);
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
          memref::StoreOp::create(b, loc, x, dst, ValueRange{r, c});
        }
        scf::YieldOp::create(b, loc);
      });
}

void SimtEmitter::stageQ(Value d0) {
  Value scale = f32Cst(static_cast<float>(scaleLog2));
  stageTile(sQ, p.blockQ, p.dCols, rowsFastest(qPerm), [&](Value r, Value c) {
    Value row = add(q0, r), col = add(d0, c);
    Value valid = andi(lt(row, sq), lt(col, dSize));
    return fmul(loadAsF32(q, qPerm, headQ, row, col, valid), scale);
  });
}

void SimtEmitter::stageK(Value kv0, Value d0) {
  stageTile(sK, kBlockKV, p.dCols, rowsFastest(kPerm), [&](Value r, Value c) {
    Value key = add(kv0, r), col = add(d0, c);
    Value valid = andi(lt(key, sk), lt(col, dSize));
    return loadAsF32(k, kPerm, headKV, key, col, valid);
  });
}

void SimtEmitter::stageV(Value kv0) {
  stageTile(sV, kBlockKV, p.dvTiles * kWarpSize, rowsFastest(vPerm),
            [&](Value r, Value c) {
              // A slice is exactly 32 * dvTiles columns wide when Dv is
              // split, so only Dv itself bounds the columns.
              Value key = add(kv0, r), col = add(dv0, c);
              Value valid = andi(lt(key, sk), lt(col, dvSize));
              return loadAsF32(v, vPerm, headKV, key, col, valid);
            });
}

void SimtEmitter::stageVIfAny(Value kv0) {
  // An empty V has no element 0 to read in place of the missing ones.
  if (!ShapedType::isDynamic(staticDv)) {
    if (staticDv > 0)
      stageV(kv0);
    return;
  }
  auto ifOp = scf::IfOp::create(b, loc, lt(idx(0), dvSize),
                                /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  stageV(kv0);
}

SmallVector<Value> SimtEmitter::dotChunk(ValueRange acc) {
  auto loop = scf::ForOp::create(
      b, loc, idx(0), idx(p.dCols), idx(4), acc,
      [&](OpBuilder &, Location, Value col, ValueRange sums) {
        Value kv =
            vector::LoadOp::create(b, loc, vec4, sK, ValueRange{lane, col},
                                   /*nontemporal=*/false, llvm::Align(16));
        SmallVector<Value> next;
        for (int64_t r = 0; r < p.rows; ++r) {
          // The same address in every lane: a broadcast.
          Value qv = vector::LoadOp::create(
              b, loc, vec4, sQ, ValueRange{add(warpRowInBlock, idx(r)), col},
              /*nontemporal=*/false, llvm::Align(16));
          next.push_back(vector::FMAOp::create(b, loc, qv, kv, sums[r]));
        }
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

Value SimtEmitter::warpActive(Value kv0) {
  Value hasRows = lt(warpRow0, sq);
  if (!causal)
    return hasRows;
  Value lastRowEnd = mini(add(warpRow0, idx(p.rows)), sq);
  return andi(hasRows, lt(kv0, add(lastRowEnd, causalOffset)));
}

SmallVector<Value> SimtEmitter::tileScores(Value kv0, Value active) {
  SmallVector<Type> accTypes(p.rows, vec4);
  SmallVector<Value> zeros(p.rows, zeroVec4());
  auto guardedDot = [&](ValueRange acc) {
    return ifElse(
        active, accTypes, [&] { return dotChunk(acc); },
        [&] { return SmallVector<Value>(acc); });
  };
  SmallVector<Value> acc;
  if (staticD == 0) {
    // No head dim: every score is 0 (and Q and K have no element to read).
    acc = zeros;
  } else if (p.qResident) {
    stageK(kv0, idx(0));
    gpu::BarrierOp::create(b, loc);
    acc = guardedDot(zeros);
  } else {
    Value chunks = arith::CeilDivUIOp::create(b, loc, dSize, idx(p.dCols));
    auto loop = scf::ForOp::create(
        b, loc, idx(0), chunks, idx(1), zeros,
        [&](OpBuilder &, Location, Value c, ValueRange sums) {
          Value d0 = mul(c, idx(p.dCols));
          stageQ(d0);
          stageK(kv0, d0);
          gpu::BarrierOp::create(b, loc);
          SmallVector<Value> next = guardedDot(sums);
          // The next chunk overwrites Q and K.
          gpu::BarrierOp::create(b, loc);
          scf::YieldOp::create(b, loc, next);
        });
    acc = SmallVector<Value>(loop.getResults());
  }
  SmallVector<Value> s;
  for (Value a : acc)
    s.push_back(
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, a));
  return s;
}

Value SimtEmitter::loadMask(Value row, Value key) {
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  return explicitMask->load(b, loc, heads, row, key, sq, sk,
                            /*toScoreUnits=*/1.0);
}

SmallVector<Value> SimtEmitter::regionIndices(Value row, Value key) {
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  return KernelScoreMods::regionIndices(heads, row, key);
}

Value SimtEmitter::maskedScore(Value s, Value row, Value key) {
  Value keep = lt(key, sk);
  if (causal)
    keep =
        andi(keep, cmp(arith::CmpIPredicate::sle, key, add(row, causalOffset)));
  if (mods.scoreMod || mods.maskMod) {
    SmallVector<Value> indices = regionIndices(row, key);
    if (mods.scoreMod) {
      // The region sees the scaled score in the natural-log domain.
      Value natural = fmul(s, f32Cst(static_cast<float>(M_LN2)));
      s = fmul(mods.modifyScore(b, loc, natural, indices),
               f32Cst(static_cast<float>(M_LOG2E)));
    }
    if (mods.maskMod)
      keep = andi(keep, mods.keep(b, loc, indices));
  }
  if (mask) {
    Value m = loadMask(row, key);
    if (m.getType().isInteger(1)) {
      keep = andi(keep, m);
    } else {
      // In the exp2 domain the additive mask (as f32) is scaled by log2(e)
      // too.
      s = fma(m, f32Cst(static_cast<float>(M_LOG2E)), s);
    }
  }
  return select(keep, s, f32Cst(-INFINITY));
}

SmallVector<Value> SimtEmitter::softmaxAndPV(Value kv0, ArrayRef<Value> s,
                                             ValueRange state) {
  int64_t nAcc = p.rows * p.dvTiles;
  SmallVector<Value> acc(state.begin(), state.begin() + nAcc);
  SmallVector<Value> newM, newL;
  Value key = add(kv0, lane);
  Value negInf = f32Cst(-INFINITY), fzero = f32Cst(0.0f);
  for (int64_t r = 0; r < p.rows; ++r) {
    Value mOld = state[nAcc + r], lOld = state[nAcc + p.rows + r];
    Value x = maskedScore(s[r], add(warpRow0, idx(r)), key);
    Value mNew = fmax(mOld, warpReduce(x, /*isMax=*/true));
    // While every key so far is masked, subtract 0 (not -inf - -inf).
    Value mUse = select(feq(mNew, negInf), fzero, mNew);
    Value alpha = exp2(arith::SubFOp::create(b, loc, mOld, mUse));
    Value prob = exp2(arith::SubFOp::create(b, loc, x, mUse));
    // The sum stays per lane; the warp reduces it once at the end.
    newL.push_back(fma(lOld, alpha, prob));
    newM.push_back(mNew);
    for (int64_t t = 0; t < p.dvTiles; ++t)
      acc[r * p.dvTiles + t] = fmul(acc[r * p.dvTiles + t], alpha);
    memref::StoreOp::create(b, loc, prob, sP,
                            ValueRange{add(warpRowInBlock, idx(r)), lane});
  }
  // P is read back by the other lanes of the warp.
  NVVM::SyncWarpOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, b.getI32Type(), -1));
  SmallVector<Value> result = accumulatePV(acc);
  result.append(newM);
  result.append(newL);
  return result;
}

SmallVector<Value> SimtEmitter::accumulatePV(ValueRange acc) {
  auto loop = scf::ForOp::create(
      b, loc, idx(0), idx(kBlockKV), idx(4), acc,
      [&](OpBuilder &, Location, Value j0, ValueRange sums) {
        SmallVector<Value> next(sums);
        // Four probabilities of each row, read by every lane at once.
        SmallVector<Value> probs;
        for (int64_t r = 0; r < p.rows; ++r)
          probs.push_back(vector::LoadOp::create(
              b, loc, vec4, sP, ValueRange{add(warpRowInBlock, idx(r)), j0},
              /*nontemporal=*/false, llvm::Align(16)));
        for (int64_t jj = 0; jj < 4; ++jj) {
          Value key = add(j0, idx(jj));
          SmallVector<Value> vals;
          for (int64_t t = 0; t < p.dvTiles; ++t)
            vals.push_back(memref::LoadOp::create(
                b, loc, sV, ValueRange{key, add(lane, idx(t * kWarpSize))}));
          for (int64_t r = 0; r < p.rows; ++r) {
            Value prob = vector::ExtractOp::create(b, loc, probs[r],
                                                   ArrayRef<int64_t>{jj});
            for (int64_t t = 0; t < p.dvTiles; ++t)
              next[r * p.dvTiles + t] =
                  fma(prob, vals[t], next[r * p.dvTiles + t]);
          }
        }
        scf::YieldOp::create(b, loc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

void SimtEmitter::storeResults(ValueRange state) {
  int64_t nAcc = p.rows * p.dvTiles;
  Value fzero = f32Cst(0.0f);
  for (int64_t r = 0; r < p.rows; ++r) {
    Value m = state[nAcc + r];
    Value l = warpReduce(state[nAcc + p.rows + r], /*isMax=*/false);
    // A fully masked row (l == 0) gives zeros and lse = -inf.
    Value empty = feq(l, fzero);
    Value inv =
        select(empty, fzero, arith::DivFOp::create(b, loc, f32Cst(1.0f), l));
    Value row = add(warpRow0, idx(r));
    auto ifRow = scf::IfOp::create(b, loc, lt(row, sq),
                                   /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifRow.thenBlock()->getTerminator());
    for (int64_t t = 0; t < p.dvTiles; ++t) {
      Value col = add(dv0, add(lane, idx(t * kWarpSize)));
      auto ifCol = scf::IfOp::create(b, loc, lt(col, dvSize),
                                     /*withElseRegion=*/false);
      OpBuilder::InsertionGuard gc(b);
      b.setInsertionPoint(ifCol.thenBlock()->getTerminator());
      Value x = fmul(state[r * p.dvTiles + t], inv);
      if (!outElemTy.isF32())
        x = arith::TruncFOp::create(b, loc, outElemTy, x);
      memref::StoreOp::create(b, loc, x, o,
                              storedIndices(oPerm, headQ, row, col));
    }
    if (!lse)
      continue;
    // lse = ln(l) + m·ln(2) (m is in the exp2 domain), stored once per row:
    // by lane 0 of the blocks of the first Dv slice.
    Value first = andi(cmp(arith::CmpIPredicate::eq, lane, idx(0)),
                       cmp(arith::CmpIPredicate::eq, blockY, idx(0)));
    auto ifFirst = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
    b.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
    Value value = select(empty, f32Cst(-INFINITY),
                         fma(m, f32Cst(static_cast<float>(M_LN2)),
                             math::LogOp::create(b, loc, l)));
    SmallVector<Value> indices(batchIdx);
    indices.append({headQ, row});
    memref::StoreOp::create(b, loc, value, lse, indices);
  }
}

std::pair<Value, Value> SimtEmitter::initialRowState() {
  if (!mods.sinks)
    return {f32Cst(-INFINITY), f32Cst(0.0f)};
  Value sink = mods.loadSink(b, loc, headQ);
  // The sink is a key whose value row is 0: it only adds exp(sink) to the
  // sum, which every lane keeps partially (lane 0 holds it).
  Value one = select(cmp(arith::CmpIPredicate::eq, lane, idx(0)), f32Cst(1.0f),
                     f32Cst(0.0f));
  return {fmul(sink, f32Cst(static_cast<float>(M_LOG2E))), one};
}

void SimtEmitter::emit(gpu::LaunchOp launch) {
  decodeBlock(launch);
  setupShared();
  if (mask)
    explicitMask.emplace(b, loc, mask, nb);

  // Keys this block can see: causal tiles wholly above its last row are
  // not visited.
  Value kvEnd = sk;
  if (causal) {
    Value visible = add(mini(add(q0, idx(p.blockQ)), sq), causalOffset);
    kvEnd = mini(sk, maxi(visible, idx(0)));
  }
  Value numTiles = arith::CeilDivUIOp::create(b, loc, kvEnd, idx(kBlockKV));
  if (p.qResident && staticD > 0)
    stageQ(idx(0));

  int64_t nAcc = p.rows * p.dvTiles;
  SmallVector<Value> init(nAcc, f32Cst(0.0f));
  auto [m0, l0] = initialRowState();
  init.append(SmallVector<Value>(p.rows, m0));
  init.append(SmallVector<Value>(p.rows, l0));
  SmallVector<Type> stateTypes(init.size(), f32);
  auto loop = scf::ForOp::create(
      b, loc, idx(0), numTiles, idx(1), init,
      [&](OpBuilder &, Location, Value j, ValueRange state) {
        Value kv0 = mul(j, idx(kBlockKV));
        // Every thread is done with the previous tile's K, V and P.
        gpu::BarrierOp::create(b, loc);
        stageVIfAny(kv0);
        Value active = warpActive(kv0);
        SmallVector<Value> s = tileScores(kv0, active);
        SmallVector<Value> next = ifElse(
            active, stateTypes, [&] { return softmaxAndPV(kv0, s, state); },
            [&] { return SmallVector<Value>(state); });
        scf::YieldOp::create(b, loc, next);
      });
  storeResults(loop.getResults());
}

/// Host side: the grid is (query blocks * batch * Hq, Dv slices); nothing
/// is launched for an empty grid (Sq, a batch dim or Hq of 0).
void buildLaunch(OpBuilder &b, Location loc, AttentionOp op,
                 const SimtPlan &plan, const AttentionBuffers &buffers,
                 const KernelScoreMods &mods) {
  int64_t nb = op.getNumBatchDims();
  SmallVector<int64_t> qPerm = op.getQueryPermutation();
  SmallVector<int64_t> vPerm = op.getValuePermutation();
  auto dimOf = [&](Value mem, ArrayRef<int64_t> perm, int64_t ld) -> Value {
    int64_t pos = std::distance(perm.begin(), llvm::find(perm, ld));
    return memref::DimOp::create(b, loc, mem, pos);
  };
  auto cst = [&](int64_t c) {
    return arith::ConstantIndexOp::create(b, loc, c);
  };
  Value gridX = arith::CeilDivUIOp::create(
      b, loc, dimOf(buffers.q, qPerm, nb + 1), cst(plan.blockQ));
  for (int64_t ld = 0; ld <= nb; ++ld)
    gridX = arith::MulIOp::create(b, loc, gridX, dimOf(buffers.q, qPerm, ld));
  Value one = cst(1);
  Value gridY = one;
  if (plan.splitDv) {
    // At least one slice: an empty Dv still has rows (and lse) to write.
    gridY = arith::CeilDivUIOp::create(b, loc, dimOf(buffers.v, vPerm, nb + 2),
                                       cst(plan.dvCols));
    gridY = arith::MaxUIOp::create(b, loc, gridY, one);
  }
  Value any =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, gridX, cst(0));
  auto ifOp = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  Value smem = arith::ConstantIntOp::create(b, loc, b.getI32Type(), plan.bytes);
  auto launch = gpu::LaunchOp::create(b, loc, gridX, gridY, one,
                                      cst(plan.threads), one, one, smem);
  b.setInsertionPointToStart(&launch.getBody().front());
  SimtEmitter(b, loc, op, plan, buffers, mods).emit(launch);
  gpu::TerminatorOp::create(b, loc);
}

struct AttentionToSimtLaunch : OpRewritePattern<AttentionOp> {
  AttentionToSimtLaunch(MLIRContext *ctx, const AttnGPUSimtConfig &config)
      : OpRewritePattern(ctx), config(config) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!canEvaluateModsInKernel(op))
      return rewriter.notifyMatchFailure(
          op, "a score_mod/mask_mod region computes on tensors; left to the "
              "decomposition (--attn-decompose-aggregated-ops)");
    std::string reason = getUnsupportedReason(op, config);
    if (!reason.empty())
      return rewriter.notifyMatchFailure(op, reason);
    Location loc = op.getLoc();
    AttentionBuffers buffers = toAttentionBuffers(rewriter, loc, op);
    KernelScoreMods mods = KernelScoreMods::capture(rewriter, loc, op);
    // Check what the kernel relies on (sizes, broadcasts, GQA, what the
    // memref types fix); any strides and element alignment are fine.
    scf::IfOp guard =
        emitGuardedLaunchRegion(rewriter, loc, op, buffers.q, buffers.k,
                                buffers.v, buffers.o, buffers.mask, buffers.lse,
                                /*pointerAlignment=*/1, BufferLayout::Strided);
    {
      OpBuilder::InsertionGuard g(rewriter);
      rewriter.setInsertionPoint(guard.thenBlock()->getTerminator());
      buildLaunch(rewriter, loc, op, SimtPlan::get(op, config), buffers, mods);
    }
    replaceWithAttentionBuffers(rewriter, op, buffers);
    return success();
  }

  AttnGPUSimtConfig config;
};

struct ConvertAttnToGPUSimtPass
    : public attn::impl::ConvertAttnToGPUSimtBase<ConvertAttnToGPUSimtPass> {
  using ConvertAttnToGPUSimtBase::ConvertAttnToGPUSimtBase;

  void runOnOperation() override {
    AttnGPUSimtConfig config{warps, rows};
    // Diagnose first: a pattern's match failure is silent.
    WalkResult walk = getOperation()->walk([&](AttentionOp op) {
      // Regions the kernel cannot evaluate are left to the decomposition
      // (target=cuda maps its linalg to generic GPU kernels).
      if (!canEvaluateModsInKernel(op))
        return WalkResult::advance();
      std::string reason = getUnsupportedReason(op, config);
      if (reason.empty())
        return WalkResult::advance();
      op.emitOpError("cannot be lowered to GPU: ") << reason;
      return WalkResult::interrupt();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    populateAttnToGPUSimtPatterns(patterns, config);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateAttnToGPUSimtPatterns(
    RewritePatternSet &patterns, const AttnGPUSimtConfig &config) {
  patterns.add<AttentionToSimtLaunch>(patterns.getContext(), config);
}
