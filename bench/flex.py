#!/usr/bin/env python3
"""Score-modified attention: attn's fused kernels against PyTorch's
torch.compile'd flex_attention (and SDPA where it can say the same).

Variants (f16, D = 128, [B, H, S, D], H = 16, B·S = 16k tokens), each an
unfused linalg program in bench/attn-bench/kernels/flex/ (gen.py) that
attn-compile fuses into one attn.attention:

  causal    the baseline
  softcap   50·tanh(s / 50) on the scaled score s, causal (Gemma-2)
  alibi     s + slope[h]·(j - i), slope[h] = 2^(-8(h+1)/H), causal
  window    causal and i - j < 1024 (sliding window)
  document  causal and seg[b, i] == seg[b, j] (packed documents of random
            lengths in [S/8, S/2])
  prefix    j <= i or j < S/4 (prefix-LM; not causal)
  sinks     causal, a per-head logit sink[h] added to the softmax
            denominator (gpt-oss)
  bias      s + bias[b, h, i, j], a materialized f16 bias [B, H, S, S]
            (U(-2, 2)), not causal: what SDPA takes as attn_mask, so that
            cuDNN runs it too (our explicit-mask path)

Providers, on the same tensors:

  attn        lib<kernel>.so from the dev bundle (attn-bench-dev), through
              ctypes on torch's current stream, as bench/compare.py does
  flex        torch.compile'd flex_attention with the same score_mod and a
              create_block_mask block mask (both built once per case,
              outside the timing; compile_s is the block mask and the
              first call, compilation included); sinks through the returned
              log-sum-exp: out · sigmoid(lse - sink[h]), compiled with it
  sdpa-cudnn  F.scaled_dot_product_attention under one backend:
  sdpa-flash  is_causal=True for causal, attn_mask=bias for bias (the
              others are not expressible without a materialized mask:
              skipped with the reason)

Checks: every provider's output against a float32 eager evaluation of the
same modification (the functions below, which also define flex's
score_mod/mask_mod) on sampled query rows of a few batch entries (rel. L2
< 2e-2, no NaN). Timing: compare.py's time_calls (CUDA events, median).
TFLOPS = 4·H·D·(unmasked (query, key) pairs, summed over the batch) / time,
the pairs counted exactly from the mask; a kernel that computes masked
pairs too gets no credit for them.

  python3 bench/flex.py --dev build/dev --out $OUT/flex
  python3 bench/flex.py --self-test [--cpu-lib-dir DIR]   # no GPU, no torch

--self-test checks, in float64 numpy, the reference evaluation of each
variant against test/lib/attn_check.py's independent one and the pair
count against a loop; with --cpu-lib-dir (each kernels/flex/*.mlir
compiled with attn-compile --target=cpu into DIR/lib<name>.so) it also
runs our kernels on the CPU against it.
"""

import argparse
import csv
import ctypes
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402  (Attn, time_calls, log)

VARIANTS = ["causal", "softcap", "alibi", "window", "document", "prefix",
            "sinks", "bias"]
PROVIDERS = ["attn", "flex", "sdpa-cudnn", "sdpa-flash"]
SDPA_BACKENDS = {"sdpa-cudnn": "CUDNN_ATTENTION",
                 "sdpa-flash": "FLASH_ATTENTION"}
# The constants of the compiled kernels (kernels/flex/gen.py).
PARAMS = {"softcap": 50.0, "window": 1024, "prefix_div": 4}
# Inputs are U(-2, 2), which puts the scaled scores within about ±5: there
# a soft-cap of 50 changes them by < 0.3 %, and a kernel without it would
# pass the check. Its Q is multiplied by 8 (exact in f16): scores up to
# about ±40, where the cap changes the output by ~10 % (rel. L2).
Q_MUL = {"softcap": 8.0}
FIELDS = ["variant", "batch", "heads", "seq", "d", "provider", "status",
          "ms_median", "ms_min", "ms_max", "runs", "tflops", "pairs",
          "density", "rel_l2_vs_f32_rows", "compile_s", "reason"]
log = compare.log


# --------------------------------------------------------------------------
# The modifications, written once: flex's score_mod/mask_mod (0-d index
# tensors), the float32 torch reference and the float64 numpy self-test
# (broadcast index arrays) all call these.
# --------------------------------------------------------------------------

def alibi_slopes(h):
    return [2.0 ** (-8.0 * (i + 1) / h) for i in range(h)]


def segments(batch, s, seed):
    """Document ids [batch][s]: documents of random lengths in [s/8, s/2]
    (the last one cut at s)."""
    rng = random.Random(seed)
    out = []
    for _ in range(batch):
        row, doc = [], 0
        while len(row) < s:
            row += [doc] * rng.randint(max(1, s // 8), max(1, s // 2))
            doc += 1
        out.append(row[:s])
    return out


def make_mods(variant, tab, sk, params=PARAMS):
    """(score_mod or None, mask_mod, sinks or None) of a variant.
    score_mod(s, b, h, i, j) takes the scaled score; mask_mod(b, h, i, j)
    is the keep condition; `tab` holds the tables (slopes [H], seg [B, S],
    sinks [H]) as torch tensors or numpy arrays."""
    cap, win, pdiv = params["softcap"], params["window"], params["prefix_div"]
    score_mod = None
    if variant == "softcap":
        tanh = tab["tanh"]

        def score_mod(s, b, h, i, j):
            return cap * tanh(s / cap)
    elif variant == "alibi":
        slopes = tab["slopes"]

        def score_mod(s, b, h, i, j):
            return s + slopes[h] * (j - i)
    elif variant == "bias":
        bias = tab["bias"]

        def score_mod(s, b, h, i, j):
            return s + bias[b, h, i, j]

    if variant == "prefix":
        def mask_mod(b, h, i, j):
            return (j <= i) | (j * pdiv < sk)
    elif variant == "window":
        def mask_mod(b, h, i, j):
            return (j <= i) & (i - j < win)
    elif variant == "document":
        seg = tab["seg"]

        def mask_mod(b, h, i, j):
            return (j <= i) & (seg[b, i] == seg[b, j])
    elif variant == "bias":
        def mask_mod(b, h, i, j):
            return (j >= 0) & (i >= 0)
    else:
        def mask_mod(b, h, i, j):
            return j <= i
    sinks = tab["sinks"] if variant == "sinks" else None
    return score_mod, mask_mod, sinks


class Ops:
    """The few array operations of the reference that numpy and torch spell
    differently."""

    def __init__(self, xp):
        self.xp = xp
        self.torch = xp.__name__ == "torch"

    def arange(self, n, like=None):
        if self.torch:
            return self.xp.arange(n, device=like.device)
        return self.xp.arange(n)

    def t(self, x):
        return x.transpose(-1, -2) if self.torch else self.xp.swapaxes(x, -1, -2)

    def rowmax(self, x):
        return (x.amax(-1, keepdim=True) if self.torch else
                x.max(axis=-1, keepdims=True))

    def rowsum(self, x):
        return (x.sum(-1, keepdim=True) if self.torch else
                x.sum(axis=-1, keepdims=True))


def reference_rows(ops, mods, q, k, v, b, idx, scale):
    """Attention of query rows `idx` of batch entry b (q, k, v: [H, S, D] of
    that entry, float32 or float64) under mods = make_mods(...): [H, R, D]."""
    xp = ops.xp
    score_mod, mask_mod, sinks = mods
    nh, sk = k.shape[0], k.shape[1]
    s = (q[:, idx] @ ops.t(k)) * scale                       # [H, R, Sk]
    h = ops.arange(nh, s)[:, None, None]
    i = idx[None, :, None]
    j = ops.arange(sk, s)[None, None, :]
    if score_mod is not None:
        s = score_mod(s, b, h, i, j)
    s = xp.where(mask_mod(b, h, i, j), s, -math.inf)
    m = ops.rowmax(s)
    if sinks is not None:
        m = xp.maximum(m, sinks[h])
    # Every variant keeps the diagonal: no row is fully masked.
    e = xp.exp(s - m)
    den = ops.rowsum(e)
    if sinks is not None:
        den = den + xp.exp(sinks[h] - m)
    return (e / den) @ v


def count_pairs(mask_mod, batch, sq, sk, ops, like=None, chunk=1024):
    """Unmasked (query, key) pairs of each batch entry (head 0; no variant
    here depends on the head), counted from the mask in row chunks."""
    out = []
    j = ops.arange(sk, like)[None, :]
    for b in range(batch):
        n = 0
        for r0 in range(0, sq, chunk):
            i = ops.arange(min(chunk, sq - r0), like)[:, None] + r0
            n += int(mask_mod(b, 0, i, j).sum())
        out.append(n)
    return out


# --------------------------------------------------------------------------
# Our kernels through ctypes (compare.py's descriptors, of any rank).
# --------------------------------------------------------------------------

desc = compare.desc


def attn_caller(attn, f, tables):
    """fn(q, k, v, o) -> o calling f(q, k, v, *tables, o, o) through
    compare.Attn.call (descriptors built once per tensor tuple)."""
    cache = {}

    def fn(q, k, v, o):
        attn.call(f, q, k, v, o, cache, tables)
        return o
    return fn


# --------------------------------------------------------------------------
# flex_attention.
# --------------------------------------------------------------------------

def flex_setup(torch):
    """(flex_attention, create_block_mask, AuxRequest or None) or raises."""
    import importlib
    fa = importlib.import_module("torch.nn.attention.flex_attention")
    import torch._dynamo as dynamo
    # One compilation per case: a new score_mod/mask is a recompilation of
    # the same code, which must not hit the recompile limit (then dynamo
    # falls back to eager flex_attention, a different thing to time).
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(dynamo.config, name):
            setattr(dynamo.config, name, max(64, getattr(dynamo.config, name)))
    return fa.flex_attention, fa.create_block_mask, getattr(fa, "AuxRequest",
                                                            None)


def flex_fn(torch, flex, mods, block_mask, scale, aux_request, mode):
    """The compiled call fn(q, k, v, o) -> out for one case."""
    score_mod, _, sinks = mods

    def run(q, k, v):
        if sinks is None:
            return flex(q, k, v, score_mod=score_mod, block_mask=block_mask,
                        scale=scale)
        # The sink is one more term exp(sink[h]) of the denominator: scale
        # the plain output by l / (l + exp(sink)) = sigmoid(lse - sink).
        if aux_request is not None:
            out, aux = flex(q, k, v, score_mod=score_mod,
                            block_mask=block_mask, scale=scale,
                            return_aux=aux_request(lse=True))
            lse = aux.lse
        else:
            out, lse = flex(q, k, v, score_mod=score_mod,
                            block_mask=block_mask, scale=scale,
                            return_lse=True)
        w = torch.sigmoid(lse.float() - sinks[None, :, None])
        return (out.float() * w[..., None]).to(out.dtype)

    compiled = torch.compile(run, dynamic=False, mode=mode)
    return lambda q, k, v, o: compiled(q, k, v)


# --------------------------------------------------------------------------
# The sweep.
# --------------------------------------------------------------------------

def main_bench(args):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    device_line = (f"{props.name}, {props.multi_processor_count} SMs, "
                   f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
                   f"cuDNN {torch.backends.cudnn.version()}")
    log("device:", device_line)
    attn = compare.Attn(args.dev)
    try:
        flex, create_block_mask, aux_request = flex_setup(torch)
        flex_err = None
    except Exception as e:  # noqa: BLE001
        flex = create_block_mask = aux_request = None
        flex_err = f"flex_attention unavailable: {type(e).__name__}: {e}"
    ops = Ops(torch)
    gen = torch.Generator(device=dev)
    gen.manual_seed(20261203)
    stream = torch.cuda.Stream()  # not the legacy default stream (handle 0)
    torch.cuda.set_stream(stream)
    if attn.rt is not None:
        attn.set_stream(stream.cuda_stream)
    H, D = args.heads, 128
    scale = 1.0 / math.sqrt(D)
    cases = [(v, s) for s in args.seq for v in args.variants]
    results = []
    for ci, (variant, S) in enumerate(cases):
        B = max(1, args.tokens // S)
        base = dict(variant=variant, batch=B, heads=H, seq=S, d=D)
        row = []
        try:
            torch.cuda.empty_cache()

            def rnd(*shape):
                return (torch.rand(*shape, device=dev, generator=gen,
                                   dtype=torch.float32) * 4 - 2).half()
            q, k, v = rnd(B, H, S, D), rnd(B, H, S, D), rnd(B, H, S, D)
            q *= Q_MUL.get(variant, 1.0)
            tab = {"tanh": torch.tanh,
                   "slopes": torch.tensor(alibi_slopes(H), device=dev),
                   "seg": torch.tensor(segments(B, S, seed=S), device=dev,
                                       dtype=torch.int32),
                   "sinks": torch.rand(H, device=dev, generator=gen) * 4 - 1}
            if variant == "bias":
                tab["bias"] = rnd(B, H, S, S)
            tables = {"alibi": [tab["slopes"]], "document": [tab["seg"]],
                      "sinks": [tab["sinks"]],
                      "bias": [tab.get("bias")]}.get(variant, [])
            mods = make_mods(variant, tab, S)
            pairs_b = count_pairs(mods[1], B, S, S, ops, like=q)
            pairs = sum(pairs_b)
            fl = 4.0 * H * D * pairs
            base.update(pairs=pairs, density=pairs / (B * S * S))
            # float32 reference on sampled rows (and the first, last and
            # boundary rows) of a few batch entries.
            pre = S // PARAMS["prefix_div"]
            rows = {0, 1, 2, 3, 7, 15, 31, pre - 1, pre,
                    min(S - 1, PARAMS["window"]), S - 1}
            rows |= {int(x) for x in torch.randint(
                0, S, (args.check_rows,), generator=torch.Generator()
                .manual_seed(ci))}
            idx = torch.tensor(sorted(rows), device=dev)
            bsel = sorted({0, B - 1, B // 2})
            refs = {b: reference_rows(ops, mods, q[b].float(), k[b].float(),
                                      v[b].float(), b, idx, scale)
                    for b in bsel}
        except Exception as e:  # noqa: BLE001
            r = dict(base, provider="setup", status="error",
                     reason=f"{type(e).__name__}: {' '.join(str(e).split())[:300]}")
            results.append(r)
            log(f"[{ci + 1}/{len(cases)}] {variant} S={S}: setup failed: "
                f"{r['reason']}")
            continue

        for prov in args.providers:
            r = dict(base, provider=prov, status="ok", reason="")
            fn = None
            try:
                if prov == "attn":
                    f, why = attn.load(f"attn_flex_{variant}")
                    if f is None:
                        r.update(status="unavailable", reason=why)
                    else:
                        fn = attn_caller(attn, f, tables)
                elif prov == "flex":
                    if flex is None:
                        r.update(status="unavailable", reason=flex_err)
                    else:
                        torch._dynamo.reset()
                        t0 = time.perf_counter()
                        # The mask of a variant that does not read b does
                        # not depend on it: one [1, 1] block mask.
                        bb = B if variant == "document" else None
                        bm = create_block_mask(mods[1], bb, None, S, S,
                                               device="cuda")
                        fn = flex_fn(torch, flex, mods, bm, scale,
                                     aux_request, args.flex_mode)
                        fn(q, k, v, None)
                        torch.cuda.synchronize()
                        r["compile_s"] = time.perf_counter() - t0
                elif prov in SDPA_BACKENDS:
                    be = getattr(SDPBackend, SDPA_BACKENDS[prov], None)
                    if be is None:
                        r.update(status="unavailable",
                                 reason=f"no SDPBackend.{SDPA_BACKENDS[prov]}")
                    elif variant not in ("causal", "bias"):
                        r.update(status="skipped", reason=(
                            "not expressible in SDPA without a materialized "
                            "[B, H, S, S] mask or bias"))
                    else:
                        bias = tab.get("bias")

                        def fn(q, k, v, o, be=be, bias=bias):
                            with sdpa_kernel([be]):
                                return F.scaled_dot_product_attention(
                                    q, k, v, attn_mask=bias,
                                    is_causal=bias is None, scale=scale)
                else:
                    r.update(status="unavailable", reason="unknown provider")
                if fn is not None:
                    o = torch.empty_like(q)
                    o.fill_(float("nan"))
                    res = fn(q, k, v, o)
                    torch.cuda.synchronize()
                    num = den = 0.0
                    for b in bsel:
                        got = res[b][:, idx].float()
                        if torch.isnan(got).any():
                            raise RuntimeError(f"NaN in the output (b={b})")
                        num += float((got - refs[b]).norm()) ** 2
                        den += float(refs[b].norm()) ** 2
                    rel = math.sqrt(num / den)
                    r["rel_l2_vs_f32_rows"] = rel
                    del res
                    if not rel < 2e-2:
                        r.update(status="check-failed",
                                 reason=f"rel L2 {rel:.3g} vs float32 rows")
                    t = compare.time_calls(fn, [(q, k, v)], [o], args.runs,
                                           args.warmup)
                    r.update(t, tflops=fl / (t["ms_median"] * 1e-3) / 1e12)
                    del o
            except torch.OutOfMemoryError as e:
                r.update(status="unavailable", reason="out of memory: " +
                         str(e).split("\n")[0][:160])
            except Exception as e:  # noqa: BLE001
                msg = " ".join(str(e).split())
                r.update(status="error",
                         reason=f"{type(e).__name__}: {msg[:300]}")
            fn = None
            try:
                torch.cuda.synchronize()
                torch.cuda.empty_cache()
            except Exception as e:  # noqa: BLE001  (a sticky CUDA error)
                r["reason"] += f" (then: {type(e).__name__}: {e})"[:200]
            results.append(r)
            row.append(r)
            write_csv(args.out + ".csv", results)
        summary = " | ".join(
            f"{r['provider']} " + (f"{r['ms_median']:.3f} ms "
                                   f"{r['tflops']:.0f}T"
                                   if r.get("ms_median") is not None
                                   else r["status"]) +
            (f" (compile {r['compile_s']:.0f} s)" if r.get("compile_s")
             else "") for r in row)
        log(f"[{ci + 1}/{len(cases)}] {variant} B={B} S={S} "
            f"density={base['density']:.3f}: {summary}")
        del q, k, v, refs, tab, tables, mods
    return results, device_line


# --------------------------------------------------------------------------
# Output.
# --------------------------------------------------------------------------

def fmt(x, spec):
    return "" if x is None else format(x, spec)


def write_csv(path, results):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow({k: ("" if r.get(k) is None else
                            f"{r[k]:.6g}" if isinstance(r[k], float)
                            else r[k]) for k in FIELDS})


def write_md(path, results, device_line, note):
    provs = [p for p in PROVIDERS if any(r["provider"] == p for r in results)]
    first = results[0] if results else {"heads": "?", "batch": 0, "seq": 0}
    lines = [f"# Score-modified attention: attn vs flex_attention "
             f"({device_line})", "",
             f"f16, D = 128, H = {first['heads']}, B·S = "
             f"{first['batch'] * first['seq']} tokens, [B, H, S, D]. TFLOPS = "
             "4·H·D·(unmasked (query, key) pairs over the batch) / time (the "
             "same count for every provider: masked pairs earn nothing); "
             "median of CUDA-event times. attn/flex = flex ms / attn ms "
             "(> 1: ours faster). Every cell checked against a float32 "
             "evaluation of the same modification on sampled rows (rel. L2 "
             "< 2e-2).", ""]
    by_s = {}
    for r in results:
        by_s.setdefault(r["seq"], {}).setdefault(r["variant"], {})[
            r["provider"]] = r
    for s, byv in by_s.items():
        any_r = next(iter(next(iter(byv.values())).values()))
        lines += [f"## S = {s}, B = {any_r['batch']}", ""]
        hdr = ["variant", "density"] + [f"{p} ms (TFLOPS)" for p in provs] + \
            ["attn/flex", "flex compile s"]
        lines += ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
        for variant, byp in byv.items():
            some = next(iter(byp.values()))
            cells = [variant, fmt(some.get("density"), ".3f")]
            for p in provs:
                r = byp.get(p)
                if r is None:
                    cells.append("-")
                elif r.get("ms_median") is not None:
                    cells.append(f"{r['ms_median']:.3f} ({r['tflops']:.0f})" +
                                 ("" if r["status"] == "ok" else
                                  f" {r['status']}"))
                else:
                    cells.append(r["status"])
            a, fx = byp.get("attn"), byp.get("flex")
            ok = all(x is not None and x["status"] == "ok" for x in (a, fx))
            cells.append(f"{fx['ms_median'] / a['ms_median']:.2f}" if ok
                         else "-")
            cells.append(fmt(fx.get("compile_s") if fx else None, ".1f"))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    reasons = {}
    for r in results:
        if r["status"] != "ok" and r.get("reason"):
            key = (r["provider"], r["status"], r["reason"])
            reasons.setdefault(key, []).append(f"{r['variant']}/S={r['seq']}")
    if reasons:
        lines += ["## Not measured or failed", ""]
        for (p, st, why), where in sorted(reasons.items()):
            lines.append(f"- {p} ({st}; {', '.join(where)}): {why}")
        lines.append("")
    if note:
        lines += [note, ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def plot(path, results, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        return f"PNG not written: matplotlib unavailable ({e})."
    seqs = sorted({r["seq"] for r in results})
    provs = [p for p in PROVIDERS if any(r["provider"] == p and
                                         r["status"] == "ok" for r in results)]
    fig, axes = plt.subplots(1, len(seqs), figsize=(7 * len(seqs), 4.2),
                             squeeze=False)
    width = 0.8 / max(1, len(provs))
    for ax, s in zip(axes[0], seqs):
        for pi, p in enumerate(provs):
            xs, ys = [], []
            for vi, v in enumerate(VARIANTS):
                for r in results:
                    if (r["seq"], r["variant"], r["provider"]) == (s, v, p) \
                            and r["status"] == "ok":
                        xs.append(vi + (pi - (len(provs) - 1) / 2) * width)
                        ys.append(r["tflops"])
            ax.bar(xs, ys, width, label=p)
        ax.set_xticks(range(len(VARIANTS)))
        ax.set_xticklabels(VARIANTS, rotation=20)
        ax.set_ylabel("TFLOPS (unmasked pairs)")
        ax.set_title(f"S = {s}")
        ax.grid(True, axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


# --------------------------------------------------------------------------
# Self-test: no GPU, no torch (float64 numpy).
# --------------------------------------------------------------------------

def self_test(cpu_lib_dir):
    import numpy as np
    sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))
    import attn_check
    ops = Ops(np)
    rng = np.random.default_rng(7)
    failures = 0

    def tables(b, h, s):
        return {"tanh": np.tanh, "slopes": np.array(alibi_slopes(h)),
                "seg": np.array(segments(b, s, seed=s), dtype=np.int32),
                "sinks": rng.uniform(-1, 3, h),
                "bias": rng.uniform(-2, 2, (b, h, s, s)).astype(np.float16)}

    def oracle(variant, tab, params, q, k, v, scale):
        s = q.shape[2]
        mods = {"softcap": {"softcap": params["softcap"]},
                "alibi": {"slopes": tab["slopes"]},
                "window": {"window": params["window"]},
                "document": {"segments": tab["seg"]},
                "prefix": {"prefix_lm": -(-s // params["prefix_div"])},
                "sinks": {"sinks": tab["sinks"]}}.get(variant, {})
        if variant == "bias":
            return attn_check.attention(q, k, v, tab["bias"], "additive",
                                        scale, None)
        return attn_check.attention(q, k, v, None, None, scale,
                                    None if variant == "prefix" else
                                    "top_left", mods=mods)

    # The reference against attn_check, with small constants so that every
    # modification changes the result on a small shape.
    small = {"softcap": 2.0, "window": 5, "prefix_div": 4}
    B, H, S, D = 3, 4, 37, 16
    scale = 1.0 / math.sqrt(D)
    for variant in VARIANTS:
        q, k, v = (rng.uniform(-2, 2, (B, H, S, D)) for _ in range(3))
        tab = tables(B, H, S)
        mods = make_mods(variant, tab, S, small)
        want = oracle(variant, tab, small, q, k, v, scale)
        idx = np.arange(S)
        got = np.stack([reference_rows(ops, mods, q[b], k[b], v[b], b, idx,
                                       scale) for b in range(B)])
        err = attn_check.rel_err(got, want)
        keep = mods[1]
        loop = [sum(bool(keep(b, 0, i, j)) for i in range(S) for j in range(S))
                for b in range(B)]
        pairs = count_pairs(keep, B, S, S, ops, chunk=8)
        ok = err < 1e-12 and pairs == loop
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'} reference {variant}: rel err "
              f"{err:.2e} vs attn_check, pairs {pairs} (loop {loop})")

    if cpu_lib_dir:
        # Our kernels (the sweep's constants) on the CPU: target=cpu returns
        # the result through a leading out-pointer.
        B, H, S, D = 2, 2, 1280, 128
        scale = 1.0 / math.sqrt(D)
        for variant in VARIANTS:
            name = f"attn_flex_{variant}"
            q, k, v = (rng.uniform(-2, 2, (B, H, S, D)).astype(np.float16)
                       for _ in range(3))
            q *= np.float16(Q_MUL.get(variant, 1.0))
            o = np.zeros_like(q)
            tab = tables(B, H, S)
            tab["slopes"] = tab["slopes"].astype(np.float32)
            tab["sinks"] = tab["sinks"].astype(np.float32)
            tabs = {"alibi": [tab["slopes"]], "document": [tab["seg"]],
                    "sinks": [tab["sinks"]],
                    "bias": [tab["bias"]]}.get(variant, [])
            f = getattr(ctypes.CDLL(os.path.join(cpu_lib_dir,
                                                 f"lib{name}.so")),
                        "_mlir_ciface_" + name)
            f.restype = None
            ds = [desc(x) for x in [q, k, v] + tabs + [o]]
            res = type(ds[0])()
            f(ctypes.byref(res), *[ctypes.byref(d) for d in ds])
            n = B * H * S * D
            buf = (ctypes.c_uint16 * n).from_address(
                res.aligned + 2 * res.offset)
            got = np.frombuffer(buf, dtype=np.float16).reshape(
                B, H, S, D).astype(np.float64)
            mods = make_mods(variant, tab, S)
            idx = np.arange(S)
            want = np.stack([reference_rows(
                ops, mods, q[b].astype(np.float64), k[b].astype(np.float64),
                v[b].astype(np.float64), b, idx, scale) for b in range(B)])
            err = attn_check.rel_err(got, want)
            ok = err < 2e-2 and not np.isnan(got).any()
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'} cpu kernel {name}: rel L2 "
                  f"{err:.2e} vs the float64 reference")
    print(f"{failures} failed")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default="build/dev",
                    help="directory with libattn_runtime.so and "
                    "libattn_flex_<variant>.so")
    ap.add_argument("--out", default="flex", help="output path prefix")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--seq", default="2048,8192")
    ap.add_argument("--tokens", type=int, default=16384, help="B·S")
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--providers", default=",".join(PROVIDERS))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--check-rows", type=int, default=32)
    ap.add_argument("--flex-mode", default=None,
                    help="torch.compile mode of the flex provider (default: "
                    "torch's default; e.g. max-autotune-no-cudagraphs)")
    ap.add_argument("--self-test", action="store_true",
                    help="check the reference (and --cpu-lib-dir kernels) "
                    "on the CPU, float64 numpy; no torch")
    ap.add_argument("--cpu-lib-dir", help="with --self-test: target=cpu "
                    "builds of kernels/flex/*.mlir")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.cpu_lib_dir)
    args.variants = [v for v in args.variants.split(",") if v]
    bad = [v for v in args.variants if v not in VARIANTS]
    if bad:
        ap.error(f"unknown variants {bad}; known: {VARIANTS}")
    args.seq = [int(x) for x in args.seq.split(",") if x]
    args.providers = [p for p in args.providers.split(",") if p]
    args.runs = max(20, args.runs)
    if os.path.dirname(args.out):
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
    results, device_line = main_bench(args)
    write_csv(args.out + ".csv", results)
    note = plot(args.out + ".png", results, device_line)
    write_md(args.out + ".md", results, device_line, note)
    with open(args.out + ".md") as f:
        print(f.read())
    bad = [r for r in results if r["provider"] in ("attn", "flex") and
           r["status"] in ("error", "check-failed")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
