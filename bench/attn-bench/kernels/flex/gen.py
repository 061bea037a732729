#!/usr/bin/env python3
"""Writes the unfused linalg inputs of the FlexAttention sweep
(bench/flex.py): one program per score modification, f16, D = 128,
[B, H, S, D], B, H and S dynamic, as an exporter writes them (one
linalg.generic per elementwise step, the softmax as max/exp/sum/div).
attn-compile's --attn-fuse raises each to one attn.attention with the
modification in its score_mod/mask_mod regions or its sinks operand
(docs/fuse.md, "Score modifications"). Run from this directory; the .mlir
files are committed, so this is only needed to change them.

Entry points, each (q, k, v, <tables>..., o) with o the outs buffer the
kernel writes in place:

  attn_flex_causal    causal (the baseline)
  attn_flex_softcap   50·tanh(s / 50) on the scaled score s, causal (Gemma-2)
  attn_flex_alibi     s + slope[h]·(j - i), slopes: tensor<?xf32> [H], causal
  attn_flex_window    causal, keep i - j < 1024 (sliding window)
  attn_flex_document  causal, keep seg[b, i] == seg[b, j],
                      seg: tensor<?x?xi32> [B, S] (packed documents)
  attn_flex_prefix    keep j <= i or j < S / 4 (prefix-LM, not causal)
  attn_flex_sinks     causal, sink[h] in the softmax denominator,
                      sinks: tensor<?xf32> [H] (gpt-oss)
  attn_flex_bias      s + bias[b, h, i, j], bias: tensor<?x?x?x?xf16>
                      [B, H, S, S], not causal (a materialized bias, what
                      SDPA takes as attn_mask)
"""
import argparse
import math
import os

D = 128
DT = "f16"
SOFTCAP = 50.0
WINDOW = 1024
PREFIX_DIV = 4  # prefix-LM: P = S / 4

T4 = f"tensor<?x?x?x{D}x{DT}>"
S4 = "tensor<?x?x?x?xf32>"
R3 = "tensor<?x?x?xf32>"
ID4 = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
ROW4 = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>"
PAR4 = '["parallel", "parallel", "parallel", "parallel"]'
RED4 = '["parallel", "parallel", "parallel", "reduction"]'

# The extra function arguments of each variant (name, type).
TABLES = {
    "alibi": [("slopes", "tensor<?xf32>")],
    "document": [("seg", "tensor<?x?xi32>")],
    "sinks": [("sinks", "tensor<?xf32>")],
    "bias": [("bias", f"tensor<?x?x?x?x{DT}>")],
}

DOC = {
    "causal": "causal (the baseline of the sweep)",
    "softcap": f"soft-cap {SOFTCAP:g}·tanh(s / {SOFTCAP:g}) on the scaled "
               "score, then causal (Gemma-2)",
    "alibi": "ALiBi: s + slope[h]·(j - i), slopes [H] an argument, then "
             "causal",
    "window": f"sliding window: causal and i - j < {WINDOW}",
    "document": "document mask: causal and seg[b, i] == seg[b, j], seg "
                "[B, S] an argument",
    "prefix": f"prefix-LM: j <= i or j < S / {PREFIX_DIV} (not causal)",
    "sinks": "sinks (gpt-oss): causal, sink[h] joins the softmax "
             "denominator, sinks [H] an argument",
    "bias": "an additive bias [B, H, S, S] an argument, not causal",
}


def elementwise(res, src, body, ins=(), note=None):
    """A 4-D elementwise generic over the scores `src` (plus `ins`: (value,
    type, map) read alongside), yielding %y from `body` (the block
    arguments are %x, then %t0, %t1, ... for `ins`, then %acc, the unused out)."""
    maps = [ID4] + [m for _, _, m in ins] + [ID4]
    vals = ", ".join([src] + [v for v, _, _ in ins])
    tys = ", ".join([S4] + [t for _, t, _ in ins])
    args = ", ".join(["%x: f32"] + [f"%t{i}: {t.split('x')[-1][:-1]}"
                                    for i, (_, t, _) in enumerate(ins)] +
                     ["%acc: f32"])
    c = f"  // {note}\n" if note else ""
    return (f"{c}  {res} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
            f"iterator_types = {PAR4}}}\n"
            f"      ins({vals} : {tys}) outs(%sempty : {S4}) {{\n"
            f"  ^bb0({args}):\n{body}"
            f"    linalg.yield %y : f32\n  }} -> {S4}\n")


CAUSAL_BODY = """    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %future = arith.cmpi sgt, %j, %i : index
    %y = arith.select %future, %ninf, %x : f32
"""


def modifications(v):
    """The generics between the scaled scores %sc and the softmax input
    %sm_in, for variant v."""
    causal = elementwise("%sm_in", "%mod", CAUSAL_BODY, note="causal")
    if v in ("causal", "sinks"):
        return elementwise("%sm_in", "%sc", CAUSAL_BODY, note="causal")
    if v == "softcap":
        return elementwise("%mod", "%sc", f"""    %cap = arith.constant {SOFTCAP!r} : f32
    %d = arith.divf %x, %cap : f32
    %t = math.tanh %d : f32
    %y = arith.mulf %t, %cap : f32
""", note="soft-cap") + causal
    if v == "alibi":
        return elementwise("%mod", "%sc", """    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %dist = arith.subi %j, %i : index
    %di = arith.index_cast %dist : index to i64
    %df = arith.sitofp %di : i64 to f32
    %b = arith.mulf %t0, %df : f32
    %y = arith.addf %x, %b : f32
""", ins=[("%slopes", "tensor<?xf32>",
           "affine_map<(d0, d1, d2, d3) -> (d1)>")],
            note="ALiBi bias") + causal
    if v == "window":
        return elementwise("%sm_in", "%sc", f"""    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %w = arith.constant {WINDOW} : index
    %future = arith.cmpi sgt, %j, %i : index
    %dist = arith.subi %i, %j : index
    %far = arith.cmpi sge, %dist, %w : index
    %drop = arith.ori %future, %far : i1
    %y = arith.select %drop, %ninf, %x : f32
""", note="causal sliding window")
    if v == "document":
        return elementwise("%sm_in", "%sc", """    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %same = arith.cmpi eq, %t0, %t1 : i32
    %past = arith.cmpi sle, %j, %i : index
    %keep = arith.andi %same, %past : i1
    %y = arith.select %keep, %x, %ninf : f32
""", ins=[("%seg", "tensor<?x?xi32>", "affine_map<(d0, d1, d2, d3) -> (d0, d2)>"),
          ("%seg", "tensor<?x?xi32>", "affine_map<(d0, d1, d2, d3) -> (d0, d3)>")],
            note="causal document mask")
    if v == "prefix":
        return elementwise("%sm_in", "%sc", """    %i = linalg.index 2 : index
    %j = linalg.index 3 : index
    %past = arith.cmpi sle, %j, %i : index
    %jn = arith.muli %j, %cdiv : index
    %pre = arith.cmpi slt, %jn, %sk : index
    %keep = arith.ori %past, %pre : i1
    %y = arith.select %keep, %x, %ninf : f32
""", note=f"prefix-LM: j < Sk / {PREFIX_DIV} as {PREFIX_DIV}·j < Sk")
    if v == "bias":
        return elementwise("%sm_in", "%sc", f"""    %bx = arith.extf %t0 : {DT} to f32
    %y = arith.addf %x, %bx : f32
""", ins=[("%bias", f"tensor<?x?x?x?x{DT}>", ID4)], note="additive bias")
    raise ValueError(v)


def softmax(v):
    """max/exp/sum/div over %sm_in into the f16 probabilities %probs; with
    sinks, the row max and the denominator include sink[h]."""
    out = f"""  %rmax = linalg.generic {{indexing_maps = [{ID4}, {ROW4}], iterator_types = {RED4}}}
      ins(%sm_in : {S4}) outs(%rowninf : {R3}) {{
  ^bb0(%a: f32, %c: f32):
    %r = arith.maximumf %a, %c : f32
    linalg.yield %r : f32
  }} -> {R3}
"""
    mx = "%rmax"
    if v == "sinks":
        mx = "%smax"
        out += f"""  %smax = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%rmax, %sinks : {R3}, tensor<?xf32>) outs(%rempty : {R3}) {{
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %r = arith.maximumf %a, %b : f32
    linalg.yield %r : f32
  }} -> {R3}
"""
    out += f"""  %ex = linalg.generic {{indexing_maps = [{ID4}, {ROW4}, {ID4}], iterator_types = {PAR4}}}
      ins(%sm_in, {mx} : {S4}, {R3}) outs(%sempty : {S4}) {{
  ^bb0(%x0: f32, %x1: f32, %out: f32):
    %dd = arith.subf %x0, %x1 : f32
    %y = math.exp %dd : f32
    linalg.yield %y : f32
  }} -> {S4}
  %rsum = linalg.generic {{indexing_maps = [{ID4}, {ROW4}], iterator_types = {RED4}}}
      ins(%ex : {S4}) outs(%rowzero : {R3}) {{
  ^bb0(%a: f32, %c: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  }} -> {R3}
"""
    den = "%rsum"
    if v == "sinks":
        den = "%ssum"
        out += f"""  %ssum = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d1)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}}
      ins(%rsum, %sinks, %smax : {R3}, tensor<?xf32>, {R3}) outs(%rempty : {R3}) {{
  ^bb0(%a: f32, %b: f32, %m: f32, %acc: f32):
    %d = arith.subf %b, %m : f32
    %e = math.exp %d : f32
    %r = arith.addf %a, %e : f32
    linalg.yield %r : f32
  }} -> {R3}
"""
    out += f"""  %pempty = tensor.empty(%nb, %nh, %sq, %sk) : tensor<?x?x?x?x{DT}>
  %probs = linalg.generic {{indexing_maps = [{ID4}, {ROW4}, {ID4}], iterator_types = {PAR4}}}
      ins(%ex, {den} : {S4}, {R3}) outs(%pempty : tensor<?x?x?x?x{DT}>) {{
  ^bb0(%x0: f32, %x1: f32, %out: {DT}):
    %y = arith.divf %x0, %x1 : f32
    %t = arith.truncf %y : f32 to {DT}
    linalg.yield %t : {DT}
  }} -> tensor<?x?x?x?x{DT}>
"""
    return out


def kernel(v):
    name = f"attn_flex_{v}"
    scale = 1.0 / math.sqrt(D)
    args = ", ".join([f"%q: {T4}", f"%k: {T4}", f"%v: {T4}"] +
                     [f"%{n}: {t}" for n, t in TABLES.get(v, [])] +
                     [f"%o: {T4}"])
    plen = ""
    if v == "prefix":
        # j < Sk / 4 is written 4·j < Sk (the same for Sk a multiple of 4):
        # --attn-fuse reads sizes in a region through additions only.
        plen = f"  %cdiv = arith.constant {PREFIX_DIV} : index\n"
    return f"""// Generated by gen.py: unfused {DT} attention, D={D}, {DOC[v]}.
// Q·Kᵀ ({DT} in, f32 acc) → scale → modification → max/exp/sum/div softmax
// (f32) → {DT} P → P·V ({DT}). attn-compile's --attn-fuse raises it to
// attn.attention; %o is the outs buffer the GPU kernel writes in place.
// All sizes but D are dynamic.

func.func @{name}({args}) -> {T4} {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %nb = tensor.dim %q, %c0 : {T4}
  %nh = tensor.dim %q, %c1 : {T4}
  %sq = tensor.dim %q, %c2 : {T4}
  %sk = tensor.dim %k, %c2 : {T4}
{plen}  %zero = arith.constant 0.0 : f32
  %zero16 = arith.constant 0.0 : {DT}
  %minf = arith.constant 0xFF800000 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %sempty = tensor.empty(%nb, %nh, %sq, %sk) : {S4}
  %szero = linalg.fill ins(%zero : f32) outs(%sempty : {S4}) -> {S4}
  %rempty = tensor.empty(%nb, %nh, %sq) : {R3}
  %rowninf = linalg.fill ins(%minf : f32) outs(%rempty : {R3}) -> {R3}
  %rowzero = linalg.fill ins(%zero : f32) outs(%rempty : {R3}) -> {R3}
  %ozero = linalg.fill ins(%zero16 : {DT}) outs(%o : {T4}) -> {T4}
  %s = linalg.generic {{indexing_maps = [affine_map<(b, h, m, n, d) -> (b, h, m, d)>, affine_map<(b, h, m, n, d) -> (b, h, n, d)>, affine_map<(b, h, m, n, d) -> (b, h, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}}
      ins(%q, %k : {T4}, {T4}) outs(%szero : {S4}) {{
  ^bb0(%a: {DT}, %b: {DT}, %c: f32):
    %ax = arith.extf %a : {DT} to f32
    %bx = arith.extf %b : {DT} to f32
    %p = arith.mulf %ax, %bx : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  }} -> {S4}
{elementwise("%sc", "%s", f'''    %cst = arith.constant {scale!r} : f32
    %y = arith.mulf %x, %cst : f32
''', note="scale")}{modifications(v)}{softmax(v)}  %r = linalg.generic {{indexing_maps = [affine_map<(b, h, m, e, n) -> (b, h, m, n)>, affine_map<(b, h, m, e, n) -> (b, h, n, e)>, affine_map<(b, h, m, e, n) -> (b, h, m, e)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}}
      ins(%probs, %v : tensor<?x?x?x?x{DT}>, {T4}) outs(%ozero : {T4}) {{
  ^bb0(%a: {DT}, %b: {DT}, %c: {DT}):
    %p = arith.mulf %a, %b : {DT}
    %s2 = arith.addf %c, %p : {DT}
    linalg.yield %s2 : {DT}
  }} -> {T4}
  return %r : {T4}
}}
""", name


VARIANTS = ["causal", "softcap", "alibi", "window", "document", "prefix",
            "sinks", "bias"]


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=".", help="directory to write to")
    args = ap.parse_args()
    for v in VARIANTS:
        text, name = kernel(v)
        with open(os.path.join(args.out, name + ".mlir"), "w") as f:
            f.write(text)
        print(name)


if __name__ == "__main__":
    main()
