#!/usr/bin/python3
"""Random differential testing of `attn-opt --attn-fuse` (issue 8).

Generates seeded random UNFUSED attention programs in linalg on tensors (the
spellings docs/fuse.md lists as recognised: "positives") and near-miss mutants
that are not attention ("mutants"), and for each program:

  (a) runs `attn-opt --attn-fuse` and looks for attn.attention;
  (b) runs the program unfused and (if it fused) fused through
      `--attn-pipeline=target=cpu` under mlir-runner and compares the printed
      outputs with each other and with a float64 numpy reference computed here
      from the same deterministic inputs (an integer hash of the element
      index, exactly representable in f32/f16/bf16, built inside the MLIR).

Outcomes: a positive that does not fuse is a *miss* (reported by feature, not
a failure); a fused program whose numbers disagree is a *MISCOMPILE*; a mutant
that fuses is *wrongly fused*; attn-opt dying on a signal or exiting non-zero
without a diagnostic is a *crash*. Miscompiles, wrongly fused mutants and
crashes make the driver exit 1.

  attn_randgen.py --seed S --count N --attn-opt PATH --mlir-runner PATH \
      --runner-libs LIB1,LIB2 --jobs J [--keep-dir DIR]
  attn_randgen.py --emit SEED:INDEX            # print one program
  attn_randgen.py --replay SPEC.json ...       # re-run one spec
  attn_randgen.py --minimize SEED:INDEX ...    # shrink a failing program

See docs/random-testing.md.
"""
import argparse
import collections
import concurrent.futures as cf
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

LOG2E = 1.4426950408889634
P_HASH = 251
TOL = {"f32": 1e-4, "f16": 1e-2, "bf16": 1e-2}

SEQ = [1, 2, 3, 4, 5, 7, 8, 13, 16, 33]
HDIM = [1, 2, 3, 4, 8, 13, 16]

MUTANTS = [
    "softmax_query_axis",   # max/sum (or linalg.softmax) over the query axis
    "softmax_head_axis",    # normalisation over the head axis
    "pt_v",                 # O[n,e] = sum_m P[m,n] V[m,e]
    "v_query_axis",         # O[m,e] = sum_n P[m,n] V[m,e]
    "scale_tensor",         # scores * per-element tensor
    "scale_arg",            # scale is a runtime function argument
    "mask_mul",             # 0/1 mask multiplied into the scores
    "no_norm",              # exp(s - max) . V, no division by the row sum
    "no_max",               # exp(s) / sum exp(s) (no max subtraction)
    "second_user_probs",    # probabilities also returned
    "second_user_scores",   # scores also returned
    "k_query_axis",         # S[m,n] = sum_d Q[m,d] K[m,d] (K read at the query row)
    "q_key_axis",           # S[m,n] = sum_d Q[n,d] K[n,d] (Q read at the key row)
    "max_wrong_axis",       # max over the query axis subtracted in the exp
    "log_softmax",          # log-softmax probabilities
    "mask_after_softmax",   # causal select to 0 applied to the probabilities
    "relu_between",         # relu(s) . V
    "lse_query_axis",       # exp(s - logsumexp over the query axis)
    "lse_no_log",           # exp(s - (max + sum exp(s - max))): no log
    "view_head_scale",      # bmm scores times a per-head constant in the 4-D view
    "causal_additive_positive",  # causal mask added as 0 / +4 (not -inf)
    "mask_from_scores",     # scores below 0 replaced by -1e9: a mask of the scores
]


# ---------------------------------------------------------------------------
# Spec generation
# ---------------------------------------------------------------------------

def choose(r, opts, weights=None):
    return r.choices(opts, weights=weights)[0] if weights else r.choice(opts)


def gen_spec(seed, index, mutant_rate=0.3):
    r = random.Random(f"attn-randgen:{seed}:{index}")
    s = {"seed": seed, "index": index}
    mutant = None
    if r.random() < mutant_rate:
        mutant = r.choice(MUTANTS)
    s["mutant"] = mutant
    s["nb"] = choose(r, [0, 1, 2], [1, 3, 2])
    s["bdims"] = [r.choice([1, 2, 3]) for _ in range(s["nb"])]
    s["hkv"] = choose(r, [1, 2, 3], [3, 3, 1])
    s["g"] = choose(r, [1, 2, 3, 4], [4, 3, 1, 2])
    s["sq"] = r.choice(SEQ)
    s["sk"] = r.choice(SEQ)
    s["d"] = r.choice(HDIM)
    s["dv"] = s["d"] if r.random() < 0.5 else r.choice(HDIM)
    s["dtype"] = choose(r, ["f32", "f16", "bf16"], [5, 2, 2])
    s["ptrunc"] = s["dtype"] != "f32" and r.random() < 0.6
    s["dyn"] = r.random() < 0.25
    # "all": every size dynamic; "bs": batch and sequence sizes dynamic, head
    # counts and head dims static (torch dynamic-shape exports)
    s["dyn_kind"] = r.choice(["all", "bs"])
    s["contraction"] = choose(
        r, ["generic", "generic_kt", "generic_kdn", "bmm_transpose", "bmm_map"],
        [5, 2, 1, 2, 2])
    s["layout"] = choose(r, ["bhsd", "bshd_maps", "bshd_transpose"], [5, 2, 2])
    s["gqa"] = "none"
    if s["g"] > 1:
        opts = ["bcast", "floordiv"] + (["unit0"] if s["hkv"] == 1 else [])
        s["gqa"] = r.choice(opts)
    s["scale_place"] = choose(
        r, ["none", "scores_mul", "scores_mul_lhs", "scores_div", "query",
            "exp_mul", "exp_div"], [1, 4, 1, 2, 2, 1, 1])
    sd = math.sqrt(s["d"])
    if s["scale_place"] in ("scores_div", "exp_div"):
        s["scale"] = sd if r.random() < 0.6 else r.choice([2.0, 4.0, 0.5, 3.0])
    else:
        s["scale"] = 1.0 / sd if r.random() < 0.6 else r.choice(
            [0.125, 0.25, 0.5, 0.3, 1.7])
    s["softmax"] = choose(
        r, ["op", "decomp", "recip", "recip_sep", "exp2", "sub_sep",
            "two_generic"], [3, 4, 2, 1, 2, 1, 1])
    s["exp2_form"] = r.choice(["mul_both", "mul_diff"])
    s["maxinit"] = r.choice(["ninf", "lowest"])
    s["mask"] = choose(r, ["none", "causal", "additive", "bool"], [3, 3, 2, 2])
    s["causal_align"] = r.choice(["top_left", "bottom_right"])
    s["causal_form"] = r.choice(["select", "inverted", "swapped"])
    s["fill"] = choose(r, ["ninf", "neg1e9", "lowest"], [3, 2, 1])
    s["mask_before_scale"] = r.random() < 0.2
    s["split_epilogue"] = r.random() < 0.3
    s["mask_shape_seed"] = r.randrange(1 << 30)
    s["body_bits"] = r.randrange(1 << 16)
    s["bmm_collapse2"] = r.random() < 0.5
    s["pipeline"] = choose(r, ["tile", "tile=false", "tile-small"], [2, 2, 1])
    s["hash"] = [r.randrange(1, P_HASH) for _ in range(12)]
    # Exporter spellings (issue 14), drawn last so that earlier fields of a
    # (seed, index) stay what they were.
    s["softmax_lse"] = choose(r, ["none", "lse", "logsm_exp"], [6, 1, 1])
    s["safe"] = r.random() < 0.15
    s["bmm_view"] = r.random() < 0.5
    s["scale_q_pre"] = r.random() < 0.5
    s["causal_additive"] = r.random() < 0.25
    fix_spec(s)
    return s


def fix_spec(s):
    """Restrict a spec to combinations that are meant to be recognised (or,
    for mutants, to combinations the mutant is emitted for)."""
    s["hq"] = s["g"] * s["hkv"]
    if s["g"] == 1:
        s["gqa"] = "none"
    if s["gqa"] == "unit0" and s["hkv"] != 1:
        s["gqa"] = "floordiv"
    bmm = s["contraction"].startswith("bmm")
    if bmm:
        if s["gqa"] in ("floordiv", "unit0"):
            s["gqa"] = "bcast"
        if s["layout"] == "bshd_maps":
            s["layout"] = "bshd_transpose"
        s["dyn"] = False  # docs: static collapse/expand only
    if s["contraction"] == "generic_kdn":
        s["layout"] = "bhsd"
    if s["dyn"] and s["gqa"] == "bcast":
        s["gqa"] = "floordiv"
    if s["dtype"] == "f32":
        s["ptrunc"] = False
    if s["softmax"] == "op" and s["scale_place"] in ("exp_mul", "exp_div"):
        s["scale_place"] = "scores_mul"
    if s["scale_place"] in ("none", "query", "exp_mul", "exp_div") or s["mask"] == "none":
        s["mask_before_scale"] = False
    if s["mask"] == "causal" and s["causal_align"] == "bottom_right" \
            and s["sk"] < s["sq"]:
        # fully masked rows: fused gives 0, unfused NaN/uniform (documented)
        s["causal_align"] = "top_left"
    s.setdefault("softmax_lse", "none")
    s.setdefault("safe", False)
    s.setdefault("bmm_view", False)
    s.setdefault("scale_q_pre", False)
    s.setdefault("causal_additive", False)
    if s["softmax"] != "decomp" or s["scale_place"] in ("exp_mul", "exp_div"):
        s["softmax_lse"] = "none"
    if s["softmax"] == "op":
        s["safe"] = False
    if not bmm or s["nb"] == 0:
        s["bmm_view"] = False
    if s["scale_place"] != "query" or s["layout"] != "bshd_transpose":
        s["scale_q_pre"] = False
    if s["mask"] != "causal":
        s["causal_additive"] = False
    m = s["mutant"]
    if m == "view_head_scale":
        # batch_matmul scores expanded to [B, H, M, N] and multiplied by a
        # different constant per head: no single scale
        s["contraction"] = "bmm_transpose"
        s["layout"] = "bhsd"
        s["gqa"], s["g"] = "none", 1
        s["nb"] = 1
        s["bdims"] = [s["bdims"][0] if s["bdims"] else 2]
        s["hkv"] = max(2, s["hkv"])
        s["hq"] = s["hkv"]
        s["mask"] = "none"
        s["dyn"] = False
        s["bmm_view"] = True
        s["causal_additive"] = False
        s["sq"], s["sk"] = max(s["sq"], 2), max(s["sk"], 2)
        return s
    if m:
        # mutants keep their own softmax structure
        if m not in ("lse_query_axis", "lse_no_log"):
            s["softmax_lse"] = "none"
        s["safe"] = False
        # at Sq = Sk = 1 (or one head) most mutations are no-ops and the
        # program is attention again: keep the mutated axes non-trivial
        s["sq"] = max(s["sq"], 2)
        s["sk"] = max(s["sk"], 2)
        if m == "softmax_head_axis" and s["hkv"] * s["g"] == 1:
            s["hkv"] = 2
        # mutants are emitted for the plain generic spelling
        s["contraction"] = "generic"
        if s["layout"] == "bshd_transpose":
            s["layout"] = "bshd_maps"
        if s["gqa"] == "bcast":
            s["gqa"] = "floordiv"
        if m in ("lse_query_axis", "lse_no_log"):
            s["softmax"] = "decomp"
            s["softmax_lse"] = "lse"
            s["safe"] = False
            if s["scale_place"] in ("exp_mul", "exp_div"):
                s["scale_place"] = "scores_mul"
            s["mask"] = "none" if s["mask"] in ("causal", "bool") else s["mask"]
        if m == "causal_additive_positive":
            s["mask"] = "causal"
            s["causal_additive"] = True
            s["causal_align"] = "top_left"
            s["mask_before_scale"] = False
        if m in ("softmax_query_axis", "softmax_head_axis", "no_norm",
                 "no_max", "max_wrong_axis", "log_softmax"):
            if s["softmax"] not in ("decomp", "op"):
                s["softmax"] = "decomp"
            if m not in ("softmax_query_axis", "softmax_head_axis"):
                s["softmax"] = "decomp"
            if s["scale_place"] in ("exp_mul", "exp_div"):
                s["scale_place"] = "scores_mul"
        if m in ("softmax_query_axis", "softmax_head_axis", "max_wrong_axis",
                 "mask_after_softmax", "relu_between"):
            # column-wise / head-wise normalisation can see fully masked lines
            s["mask"] = "none" if s["mask"] in ("causal", "bool") else s["mask"]
        if m == "mask_after_softmax":
            s["mask"] = "none"
        if m == "log_softmax" and s["mask"] != "additive":
            s["mask"] = "none"
        if m in ("pt_v", "v_query_axis", "k_query_axis", "q_key_axis"):
            s["layout"] = "bhsd"
            s["gqa"] = "none"
            s["g"] = 1
            s["hq"] = s["hkv"]
        if m in ("k_query_axis", "q_key_axis"):
            s["sk"] = s["sq"]
        if m == "scale_arg":
            if s["scale_place"] not in ("scores_mul", "scores_div"):
                s["scale_place"] = "scores_mul"
        if m in ("scale_tensor", "mask_mul"):
            s["split_epilogue"] = False
            if s["mask"] in ("additive", "bool"):
                s["mask"] = "causal" if s["mask"] == "bool" else "none"
                s["causal_align"] = "top_left"
        if m in ("no_max",):
            s["maxinit"] = "ninf"
        if m == "relu_between":
            s["softmax"] = "decomp"
    s["hq"] = s["g"] * s["hkv"]
    return s


def ext_tags(s):
    """Spellings generated as positives although docs/fuse.md does not list
    them as recognised (misses there are expected and counted apart)."""
    e = []
    if s["contraction"] == "generic_kdn":
        e.append("k_stored_dn")           # K argument stored [.., D, Sk]
    if s["dyn"] and s["mask"] == "causal" and s["causal_align"] == "bottom_right":
        e.append("dynamic_bottom_right")  # test/Integration/CPU/fuse/pos-causal-bottom-right-dynamic
    if s["softmax"] == "two_generic":
        e.append("two_generic_softmax")   # test/Integration/CPU/fuse/pos-generic4d-two-generic-softmax
    return e


def features(s):
    f = [f"dtype={s['dtype']}", f"contraction={s['contraction']}",
         f"layout={s['layout']}", f"gqa={s['gqa']}",
         f"scale={s['scale_place']}", f"softmax={s['softmax']}",
         f"mask={s['mask']}",
         f"dyn={s.get('dyn_kind', 'all') if s['dyn'] else 0}", f"nb={s['nb']}",
         f"pipeline={s['pipeline']}"]
    if s["mask"] == "causal":
        f += [f"causal={s['causal_align']}", f"causal_form={s['causal_form']}"]
    if s["mask"] in ("causal", "bool"):
        f.append(f"fill={s['fill']}")
    if s["softmax"] in ("op", "decomp", "recip", "recip_sep", "sub_sep",
                        "two_generic", "exp2"):
        f.append(f"maxinit={s['maxinit']}" if s["softmax"] != "op" else "maxinit=op")
    if s["dtype"] != "f32":
        f.append(f"ptrunc={int(s['ptrunc'])}")
    if s["mask_before_scale"]:
        f.append("mask_before_scale=1")
    if s["split_epilogue"]:
        f.append("split_epilogue=1")
    if s["sq"] == 1 or s["sk"] == 1:
        f.append("seq1=1")
    if s["d"] != s["dv"]:
        f.append("d!=dv")
    if s.get("softmax_lse", "none") != "none":
        f.append(f"softmax_lse={s['softmax_lse']}")
    if s.get("safe"):
        f.append("safe_softmax=1")
    if s.get("bmm_view"):
        f.append("bmm_view=4d")
    if s.get("scale_q_pre"):
        f.append("scale_q_pre=1")
    if s.get("causal_additive"):
        f.append("causal=additive")
    f += [f"ext={e}" for e in ext_tags(s)]
    return f


# ---------------------------------------------------------------------------
# Deterministic inputs
# ---------------------------------------------------------------------------

def hash_values(shape, a, b, c):
    n = int(np.prod(shape)) if shape else 1
    lin = np.arange(n, dtype=np.int64)
    v = (lin * lin * a + lin * b + c) % P_HASH
    return v.reshape(shape)


def input_values(kind, shape, abc):
    v = hash_values(shape, *abc)
    if kind == "data":
        return (v - 125).astype(np.float64) / 128.0
    if kind == "additive":
        return (v - 125).astype(np.float64) / 32.0
    if kind == "positive":
        return v.astype(np.float64) / 256.0 + 0.25
    if kind in ("bool", "zeroone"):
        keep = (v % 4) != 0
        keep[..., 0] = True  # key 0 always kept: no fully masked row
        return keep.astype(np.float64)
    raise ValueError(kind)


def round_to(x, dtype):
    if dtype == "f32":
        return x.astype(np.float32).astype(np.float64)
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float64)
    b = np.ascontiguousarray(x.astype(np.float32)).view(np.uint32).astype(np.uint64)
    b = ((b + 0x7FFF + ((b >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return b.view(np.float32).astype(np.float64)


def f32(x):
    return float(np.float32(x))


# ---------------------------------------------------------------------------
# MLIR emission
# ---------------------------------------------------------------------------

def fconst(v):
    if v == float("-inf"):
        return "0xFF800000"
    if v == -3.4028234663852886e38:
        return "-3.40282347E+38"
    return f"{f32(v):.9e}"


class Emitter:
    def __init__(self, s):
        self.s = s
        self.lines = []
        self.n = 0
        self.dynvals = {}
        self.bits = s["body_bits"]

    def bit(self):
        b = self.bits & 1
        self.bits = (self.bits >> 1) | (b << 15)
        return b

    def fresh(self, p="v"):
        self.n += 1
        return f"%{p}{self.n}"

    def emit(self, line, ind=2):
        self.lines.append(" " * ind + line)

    # sizes -----------------------------------------------------------------
    def size(self, lab):
        s = self.s
        if lab == "1":
            return 1
        if lab.startswith("b") and lab[1:].isdigit():
            return s["bdims"][int(lab[1:])]
        return {"H": s["hq"], "Hk": s["hkv"], "G": s["g"], "M": s["sq"],
                "N": s["sk"], "D": s["d"], "E": s["dv"],
                "BH": int(np.prod(s["bdims"] or [1])) * s["hq"],
                "BHk": int(np.prod(s["bdims"] or [1])) * s["hkv"]}[lab]

    def is_dyn(self, lab):
        s = self.s
        if not s["dyn"] or lab in ("1", "G"):
            return False
        if lab == "Hk" and s["gqa"] == "unit0":
            return False  # MQA reads head 0: the K/V head count must be 1
        if s.get("dyn_kind", "all") == "bs":
            return lab in ("M", "N") or (lab.startswith("b") and lab[1:].isdigit())
        return True

    def ty(self, labs, elt):
        dims = ["?" if self.is_dyn(l) else str(self.size(l)) for l in labs]
        return "tensor<" + "".join(d + "x" for d in dims) + elt + ">"

    def empty(self, labs, elt):
        v = self.fresh("e")
        ops = [self.dynvals[l] for l in labs if self.is_dyn(l)]
        self.emit(f"{v} = tensor.empty({', '.join(ops)}) : {self.ty(labs, elt)}")
        return v

    def filled(self, labs, elt, val):
        e = self.empty(labs, elt)
        c = self.fresh("c")
        self.emit(f"{c} = arith.constant {fconst(val)} : {elt}")
        v = self.fresh("f")
        t = self.ty(labs, elt)
        self.emit(f"{v} = linalg.fill ins({c} : {elt}) outs({e} : {t}) -> {t}")
        return v

    # generic ---------------------------------------------------------------
    def generic(self, loops, iters, ins, outs, body, result_types=None):
        """ins/outs: lists of (value, labs, elt, exprs). body(args) -> list of
        yielded values (emits into self at indentation 4)."""
        dims = ", ".join(loops)
        maps = [f"affine_map<({dims}) -> ({', '.join(ex)})>"
                for (_, _, _, ex) in ins + outs]
        its = ", ".join(f'"{i}"' for i in iters)
        res = self.fresh("g") if len(outs) == 1 else self.fresh("g")
        head = f"{res}{':' + str(len(outs)) if len(outs) > 1 else ''} = linalg.generic " \
               f"{{indexing_maps = [{', '.join(maps)}], iterator_types = [{its}]}}"
        ins_s = ""
        if ins:
            ins_s = f" ins({', '.join(i[0] for i in ins)} : " \
                    f"{', '.join(self.ty(i[1], i[2]) for i in ins)})"
        outs_s = f" outs({', '.join(o[0] for o in outs)} : " \
                 f"{', '.join(self.ty(o[1], o[2]) for o in outs)})"
        rtys = [self.ty(o[1], o[2]) for o in outs]
        self.emit(head + ins_s + outs_s + " {")
        args = [self.fresh("a") for _ in ins + outs]
        self.emit("^bb0(" + ", ".join(f"{a}: {x[2]}" for a, x in zip(args, ins + outs)) + "):", 2)
        ys = body(args)
        self.emit(f"linalg.yield {', '.join(ys)} : {', '.join(o[2] for o in outs)}", 4)
        self.emit("} -> " + (rtys[0] if len(rtys) == 1 else "(" + ", ".join(rtys) + ")"))
        if len(outs) > 1:
            return [f"{res}#{i}" for i in range(len(outs))]
        return res

    def op(self, text, ind=4):
        v = self.fresh("t")
        self.emit(f"{v} = {text}", ind)
        return v

    def cst(self, val, elt="f32", ind=4):
        return self.op(f"arith.constant {fconst(val)} : {elt}", ind)

    def ext(self, a, elt):
        if elt in ("f16", "bf16"):
            return self.op(f"arith.extf {a} : {elt} to f32")
        return a


# Logical labels of the arguments
def arg_labels(s, which):
    bl = [f"b{i}" for i in range(s["nb"])]
    h = "H" if which in ("q", "o") else "Hk"
    seq = {"q": "M", "o": "M", "k": "N", "v": "N"}[which]
    last = {"q": "D", "k": "D", "v": "E", "o": "E"}[which]
    if s["mutant"] in ("pt_v", "v_query_axis") and which == "v":
        seq = "M"
    if s["mutant"] == "pt_v" and which == "o":
        seq = "N"
    if s["layout"] == "bhsd":
        if which == "k" and s["contraction"] == "generic_kdn":
            return bl + [h, last, seq]
        return bl + [h, seq, last]
    return bl + [seq, h, last]


def mask_spec(s):
    """Logical labels of the mask argument (right-aligned against the score
    space, size-1 dims as '1'), or None."""
    if s["mask"] not in ("additive", "bool") and s["mutant"] not in (
            "scale_tensor", "mask_mul"):
        return None
    r = random.Random(s["mask_shape_seed"])
    if s["contraction"].startswith("bmm") and not s.get("bmm_view"):
        full = ["BH", "M", "N"]
        opts = [["M", "N"], ["1", "M", "N"], ["1", "1", "N"], ["N"]]
        return r.choice(opts)
    full = [f"b{i}" for i in range(s["nb"])] + ["H", "M", "N"]
    L = r.randint(2, len(full))
    labs = full[-L:]
    out = []
    for i, l in enumerate(labs):
        if l in ("M",) and r.random() < 0.3:
            out.append("1")
        elif l not in ("M", "N") and r.random() < 0.6:
            out.append("1")
        else:
            out.append(l)
    if r.random() < 0.15:
        out = ["N"]
    return out


def emit_lse_softmax(em, s, sl, sloops, par, xs, mx, mx_labs, mx_ex, sumv,
                     rlabs, rloops_r):
    """softmax as exp(x - logsumexp): buddy-mlir's exp(x - (max + log sum))
    ("lse") or torch's exp(log_softmax) = exp((x - max) - log sum)
    ("logsm_exp"); the lse_no_log mutant drops the log."""
    mut = s["mutant"]
    e = em.empty(sl, "f32")
    ins = [(xs, sl, "f32", sloops), (mx, mx_labs, "f32", mx_ex),
           (sumv, rlabs, "f32", rloops_r)]
    if s["softmax_lse"] == "logsm_exp":
        def body(a):
            lg = em.op(f"math.log {a[2]} : f32")
            d = em.op(f"arith.subf {a[0]}, {a[1]} : f32")
            return [em.op(f"arith.subf {d}, {lg} : f32")]
        ls = em.generic(sloops, par, ins, [(e, sl, "f32", sloops)], body)
        e2 = em.empty(sl, "f32")
        return em.generic(sloops, par, [(ls, sl, "f32", sloops)],
                          [(e2, sl, "f32", sloops)],
                          lambda a: [em.op(f"math.exp {a[0]} : f32")])

    def body(a):
        lg = a[2] if mut == "lse_no_log" else em.op(f"math.log {a[2]} : f32")
        lse = em.op(f"arith.addf {a[1]}, {lg} : f32")
        d = em.op(f"arith.subf {a[0]}, {lse} : f32")
        return [em.op(f"math.exp {d} : f32")]
    return em.generic(sloops, par, ins, [(e, sl, "f32", sloops)], body)


def emit_safe_guard(em, sl, sloops, par, xs, probs, rloops_r, rlabs, red_iters):
    """torch's _safe_softmax: rows whose softmax inputs are all -inf get 0."""
    e = em.empty(sl, "i1")
    ninf = fconst(float("-inf"))
    isn = em.generic(sloops, par, [(xs, sl, "f32", sloops)], [(e, sl, "i1", sloops)],
                     lambda a: [em.op(f"arith.cmpf oeq, {a[0]}, "
                                      f"{em.op(f'arith.constant {ninf} : f32')} : f32")])
    t = em.fresh("true")
    em.emit(f"{t} = arith.constant true")
    ea = em.empty(rlabs, "i1")
    fa = em.fresh("fill")
    em.emit(f"{fa} = linalg.fill ins({t} : i1) outs({ea} : {em.ty(rlabs, 'i1')}) -> "
            f"{em.ty(rlabs, 'i1')}")
    allm = em.generic(sloops, red_iters, [(isn, sl, "i1", sloops)],
                      [(fa, rlabs, "i1", rloops_r)],
                      lambda a: [em.op(f"arith.andi {a[0]}, {a[1]} : i1")])
    e2 = em.empty(sl, "f32")

    def body(a):
        z = em.cst(0.0)
        return [em.op(f"arith.select {a[0]}, {z}, {a[1]} : f32")]
    return em.generic(sloops, par, [(allm, rlabs, "i1", rloops_r),
                                    (probs, sl, "f32", sloops)],
                      [(e2, sl, "f32", sloops)], body)


def emit_program(s):
    em = Emitter(s)
    dt = s["dtype"]
    mut = s["mutant"]
    bmm = s["contraction"].startswith("bmm")
    nb = s["nb"]
    bl = [f"b{i}" for i in range(nb)]
    ql, kl, vl, ol = (arg_labels(s, w) for w in "qkvo")
    ml = mask_spec(s)
    melt = "i1" if s["mask"] == "bool" else "f32"
    args = [("%q", ql, dt), ("%k", kl, dt), ("%v", vl, dt)]
    if ml:
        args.append(("%mask", ml, melt))
    if mut == "scale_arg":
        args.append(("%scale", None, "f32"))
    fsig = ", ".join(f"{n}: {em.ty(l, e) if l else e}" for n, l, e in args)
    res_tys = [em.ty(ol, "f32")]

    body_start = len(em.lines)
    # dynamic sizes
    if s["dyn"]:
        for lab in bl + ["H", "Hk", "M", "N", "D", "E"]:
            for n, l, e in args[:3]:
                if l and lab in l:
                    ci = em.fresh("i")
                    em.emit(f"{ci} = arith.constant {l.index(lab)} : index")
                    dv = em.fresh("dim")
                    em.emit(f"{dv} = tensor.dim {n}, {ci} : {em.ty(l, e)}")
                    em.dynvals[lab] = dv
                    break
        if "N" not in em.dynvals:  # pt_v: no argument carries Sk... K does
            pass

    def transpose(val, labs, elt, perm):
        nl = [labs[p] for p in perm]
        e = em.empty(nl, elt)
        v = em.fresh("tr")
        em.emit(f"{v} = linalg.transpose ins({val} : {em.ty(labs, elt)}) outs({e} : "
                f"{em.ty(nl, elt)}) permutation = [{', '.join(map(str, perm))}]")
        return v, nl

    def swap_sh(labs):  # [.., S, H, X] <-> [.., H, S, X]
        p = list(range(len(labs)))
        p[-3], p[-2] = p[-2], p[-3]
        return p

    q, k, v = "%q", "%k", "%v"
    # scale on Q
    c = s["scale"]

    def scale_q(q, ql):
        e = em.empty(ql, dt)
        loops = [f"x{i}" for i in range(len(ql))]

        def body(a):
            x = em.ext(a[0], dt)
            cc = em.cst(c)
            y = em.op(f"arith.mulf {x}, {cc} : f32") if em.bit() else \
                em.op(f"arith.mulf {cc}, {x} : f32")
            if dt != "f32":
                y = em.op(f"arith.truncf {y} : f32 to {dt}")
            return [y]
        return em.generic(loops, ["parallel"] * len(ql), [(q, ql, dt, loops)],
                          [(e, ql, dt, loops)], body)

    # scale on Q in [B, S, H, D], before the head transposes (exporter form)
    if s["scale_q_pre"]:
        q = scale_q(q, ql)
    # layout via transposes
    if s["layout"] == "bshd_transpose":
        q, ql = transpose(q, ql, dt, swap_sh(ql))
        k, kl = transpose(k, kl, dt, swap_sh(kl))
        v, vl = transpose(v, vl, dt, swap_sh(vl))
    # GQA by broadcast + collapse
    if s["gqa"] == "bcast":
        def bc(val, labs):
            hi = labs.index("Hk")
            nl = labs[:hi + 1] + ["G"] + labs[hi + 1:]
            e = em.empty(nl, dt)
            r = em.fresh("bc")
            em.emit(f"{r} = linalg.broadcast ins({val} : {em.ty(labs, dt)}) outs({e} : "
                    f"{em.ty(nl, dt)}) dimensions = [{hi + 1}]")
            assoc = []
            for i in range(len(labs)):
                if i < hi:
                    assoc.append([i])
                elif i == hi:
                    assoc.append([hi, hi + 1])
                else:
                    assoc.append([i + 1])
            fl = labs[:hi] + ["H"] + labs[hi + 1:]
            if bmm and s["bmm_collapse2"] is False and s["layout"] != "bshd_maps":
                # collapse batch, heads and group at once
                return r, nl, True
            c = em.fresh("cl")
            em.emit(f"{c} = tensor.collapse_shape {r} {json.dumps(assoc)} : "
                    f"{em.ty(nl, dt)} into {em.ty(fl, dt)}")
            return c, fl, False
        k, kl, kraw = bc(k, kl)
        v, vl, vraw = bc(v, vl)
    if s["scale_place"] == "query" and not s["scale_q_pre"]:
        q = scale_q(q, ql)

    def mulacc(a, b, acc, elts):
        x = em.ext(a, elts[0])
        y = em.ext(b, elts[1])
        p = em.op(f"arith.mulf {x}, {y} : f32") if em.bit() else \
            em.op(f"arith.mulf {y}, {x} : f32")
        return [em.op(f"arith.addf {acc}, {p} : f32") if em.bit() else
                em.op(f"arith.addf {p}, {acc} : f32")]

    # ------------------------------------------------------------------ QK
    if bmm:
        # collapse to [BH, S, X]
        def collapse3(val, labs, elt, raw=False):
            n = len(labs)
            assoc = [list(range(n - 2)), [n - 2], [n - 1]]
            if n == 3:
                return val, ["BH" if labs[0] == "H" else "BHk"] + labs[1:]
            nl = ["BH"] + labs[-2:]
            r = em.fresh("cl")
            em.emit(f"{r} = tensor.collapse_shape {val} {json.dumps(assoc)} : "
                    f"{em.ty(labs, elt)} into {em.ty(nl, elt)}")
            return r, nl
        q3, q3l = collapse3(q, ql, dt)
        k3, k3l = collapse3(k, kl, dt)
        if mut == "bmm_head_swap":
            # V's [B, H] collapsed as [H*B]: P.V pairs mismatched heads
            vsw, vswl = transpose(v, vl, dt, [1, 0, 2, 3])
            v3 = em.fresh("cl")
            em.emit(f"{v3} = tensor.collapse_shape {vsw} [[0, 1], [2], [3]] : "
                    f"{em.ty(vswl, dt)} into {em.ty(['BHk', 'N', 'E'], dt)}")
            v3l = ["BHk", "N", "E"]
        else:
            v3, v3l = collapse3(v, vl, dt)
        k3l = ["BH"] + k3l[1:]
        v3l = ["BH"] + v3l[1:]
        sl = ["BH", "M", "N"]
        sz = em.filled(sl, "f32", 0.0)
        st = em.ty(sl, "f32")
        if s["contraction"] == "bmm_transpose":
            kt, ktl = transpose(k3, k3l, dt, [0, 2, 1])
            sc = em.fresh("bmm")
            em.emit(f"{sc} = linalg.batch_matmul ins({q3}, {kt} : {em.ty(q3l, dt)}, "
                    f"{em.ty(ktl, dt)}) outs({sz} : {st}) -> {st}")
        else:
            sc = em.fresh("bmm")
            em.emit(f"{sc} = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, "
                    f"affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>] "
                    f"ins({q3}, {k3} : {em.ty(q3l, dt)}, {em.ty(k3l, dt)}) outs({sz} : {st}) -> {st}")
        sloops = ["bh", "m", "n"]
        if s["bmm_view"]:
            # scale, mask and softmax in the 4-D view of the scores
            ob = bl + ["H", "M", "N"]
            assoc = [list(range(nb + 1)), [nb + 1], [nb + 2]]
            s4 = em.fresh("ex")
            em.emit(f"{s4} = tensor.expand_shape {sc} {json.dumps(assoc)} output_shape "
                    f"[{', '.join(str(em.size(l)) for l in ob)}] : {em.ty(sl, 'f32')} into "
                    f"{em.ty(ob, 'f32')}")
            sc, sl, sloops = s4, ob, bl + ["h", "m", "n"]
            if mut == "view_head_scale":
                slopes = ", ".join(fconst(0.5 + 0.25 * i) for i in range(s["hq"]))
                ct = em.fresh("slopes")
                em.emit(f"{ct} = arith.constant dense<[{slopes}]> : tensor<{s['hq']}xf32>")
                e4 = em.empty(sl, "f32")
                sc = em.generic(sloops, ["parallel"] * len(sl),
                                [(sc, sl, "f32", sloops), (ct, ["H"], "f32", ["h"])],
                                [(e4, sl, "f32", sloops)],
                                lambda a: [em.op(f"arith.mulf {a[0]}, {a[1]} : f32")])
    else:
        sl = bl + ["H", "M", "N"]
        sz = em.filled(sl, "f32", 0.0)
        loops = bl + ["h", "m", "n", "d"]
        lmap = {f"b{i}": f"b{i}" for i in range(nb)}
        lmap.update({"H": "h", "M": "m", "N": "n", "D": "d", "E": "d"})

        def hk_expr():
            return {"none": "h", "bcast": "h", "floordiv": f"h floordiv {s['g']}",
                    "unit0": "0"}[s["gqa"]]
        qex = [lmap[l] for l in ql]
        if s["contraction"] == "generic_kt":
            perm = list(range(len(kl)))
            # move D before the sequence axis: [.., N, D] or [.., N, Hk, D] -> [.., Hk, D, N]
            ni = kl.index("N")
            hi = kl.index("Hk") if "Hk" in kl else kl.index("H")
            di = kl.index("D")
            perm = perm[:nb] + [hi, di, ni]
            k, kl = transpose(k, kl, dt, perm)
        kex = [hk_expr() if l in ("Hk", "H") else lmap[l] for l in kl]
        if mut == "k_query_axis":
            kex = ["m" if x == "n" else x for x in kex]
        if mut == "q_key_axis":
            qex = ["n" if x == "m" else x for x in qex]
        sc = em.generic(loops, ["parallel"] * (nb + 3) + ["reduction"],
                        [(q, ql, dt, qex), (k, kl, dt, kex)],
                        [(sz, sl, "f32", bl + ["h", "m", "n"])],
                        lambda a: mulacc(a[0], a[1], a[2], (dt, dt)))
        sloops = bl + ["h", "m", "n"]
    R = len(sl)
    scores = sc
    rl = sl[:-1]
    par = ["parallel"] * R
    mi, ni_ = R - 2, R - 1

    # ------------------------------------------------------------ epilogue
    fillv = {"ninf": float("-inf"), "neg1e9": -1e9,
             "lowest": -3.4028234663852886e38}[s["fill"]]
    scale_scores = s["scale_place"] in ("scores_mul", "scores_mul_lhs", "scores_div")

    def mask_exprs():
        # right-aligned
        off = R - len(ml)
        return ["0" if l == "1" else sloops[off + i] for i, l in enumerate(ml)]

    def apply_scale(x, a_scale=None):
        if mut == "scale_arg":
            cc = a_scale
        else:
            cc = em.cst(c)
        if s["scale_place"] == "scores_div":
            return em.op(f"arith.divf {x}, {cc} : f32")
        if s["scale_place"] == "scores_mul_lhs":
            return em.op(f"arith.mulf {cc}, {x} : f32")
        return em.op(f"arith.mulf {x}, {cc} : f32")

    def causal_keep_sel(x):
        i = em.op(f"linalg.index {mi} : index")
        j = em.op(f"linalg.index {ni_} : index")
        if s["causal_align"] == "bottom_right":
            if s["dyn"]:
                off = em.op(f"arith.subi {em.dynvals['N']}, {em.dynvals['M']} : index")
            else:
                off = em.op(f"arith.constant {s['sk'] - s['sq']} : index")
            i = em.op(f"arith.addi {i}, {off} : index")
        fv = em.cst(fillv)
        form = s["causal_form"]
        if s["causal_additive"]:
            # torch: where(not tril, -inf, 0) added to the scores
            kp = em.op(f"arith.cmpi sle, {j}, {i} : index")
            z = em.cst(0.0)
            if mut == "causal_additive_positive":
                fv = em.cst(4.0)
            add = em.op(f"arith.select {kp}, {z}, {fv} : f32")
            return em.op(f"arith.addf {x}, {add} : f32")
        if form == "select":
            kp = em.op(f"arith.cmpi sle, {j}, {i} : index")
            return em.op(f"arith.select {kp}, {x}, {fv} : f32")
        if form == "inverted":
            kp = em.op(f"arith.cmpi sgt, {j}, {i} : index")
            return em.op(f"arith.select {kp}, {fv}, {x} : f32")
        kp = em.op(f"arith.cmpi sge, {i}, {j} : index")
        return em.op(f"arith.select {kp}, {x}, {fv} : f32")

    mask_mode = s["mask"]
    steps = []  # list of callables (x, extra_args) -> x; each may need mask input
    has_scale_step = scale_scores or mut in ("scale_tensor",)
    need_epi = scale_scores or mask_mode != "none" or mut in (
        "scale_tensor", "mask_mul", "mask_from_scores")
    if need_epi:
        def scale_step(x, m):
            if mut == "scale_tensor":
                return em.op(f"arith.mulf {x}, {m} : f32")
            return apply_scale(x, m)

        def mask_step(x, m):
            if mask_mode == "causal":
                return causal_keep_sel(x)
            if mask_mode == "additive":
                return em.op(f"arith.addf {x}, {m} : f32") if em.bit() else \
                    em.op(f"arith.addf {m}, {x} : f32")
            if mask_mode == "bool":
                fv = em.cst(fillv)
                return em.op(f"arith.select {m}, {x}, {fv} : f32")
            return x

        def mul_step(x, m):
            return em.op(f"arith.mulf {x}, {m} : f32")
        # ordered list of (fn, needs) where needs in {None, 'mask', 'scale'}
        seq = []
        sc_need = "mask" if mut == "scale_tensor" else ("scale" if mut == "scale_arg" else None)
        if scale_scores or mut == "scale_tensor":
            seq.append((scale_step, sc_need))
        if mut == "mask_mul":
            seq.append((mul_step, "mask"))
        if mut == "mask_from_scores":
            def score_mask_step(x, m):
                z = em.cst(0.0)
                lt = em.op(f"arith.cmpf olt, {x}, {z} : f32")
                fill = em.cst(-1e9)
                return em.op(f"arith.select {lt}, {fill}, {x} : f32")
            seq.append((score_mask_step, None))
        if mask_mode != "none":
            mneed = "mask" if mask_mode in ("additive", "bool") else None
            if s["mask_before_scale"]:
                seq.insert(0, (mask_step, mneed))
            else:
                seq.append((mask_step, mneed))
        groups = [[x] for x in seq] if s["split_epilogue"] else [seq]
        x = scores
        for grp in groups:
            e = em.empty(sl, "f32")
            ins = [(x, sl, "f32", sloops)]
            needs_mask = any(n == "mask" for _, n in grp)
            if needs_mask:
                ins.append(("%mask", ml, melt, mask_exprs()))

            def body(a, grp=grp, needs_mask=needs_mask):
                y = a[0]
                for fn, need in grp:
                    m = None
                    if need == "mask":
                        m = a[1]
                    elif need == "scale":
                        m = "%scale"
                    y = fn(y, m)
                return [y]
            x = em.generic(sloops, par, ins, [(e, sl, "f32", sloops)], body)
        xs = x
    else:
        xs = scores

    # ------------------------------------------------------------- softmax
    sm = s["softmax"]
    red_axis = R - 1
    if mut in ("softmax_query_axis", "lse_query_axis"):
        red_axis = R - 2
    elif mut == "softmax_head_axis":
        red_axis = R - 3
    rloops_r = [l for i, l in enumerate(sloops) if i != red_axis]
    rlabs = [l for i, l in enumerate(sl) if i != red_axis]
    red_iters = ["reduction" if i == red_axis else "parallel" for i in range(R)]
    maxinit = float("-inf") if s["maxinit"] == "ninf" else -3.4028234663852886e38
    exp_c = None
    if s["scale_place"] in ("exp_mul", "exp_div"):
        exp_c = c

    def reduce(x, op, init, axis_loops=rloops_r, axis_labs=rlabs, iters=red_iters):
        init_t = em.filled(axis_labs, "f32", init)

        def body(a):
            if op == "max":
                return [em.op(f"arith.maximumf {a[0]}, {a[1]} : f32")]
            return [em.op(f"arith.addf {a[0]}, {a[1]} : f32")]
        return em.generic(sloops, iters, [(x, sl, "f32", sloops)],
                          [(init_t, axis_labs, "f32", axis_loops)], body)

    def exp_of(d_val, a_max=None):
        # d_val = x - max (already), apply exp scale
        y = d_val
        if exp_c is not None:
            cc = em.cst(exp_c)
            y = em.op(f"arith.mulf {y}, {cc} : f32") if s["scale_place"] == "exp_mul" \
                else em.op(f"arith.divf {y}, {cc} : f32")
        return em.op(f"math.exp {y} : f32")

    probs = None
    if sm == "op" and mut not in ("relu_between",):
        e = em.empty(sl, "f32")
        t = em.ty(sl, "f32")
        probs = em.fresh("sm")
        em.emit(f"{probs} = linalg.softmax dimension({red_axis}) ins({xs} : {t}) outs({e} : {t}) -> {t}")
    elif mut == "relu_between":
        e = em.empty(sl, "f32")

        def body(a):
            z = em.cst(0.0)
            return [em.op(f"arith.maximumf {a[0]}, {z} : f32")]
        probs = em.generic(sloops, par, [(xs, sl, "f32", sloops)], [(e, sl, "f32", sloops)], body)
    else:
        # max
        if mut == "no_max":
            mx = None
        elif mut == "max_wrong_axis":
            ma = R - 2
            ml_l = [l for i, l in enumerate(sloops) if i != ma]
            ml_b = [l for i, l in enumerate(sl) if i != ma]
            mx = reduce(xs, "max", maxinit, ml_l, ml_b,
                        ["reduction" if i == ma else "parallel" for i in range(R)])
            mx_ex, mx_labs = ml_l, ml_b
        else:
            mx = reduce(xs, "max", maxinit)
            mx_ex, mx_labs = rloops_r, rlabs
        e = em.empty(sl, "f32")
        if sm == "sub_sep" and mx is not None:
            def body(a):
                return [em.op(f"arith.subf {a[0]}, {a[1]} : f32")]
            dd = em.generic(sloops, par, [(xs, sl, "f32", sloops), (mx, mx_labs, "f32", mx_ex)],
                            [(e, sl, "f32", sloops)], body)
            e2 = em.empty(sl, "f32")

            def body2(a):
                return [exp_of(a[0])]
            ex = em.generic(sloops, par, [(dd, sl, "f32", sloops)], [(e2, sl, "f32", sloops)], body2)
            sm_eff = "decomp"
        elif sm == "two_generic" and mx is not None:
            # exp and the row sum in one two-result generic
            zs = em.filled(rlabs, "f32", 0.0)

            def body(a):
                d = em.op(f"arith.subf {a[0]}, {a[1]} : f32")
                y = exp_of(d)
                acc = em.op(f"arith.addf {y}, {a[3]} : f32")
                return [y, acc]
            ex, sumv = em.generic(
                sloops, red_iters,
                [(xs, sl, "f32", sloops), (mx, mx_labs, "f32", mx_ex)],
                [(e, sl, "f32", sloops), (zs, rlabs, "f32", rloops_r)], body)
            sm_eff = "two_generic"
        else:
            ins = [(xs, sl, "f32", sloops)]
            if mx is not None:
                ins.append((mx, mx_labs, "f32", mx_ex))

            def body(a):
                if mx is None:
                    return [exp_of(a[0])]
                if sm == "exp2":
                    cl = (exp_c if exp_c is not None and s["scale_place"] == "exp_mul"
                          else (1.0 / exp_c if exp_c is not None else 1.0)) * LOG2E
                    cc = em.cst(cl)
                    if s["exp2_form"] == "mul_both":
                        p1 = em.op(f"arith.mulf {a[0]}, {cc} : f32")
                        p2 = em.op(f"arith.mulf {a[1]}, {cc} : f32")
                        d = em.op(f"arith.subf {p1}, {p2} : f32")
                    else:
                        d0 = em.op(f"arith.subf {a[0]}, {a[1]} : f32")
                        d = em.op(f"arith.mulf {d0}, {cc} : f32")
                    return [em.op(f"math.exp2 {d} : f32")]
                d = em.op(f"arith.subf {a[0]}, {a[1]} : f32")
                return [exp_of(d)]
            ex = em.generic(sloops, par, ins, [(e, sl, "f32", sloops)], body)
            sm_eff = sm
        if mut == "no_norm":
            probs = ex
        else:
            if sm_eff != "two_generic":
                sumv = reduce(ex, "sum", 0.0)
            e = em.empty(sl, "f32")
            if s["softmax_lse"] != "none":
                probs = emit_lse_softmax(em, s, sl, sloops, par, xs, mx, mx_labs,
                                         mx_ex, sumv, rlabs, rloops_r)
            elif mut == "log_softmax":
                # log p = (x - max) - log(sum)
                def body(a):
                    lg = em.op(f"math.log {a[2]} : f32")
                    d = em.op(f"arith.subf {a[0]}, {a[1]} : f32")
                    return [em.op(f"arith.subf {d}, {lg} : f32")]
                probs = em.generic(sloops, par, [(xs, sl, "f32", sloops), (mx, mx_labs, "f32", mx_ex),
                                                 (sumv, rlabs, "f32", rloops_r)],
                                   [(e, sl, "f32", sloops)], body)
            elif sm_eff == "recip_sep":
                e1 = em.empty(rlabs, "f32")

                def body(a):
                    one = em.cst(1.0)
                    return [em.op(f"arith.divf {one}, {a[0]} : f32")]
                rc = em.generic(rloops_r, ["parallel"] * (R - 1), [(sumv, rlabs, "f32", rloops_r)],
                                [(e1, rlabs, "f32", rloops_r)], body)

                def body2(a):
                    return [em.op(f"arith.mulf {a[0]}, {a[1]} : f32") if em.bit() else
                            em.op(f"arith.mulf {a[1]}, {a[0]} : f32")]
                probs = em.generic(sloops, par, [(ex, sl, "f32", sloops), (rc, rlabs, "f32", rloops_r)],
                                   [(e, sl, "f32", sloops)], body2)
            else:
                def body(a):
                    if sm_eff == "recip":
                        one = em.cst(1.0)
                        r_ = em.op(f"arith.divf {one}, {a[1]} : f32")
                        return [em.op(f"arith.mulf {a[0]}, {r_} : f32")]
                    return [em.op(f"arith.divf {a[0]}, {a[1]} : f32")]
                probs = em.generic(sloops, par, [(ex, sl, "f32", sloops), (sumv, rlabs, "f32", rloops_r)],
                                   [(e, sl, "f32", sloops)], body)
    if s["safe"] and mut != "relu_between":
        probs = emit_safe_guard(em, sl, sloops, par, xs, probs, rloops_r, rlabs,
                                red_iters)
    if mut == "mask_after_softmax":
        e = em.empty(sl, "f32")

        def body(a):
            i = em.op(f"linalg.index {mi} : index")
            j = em.op(f"linalg.index {ni_} : index")
            kp = em.op(f"arith.cmpi sle, {j}, {i} : index")
            z = em.cst(0.0)
            return [em.op(f"arith.select {kp}, {a[0]}, {z} : f32")]
        probs = em.generic(sloops, par, [(probs, sl, "f32", sloops)], [(e, sl, "f32", sloops)], body)
    pelt = "f32"
    if s["ptrunc"]:
        e = em.empty(sl, dt)

        def body(a):
            return [em.op(f"arith.truncf {a[0]} : f32 to {dt}")]
        probs_t = em.generic(sloops, par, [(probs, sl, "f32", sloops)], [(e, sl, dt, sloops)], body)
        pelt = dt
    else:
        probs_t = probs

    # ------------------------------------------------------------------ PV
    if bmm:
        ol3 = ["BH", "M", "E"]
        oz = em.filled(ol3, "f32", 0.0)
        ot = em.ty(ol3, "f32")
        if s["bmm_view"]:
            assoc = [list(range(nb + 1)), [nb + 1], [nb + 2]]
            pc = em.fresh("cl")
            em.emit(f"{pc} = tensor.collapse_shape {probs_t} {json.dumps(assoc)} : "
                    f"{em.ty(sl, pelt)} into {em.ty(['BH', 'M', 'N'], pelt)}")
            probs_t, sl = pc, ["BH", "M", "N"]
        o3 = em.fresh("bmm")
        em.emit(f"{o3} = linalg.batch_matmul ins({probs_t}, {v3} : {em.ty(sl, pelt)}, "
                f"{em.ty(v3l, dt)}) outs({oz} : {ot}) -> {ot}")
        # expand back
        ob = bl + ["H", "M", "E"]
        if len(ob) > 3:
            assoc = [list(range(len(ob) - 2)), [len(ob) - 2], [len(ob) - 1]]
            o = em.fresh("ex")
            em.emit(f"{o} = tensor.expand_shape {o3} {json.dumps(assoc)} output_shape "
                    f"[{', '.join(str(em.size(l)) for l in ob)}] : {ot} into {em.ty(ob, 'f32')}")
        else:
            o = o3
        if s["layout"] == "bshd_transpose":
            o, _ = transpose(o, ob, "f32", swap_sh(ob))
    else:
        lmap = {f"b{i}": f"b{i}" for i in range(nb)}
        lmap.update({"H": "h", "M": "m", "N": "n", "E": "e"})
        hk = {"none": "h", "bcast": "h", "floordiv": f"h floordiv {s['g']}", "unit0": "0"}[s["gqa"]]
        loops = bl + ["h", "m", "e", "n"]
        if s["layout"] == "bshd_transpose":
            olab = bl + ["H", "M", "E"]
        else:
            olab = ol
        if mut == "pt_v":
            # O[n, e] = sum_m P[m, n] V[m, e]
            loops = bl + ["h", "n", "e", "m"]
            lmap.update({"M": "m", "N": "n"})
        vex = [hk if l in ("Hk", "H") else lmap.get(l, l) for l in vl]
        if mut == "v_query_axis":
            vex = [hk if l in ("Hk", "H") else {"M": "m"}.get(l, lmap.get(l)) for l in vl]
        oz = em.filled(olab, "f32", 0.0)
        oex = [lmap[l] for l in olab]
        pex = bl + ["h", "m", "n"]
        o = em.generic(loops, ["parallel"] * (nb + 3) + ["reduction"],
                       [(probs_t, sl, pelt, pex), (v, vl, dt, vex)],
                       [(oz, olab, "f32", oex)],
                       lambda a: mulacc(a[0], a[1], a[2], (pelt, dt)))
        if s["layout"] == "bshd_transpose":
            o, _ = transpose(o, olab, "f32", swap_sh(olab))
    rets = [(o, em.ty(ol, "f32"))]
    if mut == "second_user_probs":
        rets.append((probs, em.ty(sl, "f32")))
    elif mut == "second_user_scores":
        rets.append((scores, em.ty(sl, "f32")))
    em.emit(f"return {', '.join(r[0] for r in rets)} : {', '.join(r[1] for r in rets)}")
    body_lines = em.lines[body_start:]
    rt = ", ".join(r[1] for r in rets)
    if len(rets) > 1:
        rt = "(" + rt + ")"
    fn = [f"func.func @attn({fsig}) -> {rt} {{"] + body_lines + ["}"]

    # ------------------------------------------------------------------ main
    mem = Emitter(s)
    mem.s = dict(s, dyn=False)
    mem.n = 10000
    inputs = input_plan(s)
    call_args = []
    for (name, labs, elt, kind, abc) in inputs:
        if labs is None:
            cv = mem.fresh("sc")
            mem.emit(f"{cv} = arith.constant {fconst(s['scale'])} : f32")
            call_args.append((cv, "f32"))
            continue
        val = gen_input(mem, labs, elt, kind, abc)
        if s["dyn"]:
            dv = mem.fresh("dc")
            dty = em.ty(labs, elt)
            mem.emit(f"{dv} = tensor.cast {val} : {mem.ty(labs, elt)} to {dty}")
            call_args.append((dv, dty))
        else:
            call_args.append((val, mem.ty(labs, elt)))
    outs = [mem.fresh("out") for _ in rets]
    mem.emit(f"{', '.join(outs)} = call @attn({', '.join(a for a, _ in call_args)}) : "
             f"({', '.join(t for _, t in call_args)}) -> {rt}")
    u = mem.fresh("u")
    mem.emit(f"{u} = tensor.cast {outs[0]} : {rets[0][1]} to tensor<*xf32>")
    mem.emit(f"call @printMemrefF32({u}) : (tensor<*xf32>) -> ()")
    mem.emit("return")
    main = ["func.func private @printMemrefF32(tensor<*xf32>)", "",
            "func.func @main() {"] + mem.lines + ["}"]
    hdr = [f"// attn-randgen seed={s['seed']} index={s['index']} "
           f"{'MUTANT ' + s['mutant'] if s['mutant'] else 'positive'}",
           "// spec: " + json.dumps(s, sort_keys=True),
           "// features: " + " ".join(features(s))]
    return "\n".join(hdr + fn + [""] + main) + "\n"


def input_plan(s):
    dt = s["dtype"]
    h = s["hash"]
    plan = [("q", arg_labels(s, "q"), dt, "data", h[0:3]),
            ("k", arg_labels(s, "k"), dt, "data", h[3:6]),
            ("v", arg_labels(s, "v"), dt, "data", h[6:9])]
    ml = mask_spec(s)
    if ml:
        kind = {"additive": "additive", "bool": "bool"}.get(s["mask"], "additive")
        elt = "i1" if s["mask"] == "bool" else "f32"
        if s["mutant"] == "scale_tensor":
            kind, elt = "positive", "f32"
        elif s["mutant"] == "mask_mul":
            kind, elt = "zeroone", "f32"
        plan.append(("mask", ml, elt, kind, h[9:12]))
    if s["mutant"] == "scale_arg":
        plan.append(("scale", None, "f32", None, None))
    return plan


def gen_input(em, labs, elt, kind, abc):
    shape = [em.size(l) for l in labs]
    e = em.empty(labs, elt)
    loops = [f"x{i}" for i in range(len(labs))]
    strides = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
    a, b, c = abc

    def body(args):
        lin = None
        for i, st in enumerate(strides):
            ix = em.op(f"linalg.index {i} : index")
            ii = em.op(f"arith.index_cast {ix} : index to i64")
            sc = em.op(f"arith.constant {st} : i64")
            t = em.op(f"arith.muli {ii}, {sc} : i64")
            lin = t if lin is None else em.op(f"arith.addi {lin}, {t} : i64")
        ca = em.op(f"arith.constant {a} : i64")
        cb = em.op(f"arith.constant {b} : i64")
        cc = em.op(f"arith.constant {c} : i64")
        cp = em.op(f"arith.constant {P_HASH} : i64")
        l2 = em.op(f"arith.muli {lin}, {lin} : i64")
        t1 = em.op(f"arith.muli {l2}, {ca} : i64")
        t2 = em.op(f"arith.muli {lin}, {cb} : i64")
        t3 = em.op(f"arith.addi {t1}, {t2} : i64")
        t4 = em.op(f"arith.addi {t3}, {cc} : i64")
        hv = em.op(f"arith.remsi {t4}, {cp} : i64")
        if kind in ("bool", "zeroone"):
            c4 = em.op("arith.constant 4 : i64")
            z = em.op("arith.constant 0 : i64")
            rm = em.op(f"arith.remsi {hv}, {c4} : i64")
            k1 = em.op(f"arith.cmpi ne, {rm}, {z} : i64")
            last = em.op(f"linalg.index {len(labs) - 1} : index")
            zi = em.op("arith.constant 0 : index")
            k2 = em.op(f"arith.cmpi eq, {last}, {zi} : index")
            kp = em.op(f"arith.ori {k1}, {k2} : i1")
            if elt == "i1":
                return [kp]
            one = em.op("arith.constant 1.0 : f32")
            zf = em.op("arith.constant 0.0 : f32")
            return [em.op(f"arith.select {kp}, {one}, {zf} : f32")]
        if kind == "positive":
            f = em.op(f"arith.sitofp {hv} : i64 to f32")
            k = em.op("arith.constant 0.00390625 : f32")
            q = em.op("arith.constant 0.25 : f32")
            m = em.op(f"arith.mulf {f}, {k} : f32")
            y = em.op(f"arith.addf {m}, {q} : f32")
        else:
            c125 = em.op("arith.constant 125 : i64")
            w = em.op(f"arith.subi {hv}, {c125} : i64")
            f = em.op(f"arith.sitofp {w} : i64 to f32")
            k = em.op(f"arith.constant {1/128 if kind == 'data' else 1/32} : f32")
            y = em.op(f"arith.mulf {f}, {k} : f32")
        if elt != "f32":
            y = em.op(f"arith.truncf {y} : f32 to {elt}")
        return [y]
    return em.generic(loops, ["parallel"] * len(labs), [], [(e, labs, elt, loops)], body)


# ---------------------------------------------------------------------------
# numpy reference (float64, same semantics as the emitted program)
# ---------------------------------------------------------------------------

def reference(s):
    dt = s["dtype"]
    mut = s["mutant"]
    sizes = Emitter(dict(s, dyn=False)).size
    arrs = {}
    for (name, labs, elt, kind, abc) in input_plan(s):
        if labs is None:
            continue
        arrs[name] = input_values(kind, [sizes(l) for l in labs], abc)
    q, k, v = arrs["q"], arrs["k"], arrs["v"]
    if s["contraction"] == "generic_kdn":
        k = np.swapaxes(k, -1, -2)
    if s["layout"] != "bhsd":
        q, k, v = (np.swapaxes(x, -3, -2) for x in (q, k, v))
    g = s["g"]
    if g > 1:
        k = np.repeat(k, g, axis=-3)
        v = np.repeat(v, g, axis=-3)
    c = f32(s["scale"])
    if s["scale_place"] == "query":
        q = round_to(q * c, dt)
    if mut == "k_query_axis":
        sc = np.repeat(np.einsum("...md,...md->...m", q, k)[..., None], s["sk"], axis=-1)
    elif mut == "q_key_axis":
        sc = np.repeat(np.einsum("...nd,...nd->...n", q, k)[..., None, :], s["sq"], axis=-2)
    else:
        sc = np.einsum("...md,...nd->...mn", q, k)
    if mut == "view_head_scale":
        sc = sc * np.array([f32(0.5 + 0.25 * i) for i in range(s["hq"])])[:, None, None]
    scores = sc
    R = sc.ndim
    bmm = s["contraction"].startswith("bmm")
    mask = arrs.get("mask")
    if mask is not None and bmm and not s.get("bmm_view"):
        # mask is right-aligned against [BH, M, N]
        shp = sc.shape
        sc = sc.reshape((-1,) + shp[-2:])
    fillv = {"ninf": -np.inf, "neg1e9": f32(-1e9), "lowest": -3.4028234663852886e38}[s["fill"]]
    sq, sk = s["sq"], s["sk"]

    def do_scale(x):
        if mut == "scale_tensor":
            return x * mask
        if s["scale_place"] == "scores_div":
            return x / c
        if s["scale_place"] in ("scores_mul", "scores_mul_lhs"):
            return x * c
        return x

    def do_mask(x):
        if s["mask"] == "causal":
            off = sk - sq if s["causal_align"] == "bottom_right" else 0
            i = np.arange(sq)[:, None]
            j = np.arange(sk)[None, :]
            if s.get("causal_additive"):
                fv = 4.0 if mut == "causal_additive_positive" else fillv
                return x + np.where(j <= i + off, 0.0, fv)
            return np.where(j <= i + off, x, fillv)
        if s["mask"] == "additive":
            return x + mask
        if s["mask"] == "bool":
            return np.where(mask != 0, x, fillv)
        return x
    x = sc
    if s["mask_before_scale"]:
        x = do_mask(x)
    x = do_scale(x)
    if mut == "mask_mul":
        x = x * mask
    if mut == "mask_from_scores":
        x = np.where(x < 0, f32(-1e9), x)
    if not s["mask_before_scale"]:
        x = do_mask(x)
    if bmm and mask is not None and not s.get("bmm_view"):
        x = x.reshape(shp)
    with np.errstate(over="ignore", invalid="ignore"):
        ax = -1
        if mut in ("softmax_query_axis", "lse_query_axis"):
            ax = -2
        elif mut == "softmax_head_axis":
            ax = -3
        ec = 1.0
        if s["scale_place"] == "exp_mul":
            ec = c
        elif s["scale_place"] == "exp_div":
            ec = 1.0 / c
        if s["softmax"] == "exp2" and s["scale_place"] in ("exp_mul", "exp_div"):
            ec = f32((s["scale"] if s["scale_place"] == "exp_mul" else 1 / s["scale"]) * LOG2E) / math.log2(math.e)
        elif s["softmax"] == "exp2":
            ec = f32(LOG2E) / LOG2E
        if mut == "relu_between":
            p = np.maximum(x, 0.0)
        else:
            if mut == "no_max":
                mx = 0.0
            elif mut == "max_wrong_axis":
                mx = x.max(axis=-2, keepdims=True)
            else:
                mx = x.max(axis=ax, keepdims=True)
            d = x - mx
            e = np.exp(d * ec)
            if mut == "no_norm":
                p = e
            elif mut == "lse_no_log":
                p = np.exp(d - e.sum(axis=ax, keepdims=True))
            elif mut == "log_softmax":
                p = d - np.log(e.sum(axis=ax, keepdims=True))
            else:
                p = e / e.sum(axis=ax, keepdims=True)
    if s.get("safe") and mut != "relu_between":
        p = np.where(np.all(np.isneginf(x), axis=-1, keepdims=True), 0.0, p)
    if mut == "mask_after_softmax":
        i = np.arange(sq)[:, None]
        j = np.arange(sk)[None, :]
        p = np.where(j <= i, p, 0.0)
    if s["ptrunc"]:
        p = round_to(p, dt)
    if mut == "pt_v":
        o = np.einsum("...mn,...me->...ne", p, v)
    elif mut == "v_query_axis":
        o = np.einsum("...mn,...me->...me", p, v)
    else:
        o = np.einsum("...mn,...ne->...me", p, v)
    if s["layout"] != "bhsd":
        o = np.swapaxes(o, -3, -2)
    return o


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

MEMREF_RE = re.compile(
    r"Unranked Memref base@ = \S+ rank = (\d+) offset = \d+ sizes = \[([^\]]*)\]"
    r" strides = \[[^\]]*\] data =")
NUM_RE = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]?\d+)?)", re.IGNORECASE)


def parse_last_memref(text):
    heads = list(MEMREF_RE.finditer(text))
    if not heads:
        return None
    h = heads[-1]
    rank = int(h.group(1))
    sizes = [int(x) for x in h.group(2).split(",") if x.strip()] if rank else []
    count = int(np.prod(sizes)) if sizes else 1
    nums = NUM_RE.findall(text[h.end():])[:count]
    if len(nums) != count:
        return None
    return np.array([float(x) for x in nums]).reshape(sizes)


def rel_err(out, ref):
    if out is None or ref is None or out.shape != ref.shape:
        return float("inf")
    if not np.all(np.isfinite(out)):
        return float("inf") if np.all(np.isfinite(ref)) else (
            0.0 if np.array_equal(np.isnan(out), np.isnan(ref)) else float("inf"))
    denom = np.linalg.norm(ref)
    diff = np.linalg.norm(out - ref)
    return float(diff / denom if denom > 0 else diff)


def pipeline_opt(s):
    p = s.get("pipeline", "tile")
    if p == "tile=false":
        return "--attn-pipeline=target=cpu tile=false"
    if p == "tile-small":
        return "--attn-pipeline=target=cpu block-q=2 block-kv=3"
    return "--attn-pipeline=target=cpu"


def run_proc(cmd, inp=None, timeout=120):
    try:
        p = subprocess.run(cmd, input=inp, capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", "", "timeout"


def is_crash(rc, err):
    if rc == "timeout":
        return True
    if rc < 0:
        return True
    return rc != 0 and "error:" not in err


def execute(cfg, text, popt):
    rc, out, err = run_proc([cfg.attn_opt, "-", popt], text)
    if rc != 0:
        return ("crash" if is_crash(rc, err) else "error"), "attn-opt pipeline: " + err[-2000:], None
    rc2, out2, err2 = run_proc([cfg.mlir_runner, "-e", "main", "--entry-point-result=void",
                                f"--shared-libs={cfg.runner_libs}"], out)
    if rc2 != 0:
        return ("runner-crash" if rc2 == "timeout" or rc2 < 0 else "error"), \
            f"mlir-runner rc={rc2}: " + err2[-2000:], None
    arr = parse_last_memref(out2)
    if arr is None:
        return "error", "no memref printed", None
    return "ok", "", arr


def check_program(cfg, s):
    """Returns a result dict."""
    res = {"index": s["index"], "mutant": s["mutant"], "features": features(s),
           "status": None, "detail": ""}
    try:
        text = emit_program(s)
        ref = reference(s)
    except Exception as ex:  # generator bug
        res["status"] = "generator-error"
        res["detail"] = f"{type(ex).__name__}: {ex}"
        return res, None
    tol = TOL[s["dtype"]]
    # (a) fuse
    rc, fused_text, err = run_proc([cfg.attn_opt, "-", "--attn-fuse=remarks=true"], text)
    if rc != 0:
        res["status"] = "crash" if is_crash(rc, err) else "fuse-error"
        res["detail"] = f"attn-opt --attn-fuse rc={rc}: {err[-1500:]}"
        return res, text
    fn_part = fused_text.split("func.func @main")[0]
    fused = "attn.attention" in fn_part
    res["fused"] = fused
    m = re.search(r"remark: (not fused: [^\n]*)", err)
    res["reason"] = m.group(1) if m else ("" if fused else "no remark")
    # (b) unfused
    st, det, out_u = execute(cfg, text, pipeline_opt(dict(s, pipeline="tile=false")))
    if st != "ok":
        res["status"] = "runner-error" if st in ("error", "runner-crash") else "crash"
        res["detail"] = "unfused: " + det
        return res, text
    e_ref = rel_err(out_u, ref)
    res["err_unfused_ref"] = e_ref
    if fused:
        st, det, out_f = execute(cfg, fused_text, pipeline_opt(s))
        if st != "ok":
            res["status"] = "crash" if st in ("crash", "runner-crash") else "fused-run-error"
            res["detail"] = "fused: " + det
            return res, text
        e_fu = rel_err(out_f, out_u)
        e_fr = rel_err(out_f, ref)
        res["err_fused_unfused"] = e_fu
        res["err_fused_ref"] = e_fr
    if s["mutant"]:
        if fused:
            res["status"] = "mutant-wrongly-fused"
        elif not e_ref <= tol:
            res["status"] = "reference-mismatch"
            res["detail"] = f"unfused vs numpy rel_err={e_ref:.3e}"
        else:
            res["status"] = "mutant-rejected"
        return res, text
    if fused:
        if not (res["err_fused_unfused"] <= tol and res["err_fused_ref"] <= tol):
            if e_ref <= tol or res["err_fused_ref"] > tol:
                res["status"] = "MISCOMPILE"
                res["detail"] = (f"fused vs unfused {res['err_fused_unfused']:.3e}, fused vs numpy "
                                 f"{res['err_fused_ref']:.3e}, unfused vs numpy {e_ref:.3e}")
                return res, text
        if not e_ref <= tol:
            res["status"] = "reference-mismatch"
            res["detail"] = f"unfused vs numpy rel_err={e_ref:.3e}"
            return res, text
        res["status"] = "fused-ok"
    else:
        res["status"] = "miss" if e_ref <= tol else "reference-mismatch"
        if not e_ref <= tol:
            res["detail"] = f"unfused vs numpy rel_err={e_ref:.3e}"
    return res, text


FAIL_STATUSES = ("MISCOMPILE", "mutant-wrongly-fused", "crash")


def summarize(results, elapsed, out=sys.stdout):
    cnt = collections.Counter(r["status"] for r in results)
    pos = [r for r in results if not r["mutant"]]
    mut = [r for r in results if r["mutant"]]
    print(f"programs generated: {len(results)} (positives {len(pos)}, mutants {len(mut)})", file=out)
    print(f"positives fused: {cnt['fused-ok'] + sum(1 for r in pos if r['status'] == 'MISCOMPILE')}"
          f"/{len(pos)}", file=out)
    ext_miss = sum(1 for r in pos if r["status"] == "miss" and any(f.startswith("ext=") for f in r["features"]))
    print(f"misses: {cnt['miss']} (documented spellings {cnt['miss'] - ext_miss}, "
          f"extended spellings {ext_miss})", file=out)
    # per-feature fused ratio over positives that ran
    ran = [r for r in pos if r["status"] in ("fused-ok", "miss", "MISCOMPILE")]
    fs = collections.defaultdict(lambda: [0, 0])
    for r in ran:
        for f in r["features"]:
            fs[f][1] += 1
            if r["status"] != "miss":
                fs[f][0] += 1
    lines = []
    for f in sorted(fs):
        fu, tot = fs[f]
        if fu < tot:
            lines.append(f"  {f}: fused {fu}/{tot} (missed {tot - fu})")
    if lines:
        print("misses by feature (features with at least one miss):", file=out)
        for l in lines:
            print(l, file=out)
    rs = collections.Counter(r.get("reason", "") for r in pos if r["status"] == "miss")
    if rs:
        print("misses by reason:", file=out)
        for k, v in rs.most_common():
            print(f"  {v:5d}  {k}", file=out)
    print(f"mutants rejected: {cnt['mutant-rejected']}/{len(mut)}", file=out)
    mk = collections.Counter(r["mutant"] for r in mut if r["status"] == "mutant-wrongly-fused")
    print(f"mutants wrongly fused: {cnt['mutant-wrongly-fused']}"
          + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(mk.items())) + ")" if mk else ""), file=out)
    print(f"miscompiles: {cnt['MISCOMPILE']}", file=out)
    print(f"crashes: {cnt['crash']}", file=out)
    errs = cnt["generator-error"] + cnt["runner-error"] + cnt["reference-mismatch"] + \
        cnt["fuse-error"] + cnt["fused-run-error"]
    print(f"generator/runner errors: {errs} (generator {cnt['generator-error']}, "
          f"reference mismatch {cnt['reference-mismatch']}, runner {cnt['runner-error']}, "
          f"fuse diagnostics {cnt['fuse-error']}, fused run {cnt['fused-run-error']})", file=out)
    print(f"time: {elapsed:.1f} s", file=out)


def fuse_remark(cfg, text):
    rc, out, err = run_proc([cfg.attn_opt, "-", "--attn-fuse=remarks=true", "-o", os.devnull], text)
    m = re.search(r"remark: (not fused: [^\n]*)", err)
    return m.group(1) if m else ""


SIMPLIFY = [
    ("body_bits", 0xFFFF), ("nb", 1), ("dyn_kind", "bs"), ("dtype", "f32"), ("dyn", False), ("layout", "bhsd"),
    ("contraction", "generic"), ("gqa", "none"), ("g", 1), ("hkv", 1),
    ("mask", "none"), ("scale_place", "scores_mul"), ("softmax", "decomp"),
    ("split_epilogue", False), ("mask_before_scale", False),
    ("pipeline", "tile=false"), ("maxinit", "ninf"), ("fill", "ninf"),
    ("causal_form", "select"), ("ptrunc", False), ("bmm_collapse2", True),
    ("scale", 0.5),
] + [(k, v) for k in ("sq", "sk", "d", "dv") for v in (2, 3, 4)]


def minimize(cfg, s, max_tries=150):
    """Greedy spec shrinking that keeps the failure (same status, and for a
    miss the same `not fused:` reason). Each categorical field is changed at
    most once; sizes only shrink (never to 1: unit dims are their own case)."""
    res, text = check_program(cfg, s)
    want = res["status"]
    reason = fuse_remark(cfg, text) if want == "miss" else None
    print(f"minimizing {want} {reason or ''}", file=sys.stderr)

    def same(c):
        if want == "miss":
            try:
                tx = emit_program(c)
            except Exception:
                return False
            return fuse_remark(cfg, tx) == reason
        r, tx = check_program(cfg, c)
        return r["status"] == want
    tries = 0
    done = set()
    changed = True
    while changed and tries < max_tries:
        changed = False
        for key, val in SIMPLIFY:
            if s.get(key) == val or key in done:
                continue
            if key in ("sq", "sk", "d", "dv") and s[key] <= val:
                continue
            c = dict(s)
            c[key] = val
            if key == "nb":
                c["bdims"] = c["bdims"][:val] + [1] * (val - len(c["bdims"]))
            c = fix_spec(c)
            if c == s:
                continue
            tries += 1
            if same(c):
                s = c
                changed = True
                if key not in ("sq", "sk", "d", "dv"):
                    done.add(key)
                print(f"  {key}={val}", file=sys.stderr)
        for i, b in enumerate(s["bdims"]):
            if b != 1:
                c = dict(s, bdims=s["bdims"][:i] + [1] + s["bdims"][i + 1:])
                tries += 1
                if same(c):
                    s = c
                    changed = True
    return s


def load_spec_arg(a):
    if os.path.exists(a):
        return json.load(open(a))
    seed, idx = a.split(":")
    return gen_spec(int(seed), int(idx))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--attn-opt", default="attn-opt")
    ap.add_argument("--mlir-runner", default=shutil.which("mlir-runner") or "/usr/lib/llvm-22/bin/mlir-runner")
    ap.add_argument("--runner-libs", default="/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,"
                    "/usr/lib/llvm-22/lib/libmlir_runner_utils.so")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep-dir")
    ap.add_argument("--mutant-rate", type=float, default=0.3)
    ap.add_argument("--emit", help="SEED:INDEX or spec.json: print the program and exit")
    ap.add_argument("--replay", help="SEED:INDEX or spec.json: check one program, verbose")
    ap.add_argument("--minimize", help="SEED:INDEX or spec.json: shrink a failing program; "
                    "writes the spec and program to --out PREFIX(.json/.mlir)")
    ap.add_argument("--out", help="output prefix for --minimize")
    ap.add_argument("--quiet", action="store_true", help="no per-failure lines")
    cfg = ap.parse_args()

    if cfg.emit:
        sys.stdout.write(emit_program(load_spec_arg(cfg.emit)))
        return 0
    if cfg.minimize:
        s = minimize(cfg, load_spec_arg(cfg.minimize))
        text = emit_program(s)
        if cfg.out:
            json.dump(s, open(cfg.out + ".json", "w"), indent=1, sort_keys=True)
            open(cfg.out + ".mlir", "w").write(text)
        else:
            sys.stdout.write(text)
        return 0
    if cfg.replay:
        s = load_spec_arg(cfg.replay)
        res, _ = check_program(cfg, s)
        print(json.dumps(res, indent=1))
        return 1 if res["status"] in FAIL_STATUSES else 0

    if cfg.keep_dir:
        os.makedirs(cfg.keep_dir, exist_ok=True)
    t0 = time.time()
    specs = [gen_spec(cfg.seed, i, cfg.mutant_rate) for i in range(cfg.start, cfg.start + cfg.count)]
    results = []
    progress_every = max(1, cfg.count // 20)

    def one(s):
        res, text = check_program(cfg, s)
        if cfg.keep_dir and text is not None and (
                res["status"] not in ("fused-ok", "mutant-rejected") or True):
            base = os.path.join(cfg.keep_dir, f"s{cfg.seed}-{s['index']:05d}")
            with open(base + ".mlir", "w") as f:
                f.write(text)
            with open(base + ".json", "w") as f:
                json.dump({"spec": s, "result": res}, f, indent=1, default=str)
        return res
    with cf.ThreadPoolExecutor(max_workers=cfg.jobs) as ex:
        for n, res in enumerate(ex.map(one, specs), 1):
            results.append(res)
            if res["status"] in FAIL_STATUSES or (
                    not cfg.quiet and res["status"] in ("generator-error", "reference-mismatch",
                                                        "runner-error", "fuse-error", "fused-run-error")):
                print(f"[{cfg.seed}:{res['index']}] {res['status']}: "
                      f"{' '.join(res['features'])} mutant={res['mutant']} {res['detail'][:600]}",
                      flush=True)
            if n % progress_every == 0 or n == len(specs):
                c = collections.Counter(r["status"] for r in results)
                print(f"progress {n}/{len(specs)} fused-ok={c['fused-ok']} miss={c['miss']} "
                      f"mutants-rejected={c['mutant-rejected']} wrongly-fused={c['mutant-wrongly-fused']} "
                      f"miscompiles={c['MISCOMPILE']} crashes={c['crash']} "
                      f"({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    summarize(results, time.time() - t0)
    bad = sum(1 for r in results if r["status"] in FAIL_STATUSES)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
