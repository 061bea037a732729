//===- AttnToGPUSm90.cpp - attn.attention -> sm_90a TMA + wgmma kernel ----===//
//
// Lowers attn.attention on tensors to a gpu.launch whose body is a
// FlashAttention forward kernel for Hopper (sm_90a):
//
//  - host side: one tensor map per operand (nvgpu.tma.create.descriptor,
//    128-byte swizzle, zero fill out of bounds), made before the launch and
//    passed to the kernel;
//  - Q (BQ rows) and a ring of `stages` K/V tiles (BKV keys) in dynamic
//    shared memory, filled by nvgpu.tma.async.load and completing on
//    nvgpu.mbarrier objects (expect_tx / try_wait.parity);
//  - each warpgroup (4 warps) owns 64 query rows: S = Q·Kᵀ on
//    nvvm.wgmma.mma_async (A and B from shared memory through hand-built
//    wgmma matrix descriptors), online softmax in registers with exp2
//    (ex2.approx.ftz), and O += P·V with P kept in registers as the A operand
//    of a register-A wgmma (inline PTX: neither nvgpu.warpgroup.mma nor
//    nvvm.wgmma.mma_async take A from registers in MLIR 22), V from shared
//    memory as an MN-major (transposed) B;
//  - producer-warp=1: a producer warpgroup (setmaxnreg 24; consumers as many
//    as fit) issues every load once the stage's "empty" mbarrier says all
//    consumers are done with it; producer-warp=0: thread 0 refills each
//    stage after a block barrier;
//  - overlap=1: S(j) and P(j-1)·V(j-1) are in flight together while the
//    softmax of S(j) runs; pingpong=1: the consumer warpgroups take turns
//    issuing their GEMMs; persistent=1: one CTA per SM loops over tiles.
//
// The defaults per (head dim, dtype, causal, key count) come from the tuned
// table DefaultConfigs.inc. docs/hopper.md has the design, the measurements
// and what nvgpu could not express.
//
//===----------------------------------------------------------------------===//

#include "Common/ExplicitMask.h"
#include "Common/HostChecks.h"
#include "Common/KernelBuilder.h"
#include "Common/Launch.h"
#include "Common/ScoreMods.h"
#include "attn/Conversion/Passes.h"
#include "attn/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/Debug.h"

#include <cmath>
#include <tuple>

#define DEBUG_TYPE "attn-to-gpu-sm90"

namespace mlir {
namespace attn {
#define GEN_PASS_DEF_CONVERTATTNTOGPUSM90
#include "attn/Conversion/Passes.h.inc"
} // namespace attn
} // namespace mlir

using namespace mlir;
using namespace mlir::attn;

namespace {

constexpr int64_t kWarpgroupThreads = 128;
// wgmma's M (query rows per consumer warpgroup) and K (per instruction).
constexpr int64_t kWgmmaM = 64;
constexpr int64_t kWgmmaK = 16;
// Bytes of one k-step of an f16/bf16 row.
constexpr int64_t kWgmmaKBytes = kWgmmaK * 2;
// 128-byte swizzle: a TMA box row and a wgmma core-matrix row are 64 f16.
constexpr int64_t kPanel = 64;
constexpr int64_t kRowBytes = 128;
constexpr int64_t kAtomBytes = 1024; // 8 rows of 128 bytes.
constexpr int64_t kMaxSharedMemoryBytes = 227 * 1024;

// The fields of a wgmma shared-memory matrix descriptor (PTX ISA, "Matrix
// Descriptor Format"): addresses and offsets in 16-byte units, the start
// address in bits 0-13, the leading-dimension byte offset from bit 16, the
// stride-dimension byte offset from bit 32 and the layout (swizzle) type in
// bits 62-63.
constexpr int64_t kDescUnitShift = 4; // log2 of the 16-byte unit.
constexpr int64_t kDescStartAddrMask = 0x3FFF;
constexpr int64_t kDescLeadingOffsetBit = 16;
constexpr int64_t kDescStrideOffsetBit = 32;
constexpr int64_t kDescSwizzle128B = 1ll << 62;

// The suspend-time hint (ns) of each mbarrier.try_wait.parity in nvgpu's
// wait loop: a waiting thread may sleep this long per try instead of
// spinning; the loop retries until the phase completes.
constexpr int64_t kTryWaitTicks = 10000000;
// Lazy rescaling keeps a row's running max (exp2 domain) until a block's
// max is more than this above it: P then stays below 2^8.
constexpr float kLazyRescaleLog2 = 8.0f;
// The register file of an SM, and the most registers a thread can have.
constexpr int64_t kRegistersPerSM = 65536;
constexpr int64_t kMaxThreadRegisters = 255;

/// Registers per thread of the producer and of the consumer warpgroups
/// after setmaxnreg. ptxas gives a kernel with setmaxnreg the most
/// registers its block size allows (168 at 384 threads); that times the
/// threads is the CTA's pool, which setmaxnreg only redistributes: asking
/// for more makes setmaxnreg.inc wait forever. The producer keeps the least
/// setmaxnreg allows (24), enough for one tile's loads; a persistent one
/// also decodes every tile and walks the tile loop, which spilled 28 bytes
/// in 24 registers at D = 128 and 8 in 32 causal, none in 40.
struct RegisterSplit {
  int64_t producer, consumer;
};
RegisterSplit splitRegisters(int64_t consumerThreads, bool persistent) {
  int64_t threads = consumerThreads + kWarpgroupThreads;
  int64_t launch =
      std::min(kMaxThreadRegisters, kRegistersPerSM / threads) / 8 * 8;
  int64_t producer = persistent ? 40 : 24;
  int64_t consumer =
      (launch * threads - kWarpgroupThreads * producer) / consumerThreads;
  return {producer, std::min<int64_t>(240, consumer / 8 * 8)};
}
// Named barrier 0 is the block barrier (gpu.barrier); the ping-pong
// schedule uses 1 + consumer warpgroup.
constexpr int64_t kFirstScheduleBarrier = 1;

struct HopperConfig {
  int64_t warpgroups = 2;
  int64_t blockKV = 128;
  int64_t stages = 2;
  bool overlap = false;
  bool producerWarp = false;
  bool pingpong = false;
  bool persistent = false;

  bool operator==(const HopperConfig &o) const {
    return std::tie(warpgroups, blockKV, stages, overlap, producerWarp,
                    pingpong, persistent) ==
           std::tie(o.warpgroups, o.blockKV, o.stages, o.overlap,
                    o.producerWarp, o.pingpong, o.persistent);
  }
};

[[maybe_unused]] llvm::raw_ostream &operator<<(llvm::raw_ostream &os,
                                               const HopperConfig &c) {
  return os << "warpgroups " << c.warpgroups << ", block-kv " << c.blockKV
            << ", stages " << c.stages << ", overlap " << c.overlap
            << ", producer-warp " << c.producerWarp << ", pingpong "
            << c.pingpong << ", persistent " << c.persistent;
}

/// The pass options; 0 and TriState::Auto select the default table's value.
using HopperOptions = ConvertAttnToGPUSm90Options;

struct DefaultConfig {
  int64_t headDim, bf16, causal;
  HopperConfig config;
  int64_t minKeys;
};

constexpr DefaultConfig kDefaultConfigs[] = {
#define ATTN_SM90_DEFAULT(D, BF16, CAUSAL, WG, BKV, ST, OV, PW, PP, PERS,      \
                          MINKEYS)                                             \
  {D,                                                                          \
   BF16,                                                                       \
   CAUSAL,                                                                     \
   {WG, BKV, ST, OV != 0, PW != 0, PP != 0, PERS != 0},                        \
   MINKEYS},
#include "DefaultConfigs.inc"
#undef ATTN_SM90_DEFAULT
};

/// A configuration and the fewest keys (Sk) it is chosen for.
struct Candidate {
  int64_t minKeys;
  HopperConfig config;
};

bool hasTileOptions(const HopperOptions &o) {
  return o.warpgroups || o.blockKV || o.stages || o.overlap != TriState::Auto ||
         o.producerWarp != TriState::Auto || o.pingpong != TriState::Auto ||
         o.persistent != TriState::Auto;
}

/// `flag` with `option` applied unless it is TriState::Auto.
void applySwitch(bool &flag, TriState option) {
  if (option != TriState::Auto)
    flag = option == TriState::On;
}

HopperConfig applyOptions(HopperConfig c, const HopperOptions &o) {
  applySwitch(c.overlap, o.overlap);
  applySwitch(c.producerWarp, o.producerWarp);
  applySwitch(c.pingpong, o.pingpong);
  applySwitch(c.persistent, o.persistent);
  if (o.warpgroups)
    c.warpgroups = o.warpgroups;
  if (o.blockKV)
    c.blockKV = o.blockKV;
  if (o.stages)
    c.stages = o.stages;
  // The table's pingpong/persistent follow a producer warpgroup (and two or
  // more consumers); options that take those away turn them off unless set
  // explicitly too.
  if (o.pingpong == TriState::Auto && (!c.producerWarp || c.warpgroups < 2))
    c.pingpong = false;
  if (o.persistent == TriState::Auto && !c.producerWarp)
    c.persistent = false;
  return c;
}

/// The head dim of the shared-memory tiles and of the table rows: `d`
/// rounded up to whole 64-column panels. The TMA loads of the last panel
/// zero-fill the columns past `d`; the GEMMs skip them (HopperEmitter's
/// dMma). A head dim of 80 or 96 takes D = 128's rows, 160 D = 192's.
int64_t paddedHeadDim(int64_t d) { return llvm::alignTo(d, kPanel); }

/// The default table's rows for the op (DefaultConfigs.inc): those matching
/// its head dim, dtype and causality, up to the first one for any Sk
/// (minKeys 0), i.e. the configurations to choose from at run time by Sk.
/// A static Sk, or any tile option set, leaves one (options override it).
/// With an explicit mask, rows of 512-thread blocks are passed over.
SmallVector<Candidate> resolveConfigs(AttentionOp op, const HopperOptions &o) {
  int64_t nb = op.getNumBatchDims();
  // The row of the head dim the kernel computes with (padded).
  int64_t d = paddedHeadDim(AttentionOp::getLogicalShape(
      op.getQueryType(), op.getQueryPermutation())[nb + 2]);
  int64_t sk = AttentionOp::getLogicalShape(op.getKeyType(),
                                            op.getKeyPermutation())[nb + 1];
  int64_t bf16 = op.getQueryType().getElementType().isBF16();
  int64_t causal = op.getCausal().has_value();
  bool dynamicKeys = ShapedType::isDynamic(sk);
  SmallVector<Candidate> all;
  for (const DefaultConfig &row : kDefaultConfigs) {
    if (row.headDim != d || (row.bf16 >= 0 && row.bf16 != bf16) ||
        (row.causal >= 0 && row.causal != causal))
      continue;
    if (!dynamicKeys && sk < row.minKeys)
      continue;
    // An explicit mask's per-score reads do not fit the 128 registers per
    // thread of a 512-thread block: ptxas spilled 276 bytes (D = 64, f16
    // bias, 3 consumer warpgroups; 48 without the mask), none with 2.
    if (op.getMask() && row.config.warpgroups == 3 && row.config.producerWarp)
      continue;
    // Nor do they fit the persistent kernel (120 bytes of spill at D = 128,
    // f16 bias), which ran a [B, H, S, S] bias 20% slower than one tile per
    // CTA at S = 1k (H200, bench/results/2026-12-03-h200-bias-rows.md):
    // masked ops take the row's configuration without it.
    HopperConfig config = row.config;
    if (op.getMask())
      config.persistent = false;
    // A row that became the one before it widens that one's range.
    if (!all.empty() && all.back().config == config)
      all.back().minKeys = row.minKeys;
    else
      all.push_back({row.minKeys, config});
    if (row.minKeys == 0 || !dynamicKeys)
      break;
  }
  if (all.empty() || (dynamicKeys && all.back().minKeys != 0))
    all.push_back({0, HopperConfig()});
  if (!dynamicKeys)
    all.resize(1);
  else if (hasTileOptions(o))
    all.erase(all.begin(), all.end() - 1);
  for (Candidate &c : all)
    c.config = applyOptions(c.config, o);
  return all;
}

int64_t sharedBytes(const HopperConfig &c, int64_t d) {
  d = paddedHeadDim(d);
  int64_t bq = kWgmmaM * c.warpgroups;
  // Q, then `stages` K tiles and `stages` V tiles; 1 KiB of slack to align
  // the base to a swizzle atom at run time.
  return bq * d * 2 + 2 * c.stages * c.blockKV * d * 2 + kAtomBytes;
}

std::string getUnsupportedReason(AttentionOp op, const HopperConfig &c,
                                 const HopperOptions &o) {
  if (std::string why = getTensorCoreModsReason(op); !why.empty())
    return why;
  if (op.getMask() && !o.explicitMasks)
    return "explicit masks are off (explicit-masks=0)";
  if (op.getCausalOffset())
    return "a causal_offset (a tile of a larger op) is not supported: lower "
           "the whole op";
  Type inTy = op.getQueryType().getElementType();
  if ((!inTy.isF16() && !inTy.isBF16()) ||
      op.getKeyType().getElementType() != inTy ||
      op.getValueType().getElementType() != inTy)
    return "query, key and value must all be f16 or all bf16";
  Type outTy = op.getOutputType().getElementType();
  if (!outTy.isF16() && !outTy.isBF16() && !outTy.isF32())
    return "output element type must be f16, bf16 or f32";
  if (std::string why = getExplicitMaskReason(op); !why.empty())
    return why;
  int64_t nb = op.getNumBatchDims();
  if (nb > 2)
    return "at most 2 batch dims (TMA tensors have rank <= 5)";
  SmallVector<int64_t> qShape =
      AttentionOp::getLogicalShape(op.getQueryType(), op.getQueryPermutation());
  SmallVector<int64_t> vShape =
      AttentionOp::getLogicalShape(op.getValueType(), op.getValuePermutation());
  int64_t d = qShape[nb + 2], dv = vShape[nb + 2];
  // 16-byte rows for TMA; wgmma's N (the head dim of P·V, rounded up to
  // a k-step) <= 256.
  if (ShapedType::isDynamic(d) || d != dv || d % 8 != 0 || d > 256)
    return "head dim must be static, equal for query and value, a multiple "
           "of 8 and at most 256";
  if (!hasInnermostHeadDim(op))
    return "the head dim must be the innermost stored dimension of every "
           "operand";
  if (c.warpgroups < 1 || c.warpgroups > 3 || c.blockKV < 16 ||
      c.blockKV > 256 || c.blockKV % 16 != 0 || c.stages < 2 || c.stages > 8)
    return "tile config: warpgroups 1..3, block-kv a multiple of 16 in "
           "16..256, stages 2..8";
  if (c.pingpong && (!c.producerWarp || c.warpgroups < 2))
    return "pingpong needs producer-warp=1 and at least 2 warpgroups";
  if (c.persistent && !c.producerWarp)
    return "persistent needs producer-warp=1";
  // Measured on H100 and H200
  // (bench/results/2026-11-25-h100-repro-stages3.txt): with thread-0 refills
  // and 3 stages, a causal D = 64 kernel left 448-832 NaN outputs at S = 4096
  // in every run; not understood yet, so refused rather than risked.
  if (!c.producerWarp && c.stages > 2)
    return "stages > 2 needs producer-warp=1 (the thread-0 refill path is "
           "verified with 2 stages only)";
  // ptxas gives a 512-thread block 128 registers per thread; the 128 f32
  // accumulators of a D = 256 output tile alone take them all.
  if (c.producerWarp && c.warpgroups == 3 && paddedHeadDim(d) == 256)
    return "D = 256 with 3 consumer warpgroups and a producer warpgroup "
           "needs more than the 128 registers per thread of a 512-thread "
           "block";
  int64_t smem = sharedBytes(c, d);
  if (smem > kMaxSharedMemoryBytes)
    return "tile config needs " + std::to_string(smem) +
           " bytes of shared memory, over the limit of " +
           std::to_string(kMaxSharedMemoryBytes) + " (227 KiB)";
  return "";
}

/// The inline-asm register class of a scalar operand.
StringRef ptxRegisterClass(Type t) {
  if (t.isF32())
    return "f";
  if (t.isInteger(64))
    return "l";
  assert(t.isInteger(32) && "PTX operand must be f32, i32 or i64");
  return "r";
}

/// Inline PTX `ptx` whose first `tied.size()` operands are read and
/// written in place ($0.. $n-1) and the next `inputs` only read ($2n..);
/// returns the new values of `tied`. This is the one place raw PTX is
/// emitted, for the two things MLIR 22 cannot express otherwise: a wgmma
/// with A in registers (nvvm.wgmma.mma_async and nvgpu.warpgroup.mma take A
/// from shared memory only) and an ordering fence on registers. Both need
/// outputs tied to inputs, and nvvm.inline_ptx cannot return its read-write
/// operands (its results are the write-only ones).
SmallVector<Value> createTiedInlinePtx(OpBuilder &b, Location loc,
                                       StringRef ptx, ArrayRef<Value> tied,
                                       ArrayRef<Value> inputs) {
  std::string constraints;
  llvm::raw_string_ostream os(constraints);
  SmallVector<Type> types;
  for (Value v : tied) {
    os << "=" << ptxRegisterClass(v.getType()) << ",";
    types.push_back(v.getType());
  }
  for (size_t i = 0; i < tied.size(); ++i)
    os << i << ",";
  for (Value v : inputs)
    os << ptxRegisterClass(v.getType()) << ",";
  constraints.pop_back();
  SmallVector<Value> operands(tied);
  llvm::append_range(operands, inputs);
  MLIRContext *ctx = b.getContext();
  Value res = LLVM::InlineAsmOp::create(
                  b, loc, LLVM::LLVMStructType::getLiteral(ctx, types),
                  operands, ptx, constraints, /*has_side_effects=*/true,
                  /*is_align_stack=*/false, LLVM::TailCallKind::None,
                  LLVM::AsmDialectAttr::get(ctx, LLVM::AsmDialect::AD_ATT),
                  /*operand_attrs=*/ArrayAttr())
                  .getResult(0);
  SmallVector<Value> out;
  for (size_t i = 0; i < tied.size(); ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, loc, res, i));
  return out;
}

/// Emits the kernel body.
class HopperEmitter : KernelBuilder {
public:
  HopperEmitter(OpBuilder &b, Location loc, AttentionOp op,
                const HopperConfig &c, const AttentionBuffers &buf, Value qMap,
                Value kMap, Value vMap, const KernelScoreMods &mods)
      : KernelBuilder(b, loc), q(buf.q), k(buf.k), v(buf.v), o(buf.o),
        mask(buf.mask), lse(buf.lse), qMap(qMap), kMap(kMap), vMap(vMap),
        mods(mods) {
    ctx = b.getContext();
    nb = op.getNumBatchDims();
    qPerm = op.getQueryPermutation();
    kPerm = op.getKeyPermutation();
    vPerm = op.getValuePermutation();
    oPerm = op.getOutputPermutation();
    headDim = AttentionOp::getLogicalShape(op.getQueryType(), qPerm)[nb + 2];
    d = paddedHeadDim(headDim);
    dMma = llvm::alignTo(headDim, kWgmmaK);
    numWG = c.warpgroups;
    blockQ = kWgmmaM * numWG;
    blockKV = c.blockKV;
    stages = c.stages;
    overlap = c.overlap;
    ws = c.producerWarp;
    pingpong = c.pingpong;
    persistent = c.persistent;
    // Lazy rescaling, measured on the H200
    // (bench/results/2026-12-04-h200-lazy-rescale.md): without overlap
    // +1-5% at D = 128 causal, +2-10% at D = 192, +1-4% at D = 256; with
    // overlap, where its branch also keeps ptxas from hoisting the P·V wait
    // above the softmax (waitAndRescaleO), +2-7% at D = 128, but 1-3%
    // slower at D = 64 with two consumer warpgroups and 12-28% with three.
    // Fewer query rows than a warpgroup's (decoding: the packed query heads
    // of a group) make the kernel memory bound: there the later wait, which
    // releases the stage later, cost 4% (B = 64, Sk = 128k).
    int64_t queryRows =
        AttentionOp::getLogicalShape(op.getQueryType(), qPerm)[nb + 1];
    bool fewQueries = !ShapedType::isDynamic(queryRows) && queryRows < kWgmmaM;
    lazyRescale = !overlap || (d >= 128 && !fewQueries);
    outElemTy = op.getOutputType().getElementType();
    if (std::optional<CausalAlignment> ca = op.getCausal()) {
      causal = true;
      bottomRight = *ca == CausalAlignment::BottomRight;
    }
    scale = op.getScale().convertToDouble();
    scaleLog2 = scale * M_LOG2E;
    elemTy = op.getQueryType().getElementType();
    bf16 = elemTy.isBF16();
    f32 = b.getF32Type();
    i32 = b.getI32Type();
    i64 = b.getI64Type();
    panels = d / kPanel;
    qBytes = blockQ * d * 2;
    tileBytes = blockKV * d * 2;
  }

  void emit(gpu::LaunchOp launch);

private:
  Value i64c(int64_t c) { return arith::ConstantIntOp::create(b, loc, i64, c); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  /// 2^x with the special-function unit (ex2.approx.ftz.f32): libdevice's
  /// __nv_exp2f adds range fix-ups that softmax does not need. NVVM has no
  /// op for it; the NVPTX intrinsic is called directly.
  Value exp2(Value x) {
    return LLVM::CallIntrinsicOp::create(
               b, loc, f32, b.getStringAttr("llvm.nvvm.ex2.approx.ftz.f32"),
               ValueRange{x})
        .getResult(0);
  }

  /// Two f32 as the bf16x2 of a wgmma A register (`lo` in the low half), in
  /// one cvt.rn.bf16x2.f32.
  Value packPair(Value lo, Value hi) {
    Value pair = NVVM::ConvertF32x2ToBF16x2Op::create(
        b, loc, VectorType::get({2}, b.getBF16Type()), hi, lo,
        /*random_bits=*/Value(), NVVM::FPRoundingMode::RN,
        NVVM::SaturationMode::NONE, /*relu=*/false);
    return LLVM::BitcastOp::create(b, loc, i32, pair);
  }

  /// TMA of one 64-column panel of `rows` rows starting at `row0` of head
  /// `head` into shared memory at byte `offset` (from the aligned base),
  /// completing on barrier `bar`.
  void tmaLoad(Value map, ArrayRef<int64_t> perm, Value head, Value row0,
               int64_t panel, int64_t rows, Value offset, Value bar) {
    SmallVector<int64_t> box;
    SmallVector<Value> logical(batchIdx);
    logical.append({head, row0, idx(panel * kPanel)});
    SmallVector<Value> coords;
    for (int64_t p : perm)
      box.push_back(p == nb + 1 ? rows : p == nb + 2 ? kPanel : 1);
    // TMA coordinates are innermost first.
    for (int64_t i = perm.size() - 1; i >= 0; --i)
      coords.push_back(logical[perm[i]]);
    auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    auto dstTy = MemRefType::get(box, elemTy, AffineMap(), wg);
    Value dst = memref::ViewOp::create(b, loc, dstTy, smemBase,
                                       add(alignPad, offset), ValueRange{});
    nvgpu::TmaAsyncLoadOp::create(b, loc, dst, barriers, map, coords, bar,
                                  Value(), Value());
  }
  /// Thread 0: the Q tile of the current tile.
  void loadQ() {
    nvgpu::MBarrierArriveExpectTxOp::create(b, loc, barriers, idx(qBytes),
                                            idx(kQFullBarrier), Value());
    for (int64_t p = 0; p < panels; ++p)
      tmaLoad(qMap, qPerm, headQ, q0, p, blockQ, idx(p * blockQ * kRowBytes),
              idx(kQFullBarrier));
  }
  /// Thread 0: K and V tiles of block `blk` into stage `stage`, on one
  /// barrier. (A barrier each for K and V, which lets S(blk) start before V
  /// lands, was 3-4% slower on the thread-0 kernels and no faster on the
  /// others: bench/results/2026-12-04-h200-early-q.md.)
  void loadKV(Value blk, Value stage) {
    Value bar = fullBarrier(stage);
    nvgpu::MBarrierArriveExpectTxOp::create(b, loc, barriers,
                                            idx(2 * tileBytes), bar, Value());
    Value row0 = keyOfBlock(blk);
    Value kOff = add(idx(kBase), mul(stage, idx(tileBytes)));
    Value vOff = add(idx(vBase), mul(stage, idx(tileBytes)));
    for (int64_t p = 0; p < panels; ++p) {
      tmaLoad(kMap, kPerm, headKV, row0, p, blockKV,
              add(kOff, idx(p * blockKV * kRowBytes)), bar);
      tmaLoad(vMap, vPerm, headKV, row0, p, blockKV,
              add(vOff, idx(p * blockKV * kRowBytes)), bar);
    }
  }
  /// A wgmma shared-memory matrix descriptor for the 128B-swizzled tile at
  /// byte `offset` (i64) from the aligned base.
  Value descriptor(Value offset, int64_t lbo, int64_t sbo) {
    Value addr = arith::AddIOp::create(b, loc, alignedAddr, offset);
    Value start = arith::AndIOp::create(b, loc, toDescUnits(addr),
                                        i64c(kDescStartAddrMask));
    int64_t fixed = ((lbo >> kDescUnitShift) << kDescLeadingOffsetBit) |
                    ((sbo >> kDescUnitShift) << kDescStrideOffsetBit) |
                    kDescSwizzle128B;
    return arith::OrIOp::create(b, loc, start, i64c(fixed));
  }
  /// A byte offset (i64) in the 16-byte units of a descriptor's address.
  Value toDescUnits(Value bytes) {
    return arith::ShRUIOp::create(b, loc, bytes, i64c(kDescUnitShift));
  }
  Value toI64(Value x) { return arith::IndexCastUIOp::create(b, loc, i64, x); }

  /// O += P·V for one k16 step: A = P in registers (4 x b32), B = V in
  /// shared memory (MN-major, 128B swizzle), D = O (d/2 f32).
  SmallVector<Value> wgmmaRegA(ArrayRef<Value> acc, ArrayRef<Value> a,
                               Value descB) {
    // Operands: D ($0..$n-1, tied), A ($2n..$2n+3), the B descriptor
    // ($2n+4) and scale-d ($2n+5, a predicate in PTX: 1 accumulates).
    int64_t n = acc.size();
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "{\n.reg .pred p;\nsetp.ne.b32 p, $" << 2 * n + 5
       << ", 0;\nwgmma.mma_async.sync.aligned.m" << kWgmmaM << "n" << 2 * n
       << "k" << kWgmmaK << ".f32" << (bf16 ? ".bf16.bf16" : ".f16.f16")
       << " {";
    for (int64_t i = 0; i < n; ++i)
      os << (i ? ", $" : "$") << i;
    os << "}, {";
    for (int64_t i = 0; i < 4; ++i)
      os << (i ? ", $" : "$") << 2 * n + i;
    os << "}, $" << 2 * n + 4 << ", p, 1, 1, 1;\n}\n";
    SmallVector<Value> inputs(a);
    inputs.push_back(descB);
    inputs.push_back(i32c(1));
    return createTiedInlinePtx(b, loc, s, acc, inputs);
  }

  /// FA3's ping-pong between consumer warpgroups: warpgroup w issues its
  /// GEMMs only after named barrier 1 + w completes, and then lets the next
  /// warpgroup go, so one's softmax runs while the other's GEMMs use the
  /// tensor cores. Each barrier counts the two warpgroups involved.
  Value i32c(int64_t c) { return arith::ConstantIntOp::create(b, loc, i32, c); }
  Value schedBarrier(int64_t delta) {
    Value w = arith::IndexCastUIOp::create(b, loc, i32, wgIdx);
    if (delta)
      w = arith::RemUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, w, i32c(delta)), i32c(numWG));
    return arith::AddIOp::create(b, loc, w, i32c(kFirstScheduleBarrier));
  }
  void schedWait() {
    if (pingpong)
      NVVM::BarrierOp::create(b, loc, Type(), schedBarrier(0),
                              i32c(2 * kWarpgroupThreads),
                              NVVM::BarrierReductionAttr(), Value());
  }
  void schedSignalNext() {
    if (pingpong)
      NVVM::BarrierArriveOp::create(b, loc, schedBarrier(1),
                                    i32c(2 * kWarpgroupThreads));
  }

  struct Softmax {
    /// P in f32, two per wgmma A register (packP); the row maxes, the row
    /// sums and the rescale factors of the thread's two rows.
    SmallVector<Value> p, m, l, alpha;
    /// Lazy rescaling: true (i1) when one of the thread's rows took a new
    /// max, i.e. its part of O needs the alpha rescale.
    Value grew;
  };
  /// O times the rows' alpha.
  SmallVector<Value> scaleByAlpha(ArrayRef<Value> o, const Softmax &sm);
  /// Lazy rescaling: `rescaled()` if some row of the warp took a new max
  /// (a warp vote), else `kept()`; both give values of `types`.
  SmallVector<Value> ifWarpRescales(const Softmax &sm, TypeRange types,
                                    function_ref<SmallVector<Value>()> rescaled,
                                    function_ref<SmallVector<Value>()> kept);
  /// O times the rows' alpha, skipped where no row of the warp changed its
  /// max.
  SmallVector<Value> rescaleO(ArrayRef<Value> o, const Softmax &sm);
  /// Overlapped blocks: waits for the in-flight P·V (accumulating `oAcc`,
  /// reading `pPrev`) and rescales O.
  SmallVector<Value> waitAndRescaleO(ArrayRef<Value> oAcc,
                                     ArrayRef<Value> pPrev, Softmax &sm);
  Value waitTile(Value j);
  /// The accumulator elements of a completed S wgmma group, fenced.
  SmallVector<Value> scoresOf(Value acc);
  /// S(j) on its own: waits for block j's stage (its byte offset goes to
  /// `stageOff`), issues Q·K(j) in this warpgroup's turn and waits for it.
  SmallVector<Value> computeS(Value j, Value &stageOff);
  void releaseQIf(Value cond);
  void releaseQAfterLastS(Value j);
  Value issueS(Value stageOff);
  SmallVector<Value> fenceOperands(ArrayRef<Value> vals);
  /// The wgmma descriptor bases for one block's GEMM. Without a producer
  /// warpgroup they go through an operand fence: ptxas then gave the
  /// thread-0 D = 128 kernel 128 registers, two CTAs per SM (149 without,
  /// one CTA: 0.56x cuDNN instead of 0.71 at S = 512, causal). With a
  /// producer the fence cost 2-4% at D = 256 and is left out.
  SmallVector<Value> descriptorBases(ArrayRef<Value> bases) {
    return ws ? SmallVector<Value>(bases) : fenceOperands(bases);
  }
  /// f32 constants shared by the steps of softmax().
  struct SoftmaxConstants {
    Value negInf, zero, scaleLog2;
  };
  /// True when keys of block `kv0` lie past Sk or (causal) above the
  /// diagonal of some row of this warpgroup.
  Value needsBoundsMask(Value kv0);
  /// score_mod, the explicit mask and mask_mod, in this order (the
  /// decomposition's), on the scores `s` of the block at key `kv0`: the
  /// region sees S · scale, and its result stays in those units (the
  /// softmax then scales by log2(e) alone); dropped keys become -inf.
  SmallVector<Value> applyScoreMods(Value kv0, ArrayRef<Value> s, Value negInf);
  /// The explicit mask on the scores `s` of the block at key `kv0`, read per
  /// element: an i1 mask sends dropped keys to -inf, an additive one is
  /// added in S's units (divided by the scale while S is raw).
  SmallVector<Value> applyExplicitMask(Value kv0, ArrayRef<Value> s,
                                       Value negInf);
  /// Accumulator element `i` of S lies in the thread's row `rowHalf(i)`
  /// (0 or 1, 8 rows apart) at key `keyOffset(i)` past the thread's first.
  static int64_t rowHalf(int64_t i) { return (i / 2) % 2; }
  static int64_t keyOffset(int64_t i) { return 8 * (i / 4) + i % 2; }
  /// Query row and key of accumulator element `i` of S, whose first key for
  /// this thread is `keyBase`.
  Value rowOfElement(int64_t i) { return add(threadRow0, idx(8 * rowHalf(i))); }
  Value keyOfElement(Value keyBase, int64_t i) {
    return add(keyBase, idx(keyOffset(i)));
  }
  /// The running max (exp2 domain) and per-thread partial sum a row starts
  /// with: -inf and 0, or with sinks the sink logit as a key of value 0
  /// (sink · log2(e), and 1 in the first thread of the quad).
  std::pair<Value, Value> initialRowState(Value fzero, Value negInf);
  /// Ragged-tail and causal masking of the scores `s` of the block at key
  /// `kv0`, under an scf.if on needsBoundsMask.
  SmallVector<Value> applyBoundsMask(Value kv0, ArrayRef<Value> s,
                                     Value negInf);
  /// Sets the new maxes and rescale factors of the thread's two rows in `r`;
  /// returns the maxes to subtract (0 for a row with no visible key).
  std::array<Value, 2> updateRowMaxes(ArrayRef<Value> s, ValueRange mOld,
                                      const SoftmaxConstants &k, Softmax &r);
  /// Two P values as one wgmma A register (two f16 or bf16 in an i32).
  Value packP(Value p0, Value p1);
  /// All of P as wgmma A registers.
  SmallVector<Value> packAll(ArrayRef<Value> p);
  /// P = exp2(S c - m c) into `r.p`, and the rescaled row sums into `r.l`.
  void exponentiate(ArrayRef<Value> s, ArrayRef<Value> mUse, ValueRange lOld,
                    const SoftmaxConstants &k, Softmax &r);
  /// Masks the scores of block `j` and runs the online-softmax update.
  Softmax softmax(Value j, ArrayRef<Value> s, ValueRange mOld, ValueRange lOld);
  SmallVector<Value> issuePV(ArrayRef<Value> oAcc, ArrayRef<Value> pRegs,
                             Value stageOff);
  SmallVector<Value> emitBlock(Value j, ValueRange state);
  /// First key of the tile's `j`-th visited K/V block.
  Value keyOfBlock(Value j) {
    return mul(kvFirst ? add(j, kvFirst) : j, idx(blockKV));
  }
  /// Per-tile state (q0, heads, numKV, ...) of query block `qBlk` of
  /// batch·head `bh`.
  void setupTile(Value bh, Value qBlk);
  /// Producer lane: Q and the K/V blocks of the current tile.
  void produceTile(Value tileIter);
  /// Producer lane: waits for block `blk`'s stage to be free, then loads it.
  void produceBlock(Value blk);
  /// Consumers: the loop over K/V blocks and the epilogue of the tile.
  void consumeTile(Value tileIter);
  void releaseStage(Value blk, Value isLeader);
  SmallVector<Value> emitBlockLoop(ValueRange init, Value zero, Value one,
                                   Value isLeader);
  SmallVector<Value> emitOverlappedLoop(ValueRange init, Value zero, Value one,
                                        Value isLeader, Value fzero,
                                        Value negInf);
  void storeTileOutput(ValueRange res, Value fzero, Value negInf);
  /// Two f32 of O as the output element type's pair.
  Value outputPair(Value x, Value y);
  bool pairedStores(ArrayRef<Value> pairs) const;
  /// The stores (value, column) of a row's `pairs` (one per 8-column group,
  /// at column 8 n + colOff), two groups per store.
  SmallVector<std::pair<Value, Value>> widenStores(ArrayRef<Value> pairs,
                                                   Value colOff);
  // The steps of emit(), in order.
  /// Thread, lane, warp and warpgroup indices.
  void setupThread(gpu::LaunchOp launch);
  /// The aligned dynamic shared memory and the wgmma descriptor bases.
  void setupSharedMemory();
  /// Creates and initialises the mbarriers; returns "this is thread 0".
  Value initBarriers();
  /// producer-warp=0: thread 0 loads Q and the first K/V stages, then every
  /// thread consumes the tile.
  void emitThreadZeroLoads(Value bx, Value by, Value isLeader);
  /// producer-warp=1: the producer and consumer roles.
  void emitWarpSpecialized(gpu::LaunchOp launch, Value bx, Value by);
  void forEachTile(gpu::LaunchOp launch, Value bx, Value by,
                   function_ref<void(Value tileIter)> body);
  int64_t numConsumerThreads() const { return numWG * kWarpgroupThreads; }
  // The mbarriers (initBarriers): Q loaded, K/V stage s full, stage s
  // empty (producer-warp=1), Q consumed (persistent=1).
  static constexpr int64_t kQFullBarrier = 0;
  int64_t fullBarrierIndex(int64_t stage) const { return 1 + stage; }
  int64_t emptyBarrierIndex(int64_t stage) const { return 1 + stages + stage; }
  Value fullBarrier(Value stage) {
    return add(stage, idx(fullBarrierIndex(0)));
  }
  Value emptyBarrier(Value stage) {
    return add(stage, idx(emptyBarrierIndex(0)));
  }
  int64_t qEmptyBarrier() const { return 1 + 2 * stages; }
  /// Waits for completion `parity` (i1) of mbarrier `barrier`.
  void waitBarrier(Value parity, Value barrier) {
    nvgpu::MBarrierTryWaitParityOp::create(b, loc, barriers, parity,
                                           idx(kTryWaitTicks), barrier);
  }
  /// The parity (i1) of completion `n` (index).
  Value parityOf(Value n) {
    return arith::TruncIOp::create(b, loc, b.getI1Type(), toI64(remu(n, 2)));
  }
  SmallVector<Value> emitOverlappedBlock(Value j, ValueRange state);
  SmallVector<Value> emitBlockUnlessMasked(Value j, ValueRange state);

  MLIRContext *ctx;
  Value q, k, v, o, mask, lse, qMap, kMap, vMap;
  // The mask's indexing, set up with the thread's coordinates.
  std::optional<ExplicitMask> explicitMask;
  const KernelScoreMods &mods;
  int64_t nb;
  SmallVector<int64_t> qPerm, kPerm, vPerm, oPerm;
  // The op's head dim; the padded one of the shared-memory tiles (whole
  // 64-column panels, zero-filled past headDim by TMA); and the one the
  // GEMMs compute with, headDim rounded up to a k-step: the zero columns
  // past it add nothing to S = Q·Kᵀ and are not stored from O, so their
  // MMA work is skipped (D = 96: S takes 6 k-steps of 16, not 8, and P·V
  // is m64n96).
  int64_t headDim, d, dMma;
  int64_t numWG, blockQ, blockKV, stages, panels, qBytes, tileBytes;
  int64_t kBase = 0, vBase = 0;
  Type outElemTy, elemTy, f32, i32, i64;
  bool bf16 = false, causal = false, bottomRight = false, overlap = false,
       ws = false, pingpong = false, persistent = false, lazyRescale = false;
  double scale, scaleLog2;

  Value tid, lane, warp, wgIdx, q0, sq, sk, causalOffset, headQ, headKV;
  Value wgRow0, threadRow0, numKV;
  // The first K/V block a tile visits (mask_mod only; else block 0).
  Value kvFirst;
  // K/V blocks this CTA consumed in earlier tiles (persistent): stage and
  // barrier phase follow the CTA's running block count.
  Value itBase;
  Value smemBase, alignPad, alignedAddr, barriers;
  Value qDescBase, kDescBase, vDescBase;
};

Value HopperEmitter::waitTile(Value jLocal) {
  Value j = add(itBase, jLocal);
  Value stage = remu(j, stages);
  // Phase parity flips every `stages` blocks.
  waitBarrier(parityOf(divu(j, stages)), fullBarrier(stage));
  return toI64(mul(stage, idx(tileBytes)));
}

Value HopperEmitter::issueS(Value stageOff) {
  // S = Q·Kᵀ: d/16 wgmma m64n{BKV}k16, A = Q rows of this warpgroup and B =
  // the K tile, both K-major in 64-column panels; the first one overwrites.
  int64_t nS = blockKV / 2;
  auto sTy = LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(nS, f32));
  Value acc = LLVM::UndefOp::create(b, loc, sTy);
  const int64_t stepsPerPanel = kPanel / kWgmmaK;
  SmallVector<Value> bases = descriptorBases({qDescBase, kDescBase});
  for (int64_t kk = 0; kk < dMma / kWgmmaK; ++kk) {
    int64_t p = kk / stepsPerPanel,
            within = (kk % stepsPerPanel) * kWgmmaKBytes;
    Value descA = arith::AddIOp::create(
        b, loc, bases[0],
        i64c((p * blockQ * kRowBytes + within) >> kDescUnitShift));
    Value descB = arith::AddIOp::create(
        b, loc, bases[1],
        toDescUnits(arith::AddIOp::create(
            b, loc, stageOff, i64c(p * blockKV * kRowBytes + within))));
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, loc, sTy, acc, descA, descB,
        NVVM::MMAShapeAttr::get(ctx, kWgmmaM, blockKV, kWgmmaK),
        bf16 ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16,
        bf16 ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16,
        NVVM::WGMMATypes::f32,
        kk == 0 ? NVVM::WGMMAScaleOut::zero : NVVM::WGMMAScaleOut::one,
        NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row,
        NVVM::MMALayout::col, NVVM::MMAIntOverflowAttr());
  }
  return acc;
}

SmallVector<Value> HopperEmitter::fenceOperands(ArrayRef<Value> vals) {
  // An empty asm that reads and writes `vals`: what uses its results cannot
  // move above the wgmma wait before it, and the registers an in-flight
  // wgmma reads stay allocated until then.
  return createTiedInlinePtx(b, loc, "", vals, {});
}

Value HopperEmitter::needsBoundsMask(Value kv0) {
  Value needMask = cmp(arith::CmpIPredicate::sgt, add(kv0, idx(blockKV)), sk);
  if (causal) {
    Value crosses = cmp(arith::CmpIPredicate::sgt, add(kv0, idx(blockKV - 1)),
                        add(wgRow0, causalOffset));
    needMask = arith::OrIOp::create(b, loc, needMask, crosses);
  }
  return needMask;
}

// Accumulator element i of a thread: row 16*warp + lane/4 + 8*((i/2)%2),
// column 8*(i/4) + 2*(lane%4) + i%2.
SmallVector<Value> HopperEmitter::applyScoreMods(Value kv0, ArrayRef<Value> s,
                                                 Value negInf) {
  Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  auto indicesOf = [&](int64_t i) {
    Value key = keyOfElement(keyBase, i);
    return KernelScoreMods::regionIndices(heads, rowOfElement(i), key);
  };
  SmallVector<Value> out(s);
  if (mods.scoreMod) {
    Value scaleCst = f32Cst(scale);
    for (int64_t i = 0; i < (int64_t)s.size(); ++i)
      out[i] = mods.modifyScore(b, loc, fmul(s[i], scaleCst), indicesOf(i));
  }
  if (mask)
    out = applyExplicitMask(kv0, out, negInf);
  if (!mods.maskMod)
    return out;
  // The mask is evaluated only where it may drop a key of this
  // warpgroup's 64 rows (the partial tiles of a window, say).
  Value mayDrop =
      mods.classifyTile(b, loc, heads, {wgRow0, add(wgRow0, idx(kWgmmaM - 1))},
                        {kv0, add(kv0, idx(blockKV - 1))})
          .mayDrop;
  auto ifOp = scf::IfOp::create(b, loc, SmallVector<Type>(out.size(), f32),
                                mayDrop, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Value> masked;
  for (int64_t i = 0; i < (int64_t)out.size(); ++i)
    masked.push_back(select(mods.keep(b, loc, indicesOf(i)), out[i], negInf));
  scf::YieldOp::create(b, loc, masked);
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, out);
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value>
HopperEmitter::applyExplicitMask(Value kv0, ArrayRef<Value> s, Value negInf) {
  Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
  SmallVector<Value> heads(batchIdx);
  heads.push_back(headQ);
  // A bias is a logit: S is raw Q·Kᵀ (the scale folded into exp2) unless
  // score_mod has scaled it.
  double toScoreUnits = mods.scoreMod ? 1.0 : 1.0 / scale;
  SmallVector<Value> out;
  for (int64_t i = 0; i < (int64_t)s.size(); ++i) {
    Value m =
        explicitMask->load(b, loc, heads, rowOfElement(i),
                           keyOfElement(keyBase, i), sq, sk, toScoreUnits);
    out.push_back(ExplicitMask::apply(b, loc, s[i], m, negInf));
  }
  return out;
}

std::pair<Value, Value> HopperEmitter::initialRowState(Value fzero,
                                                       Value negInf) {
  if (!mods.sinks)
    return {negInf, fzero};
  Value m = fmul(mods.loadSink(b, loc, headQ), f32Cst(M_LOG2E));
  Value first = cmp(arith::CmpIPredicate::eq, remu(lane, 4), idx(0));
  return {m, select(first, f32Cst(1.0f), fzero)};
}

SmallVector<Value> HopperEmitter::applyBoundsMask(Value kv0, ArrayRef<Value> s,
                                                  Value negInf) {
  int64_t nS = blockKV / 2;
  auto ifOp = scf::IfOp::create(b, loc, SmallVector<Type>(nS, f32),
                                needsBoundsMask(kv0),
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  // Key keyBase + c of element i (c = keyOffset(i)) is dropped when
  // c >= sk - keyBase, or c > row + causalOffset - keyBase: one i32 limit
  // per block and row, compared with immediates. Comparing keyBase + c
  // with sk let LLVM hoist the nS / 2 distinct 64-bit column offsets out of
  // a persistent CTA's tile loop, live across its whole main loop.
  Value keyBase = add(kv0, mul(remu(lane, 4), idx(2)));
  auto toI32 = [&](Value x) {
    return arith::IndexCastOp::create(b, loc, i32, x).getResult();
  };
  Value tailLimit = toI32(sub(sk, keyBase));
  std::array<Value, 2> causalLimit;
  for (int64_t h = 0; causal && h < 2; ++h)
    causalLimit[h] =
        toI32(sub(add(add(threadRow0, idx(8 * h)), causalOffset), keyBase));
  SmallVector<Value> masked;
  for (int64_t i = 0; i < nS; ++i) {
    Value c = i32c(keyOffset(i));
    Value bad = cmp(arith::CmpIPredicate::sge, c, tailLimit);
    if (causal) {
      bad = arith::OrIOp::create(
          b, loc, bad,
          cmp(arith::CmpIPredicate::sgt, c, causalLimit[rowHalf(i)]));
    }
    masked.push_back(select(bad, negInf, s[i]));
  }
  scf::YieldOp::create(b, loc, masked);
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, s);
  return SmallVector<Value>(ifOp.getResults().begin(), ifOp.getResults().end());
}

std::array<Value, 2> HopperEmitter::updateRowMaxes(ArrayRef<Value> s,
                                                   ValueRange mOld,
                                                   const SoftmaxConstants &k,
                                                   Softmax &r) {
  std::array<Value, 2> mUse;
  r.m.resize(2);
  r.alpha.resize(2);
  for (int64_t h = 0; h < 2; ++h) {
    Value mx = k.negInf;
    for (int64_t i = 0; i < (int64_t)s.size(); ++i)
      if ((i / 2) % 2 == h)
        mx = fmax(mx, s[i]);
    mx = quadReduce(mx, /*isMax=*/true);
    r.m[h] = fmax(mOld[h], fmul(mx, k.scaleLog2));
    if (lazyRescale) {
      // Keep the old max unless the new one is more than 2^8 above it: P
      // then stays below 256 (f16, bf16 and the f32 sums hold that), and
      // most blocks leave every max alone, so O needs no rescale.
      Value grow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                         fsub(r.m[h], mOld[h]),
                                         f32Cst(kLazyRescaleLog2));
      r.m[h] = select(grow, r.m[h], mOld[h]);
      r.grew = r.grew ? arith::OrIOp::create(b, loc, r.grew, grow) : grow;
    }
    // A row with no visible key yet keeps -inf: use 0 so that every
    // exponent is exp2(-inf) = 0 rather than NaN.
    Value isInf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                        r.m[h], k.negInf);
    mUse[h] = select(isInf, k.zero, r.m[h]);
    r.alpha[h] = exp2(fsub(mOld[h], mUse[h]));
  }
  return mUse;
}

Value HopperEmitter::packP(Value p0, Value p1) {
  if (bf16)
    return packPair(p0, p1);
  Value pair = vector::FromElementsOp::create(
      b, loc, VectorType::get({2}, elemTy),
      ValueRange{arith::TruncFOp::create(b, loc, elemTy, p0),
                 arith::TruncFOp::create(b, loc, elemTy, p1)});
  Value asI32 =
      vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), pair);
  return vector::ExtractOp::create(b, loc, asI32, ArrayRef<int64_t>{0});
}

SmallVector<Value> HopperEmitter::packAll(ArrayRef<Value> p) {
  SmallVector<Value> packed;
  for (size_t i = 0; i < p.size(); i += 2)
    packed.push_back(packP(p[i], p[i + 1]));
  return packed;
}

void HopperEmitter::exponentiate(ArrayRef<Value> s, ArrayRef<Value> mUse,
                                 ValueRange lOld, const SoftmaxConstants &k,
                                 Softmax &r) {
  SmallVector<Value> sum(2, k.zero);
  for (int64_t i = 0; i < (int64_t)s.size(); i += 2) {
    int64_t h = (i / 2) % 2;
    Value negM = arith::NegFOp::create(b, loc, mUse[h]);
    Value p0 = exp2(fma(s[i], k.scaleLog2, negM));
    Value p1 = exp2(fma(s[i + 1], k.scaleLog2, negM));
    sum[h] = fadd(sum[h], fadd(p0, p1));
    r.p.append({p0, p1});
  }
  r.l.resize(2);
  for (int64_t h = 0; h < 2; ++h)
    r.l[h] = fma(lOld[h], r.alpha[h], sum[h]);
}

// Online softmax in the exp2 domain, two rows per thread.
HopperEmitter::Softmax HopperEmitter::softmax(Value j, ArrayRef<Value> sIn,
                                              ValueRange mOld,
                                              ValueRange lOld) {
  Value kv0 = keyOfBlock(j);
  Value negInf = f32Cst(-INFINITY);
  SmallVector<Value> s(sIn);
  // Then the ragged tail and causal masking: rows and keys past Sq / Sk read
  // mask element 0, and the bounds mask drops them.
  if (mods.scoreMod || mods.maskMod || mask)
    s = applyScoreMods(kv0, s, negInf);
  s = applyBoundsMask(kv0, s, negInf);
  SoftmaxConstants k;
  k.negInf = negInf;
  k.zero = f32Cst(0.0f);
  // After score_mod, S is already scaled.
  k.scaleLog2 = f32Cst(mods.scoreMod ? M_LOG2E : scaleLog2);
  Softmax r;
  std::array<Value, 2> mUse = updateRowMaxes(s, mOld, k, r);
  exponentiate(s, mUse, lOld, k, r);
  return r;
}

SmallVector<Value> HopperEmitter::issuePV(ArrayRef<Value> oAcc,
                                          ArrayRef<Value> pRegs,
                                          Value stageOff) {
  // O += P·V: BKV/16 register-A wgmma m64n{d}k16. For k step kk, A register
  // r holds S elements 8kk + 2r and 8kk + 2r + 1 (the accumulator layout of
  // two 8-column tiles is the A-fragment layout).
  SmallVector<Value> o(oAcc);
  Value base = descriptorBases({vDescBase})[0];
  for (int64_t kk = 0; kk < blockKV / kWgmmaK; ++kk) {
    SmallVector<Value> a(pRegs.begin() + 4 * kk, pRegs.begin() + 4 * kk + 4);
    Value descB = arith::AddIOp::create(
        b, loc, base,
        toDescUnits(arith::AddIOp::create(b, loc, stageOff,
                                          i64c(kk * kWgmmaK * kRowBytes))));
    o = wgmmaRegA(o, a, descB);
  }
  return o;
}

SmallVector<Value> HopperEmitter::scoresOf(Value acc) {
  SmallVector<Value> s;
  for (int64_t i = 0; i < blockKV / 2; ++i)
    s.push_back(LLVM::ExtractValueOp::create(b, loc, acc, i));
  return fenceOperands(s);
}

SmallVector<Value> HopperEmitter::computeS(Value j, Value &stageOff) {
  stageOff = waitTile(j);
  schedWait();
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  Value acc = issueS(stageOff);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  schedSignalNext();
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  releaseQAfterLastS(j);
  return scoresOf(acc);
}

/// Persistent: if `cond`, this thread is done with the tile's Q, which the
/// producer overwrites with the next tile's once every consumer thread said
/// so.
void HopperEmitter::releaseQIf(Value cond) {
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, cond, false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  nvgpu::MBarrierArriveOp::create(b, loc, nvgpu::MBarrierTokenType::get(ctx),
                                  barriers, idx(qEmptyBarrier()));
}

/// Q is read by the S GEMMs only: releasing it once the last of them is
/// complete, rather than after the tile's last P·V, lets the next tile's Q
/// load overlap the last softmax, the last P·V and the epilogue. With few
/// key blocks per tile that load was on the critical path between tiles.
void HopperEmitter::releaseQAfterLastS(Value j) {
  if (persistent)
    releaseQIf(cmp(arith::CmpIPredicate::eq, j, sub(numKV, idx(1))));
}

/// Causal: a block whose first key is past the last key this warpgroup's
/// rows see adds nothing to them, and the warpgroup skips its GEMMs and
/// softmax. The CTA's trip count follows the last row of its other
/// warpgroup, so on the diagonal warpgroup 0 would compute a whole block of
/// masked scores (S = 512 causal: 4 of the 20 64-key blocks of a head's
/// tiles). Ping-pong needs both warpgroups to take every turn. Where it is
/// used was measured (H200, bench/results/2026-12-04-h200-skip-masked.md):
/// at D = 256 it gains 9% at S = 512 and 2% at 4k; at D = 192 the branch
/// around the block slowed the loop (-3% to -9% at 1k-4k keys); and the
/// thread-0 kernel's row is there for two CTAs per SM, which the branch
/// broke (130 registers instead of 128, two-ctas-registers.mlir).
SmallVector<Value> HopperEmitter::emitBlockUnlessMasked(Value j,
                                                        ValueRange state) {
  if (!causal || pingpong || !ws || d < 256)
    return emitBlock(j, state);
  Value lastKey = add(add(wgRow0, idx(kWgmmaM - 1)), causalOffset);
  Value seen = cmp(arith::CmpIPredicate::sle, keyOfBlock(j), lastKey);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange(state), seen, true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, emitBlock(j, state));
  b.setInsertionPointToStart(ifOp.elseBlock());
  // Skipped blocks are the CTA's last ones: a persistent CTA's Q is free
  // for the next tile once the skipped last block is reached (its S GEMMs
  // before it are complete).
  releaseQAfterLastS(j);
  scf::YieldOp::create(b, loc, state);
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value> HopperEmitter::emitBlock(Value j, ValueRange state) {
  int64_t nO = dMma / 2;
  Value stageOff;
  SmallVector<Value> s = computeS(j, stageOff);
  Softmax sm = softmax(j, s, state.slice(nO, 2), state.slice(nO + 2, 2));
  SmallVector<Value> oAcc =
      rescaleO(SmallVector<Value>(state.begin(), state.begin() + nO), sm);
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  oAcc = issuePV(oAcc, packAll(sm.p), stageOff);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  oAcc = fenceOperands(oAcc);
  SmallVector<Value> res(oAcc);
  res.append(sm.m.begin(), sm.m.end());
  res.append(sm.l.begin(), sm.l.end());
  return res;
}

SmallVector<Value> HopperEmitter::emitOverlappedBlock(Value j,
                                                      ValueRange state) {
  // Iteration j >= 1: S_j = Q·K_j and O += P_{j-1}·V_{j-1} are in flight
  // together while the softmax of S_j runs (FA3's intra-warpgroup overlap).
  // state = O (rescaled up to block j-1, without P_{j-1}·V_{j-1}), m, l,
  // P_{j-1}.
  int64_t nO = dMma / 2;
  Value stageOff = waitTile(j);
  Value prevOff =
      toI64(mul(remu(add(itBase, sub(j, idx(1))), stages), idx(tileBytes)));
  SmallVector<Value> oAcc(state.begin(), state.begin() + nO);
  SmallVector<Value> pPrev(state.begin() + nO + 4, state.end());
  schedWait();
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  Value acc = issueS(stageOff);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  oAcc = issuePV(oAcc, pPrev, prevOff);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  schedSignalNext();
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 1);
  releaseQAfterLastS(j);
  SmallVector<Value> s = scoresOf(acc);
  Softmax sm = softmax(j, s, state.slice(nO, 2), state.slice(nO + 2, 2));
  SmallVector<Value> res = waitAndRescaleO(oAcc, pPrev, sm);
  res.append(sm.m.begin(), sm.m.end());
  res.append(sm.l.begin(), sm.l.end());
  // P is packed after the wait, as in FA3: the packed registers are the A
  // operand of the next P·V, the ones P(j-1)·V(j-1) reads until the wait.
  SmallVector<Value> packed = packAll(sm.p);
  res.append(packed.begin(), packed.end());
  return res;
}

/// Waits for P(j-1)·V(j-1) and rescales O. With lazy rescaling the wait sits
/// in both arms of the rescale's branch, below the softmax: in one basic
/// block with the softmax, ptxas scheduled the wait (WARPGROUP.DEPBAR) at
/// the top of it, so the softmax of S(j) ran after the P·V it was meant to
/// overlap (SASS of the D = 64 and 128 kernels, 2026-12-04). The softmax's
/// results go through an operand fence first so that LLVM keeps them above
/// the branch.
SmallVector<Value> HopperEmitter::waitAndRescaleO(ArrayRef<Value> oAcc,
                                                  ArrayRef<Value> pPrev,
                                                  Softmax &sm) {
  int64_t nO = oAcc.size();
  auto waitFenced = [&] {
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    SmallVector<Value> f(oAcc);
    f.append(pPrev.begin(), pPrev.end());
    f = fenceOperands(f);
    f.resize(nO);
    return f;
  };
  if (!sm.grew)
    return scaleByAlpha(waitFenced(), sm);
  SmallVector<Value> keep(sm.p);
  keep.append(sm.l.begin(), sm.l.end());
  keep = fenceOperands(keep);
  sm.p.assign(keep.begin(), keep.end() - 2);
  sm.l.assign(keep.end() - 2, keep.end());
  return ifWarpRescales(
      sm, SmallVector<Type>(nO, f32),
      [&] { return scaleByAlpha(waitFenced(), sm); }, waitFenced);
}

SmallVector<Value> HopperEmitter::scaleByAlpha(ArrayRef<Value> o,
                                               const Softmax &sm) {
  SmallVector<Value> res;
  for (int64_t jj = 0; jj < (int64_t)o.size(); ++jj)
    res.push_back(fmul(o[jj], sm.alpha[(jj / 2) % 2]));
  return res;
}

SmallVector<Value>
HopperEmitter::ifWarpRescales(const Softmax &sm, TypeRange types,
                              function_ref<SmallVector<Value>()> rescaled,
                              function_ref<SmallVector<Value>()> kept) {
  Value any = NVVM::VoteSyncOp::create(
      b, loc, b.getI1Type(),
      arith::ConstantIntOp::create(b, loc, i32, 0xffffffff), sm.grew,
      NVVM::VoteSyncKind::any);
  auto ifOp = scf::IfOp::create(b, loc, types, any, true);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(b, loc, rescaled());
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(b, loc, kept());
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value> HopperEmitter::rescaleO(ArrayRef<Value> o,
                                           const Softmax &sm) {
  if (!sm.grew)
    return scaleByAlpha(o, sm);
  return ifWarpRescales(
      sm, ValueRange(o).getTypes(), [&] { return scaleByAlpha(o, sm); },
      [&] { return SmallVector<Value>(o); });
}

void HopperEmitter::setupTile(Value bh, Value qBlk) {
  BlockHeads heads = decodeBlockHeads(bh, q, qPerm, k, kPerm, nb);
  sq = heads.sq;
  sk = heads.sk;
  headQ = heads.headQ;
  headKV = heads.headKV;
  q0 = mul(qBlk, idx(blockQ));
  wgRow0 = add(q0, mul(wgIdx, idx(kWgmmaM)));
  threadRow0 = add(add(wgRow0, mul(warp, idx(16))), divu(lane, 4));
  causalOffset = bottomRight ? sub(sk, sq) : idx(0);

  KeyBlocks blocks = visitedKeyBlocks(
      q0, blockQ, blockKV,
      causal ? std::optional<Value>(causalOffset) : std::nullopt, headQ, sq, sk,
      mods);
  kvFirst = blocks.first;
  numKV = blocks.count;
}

void HopperEmitter::produceTile(Value tileIter) {
  if (persistent) {
    // Q of the previous tile must be consumed: completion tileIter - 1 of
    // the Q-empty barrier.
    auto notFirst = scf::IfOp::create(
        b, loc, TypeRange{}, cmp(arith::CmpIPredicate::ugt, tileIter, idx(0)),
        false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(notFirst.thenBlock());
    waitBarrier(parityOf(sub(tileIter, idx(1))), idx(qEmptyBarrier()));
  }
  loadQ();
  scf::ForOp::create(b, loc, idx(0), numKV, idx(1), ValueRange{},
                     [&](OpBuilder &, Location, Value blk, ValueRange) {
                       produceBlock(blk);
                       scf::YieldOp::create(b, loc);
                     });
}

void HopperEmitter::produceBlock(Value blk) {
  // Blocks of earlier tiles of this CTA count too (persistent).
  Value it = add(itBase, blk);
  Value stage = remu(it, stages);
  auto reuse =
      scf::IfOp::create(b, loc, TypeRange{},
                        cmp(arith::CmpIPredicate::sge, it, idx(stages)), false);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(reuse.thenBlock());
    // Completion it / stages of the empty barrier.
    waitBarrier(parityOf(sub(divu(it, stages), idx(1))), emptyBarrier(stage));
  }
  loadKV(blk, stage);
}

void HopperEmitter::consumeTile(Value tileIter) {
  // Q of this tile: completion tileIter of its barrier.
  waitBarrier(parityOf(tileIter), idx(kQFullBarrier));
  Value isLeader = cmp(arith::CmpIPredicate::eq, tid, idx(0));

  // Main loop.
  int64_t nO = dMma / 2;
  Value fzero = f32Cst(0.0f), negInf = f32Cst(-INFINITY);
  SmallVector<Value> init(nO, fzero);
  auto [m0, l0] = initialRowState(fzero, negInf);
  init.append({m0, m0, l0, l0});
  Value zero = idx(0), one = idx(1);
  SmallVector<Value> finalState =
      overlap ? emitOverlappedLoop(init, zero, one, isLeader, fzero, negInf)
              : emitBlockLoop(init, zero, one, isLeader);

  // A tile without key blocks ran no S GEMM to release Q after.
  if (persistent)
    releaseQIf(cmp(arith::CmpIPredicate::eq, numKV, zero));
  storeTileOutput(finalState, fzero, negInf);
}

/// After the last reader of stage `blk % stages` passed the barrier, thread
/// 0 refills it with block `blk + stages` (with a producer warpgroup: this
/// thread tells the producer it is done with the stage).
void HopperEmitter::releaseStage(Value blk, Value isLeader) {
  if (ws) {
    // Tell the producer this thread is done with the stage.
    nvgpu::MBarrierArriveOp::create(
        b, loc, nvgpu::MBarrierTokenType::get(ctx), barriers,
        emptyBarrier(remu(add(itBase, blk), stages)));
    return;
  }
  gpu::BarrierOp::create(b, loc);
  Value next = add(blk, idx(stages));
  Value refill = arith::AndIOp::create(
      b, loc, isLeader, cmp(arith::CmpIPredicate::slt, next, numKV));
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, refill, false);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  loadKV(next, remu(blk, stages));
}

/// overlap=0: one K/V block at a time.
SmallVector<Value> HopperEmitter::emitBlockLoop(ValueRange init, Value zero,
                                                Value one, Value isLeader) {
  auto loop =
      scf::ForOp::create(b, loc, zero, numKV, one, init,
                         [&](OpBuilder &, Location, Value j, ValueRange state) {
                           SmallVector<Value> res =
                               emitBlockUnlessMasked(j, state);
                           releaseStage(j, isLeader);
                           scf::YieldOp::create(b, loc, res);
                         });
  return SmallVector<Value>(loop.getResults());
}

/// overlap=1: S(j) and P(j-1)·V(j-1) in flight together, with block 0's S
/// before the loop and the last block's P·V after it.
SmallVector<Value>
HopperEmitter::emitOverlappedLoop(ValueRange init, Value zero, Value one,
                                  Value isLeader, Value fzero, Value negInf) {
  int64_t nO = dMma / 2, nS = blockKV / 2;
  // Block 0: S_0 and its softmax; P_0 is multiplied in iteration 1.
  Value hasKV = cmp(arith::CmpIPredicate::sgt, numKV, zero);
  Value i32Zero = arith::ConstantIntOp::create(b, loc, i32, 0);
  SmallVector<Value> pre(init);
  pre.append(SmallVector<Value>(nS / 2, i32Zero));
  SmallVector<Type> preTypes = llvm::to_vector(ValueRange(pre).getTypes());
  auto first = scf::IfOp::create(b, loc, preTypes, hasKV, true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value stageOff;
    SmallVector<Value> sv = computeS(zero, stageOff);
    Softmax sm = softmax(zero, sv, init.slice(nO, 2), init.slice(nO + 2, 2));
    SmallVector<Value> y(nO, fzero);
    y.append(sm.m.begin(), sm.m.end());
    y.append(sm.l.begin(), sm.l.end());
    SmallVector<Value> packed = packAll(sm.p);
    y.append(packed.begin(), packed.end());
    scf::YieldOp::create(b, loc, y);
    b.setInsertionPointToStart(first.elseBlock());
    scf::YieldOp::create(b, loc, pre);
  }
  auto loop =
      scf::ForOp::create(b, loc, one, numKV, one, first.getResults(),
                         [&](OpBuilder &, Location, Value j, ValueRange state) {
                           SmallVector<Value> res =
                               emitOverlappedBlock(j, state);
                           releaseStage(sub(j, one), isLeader);
                           scf::YieldOp::create(b, loc, res);
                         });
  // The last block's P·V.
  ValueRange st = loop.getResults();
  SmallVector<Value> oTypesInit(st.begin(), st.begin() + nO);
  auto last =
      scf::IfOp::create(b, loc, SmallVector<Type>(nO, f32), hasKV, true);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(last.thenBlock());
    Value lastOff =
        toI64(mul(remu(add(itBase, sub(numKV, one)), stages), idx(tileBytes)));
    SmallVector<Value> pLast(st.begin() + nO + 4, st.end());
    NVVM::WgmmaFenceAlignedOp::create(b, loc);
    SmallVector<Value> o2 = issuePV(oTypesInit, pLast, lastOff);
    NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
    NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
    o2 = fenceOperands(o2);
    // The loop released every stage but the last block's; a persistent
    // CTA's producer refills that one for a later tile.
    if (persistent)
      releaseStage(sub(numKV, one), isLeader);
    scf::YieldOp::create(b, loc, o2);
    b.setInsertionPointToStart(last.elseBlock());
    scf::YieldOp::create(b, loc, oTypesInit);
  }
  SmallVector<Value> finalState(last.getResults());
  finalState.append(st.begin() + nO, st.begin() + nO + 4);
  return finalState;
}

/// The epilogue of a tile: O / l from registers (and lse), rows past Sq
/// dropped.
void HopperEmitter::storeTileOutput(ValueRange res, Value fzero, Value negInf) {
  int64_t nO = dMma / 2;
  Value colOff = mul(remu(lane, 4), idx(2));
  for (int64_t h = 0; h < 2; ++h) {
    Value l = quadReduce(res[nO + 2 + h], /*isMax=*/false);
    Value isZero =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, l, fzero);
    Value inv =
        select(isZero, fzero, arith::DivFOp::create(b, loc, f32Cst(1.0f), l));
    Value row = add(threadRow0, idx(8 * h));
    // Columns past the op's head dim are padding: not stored.
    SmallVector<Value> pairs;
    for (int64_t n = 0; n < headDim / 8; ++n)
      pairs.push_back(outputPair(fmul(res[4 * n + 2 * h], inv),
                                 fmul(res[4 * n + 2 * h + 1], inv)));
    SmallVector<std::pair<Value, Value>> stores =
        pairedStores(pairs) ? widenStores(pairs, colOff)
                            : SmallVector<std::pair<Value, Value>>();
    auto ifOp = scf::IfOp::create(
        b, loc, TypeRange{}, cmp(arith::CmpIPredicate::slt, row, sq), false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    if (lse) {
      // m is the row max of scale * log2(e) * S, so ln(sum exp(scale * S))
      // = m * ln(2) + ln(l); a row with no visible key gets -inf.
      Value lseVal = select(
          isZero, negInf,
          fma(res[nO + h], f32Cst(M_LN2), math::LogOp::create(b, loc, l)));
      storeRowLse(lse, lseVal, lane, headQ, row);
    }
    int64_t bytes = outElemTy.getIntOrFloatBitWidth() / 8;
    if (stores.empty()) {
      // The pair starts at an even column of a 16-byte aligned buffer whose
      // rows are a multiple of 8 elements: say so, or LLVM splits the store.
      for (int64_t n = 0; n < (int64_t)pairs.size(); ++n)
        vector::StoreOp::create(
            b, loc, pairs[n], o,
            storedIndices(oPerm, headQ, row, add(idx(n * 8), colOff)),
            /*nontemporal=*/false, llvm::Align(2 * bytes));
      continue;
    }
    for (auto [value, col] : stores)
      vector::StoreOp::create(b, loc, value, o,
                              storedIndices(oPerm, headQ, row, col),
                              /*nontemporal=*/false, llvm::Align(4 * bytes));
  }
}

Value HopperEmitter::outputPair(Value x, Value y) {
  Value pair = vector::FromElementsOp::create(b, loc, VectorType::get({2}, f32),
                                              ValueRange{x, y});
  if (outElemTy.isF32())
    return pair;
  return arith::TruncFOp::create(b, loc, VectorType::get({2}, outElemTy), pair);
}

bool HopperEmitter::pairedStores(ArrayRef<Value> pairs) const {
  return !outElemTy.isF32() && pairs.size() % 2 == 0;
}

/// A quad's lanes 2k and 2k + 1 hold columns 4k .. 4k + 3 of every 8-column
/// group as two pairs. One exchange per two groups gives the even lane
/// group n's four columns and the odd lane group n + 1's: half as many
/// stores, each of 8 bytes (f16/bf16 O), as storing the pairs. The 4-byte
/// stores held the epilogue up: at D = 128 and S = 512 the epilogue took 14%
/// of the consumers' warp samples, and the row-sum shuffles of a row's second
/// half waited on the first half's stores to read their registers
/// (bench/results/profile-2026-12-04-h200-sass/). With 8-byte stores the
/// D = 128 kernels gained 8-16% at S = 512 and 2% at 4k (H200,
/// bench/results/2026-12-04-h200-wide-stores.md).
SmallVector<std::pair<Value, Value>>
HopperEmitter::widenStores(ArrayRef<Value> pairs, Value colOff) {
  int64_t bits = outElemTy.getIntOrFloatBitWidth();
  Value odd = cmp(arith::CmpIPredicate::ne, remu(lane, 2), idx(0));
  auto asI32 = [&](Value pair) {
    return vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), pair);
  };
  auto scalar = [&](Value v) {
    return vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0});
  };
  SmallVector<std::pair<Value, Value>> stores;
  for (size_t n = 0; n < pairs.size(); n += 2) {
    Value a = scalar(asI32(pairs[n])), c = scalar(asI32(pairs[n + 1]));
    Value recv = gpu::ShuffleOp::create(b, loc, select(odd, a, c), 1,
                                        /*width=*/32, gpu::ShuffleMode::XOR)
                     .getShuffleResult();
    Value quad = vector::FromElementsOp::create(
        b, loc, VectorType::get({2}, i32),
        ValueRange{select(odd, recv, a), select(odd, c, recv)});
    quad = vector::BitCastOp::create(
        b, loc, VectorType::get({64 / bits}, outElemTy), quad);
    Value col = add(add(idx(n * 8), colOff), select(odd, idx(6), idx(0)));
    stores.push_back({quad, col});
  }
  return stores;
}

void HopperEmitter::emit(gpu::LaunchOp launch) {
  // With a producer warp the consumer code goes into an scf.if; the caller
  // appends the terminator where it left off.
  OpBuilder::InsertionGuard guard(b);
  Value bx = launch.getBlockIds().x, by = launch.getBlockIds().y;
  setupThread(launch);
  if (mask)
    explicitMask.emplace(b, loc, mask, nb);
  setupSharedMemory();
  Value isLeader = initBarriers();
  if (!ws)
    return emitThreadZeroLoads(bx, by, isLeader);
  emitWarpSpecialized(launch, bx, by);
}

void HopperEmitter::setupThread(gpu::LaunchOp launch) {
  tid = launch.getThreadIds().x;
  lane = remu(tid, 32);
  warp = remu(divu(tid, 32), 4);
  wgIdx = divu(tid, kWarpgroupThreads);
  itBase = idx(0);
}

void HopperEmitter::setupSharedMemory() {
  // Dynamic shared memory, from the first 1 KiB swizzle atom strictly
  // above its base. The base is not where the dynamic memory starts: LLVM
  // demotes gpu.dynamic_shared_memory's internal zero-size global to a
  // 1-byte static `.shared` variable, which ptxas places first, at 0x400,
  // with the static mbarriers right after it (0x408). Rounding 0x400 up to
  // itself put the Q tile on top of the mbarriers: TMA writes to live
  // mbarrier objects, undefined in PTX (issue 17). The mbarriers take less
  // than 1 KiB, and with the base first in its atom the next atom is past
  // them; with the base after them nothing static follows it. The pad,
  // 1 to 1024 bytes, stays within the 1 KiB of slack of sharedBytes.
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  smemBase = gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(), wg));
  Value rawAddr =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, smemBase);
  alignPad = sub(idx(kAtomBytes), remu(rawAddr, kAtomBytes));
  alignedAddr = toI64(add(rawAddr, alignPad));
  kBase = qBytes;
  vBase = qBytes + stages * tileBytes;
  // K-major operands (Q, K): the leading offset is unused with swizzling,
  // the stride offset is one 8-row atom. V is an MN-major B: 64-column
  // panels are blockKV rows apart, 8-key groups one atom apart.
  qDescBase = descriptor(i64c(0), 16, kAtomBytes);
  qDescBase = arith::AddIOp::create(
      b, loc, qDescBase,
      toDescUnits(toI64(mul(wgIdx, idx(kWgmmaM * kRowBytes)))));
  kDescBase = descriptor(i64c(kBase), 16, kAtomBytes);
  vDescBase = descriptor(i64c(vBase), blockKV * kRowBytes, kAtomBytes);
}

Value HopperEmitter::initBarriers() {
  // Barrier 0: Q; barrier 1 + s: K/V stage s full. One arrival (the
  // producer's expect_tx) plus the transaction bytes complete a phase. With
  // a producer warp, barrier 1 + stages + s: stage s empty, one arrival per
  // consumer thread.
  int64_t consumers = numConsumerThreads();
  auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  // With `persistent`, barrier 1 + 2 * stages: Q consumed, one arrival per
  // consumer thread.
  auto barTy = nvgpu::MBarrierGroupType::get(
      ctx, wg, 1 + (ws ? 2 : 1) * stages + (persistent ? 1 : 0));
  barriers = nvgpu::MBarrierCreateOp::create(b, loc, barTy);
  Value isLeader = cmp(arith::CmpIPredicate::eq, tid, idx(0));
  {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, isLeader, false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    nvgpu::MBarrierInitOp::create(b, loc, barriers, idx(1), idx(kQFullBarrier),
                                  Value());
    for (int64_t i = 0; i < stages; ++i)
      nvgpu::MBarrierInitOp::create(b, loc, barriers, idx(1),
                                    idx(fullBarrierIndex(i)), Value());
    if (ws)
      for (int64_t i = 0; i < stages; ++i)
        nvgpu::MBarrierInitOp::create(b, loc, barriers, idx(consumers),
                                      idx(emptyBarrierIndex(i)), Value());
    if (persistent)
      nvgpu::MBarrierInitOp::create(b, loc, barriers, idx(consumers),
                                    idx(qEmptyBarrier()), Value());
    NVVM::FenceMbarrierInitOp::create(b, loc);
  }
  gpu::BarrierOp::create(b, loc);
  return isLeader;
}

void HopperEmitter::emitThreadZeroLoads(Value bx, Value by, Value isLeader) {
  setupTile(by, bx);
  // Prologue (thread 0): Q, then the first `stages` K/V tiles.
  {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{}, isLeader, false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    loadQ();
    for (int64_t st = 0; st < stages; ++st) {
      auto has = scf::IfOp::create(
          b, loc, TypeRange{}, cmp(arith::CmpIPredicate::slt, idx(st), numKV),
          false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(has.thenBlock());
      loadKV(idx(st), idx(st));
    }
  }
  consumeTile(idx(0));
}

/// The tiles of this CTA: its own (bx, by), or with `persistent` tiles bx,
/// bx + gridDim.x, ... of all (query block, batch·head) pairs, the causal
/// ones longest first. `body` runs per tile with itBase = the K/V blocks
/// of the CTA's earlier tiles.
void HopperEmitter::forEachTile(gpu::LaunchOp launch, Value bx, Value by,
                                function_ref<void(Value tileIter)> body) {
  if (!persistent) {
    setupTile(by, bx);
    body(idx(0));
    return;
  }
  Value sqAll = logicalDim(q, qPerm, nb + 1);
  Value bhCount = logicalDim(q, qPerm, nb);
  for (int64_t i = 0; i < nb; ++i)
    bhCount = mul(bhCount, logicalDim(q, qPerm, i));
  Value qBlocks = divu(add(sqAll, idx(blockQ - 1)), blockQ);
  Value numTiles = mul(qBlocks, bhCount);
  Value gridX = launch.getGridSize().x;
  Value left = arith::MaxSIOp::create(b, loc, sub(numTiles, bx), idx(0));
  Value count = divuGrid(add(left, sub(gridX, idx(1))), gridX);
  scf::ForOp::create(
      b, loc, idx(0), count, idx(1), ValueRange{idx(0)},
      [&](OpBuilder &, Location, Value iter, ValueRange carried) {
        Value t = add(bx, mul(iter, gridX));
        Value bh, qBlk;
        if (causal) {
          bh = remuGrid(t, bhCount);
          qBlk = sub(sub(qBlocks, idx(1)), divuGrid(t, bhCount));
        } else {
          bh = divuGrid(t, qBlocks);
          qBlk = remuGrid(t, qBlocks);
        }
        itBase = carried[0];
        setupTile(bh, qBlk);
        body(iter);
        scf::YieldOp::create(b, loc, ValueRange{add(itBase, numKV)});
      });
}

void HopperEmitter::emitWarpSpecialized(gpu::LaunchOp launch, Value bx,
                                        Value by) {
  // Warp specialisation: one producer warpgroup, whose lane 0 issues Q
  // and then every K/V tile once its stage is empty; consumers never wait
  // on each other. setmaxnreg moves registers from the producer to the
  // consumers (splitRegisters): 24 and 240 with 2 consumer warpgroups, 24
  // and 160 with 3; persistent, 40 and 232 or 152.
  int64_t consumers = numConsumerThreads();
  RegisterSplit regs = splitRegisters(consumers, persistent);

  auto roles = scf::IfOp::create(
      b, loc, TypeRange{}, cmp(arith::CmpIPredicate::uge, tid, idx(consumers)),
      true);
  {
    OpBuilder::InsertionGuard g0(b);
    b.setInsertionPointToStart(roles.thenBlock());
    NVVM::SetMaxRegisterOp::create(b, loc, regs.producer,
                                   NVVM::SetMaxRegisterAction::decrease);
    // Thread `consumers` issues. With mask_mod its whole warp walks the
    // tiles, because the key-block scan needs whole warps (its lanes vote).
    Value isIssuer = cmp(arith::CmpIPredicate::eq, tid, idx(consumers));
    Value walks = !mods.maskMod
                      ? isIssuer
                      : cmp(arith::CmpIPredicate::eq, divu(tid, kWarpSize),
                            idx(consumers / kWarpSize));
    auto walker = scf::IfOp::create(b, loc, TypeRange{}, walks, false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(walker.thenBlock());
    forEachTile(launch, bx, by, [&](Value tileIter) {
      if (!mods.maskMod)
        return produceTile(tileIter);
      auto issuer = scf::IfOp::create(b, loc, TypeRange{}, isIssuer, false);
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(issuer.thenBlock());
      produceTile(tileIter);
    });
  }
  // The consumer warpgroups.
  b.setInsertionPointToStart(roles.elseBlock());
  NVVM::SetMaxRegisterOp::create(b, loc, regs.consumer,
                                 NVVM::SetMaxRegisterAction::increase);
  if (pingpong) {
    // Warpgroup 0 goes first: it pre-arrives on its own barrier.
    auto first =
        scf::IfOp::create(b, loc, TypeRange{},
                          cmp(arith::CmpIPredicate::eq, wgIdx, idx(0)), false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(first.thenBlock());
    NVVM::BarrierArriveOp::create(b, loc, i32c(kFirstScheduleBarrier),
                                  i32c(2 * kWarpgroupThreads));
  }
  forEachTile(launch, bx, by, [&](Value tileIter) { consumeTile(tileIter); });
}

struct AttentionToHopperLaunch : OpRewritePattern<AttentionOp> {
  AttentionToHopperLaunch(MLIRContext *ctx, const HopperOptions &options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t nb = op.getNumBatchDims();
    SmallVector<Candidate> candidates = resolveConfigs(op, options);
    for (const Candidate &c : candidates) {
      std::string reason = getUnsupportedReason(op, c.config, options);
      if (!reason.empty()) {
        LLVM_DEBUG(llvm::dbgs() << "[" DEBUG_TYPE "] refused " << op.getLoc()
                                << ": " << reason << "\n");
        return rewriter.notifyMatchFailure(op, reason);
      }
    }
    LLVM_DEBUG({
      llvm::dbgs() << "[" DEBUG_TYPE "] lowering " << op.getLoc() << " with "
                   << candidates.size() << " configuration(s):\n";
      for (const Candidate &c : candidates)
        llvm::dbgs() << "  Sk >= " << c.minKeys << ": " << c.config << "\n";
    });
    Location loc = op.getLoc();
    AttentionBuffers buffers = toAttentionBuffers(rewriter, loc, op);
    KernelScoreMods mods =
        KernelScoreMods::capture(rewriter, loc, op, /*withSummaries=*/true);
    Value q = buffers.q, k = buffers.k, v = buffers.v, o = buffers.o,
          lse = buffers.lse;

    // Check the caller's descriptors at run time; encode the tensor maps and
    // launch only if they pass.
    scf::IfOp guard = emitGuardedLaunchRegion(rewriter, loc, op, q, k, v, o,
                                              buffers.mask, lse);
    OpBuilder::InsertPoint afterGuard = rewriter.saveInsertionPoint();
    rewriter.setInsertionPoint(guard.thenBlock()->getTerminator());

    // Several table rows: choose by the number of keys at run time, the
    // row for the most keys first.
    Value sk =
        createLogicalDim(rewriter, loc, k, op.getKeyPermutation(), nb + 1);
    std::function<void(size_t)> dispatch = [&](size_t i) {
      if (i + 1 == candidates.size()) {
        buildLaunch(rewriter, op, buffers, mods, candidates[i].config);
        return;
      }
      Value enough = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sge, sk,
          arith::ConstantIndexOp::create(rewriter, loc, candidates[i].minKeys));
      auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{}, enough,
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard g(rewriter);
      rewriter.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      buildLaunch(rewriter, op, buffers, mods, candidates[i].config);
      rewriter.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      dispatch(i + 1);
    };
    dispatch(0);
    rewriter.restoreInsertionPoint(afterGuard);
    replaceWithAttentionBuffers(rewriter, op, buffers);
    return success();
  }

  /// A host-side TMA tensor map of `buf` (stored with `perm`) with a box of
  /// `rows` x 64 columns of one head, as the i64 the kernel takes; appends
  /// its descriptor type to `mapTypes`.
  static Value createTensorMap(PatternRewriter &rewriter, AttentionOp op,
                               Value buf, ArrayRef<int64_t> perm, int64_t rows,
                               SmallVectorImpl<Type> &mapTypes) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t nb = op.getNumBatchDims();
    auto wg = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
    SmallVector<int64_t> box;
    SmallVector<Value> boxVals;
    for (int64_t p : perm) {
      box.push_back(p == nb + 1 ? rows : p == nb + 2 ? kPanel : 1);
      boxVals.push_back(
          arith::ConstantIndexOp::create(rewriter, loc, box.back()));
    }
    Type elemTy = op.getQueryType().getElementType();
    auto descTy = nvgpu::TensorMapDescriptorType::get(
        ctx, MemRefType::get(box, elemTy, AffineMap(), wg),
        nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
        nvgpu::TensorMapL2PromoKind::L2PROMO_128B,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
    Value unranked = memref::CastOp::create(
        rewriter, loc, UnrankedMemRefType::get(elemTy, Attribute()), buf);
    Value map = nvgpu::TmaCreateDescriptorOp::create(rewriter, loc, descTy,
                                                     unranked, boxVals);
    // The kernel gets the map's address as an i64: convert-gpu-to-nvvm
    // has no conversion for an nvgpu.tensormap.descriptor kernel argument
    // (upstream's pipeline runs convert-nvgpu-to-nvvm before outlining;
    // ours outlines first). The kernel turns it back into the descriptor
    // (`unwrap` in buildLaunch); the casts cancel after convert-nvgpu-to-nvvm.
    mapTypes.push_back(descTy);
    Value ptr = UnrealizedConversionCastOp::create(
                    rewriter, loc, LLVM::LLVMPointerType::get(ctx), map)
                    .getResult(0);
    return LLVM::PtrToIntOp::create(rewriter, loc, rewriter.getI64Type(), ptr);
  }

  /// The tensor maps, grid and gpu.launch of configuration `cfg`, with the
  /// kernel body.
  static void buildLaunch(PatternRewriter &rewriter, AttentionOp op,
                          const AttentionBuffers &buffers,
                          const KernelScoreMods &mods,
                          const HopperConfig &cfg) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    int64_t nb = op.getNumBatchDims();
    SmallVector<int64_t> qPerm = op.getQueryPermutation();
    int64_t d = AttentionOp::getLogicalShape(op.getQueryType(), qPerm)[nb + 2];
    Value q = buffers.q, k = buffers.k, v = buffers.v;
    // Host-side tensor maps: box = (rows x 64 columns) of one head.
    SmallVector<Type> mapTypes;
    int64_t blockQ = kWgmmaM * cfg.warpgroups;
    Value qMap = createTensorMap(rewriter, op, q, qPerm, blockQ, mapTypes);
    Value kMap = createTensorMap(rewriter, op, k, op.getKeyPermutation(),
                                 cfg.blockKV, mapTypes);
    Value vMap = createTensorMap(rewriter, op, v, op.getValuePermutation(),
                                 cfg.blockKV, mapTypes);

    QueryBlockGrid grid = createQueryBlockGrid(rewriter, loc, op, q, blockQ);
    Value gridX = grid.x, gridY = grid.y;
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    if (cfg.persistent) {
      // One CTA per SM (at most one tile each): the runtime says how many.
      Value tiles = arith::MulIOp::create(rewriter, loc, gridX, gridY);
      Value sms = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getIndexType(),
          func::CallOp::create(rewriter, loc, getSMCountFn(op), ValueRange{})
              .getResult(0));
      gridX = arith::MinUIOp::create(rewriter, loc, tiles, sms);
      gridX = arith::MaxUIOp::create(rewriter, loc, gridX, one);
      gridY = one;
    }
    Value threads = arith::ConstantIndexOp::create(
        rewriter, loc,
        (cfg.warpgroups + (cfg.producerWarp ? 1 : 0)) * kWarpgroupThreads);
    Value smem = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(), sharedBytes(cfg, d));
    auto launch = gpu::LaunchOp::create(rewriter, loc, gridX, gridY, one,
                                        threads, one, one, smem);
    {
      OpBuilder::InsertionGuard g(rewriter);
      rewriter.setInsertionPointToStart(&launch.getBody().front());
      auto unwrap = [&](Value addr, Type ty) {
        Value ptr = LLVM::IntToPtrOp::create(
            rewriter, loc, LLVM::LLVMPointerType::get(ctx), addr);
        return UnrealizedConversionCastOp::create(rewriter, loc, ty, ptr)
            .getResult(0);
      };
      HopperEmitter(rewriter, loc, op, cfg, buffers, unwrap(qMap, mapTypes[0]),
                    unwrap(kMap, mapTypes[1]), unwrap(vMap, mapTypes[2]), mods)
          .emit(launch);
      gpu::TerminatorOp::create(rewriter, loc);
    }
  }

  HopperOptions options;

  /// Declares `int32_t attnMultiprocessorCount(void)` (libattn_runtime).
  static func::FuncOp getSMCountFn(Operation *op) {
    auto module = op->getParentOfType<ModuleOp>();
    StringRef name = "attnMultiprocessorCount";
    if (auto fn = module.lookupSymbol<func::FuncOp>(name))
      return fn;
    OpBuilder b(module.getBodyRegion());
    auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType({}, {b.getI32Type()}));
    fn.setPrivate();
    return fn;
  }
};

struct ConvertAttnToGPUSm90Pass
    : public attn::impl::ConvertAttnToGPUSm90Base<ConvertAttnToGPUSm90Pass> {
  using ConvertAttnToGPUSm90Base::ConvertAttnToGPUSm90Base;

  HopperOptions getOptions() const {
    HopperOptions o;
    o.warpgroups = warpgroups;
    o.blockKV = blockKV;
    o.stages = stages;
    o.overlap = overlap;
    o.producerWarp = producerWarp;
    o.pingpong = pingpong;
    o.persistent = persistent;
    o.soft = soft;
    o.explicitMasks = explicitMasks;
    return o;
  }

  void runOnOperation() override {
    auto getReason = [&](AttentionOp op) {
      std::string reason;
      for (const Candidate &c : resolveConfigs(op, getOptions()))
        if (reason.empty())
          reason = getUnsupportedReason(op, c.config, getOptions());
      return reason;
    };
    if (!soft && failed(diagnoseUnsupportedOps(
                     getOperation(),
                     "cannot be lowered to the sm_90a kernel: ", getReason)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<AttentionToHopperLaunch>(&getContext(), getOptions());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
