#!/usr/bin/env python3
"""Writes the two whole-model files of the exporter corpus.

    gen_models.py OUTDIR

bert-encoder-2layer-linalg.mlir: a 2-layer BERT encoder in the linalg that
llvm/torch-mlir's TorchToLinalg produces for torch.nn models (aten.linear as
a transpose of the weight, a matmul on collapsed tokens and a broadcast bias
add; view/permute as expand_shape/transpose; 4-D aten.matmul as collapse +
batch_matmul + expand; aten.softmax as getSoftmaxResult's max / sub / exp /
sum / div; LayerNorm and tanh-GELU as elementwise and reduction generics).

llama-decoder-2layer-tosa.mlir: a 2-layer LLaMA-style decoder in the TOSA
that buddy-compiler/buddy-mlir's frontend (frontend/Python/ops/tosa.py)
emits: RMSNorm, projections by tosa.matmul on [1, in, out] weights,
grouped-query attention with repeat_kv as reshape + add of zeros (expand_op)
+ reshape, an additive causal mask input, softmax as reduce_max / sub / exp /
reduce_sum / reciprocal / mul, SwiGLU with tosa.sigmoid, residuals and a
final RMSNorm.

The files are generated once and committed; test/lib/model_check.py holds the
float64 numpy models they are checked against.
"""
import os
import sys

# ---------------------------------------------------------------- BERT (linalg)
B, S, E, H, D, F = 2, 8, 8, 2, 4, 16
BERT_LAYER_ARGS = ["wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "ln1_g",
                   "ln1_b", "w1", "b1", "w2", "b2", "ln2_g", "ln2_b"]


class Emit:
    def __init__(self):
        self.lines = []
        self.n = 0

    def v(self, p="t"):
        self.n += 1
        return f"%{p}{self.n}"

    def __call__(self, s):
        self.lines.append("  " + s)


def t(shape, elt="f32"):
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{elt}>"


def idmap(r):
    ds = ", ".join(f"d{i}" for i in range(r))
    return f"affine_map<({ds}) -> ({ds})>"


def amap(r, res):
    ds = ", ".join(f"d{i}" for i in range(r))
    return f"affine_map<({ds}) -> ({', '.join(res)})>"


def generic(e, maps, iters, ins, out, body, out_shape, comment=None):
    """ins: [(val, shape)], out: init value; body: list of lines using %a0..
    for the inputs, %acc for the init; yields the last line's value."""
    r = e.v()
    if comment:
        e(f"// {comment}")
    ins_s = ", ".join(v for v, _ in ins)
    tys = ", ".join(t(s) for _, s in ins)
    e(f"{r} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = "
      f"[{', '.join(chr(34) + i + chr(34) for i in iters)}]}} ins({ins_s} : {tys}) "
      f"outs({out} : {t(out_shape)}) {{")
    args = ", ".join(f"%a{i}: f32" for i in range(len(ins)))
    e(f"^bb0({args}, %acc: f32):")
    for line in body[:-1]:
        e("  " + line)
    e(f"  linalg.yield {body[-1]} : f32")
    e(f"}} -> {t(out_shape)}")
    return r


def empty(e, shape):
    r = e.v("e")
    e(f"{r} = tensor.empty() : {t(shape)}")
    return r


def filled(e, shape, val):
    z = e.v("c")
    e(f"{z} = arith.constant {val} : f32")
    em = empty(e, shape)
    r = e.v("f")
    e(f"{r} = linalg.fill ins({z} : f32) outs({em} : {t(shape)}) -> {t(shape)}")
    return r


def ew(e, a, b, shape, op, bmap=None):
    """Elementwise binary op; b broadcast by bmap (affine result list)."""
    r = len(shape)
    bm = amap(r, bmap) if bmap else idmap(r)
    return generic(e, [idmap(r), bm, idmap(r)], ["parallel"] * r,
                   [(a, shape), (b, shape)], empty(e, shape),
                   [f"%y = arith.{op} %a0, %a1 : f32", "%y"], shape)


def linear(e, x, w, bias, nin, nout):
    """torch aten.linear on [B, S, nin]: weight [nout, nin] transposed."""
    wt_e = empty(e, [nin, nout])
    wt = e.v("wt")
    e(f"{wt} = linalg.transpose ins({w} : {t([nout, nin])}) outs({wt_e} : {t([nin, nout])}) permutation = [1, 0]")
    xc = e.v("xc")
    e(f"{xc} = tensor.collapse_shape {x} [[0, 1], [2]] : {t([B, S, nin])} into {t([B * S, nin])}")
    acc = filled(e, [B * S, nout], "0.000000e+00")
    mm = e.v("mm")
    e(f"{mm} = linalg.matmul ins({xc}, {wt} : {t([B * S, nin])}, {t([nin, nout])}) outs({acc} : {t([B * S, nout])}) -> {t([B * S, nout])}")
    mx = e.v("mx")
    e(f"{mx} = tensor.expand_shape {mm} [[0, 1], [2]] output_shape [{B}, {S}, {nout}] : {t([B * S, nout])} into {t([B, S, nout])}")
    return generic(e, [idmap(3), amap(3, ["d2"]), idmap(3)], ["parallel"] * 3,
                   [(mx, [B, S, nout]), (bias, [nout])], empty(e, [B, S, nout]),
                   ["%y = arith.addf %a0, %a1 : f32", "%y"], [B, S, nout],
                   "bias add")


def layernorm(e, x, g, b, n):
    shp = [B, S, n]
    red = amap(3, ["d0", "d1"])
    s0 = filled(e, [B, S], "0.000000e+00")
    s = generic(e, [idmap(3), red], ["parallel", "parallel", "reduction"],
                [(x, shp)], s0, ["%y = arith.addf %a0, %acc : f32", "%y"], [B, S],
                "layer_norm: mean")
    mean = generic(e, [idmap(2), idmap(2)], ["parallel"] * 2, [(s, [B, S])],
                   empty(e, [B, S]),
                   [f"%n = arith.constant {float(n):e} : f32",
                    "%y = arith.divf %a0, %n : f32", "%y"], [B, S])
    xm = generic(e, [idmap(3), red, idmap(3)], ["parallel"] * 3,
                 [(x, shp), (mean, [B, S])], empty(e, shp),
                 ["%y = arith.subf %a0, %a1 : f32", "%y"], shp)
    v0 = filled(e, [B, S], "0.000000e+00")
    vs = generic(e, [idmap(3), red], ["parallel", "parallel", "reduction"],
                 [(xm, shp)], v0,
                 ["%sq = arith.mulf %a0, %a0 : f32", "%y = arith.addf %sq, %acc : f32", "%y"],
                 [B, S], "layer_norm: variance")
    rstd = generic(e, [idmap(2), idmap(2)], ["parallel"] * 2, [(vs, [B, S])],
                   empty(e, [B, S]),
                   [f"%n = arith.constant {float(n):e} : f32",
                    "%eps = arith.constant 9.99999974E-6 : f32",
                    "%m = arith.divf %a0, %n : f32", "%me = arith.addf %m, %eps : f32",
                    "%y = math.rsqrt %me : f32", "%y"], [B, S])
    return generic(e, [idmap(3), red, amap(3, ["d2"]), amap(3, ["d2"]), idmap(3)],
                   ["parallel"] * 3,
                   [(xm, shp), (rstd, [B, S]), (g, [n]), (b, [n])], empty(e, shp),
                   ["%n0 = arith.mulf %a0, %a1 : f32", "%n1 = arith.mulf %n0, %a2 : f32",
                    "%y = arith.addf %n1, %a3 : f32", "%y"], shp, "layer_norm: affine")


def bert_attention(e, q, k, v, mask, layer):
    """torch-mlir's view / permute / matmul / softmax / matmul chain."""
    def heads(x, perm, name):
        x4 = e.v(name)
        e(f"{x4} = tensor.expand_shape {x} [[0], [1], [2, 3]] output_shape [{B}, {S}, {H}, {D}] : {t([B, S, E])} into {t([B, S, H, D])}")
        outs = [[B, S, H, D][p] for p in perm]
        tr_e = empty(e, outs)
        tr = e.v(name + "t")
        e(f"{tr} = linalg.transpose ins({x4} : {t([B, S, H, D])}) outs({tr_e} : {t(outs)}) permutation = [{', '.join(map(str, perm))}]")
        return tr, outs
    qh, _ = heads(q, [0, 2, 1, 3], "q")
    kh, _ = heads(k, [0, 2, 3, 1], "k")
    vh, _ = heads(v, [0, 2, 1, 3], "v")
    qc = e.v("qc")
    e(f"{qc} = tensor.collapse_shape {qh} [[0, 1], [2], [3]] : {t([B, H, S, D])} into {t([B * H, S, D])}")
    kc = e.v("kc")
    e(f"{kc} = tensor.collapse_shape {kh} [[0, 1], [2], [3]] : {t([B, H, D, S])} into {t([B * H, D, S])}")
    acc = filled(e, [B * H, S, S], "0.000000e+00")
    s3 = e.v("s")
    e(f"{s3} = linalg.batch_matmul ins({qc}, {kc} : {t([B * H, S, D])}, {t([B * H, D, S])}) outs({acc} : {t([B * H, S, S])}) -> {t([B * H, S, S])}")
    s4 = e.v("s")
    e(f"{s4} = tensor.expand_shape {s3} [[0, 1], [2], [3]] output_shape [{B}, {H}, {S}, {S}] : {t([B * H, S, S])} into {t([B, H, S, S])}")
    sshape = [B, H, S, S]
    sc = generic(e, [idmap(4), amap(4, ["d0", "0", "0", "d3"]), idmap(4)], ["parallel"] * 4,
                 [(s4, sshape), (mask, [B, 1, 1, S])], empty(e, sshape),
                 ["%sc = arith.constant 5.000000e-01 : f64",
                  "%c = arith.truncf %sc : f64 to f32",
                  "%xs = arith.mulf %a0, %c : f32", "%y = arith.addf %xs, %a1 : f32", "%y"],
                 sshape, "scores / sqrt(D) + extended attention mask")
    row = amap(4, ["d0", "d1", "d2", "0"])
    m0 = filled(e, [B, H, S, 1], "0xFF800000")
    mx = generic(e, [idmap(4), row], ["parallel"] * 3 + ["reduction"], [(sc, sshape)], m0,
                 ["%y = arith.maximumf %a0, %acc : f32", "%y"], [B, H, S, 1], "softmax")
    ex = generic(e, [idmap(4), row, idmap(4)], ["parallel"] * 4, [(sc, sshape), (mx, [B, H, S, 1])],
                 empty(e, sshape), ["%d = arith.subf %a0, %a1 : f32", "%y = math.exp %d : f32", "%y"], sshape)
    z0 = filled(e, [B, H, S, 1], "0.000000e+00")
    su = generic(e, [idmap(4), row], ["parallel"] * 3 + ["reduction"], [(ex, sshape)], z0,
                 ["%y = arith.addf %a0, %acc : f32", "%y"], [B, H, S, 1])
    p = generic(e, [idmap(4), row, idmap(4)], ["parallel"] * 4, [(ex, sshape), (su, [B, H, S, 1])],
                empty(e, sshape), ["%y = arith.divf %a0, %a1 : f32", "%y"], sshape)
    pc = e.v("pc")
    e(f"{pc} = tensor.collapse_shape {p} [[0, 1], [2], [3]] : {t(sshape)} into {t([B * H, S, S])}")
    vc = e.v("vc")
    e(f"{vc} = tensor.collapse_shape {vh} [[0, 1], [2], [3]] : {t([B, H, S, D])} into {t([B * H, S, D])}")
    oacc = filled(e, [B * H, S, D], "0.000000e+00")
    o3 = e.v("o")
    e(f"// expected-remark @below {{{{fused attention: mask, scale 0.5}}}}")
    e(f"{o3} = linalg.batch_matmul ins({pc}, {vc} : {t([B * H, S, S])}, {t([B * H, S, D])}) outs({oacc} : {t([B * H, S, D])}) -> {t([B * H, S, D])}")
    o4 = e.v("o")
    e(f"{o4} = tensor.expand_shape {o3} [[0, 1], [2], [3]] output_shape [{B}, {H}, {S}, {D}] : {t([B * H, S, D])} into {t([B, H, S, D])}")
    ot_e = empty(e, [B, S, H, D])
    ot = e.v("ot")
    e(f"{ot} = linalg.transpose ins({o4} : {t([B, H, S, D])}) outs({ot_e} : {t([B, S, H, D])}) permutation = [0, 2, 1, 3]")
    oc = e.v("oc")
    e(f"{oc} = tensor.collapse_shape {ot} [[0], [1], [2, 3]] : {t([B, S, H, D])} into {t([B, S, E])}")
    return oc


def bert():
    e = Emit()
    args = ["%x: " + t([B, S, E]), "%mask: " + t([B, 1, 1, S])]
    shapes = {"wq": [E, E], "bq": [E], "wk": [E, E], "bk": [E], "wv": [E, E], "bv": [E],
              "wo": [E, E], "bo": [E], "ln1_g": [E], "ln1_b": [E], "w1": [F, E], "b1": [F],
              "w2": [E, F], "b2": [E], "ln2_g": [E], "ln2_b": [E]}
    for l in range(2):
        args += [f"%l{l}_{n}: {t(shapes[n])}" for n in BERT_LAYER_ARGS]
    x = "%x"
    for l in range(2):
        p = lambda n: f"%l{l}_{n}"
        e(f"// ---- layer {l}: self-attention")
        q = linear(e, x, p("wq"), p("bq"), E, E)
        k = linear(e, x, p("wk"), p("bk"), E, E)
        v = linear(e, x, p("wv"), p("bv"), E, E)
        a = bert_attention(e, q, k, v, "%mask", l)
        o = linear(e, a, p("wo"), p("bo"), E, E)
        r = ew(e, o, x, [B, S, E], "addf")
        x = layernorm(e, r, p("ln1_g"), p("ln1_b"), E)
        e(f"// ---- layer {l}: feed-forward (tanh GELU)")
        h = linear(e, x, p("w1"), p("b1"), E, F)
        g = generic(e, [idmap(3), idmap(3)], ["parallel"] * 3, [(h, [B, S, F])], empty(e, [B, S, F]),
                    ["%h = arith.constant 5.000000e-01 : f32", "%k0 = arith.constant 0.797884583 : f32",
                     "%k1 = arith.constant 4.471500e-02 : f32", "%one = arith.constant 1.000000e+00 : f32",
                     "%x2 = arith.mulf %a0, %a0 : f32", "%x3 = arith.mulf %x2, %a0 : f32",
                     "%i0 = arith.mulf %x3, %k1 : f32", "%i1 = arith.addf %a0, %i0 : f32",
                     "%i2 = arith.mulf %i1, %k0 : f32", "%th = math.tanh %i2 : f32",
                     "%o1 = arith.addf %th, %one : f32", "%o2 = arith.mulf %a0, %o1 : f32",
                     "%y = arith.mulf %o2, %h : f32", "%y"], [B, S, F], "gelu(approximate='tanh')")
        f2 = linear(e, g, p("w2"), p("b2"), F, E)
        r2 = ew(e, f2, x, [B, S, E], "addf")
        x = layernorm(e, r2, p("ln2_g"), p("ln2_b"), E)
    e(f"return {x} : {t([B, S, E])}")
    body = "\n".join(e.lines)
    return (f"func.func @bert_encoder({', '.join(args)}) -> {t([B, S, E])} {{\n"
            f"{body}\n}}\n")


# ------------------------------------------------------------- LLaMA (TOSA)
LB, LS, LE, LH, LHKV, LD, LF = 1, 8, 16, 4, 2, 4, 32
LLAMA_LAYER_ARGS = ["rms1", "wq", "wk", "wv", "wo", "rms2", "w1", "w3", "w2"]


def llama():
    e = Emit()
    shapes = {"rms1": [LE], "wq": [LE, LH * LD], "wk": [LE, LHKV * LD], "wv": [LE, LHKV * LD],
              "wo": [LH * LD, LE], "rms2": [LE], "w1": [LE, LF], "w3": [LE, LF], "w2": [LF, LE]}
    args = ["%x: " + t([LB, LS, LE]), "%mask: " + t([1, 1, LS, LS])]
    for l in range(2):
        args += [f"%l{l}_{n}: {t(shapes[n])}" for n in LLAMA_LAYER_ARGS]
    args.append("%norm: " + t([LE]))
    consts = {}

    def shape_const(shape):
        key = tuple(shape)
        if key not in consts:
            c = e.v("shape")
            e(f"{c} = tosa.const_shape {{values = dense<[{', '.join(map(str, shape))}]> : tensor<{len(shape)}xindex>}} : () -> !tosa.shape<{len(shape)}>")
            consts[key] = c
        return consts[key]

    def fconst(val, shape):
        c = e.v("k")
        e(f'{c} = "tosa.const"() <{{values = dense<{val}> : {t(shape)}}}> : () -> {t(shape)}')
        return c

    def reshape(x, src, dst):
        r = e.v("r")
        e(f"{r} = tosa.reshape {x}, {shape_const(dst)} : ({t(src)}, !tosa.shape<{len(dst)}>) -> {t(dst)}")
        return r

    def op(name, a, b, sa, sb, so, extra=""):
        r = e.v()
        e(f"{r} = tosa.{name} {a}, {b}{extra} : ({t(sa)}, {t(sb)}{', tensor<1xi8>' if name == 'mul' else ''}) -> {t(so)}")
        return r

    def mul(a, b, sa, sb, so):
        return op("mul", a, b, sa, sb, so, ", %shift")

    def unary(name, a, s, attrs=""):
        r = e.v()
        e(f"{r} = tosa.{name} {a}{attrs} : ({t(s)}) -> {t(s[:-1] + [1]) if 'reduce' in name else t(s)}")
        return r

    def matmul(a, b, sa, sb, so):
        r = e.v("mm")
        e(f"{r} = tosa.matmul {a}, {b}, %zp, %zp : ({t(sa)}, {t(sb)}, tensor<1xf32>, tensor<1xf32>) -> {t(so)}")
        return r

    def linear(x, w, nin, nout, remark=None):
        w3 = reshape(w, [nin, nout], [1, nin, nout])
        if remark:
            e(f"// expected-remark @below {{{{{remark}}}}}")
        return matmul(x, w3, [LB, LS, nin], [1, nin, nout], [LB, LS, nout])

    def rmsnorm(x, w):
        s = [LB, LS, LE]
        sq = mul(x, x, s, s, s)
        ms = unary("reduce_sum", sq, s, " {axis = 2 : i32}")
        inv_n = fconst(f"{1.0 / LE:e}", [1, 1, 1])
        mean = mul(ms, inv_n, [LB, LS, 1], [1, 1, 1], [LB, LS, 1])
        eps = fconst("9.99999997E-7", [1, 1, 1])
        me = op("add", mean, eps, [LB, LS, 1], [1, 1, 1], [LB, LS, 1])
        rs = unary("rsqrt", me, [LB, LS, 1])
        xn = mul(x, rs, s, [LB, LS, 1], s)
        w3 = reshape(w, [LE], [1, 1, LE])
        return mul(xn, w3, s, [1, 1, LE], s)

    e('%zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>')
    e('%shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>')
    zeros = fconst("0.000000e+00", [LB, LHKV, LH // LHKV, LS, LD])
    x = "%x"
    G = LH // LHKV
    for l in range(2):
        p = lambda n: f"%l{l}_{n}"
        e(f"// ---- layer {l}: attention")
        xn = rmsnorm(x, p("rms1"))
        q = linear(xn, p("wq"), LE, LH * LD)
        k = linear(xn, p("wk"), LE, LHKV * LD)
        v = linear(xn, p("wv"), LE, LHKV * LD)
        q4 = reshape(q, [LB, LS, LH * LD], [LB, LS, LH, LD])
        k4 = reshape(k, [LB, LS, LHKV * LD], [LB, LS, LHKV, LD])
        v4 = reshape(v, [LB, LS, LHKV * LD], [LB, LS, LHKV, LD])
        qt = e.v("qt")
        e(f"{qt} = tosa.transpose {q4} {{perms = array<i32: 0, 2, 1, 3>}} : ({t([LB, LS, LH, LD])}) -> {t([LB, LH, LS, LD])}")
        kt = e.v("kt")
        e(f"{kt} = tosa.transpose {k4} {{perms = array<i32: 0, 2, 1, 3>}} : ({t([LB, LS, LHKV, LD])}) -> {t([LB, LHKV, LS, LD])}")
        vt = e.v("vt")
        e(f"{vt} = tosa.transpose {v4} {{perms = array<i32: 0, 2, 1, 3>}} : ({t([LB, LS, LHKV, LD])}) -> {t([LB, LHKV, LS, LD])}")
        e("// repeat_kv: unsqueeze, expand (add zeros), reshape")
        rep = []
        for kv in (kt, vt):
            u = reshape(kv, [LB, LHKV, LS, LD], [LB, LHKV, 1, LS, LD])
            a = op("add", u, zeros, [LB, LHKV, 1, LS, LD], [LB, LHKV, G, LS, LD], [LB, LHKV, G, LS, LD])
            rep.append(reshape(a, [LB, LHKV, G, LS, LD], [LB, LH, LS, LD]))
        kr, vr = rep
        ktr = e.v("ktr")
        e(f"{ktr} = tosa.transpose {kr} {{perms = array<i32: 0, 1, 3, 2>}} : ({t([LB, LH, LS, LD])}) -> {t([LB, LH, LD, LS])}")
        q3 = reshape(qt, [LB, LH, LS, LD], [LB * LH, LS, LD])
        k3 = reshape(ktr, [LB, LH, LD, LS], [LB * LH, LD, LS])
        s3 = matmul(q3, k3, [LB * LH, LS, LD], [LB * LH, LD, LS], [LB * LH, LS, LS])
        s4 = reshape(s3, [LB * LH, LS, LS], [LB, LH, LS, LS])
        sc = fconst("5.000000e-01", [1, 1, 1, 1])
        ss = [LB, LH, LS, LS]
        s5 = mul(s4, sc, ss, [1, 1, 1, 1], ss)
        sm = op("add", s5, "%mask", ss, [1, 1, LS, LS], ss)
        mx = unary("reduce_max", sm, ss, " {axis = 3 : i32}")
        d = op("sub", sm, mx, ss, [LB, LH, LS, 1], ss)
        ex = unary("exp", d, ss)
        su = unary("reduce_sum", ex, ss, " {axis = 3 : i32}")
        rc = unary("reciprocal", su, [LB, LH, LS, 1])
        pr = mul(ex, rc, ss, [LB, LH, LS, 1], ss)
        p3 = reshape(pr, ss, [LB * LH, LS, LS])
        v3 = reshape(vr, [LB, LH, LS, LD], [LB * LH, LS, LD])
        e("// expected-remark @below {{fused attention: mask, scale 0.5, GQA 2}}")
        o3 = matmul(p3, v3, [LB * LH, LS, LS], [LB * LH, LS, LD], [LB * LH, LS, LD])
        o4 = reshape(o3, [LB * LH, LS, LD], [LB, LH, LS, LD])
        ot = e.v("ot")
        e(f"{ot} = tosa.transpose {o4} {{perms = array<i32: 0, 2, 1, 3>}} : ({t([LB, LH, LS, LD])}) -> {t([LB, LS, LH, LD])}")
        oc = reshape(ot, [LB, LS, LH, LD], [LB, LS, LH * LD])
        o = linear(oc, p("wo"), LH * LD, LE)
        x = op("add", x, o, [LB, LS, LE], [LB, LS, LE], [LB, LS, LE])
        e(f"// ---- layer {l}: SwiGLU feed-forward")
        xn2 = rmsnorm(x, p("rms2"))
        h1 = linear(xn2, p("w1"), LE, LF)
        h3 = linear(xn2, p("w3"), LE, LF)
        sg = unary("sigmoid", h1, [LB, LS, LF])
        silu = mul(h1, sg, [LB, LS, LF], [LB, LS, LF], [LB, LS, LF])
        gl = mul(silu, h3, [LB, LS, LF], [LB, LS, LF], [LB, LS, LF])
        # A contraction fed by an exponential (the sigmoid), hence reported.
        f2 = linear(gl, p("w2"), LF, LE,
                    "not fused: P is not a normalised exponential")
        x = op("add", x, f2, [LB, LS, LE], [LB, LS, LE], [LB, LS, LE])
    y = rmsnorm(x, "%norm")
    e(f"return {y} : {t([LB, LS, LE])}")
    body = "\n".join(e.lines)
    return (f"func.func @llama_decoder({', '.join(args)}) -> {t([LB, LS, LE])} {{\n"
            f"{body}\n}}\n")


BERT_HEADER = """// A whole 2-layer BERT encoder as llvm/torch-mlir's TorchToLinalg writes
// torch.nn models (lib/Conversion/TorchToLinalg: Linear.cpp for aten.linear
// and 4-D aten.matmul, DataMovement.cpp for view/permute, Reduction.cpp and
// Uncategorized.cpp for LayerNorm, tanh-GELU and the softmax of
// lib/Dialect/Torch/Transforms/DecomposeComplexOps.cpp getSoftmaxResult).
// Per layer: Q/K/V linears, heads by expand_shape + transpose, attention with
// a [B, 1, 1, S] additive padding mask on collapsed [B·H] batch_matmuls, the
// output linear, residual, LayerNorm, a tanh-GELU feed-forward, residual,
// LayerNorm. Generated by gen_models.py; B=2, S=8, E=8, H=2, D=4, FFN 16.
//
// --attn-prepare --attn-fuse must raise one attn.attention per layer and leave
// the rest of the model computing the same numbers: the fused and unfused
// models are run and compared with each other and with a float64 numpy model
// (test/lib/model_check.py).
//
// %t.cuda-host: the whole model through the host side of target=cuda
// (device buffers, result buffers, every op but attention a generic
// kernel), the GPU emulated on the host (--test-attn-cuda-host-on-cpu).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-fuse --test-attn-cuda-host-on-cpu | %run > %t.cuda-host
// RUN: %model-check bert %t.unfused | FileCheck %s --check-prefix=REF
// RUN: %model-check bert %t.fused | FileCheck %s --check-prefix=REF
// RUN: %model-check bert %t.cuda-host | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @bert_encoder 2

// CHECK-LABEL: func.func @bert_encoder(
// CHECK-COUNT-2: attn.attention
// CHECK-NOT: attn.attention
// CHECK-NOT: math.exp
// CHECK: math.tanh
// CHECK: math.rsqrt
// CHECK: return
"""

LLAMA_HEADER = """// A whole 2-layer LLaMA-style decoder in the TOSA that
// buddy-compiler/buddy-mlir's frontend emits (frontend/Python/ops/tosa.py;
// examples/BuddyLlama): RMSNorm, projections as tosa.matmul with [1, in, out]
// weights, grouped-query attention (repeat_kv as reshape + tosa.add of zeros
// + reshape), an additive [1, 1, S, S] causal mask input, softmax as
// reduce_max / sub / exp / reduce_sum / reciprocal / mul, the output
// projection, residual, SwiGLU (tosa.sigmoid), residual, and a final RMSNorm.
// Generated by gen_models.py; S=8, E=16, Hq=4, Hkv=2, D=4, FFN 32.
//
// --attn-prepare lowers the TOSA to linalg; --attn-fuse must raise one
// attn.attention per layer and leave the rest of the model computing the
// same numbers (compared with the unfused model and a float64 numpy model,
// test/lib/model_check.py).
//
// %t.cuda-host: the whole model through the host side of target=cuda
// (device buffers, result buffers, every op but attention a generic
// kernel), the GPU emulated on the host (--test-attn-cuda-host-on-cpu).
//
// RUN: attn-opt %s --attn-prepare --attn-fuse | FileCheck %s
// RUN: attn-opt %s --attn-prepare --attn-fuse=remarks=true -verify-diagnostics -o /dev/null
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-pipeline="target=cpu tile=false" | %run > %t.unfused
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-fuse --attn-pipeline=target=cpu | %run > %t.fused
// RUN: %harness %s --scale 0=2 {scales} | attn-opt --attn-prepare --attn-fuse --test-attn-cuda-host-on-cpu | %run > %t.cuda-host
// RUN: %model-check llama %t.unfused | FileCheck %s --check-prefix=REF
// RUN: %model-check llama %t.fused | FileCheck %s --check-prefix=REF
// RUN: %model-check llama %t.cuda-host | FileCheck %s --check-prefix=REF
// RUN: %attn-check compare %t.fused %t.unfused | FileCheck %s --check-prefix=REF
// REF: PASS
// RECALL: @llama_decoder 2

// CHECK-LABEL: func.func @llama_decoder(
// CHECK-COUNT-2: attn.attention
// CHECK-NOT: attn.attention
// CHECK-NOT: tosa.
// CHECK: return
"""


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    # Weight matrices scaled by ~1/sqrt(fan_in) keep activations O(1).
    bert_scales = []
    for l in range(2):
        for i, n in enumerate(BERT_LAYER_ARGS):
            idx = 2 + 16 * l + i
            if n in ("wq", "wk", "wv", "wo", "w1"):
                bert_scales.append(f"--scale {idx}=0.7")
            elif n == "w2":
                bert_scales.append(f"--scale {idx}=0.5")
    with open(os.path.join(out, "bert-encoder-2layer-linalg.mlir"), "w") as f:
        f.write(BERT_HEADER.replace("{scales}", " ".join(bert_scales)) + "\n" + bert())
    llama_scales = []
    for l in range(2):
        for i, n in enumerate(LLAMA_LAYER_ARGS):
            idx = 2 + 9 * l + i
            if n.startswith("w"):
                llama_scales.append(f"--scale {idx}=0.5")
    with open(os.path.join(out, "llama-decoder-2layer-tosa.mlir"), "w") as f:
        f.write(LLAMA_HEADER.replace("{scales}", " ".join(llama_scales)) + "\n" + llama())


if __name__ == "__main__":
    main()
