//===- Passes.td - attn transformation passes --------------*- tablegen -*-===//
#ifndef ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnDecompose : Pass<"attn-decompose"> {
  let summary = "Expand attn.attention into unfused linalg (the reference "
                "semantics)";
  let description = [{
    Rewrites every `attn.attention` into its `AggregatedOpInterface`
    decomposition: the plain unfused computation on tensors, all in f32:
    `S = Q·Kᵀ` (linalg.generic contraction), scale, mask (additive, boolean
    and causal, with the causal offset of a tile), a numerically stable
    softmax over the key axis (max, exp, sum, divide) and `O = P·V`, then a
    cast to the output type. Rows whose every key is masked produce 0. This
    is the oracle that every other lowering is tested against: it
    materialises the Sq×Sk score matrix and is slow by design.
    `--attn-decompose-aggregated-ops` does the same for attn.attention (and
    linalg.softmax).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnFuse : Pass<"attn-fuse"> {
  let summary = "Raise unfused attention in linalg IR to attn.attention";
  let description = [{
    Finds the chain `Q·Kᵀ` → scale → mask → softmax over the key axis → `P·V`
    on tensors, in the spellings exporters produce, and replaces it with one
    `attn.attention`. Anything whose semantics differ from attention is left
    alone.
  }];
  let options = [
    Option<"emitRemarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark at every fused match and at every near miss with "
           "the reason it was rejected">
  ];
  let dependentDialects = [
    "::mlir::attn::AttnDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnTile : Pass<"attn-tile"> {
  let summary = "Tile attn.attention into an online-softmax loop nest "
                "(FlashAttention-2)";
  let description = [{
    Lowers `attn.attention` to a target-independent loop nest with no Sq×Sk
    score matrix: upstream tiling through the op's `TilingInterface`
    (`scf::tileUsingSCF`) makes scf.for loops over batch dims, heads and
    blocks of `block-q` query rows; each tile, again an `attn.attention`,
    then becomes an online softmax over blocks of `block-kv` keys with a
    running max and sum (causal block skipping, the element mask only on
    diagonal blocks, optional split-KV combined through log-sum-exps).
  }];
  let options = [
    Option<"blockQ", "block-q", "int64_t", /*default=*/"64",
           "Query rows per block">,
    Option<"blockKV", "block-kv", "int64_t", /*default=*/"64",
           "Key/value rows per block">,
    Option<"splitKV", "split-kv", "::mlir::attn::SplitKVMode",
           /*default=*/"::mlir::attn::SplitKVMode::Auto",
           "Split the key axis into independent chunks combined through "
           "their log-sum-exps (flash-decoding)",
           [{::mlir::attn::getSplitKVModeValues()}]>,
    Option<"numSplits", "num-splits", "int64_t", /*default=*/"0",
           "Number of key chunks when splitting (0: 4)">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnDecomposeAggregatedOps : Pass<"attn-decompose-aggregated-ops"> {
  let summary = "Decompose aggregated ops (linalg.softmax, attn.attention) "
                "into generics";
  let description = [{
    Upstream has no pass for `linalg::AggregatedOpInterface`; the CPU pipeline
    needs one so that unfused programs using `linalg.softmax` lower to loops.
    It rewrites every op implementing the interface, attn.attention included
    (into the same reference computation as `--attn-decompose`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def AttnLowerDynamicExpandShape : Pass<"attn-lower-dynamic-expand-shape"> {
  let summary = "Rewrite memref.expand_shape groups with several dynamic "
                "sizes into memref.reinterpret_cast";
  let description = [{
    Upstream `--expand-strided-metadata` (LLVM 22) crashes on a
    `memref.expand_shape` where one reassociation group has two or more
    dynamic output sizes (e.g. `[B*H, S, D]` expanded back to `[B, H, S, D]`
    with dynamic B and H). For a source with the identity layout the result
    is contiguous, so this pass spells it as a `memref.reinterpret_cast` with
    strides computed from the output sizes; a strided source in that form is
    rejected with a diagnostic instead of crashing. Runs in the
    `--attn-pipeline`s before `--expand-strided-metadata`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"
  ];
}

def AttnPackGroupedQueries : Pass<"attn-pack-grouped-queries"> {
  let summary = "Rewrite grouped-query decoding (one query row per head) "
                "as multi-head attention over the query heads of a group";
  let description = [{
    An `attn.attention` with one query row, `Hq = G * Hkv` query heads and
    nothing that tells its query heads or rows apart (no mask that varies
    over them, no causal condition but a bottom-right one, which one row
    does not feel) becomes an op with `Hkv` heads of `G` query rows, through
    reshapes of the query, output and log-sum-exp: every kernel then streams
    each key/value head once instead of `G` times. Query and output must be
    stored with their other dims in logical order (BHSD or BSHD with a unit
    query length). Not in `--attn-pipeline`: with few batches and key/value
    heads the packed op has fewer blocks than the GPU has multiprocessors
    until split-KV spreads the keys over more blocks.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AttnSplitKV : Pass<"attn-split-kv"> {
  let summary = "Split the keys of decoding attention into chunks that run "
                "as independent blocks (flash-decoding), then combine them";
  let description = [{
    An `attn.attention` with at most `max-rows` query rows per head, as
    many key as query heads (run `--attn-pack-grouped-queries` first for
    grouped-query decoding), every operand stored in logical order
    (`[b..., H, S, D]`), no mask, score modification, sinks or causal
    condition (but the bottom-right one of a single row) becomes attention
    over `n` chunks of `Sk / n` keys, `[b..., H*n, Sk/n, D]` (a reshape of
    the keys and values; the query is repeated), with f32 partial outputs
    and log-sum-exps, followed by their combination (one elementwise
    linalg.generic whose body walks the chunks). `n` is a power of two that
    divides `Sk`, keeps chunks of at least `min-chunk` keys and is at most
    128; of those, the smallest whose blocks (batch times heads times `n`)
    fill their last wave of `target-blocks` to within 85% of the best
    candidate, and 1 when the op's blocks make 80% of a wave already
    (FlashAttention's num_splits rule). Computed at compile time for static
    shapes (no rewrite when it is 1), else on the host at run time, where
    one chunk runs the op as it is (an scf.if around both forms).
    run time. Part of `--attn-pipeline=target=cuda` unless `split-kv=off`.
  }];
  let options = [
    Option<"targetBlocks", "target-blocks", "int64_t", "132",
           "blocks of a wave (that run at once: one sm_90a attention block "
           "per multiprocessor of an H100/H200)">,
    Option<"minChunk", "min-chunk", "int64_t", "256",
           "the fewest keys of a chunk">,
    Option<"maxRows", "max-rows", "int64_t", "16",
           "the most query rows per head of an op to split">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // ATTN_DIALECT_ATTN_TRANSFORMS_PASSES_TD
