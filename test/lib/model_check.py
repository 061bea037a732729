#!/usr/bin/env python3
"""Checks a whole model's output against a float64 numpy model.

    model_check.py bert|llama OUT [--tol T]

OUT is what test/lib/attn_harness.py's driver prints for the model function
of test/External/models (every argument in signature order, then the
result). The numpy models below follow the programs' documented semantics
(test/External/models/gen_models.py), not their IR: layer norm, tanh-GELU,
RMSNorm, SwiGLU and attention are written from their definitions, attention
with attn_check.attention. Prints `PASS rel_err=...` or `FAIL ...` (exit 1).
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attn_check import attention, parse_memrefs, rel_err  # noqa: E402


def layer_norm(x, g, b, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def bert(arrays, heads=2):
    x, mask = arrays[0], arrays[1]
    b, s, e = x.shape
    d = e // heads

    def split(t):  # [B, S, E] -> [B, H, S, D]
        return t.reshape(b, s, heads, d).transpose(0, 2, 1, 3)
    for l in range(2):
        (wq, bq, wk, bk, wv, bv, wo, bo, g1, b1n, w1, b1, w2, b2, g2,
         b2n) = arrays[2 + 16 * l: 2 + 16 * (l + 1)]
        q, k, v = x @ wq.T + bq, x @ wk.T + bk, x @ wv.T + bv
        a = attention(split(q), split(k), split(v), mask, "additive",
                      1 / np.sqrt(d), None)
        a = a.transpose(0, 2, 1, 3).reshape(b, s, e)
        x = layer_norm(a @ wo.T + bo + x, g1, b1n)
        h = gelu_tanh(x @ w1.T + b1)
        x = layer_norm(h @ w2.T + b2 + x, g2, b2n)
    return x, arrays[2 + 32]


def rms_norm(x, w, eps=1e-6):
    return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * w


def llama(arrays, heads=4, kv_heads=2):
    x, mask = arrays[0], arrays[1]
    b, s, e = x.shape
    for l in range(2):
        rms1, wq, wk, wv, wo, rms2, w1, w3, w2 = arrays[2 + 9 * l: 2 + 9 * (l + 1)]
        d = wq.shape[1] // heads
        xn = rms_norm(x, rms1)
        q = (xn @ wq).reshape(b, s, heads, d).transpose(0, 2, 1, 3)
        k = (xn @ wk).reshape(b, s, kv_heads, d).transpose(0, 2, 1, 3)
        v = (xn @ wv).reshape(b, s, kv_heads, d).transpose(0, 2, 1, 3)
        a = attention(q, k, v, mask, "additive", 1 / np.sqrt(d), None)
        x = x + a.transpose(0, 2, 1, 3).reshape(b, s, heads * d) @ wo
        xn = rms_norm(x, rms2)
        h1 = xn @ w1
        silu = h1 / (1 + np.exp(-h1))
        x = x + (silu * (xn @ w3)) @ w2
    return rms_norm(x, arrays[2 + 18]), arrays[2 + 18 + 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["bert", "llama"])
    ap.add_argument("file")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    arrays = parse_memrefs(open(args.file).read())
    ref, out = {"bert": bert, "llama": llama}[args.model](arrays)
    if out.shape != ref.shape:
        sys.exit(f"FAIL shape {out.shape} != reference {ref.shape}")
    err = rel_err(out, ref)
    if not err <= args.tol:
        print(f"FAIL rel_err={err:.3e} tol={args.tol:.1e}")
        sys.exit(1)
    print(f"PASS rel_err={err:.3e}")


if __name__ == "__main__":
    main()
