//===- AttnToGPU.cpp - attn.attention -> FlashAttention-2 kernel -*- C++
//-*-===//
//
// Lowers attn.attention on tensors to a gpu.launch whose body is a
// FlashAttention-2 forward kernel on tensor cores, written with upstream
// gpu/nvgpu/vector/scf ops (nvgpu.mma.sync m16n8k16, nvgpu.ldmatrix,
// nvgpu.device_async_copy). The launch works on the buffers of the operands
// and writes the result in place into the buffer of `outs`.
//
// Per block: BQ = 16 * rowTiles * numWarps query rows of one (batch, head).
// Q is staged once through shared memory (and kept as A fragments when a warp
// has one row tile); K/V tiles of BKV keys are double-buffered with cp.async. S
// = Q·Kᵀ stays in registers as m16n8 C fragments, and its f16 conversion is P's
// A fragment directly.
//
//===----------------------------------------------------------------------===//

#include "Common/ExplicitMask.h"
#include "Common/HostChecks.h"
#include "Common/KernelBuilder.h"
#include "Common/Launch.h"
#include "Common/ScoreMods.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"
#include "attn/Dialect/Attn/Utils/Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#include <cmath>

#define DEBUG_TYPE "attn-to-gpu"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPU
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

AttnGPUTileConfig mlir::attn::getDefaultAttnGPUTileConfig(GPUChip chip,
                                                          int64_t headDim,
                                                          bool causal) {
  // Measured on H100 (docs/gpu.md). Two 16-row tiles per warp halve the
  // ldmatrix traffic per mma. 64-key tiles win without a causal mask (304
  // TFLOPS at D = 128, 276 at D = 64, though D = 128 spills 92 bytes);
  // causal runs prefer 32-key tiles (261 against 241 TFLOPS at D = 128),
  // whose finer diagonal wastes less work. sm_80 is untuned and shares the
  // table.
  (void)chip;
  // D = 256: one row tile per warp, so that O (128 f32 per thread) fits in
  // registers next to S; 8 warps x 32 keys (237 TFLOPS) beat 4 x 32 (226)
  // and 4 x 64 (204) without causal mask.
  if (headDim > 128)
    return AttnGPUTileConfig{/*numWarps=*/8, /*blockKV=*/32, /*rowTiles=*/1};
  return AttnGPUTileConfig{/*numWarps=*/4, /*blockKV=*/causal ? 32 : 64,
                           /*rowTiles=*/2};
}

namespace {

constexpr int64_t kWarpSize = 32;
// Shared-memory rows are padded by 16 bytes so that the 8 row addresses of
// one ldmatrix hit distinct banks.
constexpr int64_t kRowPad = 8;
// Opt-in dynamic shared memory per block: 227 KiB on sm_90, 163 KiB on
// sm_80.
int64_t maxSharedMemoryBytes(GPUChip chip) {
  return chip == GPUChip::Sm80 ? 163 * 1024 : 227 * 1024;
}

/// Why `op` cannot be lowered by this pattern, or an empty string.
std::string getUnsupportedReason(AttentionOp op,
                                 const AttnGPUTileConfig &config,
                                 GPUChip chip) {
  if (std::string why = getTensorCoreModsReason(op); !why.empty())
    return why;
  if (op.getCausalOffset())
    return "a causal_offset (a tile of a larger op) is not supported: lower "
           "the whole op";
  Type inTy = op.getQueryType().getElementType();
  if (!inTy.isF16() && !inTy.isBF16())
    return "target=cuda supports only f16 and bf16 query/key/value (the "
           "m16n8k16 tensor-core path has no f32 inputs)";
  Type outTy = op.getOutputType().getElementType();
  if (!outTy.isF16() && !outTy.isBF16() && !outTy.isF32())
    return "output element type must be f16, bf16 or f32";
  if (std::string why = getExplicitMaskReason(op); !why.empty())
    return why;
  int64_t nb = op.getNumBatchDims();
  SmallVector<int64_t> qShape =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  SmallVector<int64_t> vShape =
      AttentionOp::getLogicalShape(op.getValueType(), op.getValuePermutation());
  int64_t d = qShape[nb + 2], dv = vShape[nb + 2];
  if (ShapedType::isDynamic(d) || ShapedType::isDynamic(dv) || d != dv ||
      (d != 64 && d != 128 && d != 256))
    return "head dim must be static, equal for query and value, and 64, 128 "
           "or 256";
  if (!hasInnermostHeadDim(op))
    return "the head dim must be the innermost stored dimension of every "
           "operand";
  int64_t threads = config.numWarps * kWarpSize;
  if (config.numWarps <= 0 || config.blockKV <= 0 || config.blockKV % 16 != 0 ||
      (config.blockKV * d / 8) % threads != 0 ||
      (config.rowTiles != 1 && config.rowTiles != 2))
    return "tile config: block-kv must be a multiple of 16 with block-kv * D "
           "/ 8 a multiple of 32 * warps, and row-tiles 1 or 2";
  int64_t blockQ = 16 * config.rowTiles * config.numWarps;
  int64_t smem = (blockQ + 4 * config.blockKV) * (d + kRowPad) * 2;
  int64_t limit = maxSharedMemoryBytes(chip);
  if (smem > limit)
    return "tile config needs " + std::to_string(smem) +
           " bytes of shared memory, over the limit of " +
           std::to_string(limit) + " (" + std::to_string(limit / 1024) +
           " KiB on " + stringifyGPUChip(chip).str() +
           "); use fewer warps, row-tiles or block-kv";
  return "";
}

/// `config` with its zero fields taken from the default table. With an
/// explicit mask the table's 64-key tiles become 32-key tiles: 4 x 2 x 32
/// ran at 178 against 155 TFLOPS for 4 x 2 x 64 (H100, D = 128, S = 4096,
/// f32 mask; ptxas spills 96 against 108 bytes there, none at D = 64).
AttnGPUTileConfig resolveTileConfig(AttentionOp op,
                                    const AttnGPUTileConfig &config,
                                    GPUChip chip) {
  int64_t d = AttentionOp::getLogicalShape(
      op.getQueryType(), op.getQueryPermutation())[op.getNumBatchDims() + 2];
  AttnGPUTileConfig def = getDefaultAttnGPUTileConfig(chip, d, op.isCausal());
  if (op.getMask())
    def.blockKV = std::min<int64_t>(def.blockKV, 32);
  AttnGPUTileConfig cfg = config;
  if (cfg.numWarps == 0)
    cfg.numWarps = def.numWarps;
  if (cfg.blockKV == 0)
    cfg.blockKV = def.blockKV;
  if (cfg.rowTiles == 0)
    cfg.rowTiles = def.rowTiles;
  return cfg;
}

/// Emits the kernel body. All fragment arrays are unrolled at compile time so
/// that they stay in registers.
class KernelEmitter : KernelBuilder {
public:
  KernelEmitter(OpBuilder &b, Location loc, AttentionOp op,
                const AttnGPUTileConfig &config, const AttentionBuffers &buf,
                const KernelScoreMods &mods)
      : KernelBuilder(b, loc), q(buf.q), k(buf.k), v(buf.v), o(buf.o),
        mask(buf.mask), lse(buf.lse), mods(mods) {
    nb = op.getNumBatchDims();
    qPerm = op.getQueryPermutation();
    kPerm = op.getKeyPermutation();
    vPerm = op.getValuePermutation();
    oPerm = op.getOutputPermutation();
    d = AttentionOp::getLogicalShape(op.getQueryType(), qPerm)[nb + 2];
    numWarps = config.numWarps;
    rowTiles = config.rowTiles;
    blockQ = 16 * rowTiles * numWarps;
    blockKV = config.blockKV;
    // Computing a 64-key block as two 32-key halves was tried against the
    // 92-byte spill at D = 128: ptxas still spilled 80 bytes (the halves
    // get interleaved), so a block is computed whole.
    computeKV = blockKV;
    threads = numWarps * kWarpSize;
    outElemTy = op.getOutputType().getElementType();
    if (std::optional<CausalAlignment> c = op.getCausal()) {
      causal = true;
      bottomRight = *c == CausalAlignment::BottomRight;
    }
    // exp(x * scale) == exp2(x * scale * log2(e)). S stays in raw units,
    // the scale folded into exp2, unless score_mod rewrites it: the region
    // sees S · scale and its result stays in those units.
    scale = op.getScale().convertToDouble();
    double scoreUnit = mods.scoreMod ? scale : 1.0;
    scoreToLog2 = scale / scoreUnit * M_LOG2E;
    logitToScore = scoreUnit / scale;
    inTy = op.getQueryType().getElementType();
    f32 = b.getF32Type();
    // Q stays in registers as A fragments only with one row tile and D <=
    // 128; otherwise it is re-read from shared memory in every block.
    qInRegisters = rowTiles == 1 && d <= 128;
  }

  static int64_t sharedMemoryBytes(int64_t blockQ, int64_t blockKV, int64_t d) {
    return (blockQ + 4 * blockKV) * (d + kRowPad) * 2;
  }

  void emit(gpu::LaunchOp launch);

private:
  Value exp2(Value x) { return math::Exp2Op::create(b, loc, x); }
  /// First key of the `j`-th visited K/V block.
  Value keyOfBlock(Value j) {
    return kvFirst ? mul(add(j, kvFirst), idx(blockKV)) : mul(j, idx(blockKV));
  }

  /// Issues cp.async copies of `rows` rows starting at logical row `rowBase`
  /// of `gmem` (head `head`) into `smem[prefix..., r, c]`. Rows at or past
  /// `rowLimit` are zero-filled.
  void copyTile(Value gmem, ArrayRef<int64_t> perm, Value head, Value smem,
                ValueRange prefix, Value rowBase, Value rowLimit,
                int64_t rows) {
    int64_t chunksPerRow = d / 8;
    int64_t perThread = rows * chunksPerRow / threads;
    Value eight = idx(8), zero = idx(0);
    for (int64_t i = 0; i < perThread; ++i) {
      Value chunk = add(tid, idx(i * threads));
      Value r = divu(chunk, chunksPerRow);
      Value c = mul(remu(chunk, chunksPerRow), eight);
      Value row = add(rowBase, r);
      Value valid = cmp(arith::CmpIPredicate::slt, row, rowLimit);
      Value srcRow = select(valid, row, zero);
      Value srcElems = select(valid, eight, zero);
      SmallVector<Value> dst(prefix.begin(), prefix.end());
      dst.append({r, c});
      nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), smem, dst,
          gmem, storedIndices(perm, head, srcRow, c), b.getIndexAttr(8),
          srcElems, b.getUnitAttr());
    }
  }

  Value commitGroup() {
    auto tokTy = nvgpu::DeviceAsyncTokenType::get(b.getContext());
    return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokTy, ValueRange{});
  }
  void waitGroups(Value token, int32_t pending) {
    nvgpu::DeviceAsyncWaitOp::create(b, loc, token,
                                     b.getI32IntegerAttr(pending));
  }

  Value ldmatrix(Value smem, ValueRange indices, bool transpose) {
    return nvgpu::LdMatrixOp::create(b, loc, VectorType::get({4, 2}, inTy),
                                     smem, indices, transpose, 4);
  }
  /// Half `half` (0 or 1) of an x4 ldmatrix result, a B fragment.
  Value bHalf(Value frag4, int64_t half) {
    return vector::ShuffleOp::create(b, loc, frag4, frag4,
                                     ArrayRef<int64_t>{2 * half, 2 * half + 1});
  }
  Value mma(Value a, Value bFrag, Value c) {
    if (inTy.isF16())
      return nvgpu::MmaSyncOp::create(b, loc, a, bFrag, c,
                                      ArrayRef<int64_t>{16, 8, 16});
    return nvvmMma(a, bFrag, c);
  }
  /// bf16 m16n8k16 on nvvm.mma.sync (nvgpu.mma.sync in MLIR 22 lowers no
  /// bf16): A/B rows of two bf16 are packed into i32 registers, C/D are four
  /// f32, the same fragment layout as f16.
  Value nvvmMma(Value a, Value bFrag, Value c) {
    auto packRows = [&](Value frag, int64_t rows) {
      SmallVector<Value> regs;
      VectorType i32x1 = VectorType::get({1}, b.getI32Type());
      for (int64_t r = 0; r < rows; ++r) {
        Value row =
            vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{r});
        Value cast = vector::BitCastOp::create(b, loc, i32x1, row);
        regs.push_back(
            vector::ExtractOp::create(b, loc, cast, ArrayRef<int64_t>{0}));
      }
      return regs;
    };
    SmallVector<Value> aRegs = packRows(a, 4), bRegs = packRows(bFrag, 2);
    SmallVector<Value> cRegs;
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t e = 0; e < 2; ++e)
        cRegs.push_back(elem(c, j, e));
    auto structTy = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                     SmallVector<Type>(4, f32));
    Value res = NVVM::MmaOp::create(
        b, loc, structTy, aRegs, bRegs, cRegs, ArrayRef<int64_t>{16, 8, 16},
        std::nullopt, std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                      NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    SmallVector<Value> dRegs;
    for (int64_t i = 0; i < 4; ++i)
      dRegs.push_back(LLVM::ExtractValueOp::create(b, loc, res, i));
    return fromElems(VectorType::get({2, 2}, f32), dRegs);
  }
  Value elem(Value frag, int64_t j, int64_t e) {
    return vector::ExtractOp::create(b, loc, frag, ArrayRef<int64_t>{j, e});
  }
  Value fromElems(VectorType ty, ArrayRef<Value> elems) {
    return vector::FromElementsOp::create(b, loc, ty, elems);
  }

  /// One K/V block: returns the updated O fragments, row maxes and sums.
  SmallVector<Value> emitBlock(Value buf, int64_t rowOff, Value kv0,
                               ValueRange state);

  /// S (or P) as m16n8 C fragments: [row tile][8-key tile].
  using FragTiles = SmallVector<SmallVector<Value>>;
  /// What one emitBlock call works on: K/V buffer `buf`, the sub-block that
  /// starts at row `rowOff` of it and at key `kv0`, and the lane coordinates
  /// that address ldmatrix rows.
  struct BlockCoords {
    Value buf;
    int64_t rowOff;
    Value kv0;
    Value lane8, laneDiv8;
  };
  /// The loop-carried online-softmax state, unflattened: O fragments (row
  /// tile major), then the maxes and the per-thread partial sums of rows
  /// j = 0, 1 of each row tile.
  struct SoftmaxState {
    SmallVector<Value> o, m, l;
  };
  SoftmaxState unpackState(ValueRange state) const;
  static SmallVector<Value> packState(const SoftmaxState &st);

  /// The x4 ldmatrix of K for 8-key tile `nt` and D columns [32 kp, 32 kp +
  /// 32): two B fragments.
  Value loadKFragment(const BlockCoords &blk, int64_t nt, int64_t kp);
  /// s[mt][nt] += A_lo · lo + A_hi · hi for every row tile mt, where the A
  /// fragments of row tile mt are `qA(mt)`.
  void accumulateScores(FragTiles &s, int64_t nt, Value kFrag,
                        function_ref<std::pair<Value, Value>(int64_t)> qA);
  /// S = Q · Kᵀ for this block.
  FragTiles computeScores(const BlockCoords &blk);
  /// Rewrites each element x of S tile (mt, nt) with f(row, key): an i1
  /// keeps x or sends it to -inf, an f32 is added to x.
  Value maskTile(Value tile, int64_t mt, int64_t nt, Value keyBase,
                 Value negInf, function_ref<Value(Value, Value)> f);
  /// Rewrites each element x of S tile (mt, nt) with f(x, row, key).
  Value mapTile(Value tile, int64_t mt, int64_t nt, Value keyBase,
                function_ref<Value(Value, Value, Value)> f);
  /// (batch..., head, row, key) of the regions.
  SmallVector<Value> regionIndices(Value row, Value key);
  /// score_mod, the explicit mask and mask_mod, in this order (the
  /// decomposition's), on every score of the block: S stays in raw units,
  /// so the region sees S · scale and its result is divided by it.
  void applyScoreMods(FragTiles &s, Value kv0, Value negInf);
  /// The explicit mask operand, applied in every block.
  void applyExplicitMask(FragTiles &s, Value kv0, Value negInf);
  /// True when keys of this block lie past Sk or (causal) above the diagonal
  /// of some row of this warp.
  Value needsBoundsMask(Value kv0);
  /// Ragged-tail and causal masking, under an scf.if on needsBoundsMask.
  void applyBoundsMask(FragTiles &s, Value kv0, Value negInf);

  /// Per row (j = 0, 1) of one row tile: alpha rescales the old O and l to
  /// the new max, negMaxC = -max · c offsets this block's exponents.
  struct RowRescale {
    std::array<Value, 2> alpha, negMaxC;
  };
  /// Updates the maxes of row tile `mt` in `st` with its scores `sRow`.
  RowRescale updateRowMax(ArrayRef<Value> sRow, int64_t mt, SoftmaxState &st,
                          Value c, Value negInf);
  /// P = exp2(S c - m c) of row tile `mt` as C fragments; adds its row sums
  /// to the rescaled sums in `st`.
  SmallVector<Value> exponentiate(ArrayRef<Value> sRow, int64_t mt,
                                  const RowRescale &r, SoftmaxState &st,
                                  Value c);
  /// The online-softmax update of `st` with scores `s`; returns P as A
  /// fragments, [row tile][16-key chunk].
  FragTiles updateSoftmax(const FragTiles &s, SoftmaxState &st, Value negInf);
  /// O += P · V.
  void accumulatePV(const BlockCoords &blk, const FragTiles &pFrags,
                    MutableArrayRef<Value> o);
  /// A fragment of row tile `mt` of this warp's Q rows, for D columns
  /// [16 kc, 16 kc + 16).
  Value loadQFragment(int64_t mt, int64_t kc);

  /// Loads the mask element of (row, key) as an f32 addend in S's units
  /// (additive masks are divided by the scale where S is raw, so that the
  /// scale folded into exp2 restores them) or, for i1 masks, the keep bit.
  Value loadMask(Value row, Value key);

  // The steps of emit(), in order.
  void setupThread(gpu::LaunchOp launch);
  void allocateSharedTiles();
  /// The running max (S's units) and per-thread partial sum a row starts
  /// with: -inf and 0, or with sinks the sink logit as a key of value 0
  /// (in S's units, and 1 in the first thread of the quad).
  std::pair<Value, Value> initialRowState();
  /// Number of K/V blocks to visit; causal blocks wholly above the diagonal
  /// are skipped, and so are the blocks mask_mod drops for every row (sets
  /// kvFirst).
  Value emitNumKVBlocks();
  /// Loads Q and K/V block 0 (and the Q fragments, the mask set-up).
  void emitPrologue(Value numKV);
  /// The online-softmax loop over K/V blocks; its results are the O
  /// fragments, row maxes and row sums.
  scf::ForOp emitMainLoop(Value numKV);
  /// O / l and lse stores.
  void emitEpilogue(ValueRange res);

  Value q, k, v, o, mask, lse;
  const KernelScoreMods &mods;
  int64_t nb;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
  int64_t d, numWarps, rowTiles, blockQ, blockKV, computeKV, threads;
  Type outElemTy, inTy, f32;
  bool causal = false, bottomRight = false, qInRegisters = false;
  double scale;
  /// S to the exp2 domain, and a natural-log-domain value (a bias, a sink)
  /// to S's units.
  double scoreToLog2, logitToScore;
  // The mask's indexing, set up in the prologue.
  std::optional<ExplicitMask> explicitMask;

  // Kernel-wide values.
  Value tid, lane, warp, q0, sq, sk, causalOffset, headQ, headKV;
  // The first K/V block the block visits (mask_mod only; else block 0).
  Value kvFirst;
  // First query row of this warp, and of this thread's first C-fragment row.
  Value warpRow0, threadRow0;
  Value sQ, sK, sV;
  SmallVector<Value> qFrags;
  // Index 0 and 1, f32 -inf and 0, shared by the prologue, loop and epilogue.
  Value cZero, cOne, negInf, fzero;
};

SmallVector<Value> KernelEmitter::emitBlock(Value buf, int64_t rowOff,
                                            Value kv0, ValueRange state) {
  BlockCoords blk{buf, rowOff, kv0, remu(lane, 8), divu(lane, 8)};
  FragTiles s = computeScores(blk);
  // Score modifications and the explicit mask, then ragged tail and causal
  // masking. Rows and keys past Sq / Sk read mask element 0 and are masked
  // by the second.
  Value negInf = f32Cst(-INFINITY);
  if (mods.scoreMod || mods.maskMod || mask)
    applyScoreMods(s, kv0, negInf);
  applyBoundsMask(s, kv0, negInf);
  SoftmaxState st = unpackState(state);
  FragTiles pFrags = updateSoftmax(s, st, negInf);
  accumulatePV(blk, pFrags, st.o);
  return packState(st);
}

KernelEmitter::SoftmaxState KernelEmitter::unpackState(ValueRange state) const {
  int64_t mBase = rowTiles * (d / 8), lBase = mBase + 2 * rowTiles;
  SoftmaxState st;
  st.o.assign(state.begin(), state.begin() + mBase);
  st.m.assign(state.begin() + mBase, state.begin() + lBase);
  st.l.assign(state.begin() + lBase, state.end());
  return st;
}

SmallVector<Value> KernelEmitter::packState(const SoftmaxState &st) {
  SmallVector<Value> result(st.o);
  result.append(st.m);
  result.append(st.l);
  return result;
}

Value KernelEmitter::loadKFragment(const BlockCoords &blk, int64_t nt,
                                   int64_t kp) {
  Value row = add(idx(blk.rowOff + nt * 8), blk.lane8);
  Value col = add(idx(kp * 32), mul(blk.laneDiv8, idx(8)));
  return ldmatrix(sK, {blk.buf, row, col}, /*transpose=*/false);
}

void KernelEmitter::accumulateScores(
    FragTiles &s, int64_t nt, Value kFrag,
    function_ref<std::pair<Value, Value>(int64_t)> qA) {
  Value lo = bHalf(kFrag, 0), hi = bHalf(kFrag, 1);
  for (int64_t mt = 0; mt < rowTiles; ++mt) {
    auto [aLo, aHi] = qA(mt);
    s[mt][nt] = mma(aLo, lo, s[mt][nt]);
    s[mt][nt] = mma(aHi, hi, s[mt][nt]);
  }
}

// One x4 ldmatrix of K covers 32 of D for an 8-key tile and feeds every row
// tile of the warp. Q's A fragments are kept in registers (one row tile, D <=
// 128) or re-read from shared memory: for D <= 128 all of them once per
// block, keys outer (ptxas allocates this best: 0 spills causal, 92 bytes
// non-causal at D = 128); for D = 256, 32 of D at a time with D outer, so
// that only two per row tile are live next to O and S.
KernelEmitter::FragTiles KernelEmitter::computeScores(const BlockCoords &blk) {
  int64_t numSTiles = computeKV / 8;
  VectorType accTy = VectorType::get({2, 2}, f32);
  Value zeroAcc = arith::ConstantOp::create(
      b, loc, accTy, DenseElementsAttr::get(accTy, b.getF32FloatAttr(0.0f)));
  FragTiles s(rowTiles, SmallVector<Value>(numSTiles, zeroAcc));
  if (d <= 128) {
    FragTiles qA(rowTiles);
    for (int64_t mt = 0; mt < rowTiles; ++mt)
      for (int64_t kc = 0; kc < d / 16; ++kc)
        qA[mt].push_back(qInRegisters ? qFrags[kc] : loadQFragment(mt, kc));
    for (int64_t nt = 0; nt < numSTiles; ++nt)
      for (int64_t kp = 0; kp < d / 32; ++kp)
        accumulateScores(s, nt, loadKFragment(blk, nt, kp), [&](int64_t mt) {
          return std::make_pair(qA[mt][2 * kp], qA[mt][2 * kp + 1]);
        });
    return s;
  }
  for (int64_t kp = 0; kp < d / 32; ++kp) {
    SmallVector<std::pair<Value, Value>> qA;
    for (int64_t mt = 0; mt < rowTiles; ++mt) {
      Value aLo = loadQFragment(mt, 2 * kp);
      qA.emplace_back(aLo, loadQFragment(mt, 2 * kp + 1));
    }
    for (int64_t nt = 0; nt < numSTiles; ++nt)
      accumulateScores(s, nt, loadKFragment(blk, nt, kp),
                       [&](int64_t mt) { return qA[mt]; });
  }
  return s;
}

Value KernelEmitter::mapTile(Value tile, int64_t mt, int64_t nt, Value keyBase,
                             function_ref<Value(Value, Value, Value)> f) {
  SmallVector<Value> elems;
  for (int64_t j = 0; j < 2; ++j) {
    Value row = add(threadRow0, idx(16 * mt + 8 * j));
    for (int64_t e = 0; e < 2; ++e)
      elems.push_back(f(elem(tile, j, e), row, add(keyBase, idx(nt * 8 + e))));
  }
  return fromElems(VectorType::get({2, 2}, f32), elems);
}

Value KernelEmitter::maskTile(Value tile, int64_t mt, int64_t nt, Value keyBase,
                              Value negInf,
                              function_ref<Value(Value, Value)> f) {
  return mapTile(tile, mt, nt, keyBase, [&](Value x, Value row, Value key) {
    return ExplicitMask::apply(b, loc, x, f(row, key), negInf);
  });
}

SmallVector<Value> KernelEmitter::regionIndices(Value row, Value key) {
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  return KernelScoreMods::regionIndices(heads, row, key);
}

void KernelEmitter::applyScoreMods(FragTiles &s, Value kv0, Value negInf) {
  Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
  int64_t numSTiles = computeKV / 8;
  if (mods.scoreMod) {
    Value scaleCst = f32Cst(scale);
    auto modify = [&](Value x, Value row, Value key) -> Value {
      Value scaled = arith::MulFOp::create(b, loc, x, scaleCst);
      return mods.modifyScore(b, loc, scaled, regionIndices(row, key));
    };
    for (int64_t mt = 0; mt < rowTiles; ++mt)
      for (int64_t nt = 0; nt < numSTiles; ++nt)
        s[mt][nt] = mapTile(s[mt][nt], mt, nt, keyBase, modify);
  }
  if (mask)
    applyExplicitMask(s, kv0, negInf);
  if (!mods.maskMod)
    return;
  // The mask is evaluated only where it may drop a key of this warp's rows
  // (the partial tiles of a window, say).
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  Value mayDrop =
      mods.classifyTile(b, loc, heads,
                        {warpRow0, add(warpRow0, idx(16 * rowTiles - 1))},
                        {kv0, add(kv0, idx(computeKV - 1))})
          .mayDrop;
  SmallVector<Type> sTypes(rowTiles * numSTiles, VectorType::get({2, 2}, f32));
  auto ifOp = scf::IfOp::create(b, loc, sTypes, mayDrop,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    auto keep = [&](Value row, Value key) {
      return mods.keep(b, loc, regionIndices(row, key));
    };
    SmallVector<Value> masked, unmasked;
    for (int64_t mt = 0; mt < rowTiles; ++mt)
      for (int64_t nt = 0; nt < numSTiles; ++nt) {
        masked.push_back(maskTile(s[mt][nt], mt, nt, keyBase, negInf, keep));
        unmasked.push_back(s[mt][nt]);
      }
    scf::YieldOp::create(b, loc, masked);
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, unmasked);
  }
  for (int64_t mt = 0; mt < rowTiles; ++mt)
    for (int64_t nt = 0; nt < numSTiles; ++nt)
      s[mt][nt] = ifOp.getResult(mt * numSTiles + nt);
}

// An i1 mask sends dropped keys to -inf, an additive one adds mask / scale
// (raw-score units).
void KernelEmitter::applyExplicitMask(FragTiles &s, Value kv0, Value negInf) {
  Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
  for (int64_t mt = 0; mt < rowTiles; ++mt)
    for (int64_t nt = 0; nt < computeKV / 8; ++nt)
      s[mt][nt] =
          maskTile(s[mt][nt], mt, nt, keyBase, negInf,
                   [&](Value row, Value key) { return loadMask(row, key); });
}

Value KernelEmitter::needsBoundsMask(Value kv0) {
  Value blockEnd = add(kv0, idx(computeKV));
  Value needMask = cmp(arith::CmpIPredicate::sgt, blockEnd, sk);
  if (causal) {
    Value lastKey = add(kv0, idx(computeKV - 1));
    Value crosses =
        cmp(arith::CmpIPredicate::sgt, lastKey, add(warpRow0, causalOffset));
    needMask = arith::OrIOp::create(b, loc, needMask, crosses);
  }
  return needMask;
}

void KernelEmitter::applyBoundsMask(FragTiles &s, Value kv0, Value negInf) {
  int64_t numSTiles = computeKV / 8;
  SmallVector<Type> sTypes(rowTiles * numSTiles, VectorType::get({2, 2}, f32));
  auto ifOp = scf::IfOp::create(b, loc, sTypes, needsBoundsMask(kv0),
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
    auto keep = [&](Value row, Value key) {
      Value keep = cmp(arith::CmpIPredicate::slt, key, sk);
      if (causal)
        keep = arith::AndIOp::create(
            b, loc, keep,
            cmp(arith::CmpIPredicate::sle, key, add(row, causalOffset)));
      return keep;
    };
    SmallVector<Value> masked;
    for (int64_t mt = 0; mt < rowTiles; ++mt)
      for (int64_t nt = 0; nt < numSTiles; ++nt)
        masked.push_back(maskTile(s[mt][nt], mt, nt, keyBase, negInf, keep));
    scf::YieldOp::create(b, loc, masked);
    b.setInsertionPointToStart(ifOp.elseBlock());
    SmallVector<Value> unmasked;
    for (auto &tiles : s)
      unmasked.append(tiles);
    scf::YieldOp::create(b, loc, unmasked);
  }
  for (int64_t mt = 0; mt < rowTiles; ++mt)
    for (int64_t nt = 0; nt < numSTiles; ++nt)
      s[mt][nt] = ifOp.getResult(mt * numSTiles + nt);
}

KernelEmitter::RowRescale KernelEmitter::updateRowMax(ArrayRef<Value> sRow,
                                                      int64_t mt,
                                                      SoftmaxState &st, Value c,
                                                      Value negInf) {
  RowRescale r;
  for (int64_t j = 0; j < 2; ++j) {
    Value mOld = st.m[2 * mt + j];
    Value mx = negInf;
    for (Value tile : sRow)
      for (int64_t e = 0; e < 2; ++e)
        mx = fmax(mx, elem(tile, j, e));
    Value mNew = fmax(mOld, quadReduce(mx, /*isMax=*/true));
    // A row with no key yet keeps max -inf; use 0 so that exp2 gives 0,
    // not NaN.
    Value isEmpty =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, mNew, negInf);
    Value mUse = select(isEmpty, f32Cst(0.0f), mNew);
    r.negMaxC[j] =
        arith::NegFOp::create(b, loc, arith::MulFOp::create(b, loc, mUse, c));
    r.alpha[j] = exp2(math::FmaOp::create(b, loc, mOld, c, r.negMaxC[j]));
    st.m[2 * mt + j] = mNew;
  }
  return r;
}

SmallVector<Value> KernelEmitter::exponentiate(ArrayRef<Value> sRow, int64_t mt,
                                               const RowRescale &r,
                                               SoftmaxState &st, Value c) {
  VectorType accTy = VectorType::get({2, 2}, f32);
  SmallVector<Value> rowSum = {f32Cst(0.0f), f32Cst(0.0f)};
  SmallVector<Value> p;
  for (Value tile : sRow) {
    SmallVector<Value> elems;
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t e = 0; e < 2; ++e) {
        Value x = exp2(
            math::FmaOp::create(b, loc, elem(tile, j, e), c, r.negMaxC[j]));
        rowSum[j] = arith::AddFOp::create(b, loc, rowSum[j], x);
        elems.push_back(x);
      }
    p.push_back(fromElems(accTy, elems));
  }
  // The sum stays per-thread partial; the quad reduces it once at the end.
  for (int64_t j = 0; j < 2; ++j)
    st.l[2 * mt + j] =
        math::FmaOp::create(b, loc, st.l[2 * mt + j], r.alpha[j], rowSum[j]);
  return p;
}

// In the exp2 domain; per row tile, rows j = 0, 1 are lane/4 and lane/4 + 8.
KernelEmitter::FragTiles KernelEmitter::updateSoftmax(const FragTiles &s,
                                                      SoftmaxState &st,
                                                      Value negInf) {
  int64_t numOTiles = d / 8;
  VectorType accTy = VectorType::get({2, 2}, f32);
  VectorType halfTy = VectorType::get({2, 2}, inTy);
  Value c = f32Cst(scoreToLog2);
  FragTiles pFrags(rowTiles);
  for (int64_t mt = 0; mt < rowTiles; ++mt) {
    RowRescale r = updateRowMax(s[mt], mt, st, c, negInf);
    SmallVector<Value> p = exponentiate(s[mt], mt, r, st, c);
    Value alphaVec =
        fromElems(accTy, {r.alpha[0], r.alpha[0], r.alpha[1], r.alpha[1]});
    for (int64_t t = 0; t < numOTiles; ++t)
      st.o[mt * numOTiles + t] =
          arith::MulFOp::create(b, loc, st.o[mt * numOTiles + t], alphaVec);
    // P's C fragments of two adjacent 8-key tiles are exactly the A fragment
    // of one 16-key chunk.
    for (int64_t kk = 0; kk < computeKV / 16; ++kk) {
      Value lo = arith::TruncFOp::create(b, loc, halfTy, p[2 * kk]);
      Value hi = arith::TruncFOp::create(b, loc, halfTy, p[2 * kk + 1]);
      pFrags[mt].push_back(vector::ShuffleOp::create(
          b, loc, lo, hi, ArrayRef<int64_t>{0, 1, 2, 3}));
    }
  }
  return pFrags;
}

// V through transposed ldmatrix, two 8-wide D tiles at once, each fragment
// feeding every row tile.
void KernelEmitter::accumulatePV(const BlockCoords &blk,
                                 const FragTiles &pFrags,
                                 MutableArrayRef<Value> o) {
  int64_t numOTiles = d / 8;
  Value vRowInChunk = add(blk.lane8, mul(remu(blk.laneDiv8, 2), idx(8)));
  Value vColOff = mul(divu(lane, 16), idx(8));
  for (int64_t np = 0; np < d / 16; ++np) {
    Value col = add(idx(np * 16), vColOff);
    for (int64_t kk = 0; kk < computeKV / 16; ++kk) {
      Value row = add(idx(blk.rowOff + kk * 16), vRowInChunk);
      Value vFrag = ldmatrix(sV, {blk.buf, row, col}, /*transpose=*/true);
      Value lo = bHalf(vFrag, 0), hi = bHalf(vFrag, 1);
      for (int64_t mt = 0; mt < rowTiles; ++mt) {
        Value &o0 = o[mt * numOTiles + 2 * np];
        Value &o1 = o[mt * numOTiles + 2 * np + 1];
        o0 = mma(pFrags[mt][kk], lo, o0);
        o1 = mma(pFrags[mt][kk], hi, o1);
      }
    }
  }
}

Value KernelEmitter::loadQFragment(int64_t mt, int64_t kc) {
  Value lane8 = remu(lane, 8), laneDiv8 = divu(lane, 8);
  Value qRow = add(add(sub(warpRow0, q0), idx(16 * mt)),
                   add(lane8, mul(remu(laneDiv8, 2), idx(8))));
  Value qColOff = mul(divu(lane, 16), idx(8));
  return ldmatrix(sQ, {qRow, add(idx(kc * 16), qColOff)},
                  /*transpose=*/false);
}

Value KernelEmitter::loadMask(Value row, Value key) {
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  return explicitMask->load(b, loc, heads, row, key, sq, sk, logitToScore);
}

void KernelEmitter::emit(gpu::LaunchOp launch) {
  setupThread(launch);
  allocateSharedTiles();
  Value numKV = emitNumKVBlocks();
  emitPrologue(numKV);
  scf::ForOp loop = emitMainLoop(numKV);
  // No copy may still be in flight when the block exits (numKV == 0).
  waitGroups(commitGroup(), 0);
  emitEpilogue(loop.getResults());
}

/// Thread, warp and block coordinates: the heads and query rows this block
/// and thread work on.
void KernelEmitter::setupThread(gpu::LaunchOp launch) {
  tid = launch.getThreadIds().x;
  Value bx = launch.getBlockIds().x, by = launch.getBlockIds().y;
  lane = remu(tid, kWarpSize);
  warp = divu(tid, kWarpSize);

  BlockHeads heads = decodeBlockHeads(by, q, qPerm, k, kPerm, nb);
  sq = heads.sq;
  sk = heads.sk;
  headQ = heads.headQ;
  headKV = heads.headKV;
  q0 = mul(bx, idx(blockQ));
  warpRow0 = add(q0, mul(warp, idx(16 * rowTiles)));
  threadRow0 = add(warpRow0, divu(lane, 4));
  causalOffset =
      bottomRight ? arith::SubIOp::create(b, loc, sk, sq).getResult() : idx(0);
}

/// Views of dynamic shared memory for the Q tile and the two K and V tiles.
void KernelEmitter::allocateSharedTiles() {
  MLIRContext *ctx = b.getContext();
  // Shared memory: Q tile, then two K and two V tiles.
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Value base = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(), wg));
  int64_t rowLen = d + kRowPad;
  auto qTy = MemRefType::get({blockQ, rowLen}, inTy, AffineMap(), wg);
  auto kvTy = MemRefType::get({2, blockKV, rowLen}, inTy, AffineMap(), wg);
  sQ = memref::ViewOp::create(b, loc, qTy, base, idx(0), ValueRange{});
  sK = memref::ViewOp::create(b, loc, kvTy, base, idx(blockQ * rowLen * 2),
                              ValueRange{});
  sV = memref::ViewOp::create(b, loc, kvTy, base,
                              idx((blockQ + 2 * blockKV) * rowLen * 2),
                              ValueRange{});
}

std::pair<Value, Value> KernelEmitter::initialRowState() {
  if (!mods.sinks)
    return {negInf, fzero};
  Value sink = mods.loadSink(b, loc, headQ);
  Value m = arith::MulFOp::create(b, loc, sink, f32Cst(logitToScore));
  Value first = cmp(arith::CmpIPredicate::eq, remu(lane, 4), idx(0));
  return {m, select(first, f32Cst(1.0f), fzero)};
}

Value KernelEmitter::emitNumKVBlocks() {
  KeyBlocks blocks = visitedKeyBlocks(
      q0, blockQ, blockKV,
      causal ? std::optional<Value>(causalOffset) : std::nullopt, headQ, sq, sk,
      mods);
  kvFirst = blocks.first;
  return blocks.count;
}

void KernelEmitter::emitPrologue(Value numKV) {
  // Prologue: Q (group 0), then K/V block 0 into buffer 0 (group 1).
  copyTile(q, qPerm, headQ, sQ, {}, q0, sq, blockQ);
  commitGroup();
  cZero = idx(0);
  cOne = idx(1);
  Value zero = cZero;
  Value hasKV = cmp(arith::CmpIPredicate::sgt, numKV, zero);
  {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, hasKV, false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value kv0 = keyOfBlock(zero);
    copyTile(k, kPerm, headKV, sK, {zero}, kv0, sk, blockKV);
    copyTile(v, vPerm, headKV, sV, {zero}, kv0, sk, blockKV);
  }
  Value tok = commitGroup();
  if (qInRegisters) {
    waitGroups(tok, 1);
    gpu::BarrierOp::create(b, loc);
    for (int64_t kc = 0; kc < d / 16; ++kc)
      qFrags.push_back(loadQFragment(0, kc));
  }
  if (mask)
    explicitMask.emplace(b, loc, mask, nb);
}

scf::ForOp KernelEmitter::emitMainLoop(Value numKV) {
  // Main loop over K/V blocks: wait for block j, prefetch block j+1 into the
  // other buffer, compute block j. The one barrier both publishes block j
  // and ends every read of block j-1, whose buffer the prefetch reuses.
  VectorType accTy = VectorType::get({2, 2}, f32);
  int64_t numOTiles = d / 8;
  SmallVector<Value> init(
      rowTiles * numOTiles,
      arith::ConstantOp::create(
          b, loc, accTy, DenseElementsAttr::get(accTy, b.getF32FloatAttr(0))));
  negInf = f32Cst(-INFINITY);
  fzero = f32Cst(0.0f);
  auto [m0, l0] = initialRowState();
  init.append(SmallVector<Value>(2 * rowTiles, m0));
  init.append(SmallVector<Value>(2 * rowTiles, l0));
  Value zero = cZero, one = cOne;
  return scf::ForOp::create(
      b, loc, zero, numKV, one, init,
      [&](OpBuilder &, Location, Value j, ValueRange state) {
        waitGroups(commitGroup(), 0);
        gpu::BarrierOp::create(b, loc);
        Value next = add(j, one);
        Value nextBuf = remu(next, 2);
        auto ifOp = scf::IfOp::create(
            b, loc, TypeRange{}, cmp(arith::CmpIPredicate::slt, next, numKV),
            false);
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          Value nextKV0 = keyOfBlock(next);
          copyTile(k, kPerm, headKV, sK, {nextBuf}, nextKV0, sk, blockKV);
          copyTile(v, vPerm, headKV, sV, {nextBuf}, nextKV0, sk, blockKV);
        }
        commitGroup();
        // The block is computed computeKV keys at a time (fewer live S
        // registers, same number of barriers).
        SmallVector<Value> res(state.begin(), state.end());
        Value buf = remu(j, 2), kvBase = keyOfBlock(j);
        for (int64_t sub = 0; sub < blockKV / computeKV; ++sub)
          res = emitBlock(buf, sub * computeKV,
                          add(kvBase, idx(sub * computeKV)), res);
        scf::YieldOp::create(b, loc, res);
      });
}

void KernelEmitter::emitEpilogue(ValueRange res) {
  // Epilogue: O / l, rows past Sq dropped; lse = ln(l) + m (as a logit)
  // from the first thread of each quad.
  int64_t numOTiles = d / 8;
  int64_t mBase = rowTiles * numOTiles;
  int64_t lBase = mBase + 2 * rowTiles;
  Value colOff = mul(remu(lane, 4), idx(2));
  for (int64_t mt = 0; mt < rowTiles; ++mt) {
    for (int64_t j = 0; j < 2; ++j) {
      Value l = quadReduce(res[lBase + 2 * mt + j], /*isMax=*/false);
      Value isZero =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, fzero);
      Value inv =
          select(isZero, fzero, arith::DivFOp::create(b, loc, f32Cst(1.0f), l));
      Value row = add(threadRow0, idx(16 * mt + 8 * j));
      auto ifOp = scf::IfOp::create(
          b, loc, TypeRange{}, cmp(arith::CmpIPredicate::slt, row, sq), false);
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      if (lse) {
        Value lseVal =
            select(isZero, negInf,
                   math::FmaOp::create(b, loc, res[mBase + 2 * mt + j],
                                       f32Cst(1.0 / logitToScore),
                                       math::LogOp::create(b, loc, l)));
        storeRowLse(lse, lseVal, lane, headQ, row);
      }
      VectorType pairTy = VectorType::get({2}, f32);
      for (int64_t t = 0; t < numOTiles; ++t) {
        Value acc = res[mt * numOTiles + t];
        Value pair = fromElems(
            pairTy, {arith::MulFOp::create(b, loc, elem(acc, j, 0), inv),
                     arith::MulFOp::create(b, loc, elem(acc, j, 1), inv)});
        if (!outElemTy.isF32())
          pair = arith::TruncFOp::create(b, loc,
                                         VectorType::get({2}, outElemTy), pair);
        // The pair starts at an even column of a 16-byte aligned buffer whose
        // rows are a multiple of 64 elements: say so, or LLVM splits the store.
        vector::StoreOp::create(
            b, loc, pair, o,
            storedIndices(oPerm, headQ, row, add(idx(t * 8), colOff)),
            /*nontemporal=*/false,
            llvm::Align(2 * outElemTy.getIntOrFloatBitWidth() / 8));
      }
    }
  }
}

struct AttentionToGPULaunch : OpRewritePattern<AttentionOp> {
  AttentionToGPULaunch(MLIRContext *ctx, AttnGPUTileConfig config, GPUChip chip)
      : OpRewritePattern(ctx), config(config), chip(chip) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    AttnGPUTileConfig cfg = resolveConfig(op);
    std::string reason = getUnsupportedReason(op, cfg, chip);
    if (!reason.empty()) {
      LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] refused " << op.getLoc()
                              << ": " << reason << "\n");
      return rewriter.notifyMatchFailure(op, reason);
    }
    LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] lowering " << op.getLoc()
                            << " for " << stringifyGPUChip(chip) << ": warps "
                            << cfg.numWarps << ", block-kv " << cfg.blockKV
                            << ", row-tiles " << cfg.rowTiles << "\n");
    Location loc = op.getLoc();

    AttentionBuffers buffers = toAttentionBuffers(rewriter, loc, op);
    KernelScoreMods mods =
        KernelScoreMods::capture(rewriter, loc, op, /*withSummaries=*/true);
    Value q = buffers.q, k = buffers.k, v = buffers.v, o = buffers.o,
          mask = buffers.mask, lse = buffers.lse;

    // Check the caller's descriptors at run time; launch only if they pass.
    scf::IfOp guard =
        emitGuardedLaunchRegion(rewriter, loc, op, q, k, v, o, mask, lse);
    OpBuilder::InsertPoint afterGuard = rewriter.saveInsertionPoint();
    rewriter.setInsertionPoint(guard.thenBlock()->getTerminator());

    int64_t nb = op.getNumBatchDims();
    SmallVector<int64_t> qPerm = op.getQueryPermutation();
    int64_t blockQ = 16 * cfg.rowTiles * cfg.numWarps;
    QueryBlockGrid grid = createQueryBlockGrid(rewriter, loc, op, q, blockQ);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value threads =
        arith::ConstantIndexOp::create(rewriter, loc, cfg.numWarps * kWarpSize);
    int64_t d = AttentionOp::getLogicalShape(op.getQueryType(), qPerm)[nb + 2];
    Value smem = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(),
        KernelEmitter::sharedMemoryBytes(blockQ, cfg.blockKV, d));
    auto launch = gpu::LaunchOp::create(rewriter, loc, grid.x, grid.y, one,
                                        threads, one, one, smem);
    {
      OpBuilder::InsertionGuard g(rewriter);
      rewriter.setInsertionPointToStart(&launch.getBody().front());
      KernelEmitter(rewriter, loc, op, cfg, buffers, mods).emit(launch);
      gpu::TerminatorOp::create(rewriter, loc);
    }
    rewriter.restoreInsertionPoint(afterGuard);
    replaceWithAttentionBuffers(rewriter, op, buffers);
    return success();
  }

  AttnGPUTileConfig resolveConfig(AttentionOp op) const {
    return resolveTileConfig(op, config, chip);
  }

  AttnGPUTileConfig config;
  GPUChip chip;
};

struct ConvertAttnToGPUPass
    : public attn::impl::ConvertAttnToGPUBase<ConvertAttnToGPUPass> {
  using ConvertAttnToGPUBase::ConvertAttnToGPUBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    ConvertAttnToGPUBase::getDependentDialects(registry);
    // The bf16 path emits nvvm.mma.sync and LLVM struct extraction.
    registry.insert<LLVM::LLVMDialect, NVVM::NVVMDialect>();
  }

  void runOnOperation() override {
    AttnGPUTileConfig config{numWarps, blockKV, rowTiles};
    // Diagnose first: a pattern's match failure is silent. With `soft`, the
    // ops this kernel cannot take are left for --convert-attn-to-gpu-simt.
    if (!soft &&
        failed(diagnoseUnsupportedOps(
            getOperation(), "cannot be lowered to GPU: ", [&](AttentionOp op) {
              return getUnsupportedReason(
                  op, resolveTileConfig(op, config, chip), chip);
            })))
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    populateAttnToGPUPatterns(patterns, config, chip);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::attn::populateAttnToGPUPatterns(RewritePatternSet &patterns,
                                           const AttnGPUTileConfig &config,
                                           GPUChip chip) {
  patterns.add<AttentionToGPULaunch>(patterns.getContext(), config, chip);
}
