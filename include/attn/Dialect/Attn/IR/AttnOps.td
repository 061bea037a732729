//===- AttnOps.td - attn operations ------------------------*- tablegen -*-===//
#ifndef ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
#define ATTN_DIALECT_ATTN_IR_ATTNOPS_TD

include "attn/Dialect/Attn/IR/AttnDialect.td"
include "attn/Dialect/Attn/IR/AttnAttrs.td"
include "mlir/Dialect/Linalg/IR/LinalgInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

class Attn_Op<string mnemonic, list<Trait> traits = []> :
    Op<Attn_Dialect, mnemonic, traits>;

def Attn_AttentionOp : Attn_Op<"attention", [
    Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<DestinationStyleOpInterface>,
    DeclareOpInterfaceMethods<TilingInterface, [
        "getIterationDomain", "getLoopIteratorTypes",
        "getTiledImplementation", "getResultTilePosition",
        "generateResultTileValue", "getIterationDomainTileFromResultTile"]>,
    DeclareOpInterfaceMethods<PartialReductionOpInterface, [
        "generateInitialTensorForPartialReduction", "tileToPartialReduction",
        "mergeReductions", "getPartialResultTilePosition"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>
  ]> {
  let summary = "fused scaled-dot-product attention";
  let description = [{
    Computes, for every batch index `b…`, query head `h` and query row `i`:

    ```
    s[j]   = scale * sum_d Q[b…, h, i, d] * K[b…, h / G, j, d]  (+ mask)
    p      = softmax_j(s)                      (masked keys get weight 0)
    O[b…, h, i, e] = sum_j p[j] * V[b…, h / G, j, e]
    ```

    in f32, where `G = Hq / Hkv` (grouped-query attention; `G = 1` is plain
    multi-head attention, `Hkv = 1` multi-query attention).

    Logical operand shapes: query `[batch…, Hq, Sq, D]`, key
    `[batch…, Hkv, Sk, D]`, value `[batch…, Hkv, Sk, Dv]`, output
    `[batch…, Hq, Sq, Dv]`. Each of them may be stored in another dimension
    order, given by an optional permutation attribute (`query_perm`,
    `key_perm`, `value_perm`, `output_perm`): the stored tensor equals
    `linalg.transpose` of the logical one with that permutation, i.e. stored
    dimension `i` is logical dimension `perm[i]`. FlashAttention's
    `[B, S, H, D]` layout is `array<i64: 0, 2, 1, 3>`. No copy is implied.

    `mask` (optional) is either an additive float mask or an `i1` keep-mask
    (`true` = attend), broadcastable (numpy rules, right-aligned, static size
    1 to broadcast) to the logical scores shape `[batch…, Hq, Sq, Sk]`.
    `causal` adds a causal mask aligned top-left or bottom-right: query `i`
    sees keys `j <= i + base + causal_offset`, with `base = 0` (top_left) or
    `Sk - Sq` (bottom_right) and `causal_offset` (an `index`, default 0) an
    extra shift of the diagonal. Tiling uses the offset: a tile of query rows
    starting at `i0` and of keys starting at `j0` keeps the causal condition
    of the whole sequence as `causal<top_left> causal_offset(i0 - j0 + base +
    causal_offset)`.

    A query row for which every key is masked produces zeros (not NaN), and
    a log-sum-exp of -inf (of the sink logit with `sinks`).

    Score modifications (FlexAttention's `score_mod`/`mask_mod`, gpt-oss
    sinks), all optional:

    - `score_mod` region: block arguments `(%s: f32, %b: index..., %h:
      index, %i: index, %j: index)`, the scaled score `scale * Q·Kᵀ` and its
      logical position (batch indices, query head, query row, key); yields
      the modified f32 score with `attn.yield`. It is elementwise: it may
      compute on its arguments and read values defined above the op (e.g.
      `tensor.extract` from a slope, bias or segment-id table), never
      another score. It applies before every mask: `s' = score_mod(s) +
      mask`, then the keep-masks (i1 mask, causal, `mask_mod`) set dropped
      keys to -inf, so a modification cannot revive a masked key.
    - `mask_mod` region: block arguments `(%b: index..., %h: index, %i:
      index, %j: index)`; yields an `i1`, true where the key is kept. It is
      combined (and) with the other masks.
    - `sinks(%s : tensor<Hqxf32>)`: one logit per query head added to the
      softmax denominator: `p[j] = exp(s[j]) / (sum_k exp(s[k]) +
      exp(sink[h]))`, the probabilities not summing to 1 (gpt-oss). A fully
      masked row still produces zeros; the log-sum-exp includes the sink.

    The indices are always absolute positions in the whole logical problem:
    a tile of the op (TilingInterface) adds its offsets to the block
    arguments before running the region, so a region means the same in
    every tile.

    Optionally the op also produces the per-row log-sum-exp of the scaled,
    masked scores, `lse[b…, h, i] = log(sum_j exp(s[j]))`, `[batch…, Hq, Sq]`
    in f32, when an `lse` init is given.

    Element types: query, key and value share one of f16, bf16, f32; the
    output is f16, bf16 or f32. Accumulation is always f32.

    Interfaces. `TilingInterface`: the iteration domain is `[batch..., Hq,
    Sq, Sk]`, parallel except the key dimension `Sk` (a reduction). A tile
    is again an `attn.attention` on slices (GQA: the key/value heads of the
    query-head tile; masks: broadcast dimensions stay size 1; causal: the
    tile's offset in `causal_offset`). The key dimension is tiled only
    through `PartialReductionOpInterface` with the outer-parallel strategy
    (`transform.structured.tile_reduction_using_forall`): every key chunk
    writes its normalised output and log-sum-exp, merged by their
    log-sum-exps (split-KV). `AggregatedOpInterface`: `decomposeOperation`
    is the reference decomposition into unfused linalg (`--attn-decompose`).

    Example:
    ```mlir
    %o = attn.attention ins(%q, %k, %v : tensor<2x8x128x64xf16>,
             tensor<2x2x256x64xf16>, tensor<2x2x256x64xf16>)
           outs(%init : tensor<2x8x128x64xf16>)
           scale(1.250000e-01) causal<bottom_right> -> tensor<2x8x128x64xf16>
    ```
  }];

  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$mask,
    Optional<AnyRankedTensor>:$sinks,
    Optional<Index>:$causal_offset,
    AnyRankedTensor:$output,
    Optional<AnyRankedTensor>:$lse,
    F64Attr:$scale,
    OptionalAttr<Attn_CausalAttr>:$causal,
    OptionalAttr<DenseI64ArrayAttr>:$query_perm,
    OptionalAttr<DenseI64ArrayAttr>:$key_perm,
    OptionalAttr<DenseI64ArrayAttr>:$value_perm,
    OptionalAttr<DenseI64ArrayAttr>:$output_perm
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region MaxSizedRegion<1>:$score_mod,
                        MaxSizedRegion<1>:$mask_mod);

  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
        type($value) `)`
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`sinks` `(` $sinks^ `:` type($sinks) `)`)?
    `outs` `(` $output `:` type($output) `)`
    (`lse` `(` $lse^ `:` type($lse) `)`)?
    `scale` `(` $scale `)`
    (`causal` `` $causal^)?
    (`causal_offset` `(` $causal_offset^ `)`)?
    (`score_mod` $score_mod^)?
    (`mask_mod` $mask_mod^)?
    attr-dict `->` type($results)
  }];

  let builders = [
    OpBuilder<(ins "Value":$query, "Value":$key, "Value":$value,
                   "Value":$mask, "Value":$output, "double":$scale,
                   "std::optional<CausalAlignment>":$causal)>
  ];

  let extraClassDeclaration = [{
    /// Number of leading batch dimensions (rank - 3).
    int64_t getNumBatchDims() { return getQueryType().getRank() - 3; }
    RankedTensorType getQueryType() {
      return cast<RankedTensorType>(getQuery().getType());
    }
    RankedTensorType getKeyType() {
      return cast<RankedTensorType>(getKey().getType());
    }
    RankedTensorType getValueType() {
      return cast<RankedTensorType>(getValue().getType());
    }
    RankedTensorType getOutputType() {
      return cast<RankedTensorType>(getOutput().getType());
    }
    Value getResult() { return getResults().front(); }
    Value getLseResult() { return getLse() ? getResults()[1] : Value(); }

    /// The stored-dimension permutation of each of query/key/value/output
    /// (identity when the attribute is absent).
    SmallVector<int64_t> getQueryPermutation();
    SmallVector<int64_t> getKeyPermutation();
    SmallVector<int64_t> getValuePermutation();
    SmallVector<int64_t> getOutputPermutation();

    /// Logical (`[batch…, H, S, D]`) shape of an operand stored with `perm`.
    static SmallVector<int64_t> getLogicalShape(RankedTensorType type,
                                                ArrayRef<int64_t> perm);

    bool isCausal() { return getCausal().has_value(); }

    bool hasScoreMod() { return !getScoreMod().empty(); }
    bool hasMaskMod() { return !getMaskMod().empty(); }
    /// Whether the op has a score_mod or mask_mod region or sinks: what
    /// the tensor-core kernels do not implement.
    bool hasScoreModifications() {
      return hasScoreMod() || hasMaskMod() || getSinks();
    }

    /// Clones the score_mod region at the insertion point of `b` on the f32
    /// `score` and the logical `indices` ([batch..., h, i, j]); returns the
    /// modified score.
    Value buildScoreMod(OpBuilder &b, Value score, ValueRange indices);
    /// Clones the mask_mod region at `b` on `indices`; returns its i1.
    Value buildMaskMod(OpBuilder &b, ValueRange indices);

    /// The diagonal of the causal mask: query row `i` sees keys `j <= i +
    /// result` (`base + causal_offset`, see the op description), given the
    /// query and key sequence lengths. Only for causal ops.
    Value buildCausalDiagonal(OpBuilder &b, Location loc,
                              OpFoldResult queryLength,
                              OpFoldResult keyLength);
  }];

  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
}

def Attn_YieldOp : Attn_Op<"yield", [Pure, ReturnLike, Terminator,
                                     HasParent<"AttentionOp">]> {
  let summary = "terminator of the score_mod and mask_mod regions";
  let description = [{
    Yields the modified f32 score (`score_mod`) or the i1 keep predicate
    (`mask_mod`) of `attn.attention`.
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // ATTN_DIALECT_ATTN_IR_ATTNOPS_TD
