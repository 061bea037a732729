#!/usr/bin/env python3
"""Checks attention results printed by mlir-runner.

`printMemrefF32` output is parsed into arrays, in print order.

  reference OUT  the file holds Q, K, V, [mask], O (logical [batch..., H, S, D]
                 layout, mask as printed f32: additive values, or 0/1 for a
                 boolean keep-mask). Recomputes O in float64 and compares.
                 --query-perm/--key-perm/--value-perm/--output-perm P (e.g.
                 0,2,1,3) say an operand was printed in stored order, stored
                 dimension i being logical dimension P[i], as the op's
                 *_perm attributes. --lse: a last memref, the op's lse result
                 ([batch..., H, Sq], -inf for a fully masked row), follows O
                 and is checked too.
                 Score modifications (FlexAttention-style), applied to
                 scale * Q.K^T in this order: --softcap C (C tanh(s / C)),
                 --alibi (+ slope[h] (j - i)), --rel-bias M (+ table[h,
                 clip(j - i, -M, M) + M]) or --t5-buckets M (bidirectional
                 buckets, T5-like), then the masks:
                 --window W (keep i - j < W), --chunk C (keep i // C ==
                 j // C), --prefix-lm P (keep j <= i or j < P),
                 --segments (keep seg[b, i] == seg[b, j]); --sinks adds
                 exp(sink[h]) to the softmax denominator. i and j are
                 absolute positions. The data they read is printed after
                 Q, K, V and the mask, in the order slopes, table,
                 segments, sinks.
  compare A B    the last memref of A and of B agree (relative L2 error).

Prints `PASS rel_err=...` or `FAIL ...` (exit 1).
"""
import argparse
import re
import sys

import numpy as np

MEMREF_RE = re.compile(
    r"Unranked Memref base@ = \S+ rank = (\d+) offset = \d+ sizes = \[([^\]]*)\]"
    r" strides = \[[^\]]*\] data =")
NUM_RE = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]?\d+)?)", re.IGNORECASE)


def parse_memrefs(text):
    heads = list(MEMREF_RE.finditer(text))
    arrays = []
    for i, h in enumerate(heads):
        rank = int(h.group(1))
        sizes = [int(s) for s in h.group(2).split(",") if s.strip()] if rank else []
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[h.end():end]
        count = int(np.prod(sizes)) if sizes else 1
        nums = NUM_RE.findall(body)[:count]
        if len(nums) != count:
            sys.exit(f"FAIL memref {i}: expected {count} values, got {len(nums)}")
        arrays.append(np.array([float(x) for x in nums]).reshape(sizes))
    return arrays


def score_mods(s, mods):
    """The score modifications and index masks of `mods` on scores `s`
    ([batch..., H, Sq, Sk], already scaled): (modified s, keep)."""
    sq, sk = s.shape[-2], s.shape[-1]
    i = np.arange(sq)[:, None]
    j = np.arange(sk)[None, :]
    keep = np.ones(s.shape, dtype=bool)
    if mods.get("softcap") is not None:
        c = mods["softcap"]
        s = c * np.tanh(s / c)
    if mods.get("slopes") is not None:
        s = s + mods["slopes"][:, None, None] * (j - i)
    if mods.get("table") is not None and mods.get("rel_bias") is not None:
        m = mods["rel_bias"]
        s = s + mods["table"][:, np.clip(j - i, -m, m) + m]
    if mods.get("table") is not None and mods.get("t5_buckets") is not None:
        m = mods["t5_buckets"]
        d = j - i
        bucket = np.where(d < 0, 0, m) + np.clip(d, -(m - 1), m - 1) + (m - 1)
        s = s + mods["table"][:, bucket]
    if mods.get("window") is not None:
        keep &= np.broadcast_to(i - j < mods["window"], s.shape)
    if mods.get("chunk") is not None:
        keep &= np.broadcast_to(i // mods["chunk"] == j // mods["chunk"], s.shape)
    if mods.get("prefix_lm") is not None:
        keep &= np.broadcast_to((j <= i) | (j < mods["prefix_lm"]), s.shape)
    if mods.get("segments") is not None:
        seg = mods["segments"]  # [B, S]
        same = seg[:, :, None] == seg[:, None, :sk]
        keep &= np.broadcast_to(same[:, None, :sq, :], s.shape)
    return s, keep


def attention(q, k, v, mask, mask_kind, scale, causal, return_lse=False,
              mods=None):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    hq, hkv = q.shape[-3], k.shape[-3]
    if hq != hkv:
        k = np.repeat(k, hq // hkv, axis=-3)
        v = np.repeat(v, hq // hkv, axis=-3)
    s = np.einsum("...md,...nd->...mn", q, k) * scale
    keep = np.ones(s.shape, dtype=bool)
    mods = mods or {}
    s, keep = score_mods(s, mods)
    sinks = mods.get("sinks")
    if mask is not None:
        if mask_kind == "bool":
            keep &= np.broadcast_to(mask != 0, s.shape)
        elif mask_kind == "ignore":
            keep &= np.broadcast_to(mask == 0, s.shape)
        else:
            s = s + np.broadcast_to(mask, s.shape)
    sq, sk = s.shape[-2], s.shape[-1]
    if causal:
        off = 0 if causal == "top_left" else sk - sq
        i = np.arange(sq)[:, None]
        j = np.arange(sk)[None, :]
        keep &= (j <= i + off)
    s = np.where(keep, s, -np.inf)
    m = np.max(s, axis=-1, keepdims=True) if sk else np.full(s.shape[:-1] + (1,), -np.inf)
    if sinks is not None:
        m = np.maximum(m, sinks[:, None, None])
    full = np.isneginf(m)
    e = np.where(full, 0.0, np.exp(s - np.where(full, 0.0, m)))
    l = e.sum(axis=-1, keepdims=True)
    if sinks is not None:
        l = l + np.where(full, 0.0, np.exp(sinks[:, None, None] - np.where(full, 0.0, m)))
    p = np.where(l == 0, 0.0, e / np.where(l == 0, 1.0, l))
    o = np.einsum("...mn,...ne->...me", p, v)
    if not return_lse:
        return o
    with np.errstate(divide="ignore"):
        lse = np.where(full, -np.inf, m + np.log(np.where(l == 0, 1.0, l)))
    return o, lse[..., 0]


def lse_err(out, ref):
    """Relative L2 error over the finite entries; inf unless the -inf entries
    agree exactly and `out` has no NaN or +inf."""
    if np.any(np.isnan(out)) or np.any(np.isposinf(out)):
        return float("inf")
    if not np.array_equal(np.isneginf(out), np.isneginf(ref)):
        return float("inf")
    fin = np.isfinite(ref)
    return rel_err(out[fin], ref[fin]) if fin.any() else 0.0


def parse_slices(text):
    """numpy basic indexing from text: ':,:,:,:8' -> (slice(None), ..., slice(None, 8))."""
    out = []
    for part in text.split(","):
        if part.strip() == "None":
            out.append(None)  # a new unit axis
            continue
        bits = [int(b) if b.strip() else None for b in part.split(":")]
        out.append(slice(*bits) if ":" in part else bits[0])
    return tuple(out)


def parse_perm(text):
    perm = [int(x) for x in text.split(",")]
    if sorted(perm) != list(range(len(perm))):
        raise argparse.ArgumentTypeError(f"not a permutation: {text}")
    return perm


def to_logical(stored, perm):
    """The logical array of `stored`, whose dimension i is logical perm[i]."""
    if perm is None:
        return stored
    if len(perm) != stored.ndim:
        sys.exit(f"FAIL permutation {perm} has the wrong rank for shape {stored.shape}")
    return stored.transpose(np.argsort(perm))


def rel_err(out, ref):
    if not np.all(np.isfinite(out)):
        return float("inf")
    denom = np.linalg.norm(ref)
    diff = np.linalg.norm(out - ref)
    return diff / denom if denom > 0 else diff


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("reference")
    r.add_argument("file")
    r.add_argument("--scale", type=float, required=True)
    r.add_argument("--causal", choices=["top_left", "bottom_right"])
    r.add_argument("--mask", choices=["additive", "bool", "ignore"],
                   help="bool: nonzero keeps; ignore: nonzero masks out")
    r.add_argument("--mask-scale", type=float, default=1.0,
                   help="the scores see an additive mask times this factor")
    r.add_argument("--split-heads", type=lambda t: [int(x) for x in t.split(",")] * (2 if "," not in t else 1),
                   help="HQ[,HKV]: rank-3 Q/K/V/O are [B, S, H*D], split "
                        "into [B, S, H, D] before the permutations")
    r.add_argument("--query-slice", type=parse_slices,
                   help="Q is the printed argument [SPEC] (packed QKV)")
    r.add_argument("--mask-slice", type=parse_slices,
                   help="the scores see mask[SPEC], e.g. ':,:,:,:8'")
    r.add_argument("--tol", type=float, default=1e-4)
    r.add_argument("--softcap", type=float)
    r.add_argument("--alibi", action="store_true",
                   help="+ slope[h] * (j - i), slopes printed")
    r.add_argument("--rel-bias", type=int, metavar="M",
                   help="+ table[h, clip(j - i, -M, M) + M], table printed")
    r.add_argument("--t5-buckets", type=int, metavar="M",
                   help="+ table[h, (j - i < 0 ? 0 : M) + clip(j - i, "
                        "-(M-1), M-1) + M - 1], table printed")
    r.add_argument("--window", type=int)
    r.add_argument("--chunk", type=int)
    r.add_argument("--prefix-lm", type=int)
    r.add_argument("--segments", action="store_true",
                   help="document mask, segment ids [B, S] printed")
    r.add_argument("--sinks", action="store_true",
                   help="per-head sink logits [H] printed")
    for name in ("query", "key", "value", "output"):
        r.add_argument(f"--{name}-perm", type=parse_perm)
    r.add_argument("--lse", action="store_true")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()

    extra = ""
    if args.mode == "reference":
        arrays = parse_memrefs(open(args.file).read())
        data = [n for n in ("alibi", "rel_bias", "t5_buckets", "segments",
                            "sinks") if getattr(args, n)]
        want = (5 if args.mask else 4) + (1 if args.lse else 0) + len(data)
        if len(arrays) != want:
            sys.exit(f"FAIL expected {want} printed memrefs, got {len(arrays)}")
        split = lambda a, h: (a.reshape(a.shape[:-1] + (h, -1))
                              if h and a.ndim == 3 else a)
        hq, hkv = args.split_heads or (None, None)
        q = arrays[0][args.query_slice] if args.query_slice else arrays[0]
        q = to_logical(split(q, hq), args.query_perm)
        k = to_logical(split(arrays[1], hkv), args.key_perm)
        v = to_logical(split(arrays[2], hkv), args.value_perm)
        mask = arrays[3] * args.mask_scale if args.mask else None
        if mask is not None and args.mask_slice:
            mask = mask[args.mask_slice]
        out = arrays[-2] if args.lse else arrays[-1]
        first = 4 if args.mask else 3
        printed = dict(zip(data, arrays[first:first + len(data)]))
        mods = {"softcap": args.softcap, "window": args.window,
                "chunk": args.chunk, "prefix_lm": args.prefix_lm,
                "rel_bias": args.rel_bias, "slopes": printed.get("alibi"),
                "t5_buckets": args.t5_buckets,
                "table": printed.get("rel_bias", printed.get("t5_buckets")),
                "segments": printed.get("segments"),
                "sinks": printed.get("sinks")}
        ref = attention(q, k, v, mask, args.mask, args.scale, args.causal,
                        return_lse=args.lse, mods=mods)
        if args.lse:
            ref, lse_ref = ref
            lse_out = arrays[-1]
            if lse_out.shape != lse_ref.shape:
                sys.exit(f"FAIL lse shape {lse_out.shape} != reference {lse_ref.shape}")
            lerr = lse_err(lse_out, lse_ref)
            if not lerr <= args.tol:
                print(f"FAIL lse_rel_err={lerr:.3e} tol={args.tol:.1e}")
                sys.exit(1)
            extra = f" lse_rel_err={lerr:.3e}"
        if args.output_perm is not None:
            if len(args.output_perm) != ref.ndim:
                sys.exit(f"FAIL output permutation {args.output_perm} has the wrong rank")
            ref = ref.transpose(args.output_perm)
        if args.split_heads and out.ndim == 3 and ref.ndim == 4:
            ref = ref.reshape(ref.shape[:2] + (-1,))
        if out.shape != ref.shape:
            sys.exit(f"FAIL shape {out.shape} != reference {ref.shape}")
    else:
        out = parse_memrefs(open(args.a).read())[-1]
        ref = parse_memrefs(open(args.b).read())[-1]
        if out.shape != ref.shape:
            sys.exit(f"FAIL shape {out.shape} != {ref.shape}")
        # A log-sum-exp printed last has -inf for rows that see no key:
        # those must agree exactly, the rest closely.
        if np.isneginf(ref).any() or np.isneginf(out).any():
            err = lse_err(out, ref)
            if not err <= args.tol:
                print(f"FAIL rel_err={err:.3e} tol={args.tol:.1e}")
                sys.exit(1)
            print(f"PASS rel_err={err:.3e}")
            return
    err = rel_err(out, ref)
    if not err <= args.tol:
        print(f"FAIL rel_err={err:.3e} tol={args.tol:.1e}")
        sys.exit(1)
    print(f"PASS rel_err={err:.3e}{extra}")


if __name__ == "__main__":
    main()
