#!/usr/bin/env python3
"""Appends a `@main` to an MLIR file so that a function in it can run.

    attn_harness.py FILE [--func NAME] [--scale I=V ...] [--kind I=KIND ...]

Prints FILE followed by `@main`, which builds every tensor argument of the
function (`--func`, default: the first public `func.func` that is not
`main`) from deterministic values, calls it, and prints each argument and
then each result with `printMemrefF32` (f16/bf16/i1 converted to f32), in
signature order. test/lib/attn_check.py reads that output.

Values: element L (row-major linear index) of argument i is
`((L*L*a + L*b + c) mod 251 - 125) / 128` with (a, b, c) derived from i, the
formula of utils/attn-randgen: exact in f32, f16 and bf16. `--scale I=V`
multiplies argument I by V (weights of a model); `--kind I=bool` makes an i1
or 0/1 keep-mask that always keeps the last axis' index 0 (no fully masked
row), `--kind I=ignore` its negation (True marks an ignored key); integer
arguments are 0/1 keep-masks by default.

The corpus under test/External keeps exporters' programs as they are written;
this script gives each one an execution twin without hand-written drivers.
"""
import argparse
import re
import sys

P_HASH = 251


def split_top(text, sep=","):
    """Splits at `sep` outside (), <>, [] and {}."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "(<[{":
            depth += 1
        elif ch in ")>]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


def balanced(text, start):
    """Index just past the bracket group opening at text[start]."""
    pairs = {"(": ")", "<": ">", "[": "]", "{": "}"}
    stack = []
    for i in range(start, len(text)):
        ch = text[i]
        if ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
    raise ValueError("unbalanced brackets")


TENSOR_RE = re.compile(r"tensor<((?:[0-9]+x)*)([a-z0-9]+)>")


def parse_tensor(ty):
    m = TENSOR_RE.fullmatch(ty.strip())
    if not m:
        sys.exit(f"attn_harness: unsupported type '{ty.strip()}' (static ranked "
                 "tensors only)")
    dims = [int(d) for d in m.group(1).split("x") if d]
    return dims, m.group(2)


def find_function(text, name):
    # Comments (CHECK lines quote signatures) are blanked, offsets kept.
    text = re.sub(r"//[^\n]*", lambda c: " " * len(c.group(0)), text)
    for m in re.finditer(r"func\.func\s+(?:(public|private)\s+)?@([\w$.]+)\s*\(", text):
        vis, fname = m.group(1), m.group(2)
        if name and fname != name:
            continue
        if not name and (vis == "private" or fname == "main"):
            continue
        args_end = balanced(text, m.end() - 1)
        args = text[m.end():args_end - 1]
        rest = text[args_end:]
        results = []
        rm = re.match(r"\s*->\s*", rest)
        if rm:
            rest = rest[rm.end():]
            if rest.startswith("("):
                results = split_top(rest[1:balanced(rest, 0) - 1])
            else:
                results = [re.match(r"tensor<[^>]*>", rest).group(0)]
        arg_types = []
        for a in split_top(args):
            am = re.match(r"\s*%[\w$.]+\s*:\s*(tensor<[^>]*>)", a)
            if not am:
                sys.exit(f"attn_harness: cannot parse argument '{a.strip()}'")
            arg_types.append(parse_tensor(am.group(1)))
        res_types = [parse_tensor(re.sub(r"\{.*\}", "", r)) for r in results]
        return fname, arg_types, res_types
    sys.exit(f"attn_harness: no function {'@' + name if name else ''} found")


class Main:
    def __init__(self):
        self.lines = []
        self.n = 0

    def fresh(self, p="h"):
        self.n += 1
        return f"%{p}{self.n}"

    def op(self, text, ind=4):
        v = self.fresh()
        self.lines.append(" " * ind + f"{v} = {text}")
        return v

    def emit(self, text, ind=2):
        self.lines.append(" " * ind + text)


def ty(dims, elt):
    return "tensor<" + "".join(f"{d}x" for d in dims) + elt + ">"


def generic_header(rank):
    dims = ", ".join(f"d{i}" for i in range(rank))
    idmap = f"affine_map<({dims}) -> ({dims})>"
    iters = ", ".join(['"parallel"'] * rank)
    return idmap, iters


def make_input(m, i, dims, elt, kind, scale):
    a = (37 * i + 11) % (P_HASH - 1) + 1
    b = (53 * i + 29) % (P_HASH - 1) + 1
    c = (17 * i + 5) % P_HASH
    rank = len(dims)
    strides = [1] * rank
    for d in range(rank - 2, -1, -1):
        strides[d] = strides[d + 1] * dims[d + 1]
    e = m.fresh("e")
    m.emit(f"{e} = tensor.empty() : {ty(dims, elt)}")
    idmap, iters = generic_header(rank)
    r = m.fresh("in")
    m.emit(f"{r} = linalg.generic {{indexing_maps = [{idmap}], iterator_types = "
           f"[{iters}]}} outs({e} : {ty(dims, elt)}) {{")
    m.emit(f"^bb0(%o: {elt}):")
    lin = m.op("arith.constant 0 : i64")
    for d, st in enumerate(strides):
        ix = m.op(f"linalg.index {d} : index")
        ii = m.op(f"arith.index_cast {ix} : index to i64")
        cs = m.op(f"arith.constant {st} : i64")
        t = m.op(f"arith.muli {ii}, {cs} : i64")
        lin = m.op(f"arith.addi {lin}, {t} : i64")
    l2 = m.op(f"arith.muli {lin}, {lin} : i64")
    t1 = m.op(f"arith.muli {l2}, {m.op(f'arith.constant {a} : i64')} : i64")
    t2 = m.op(f"arith.muli {lin}, {m.op(f'arith.constant {b} : i64')} : i64")
    t3 = m.op(f"arith.addi {t1}, {t2} : i64")
    t4 = m.op(f"arith.addi {t3}, {m.op(f'arith.constant {c} : i64')} : i64")
    hv = m.op(f"arith.remsi {t4}, {m.op(f'arith.constant {P_HASH} : i64')} : i64")
    if kind in ("bool", "ignore"):
        rm = m.op(f"arith.remsi {hv}, {m.op('arith.constant 4 : i64')} : i64")
        k1 = m.op(f"arith.cmpi ne, {rm}, {m.op('arith.constant 0 : i64')} : i64")
        if rank:
            last = m.op(f"linalg.index {rank - 1} : index")
            k2 = m.op(f"arith.cmpi eq, {last}, {m.op('arith.constant 0 : index')} : index")
            k1 = m.op(f"arith.ori {k1}, {k2} : i1")
        if kind == "ignore":  # True marks an ignored key (key_padding_mask)
            k1 = m.op(f"arith.xori {k1}, {m.op('arith.constant true')} : i1")
        if elt == "i1":
            y = k1
        elif elt.startswith("i"):
            y = m.op(f"arith.extui {k1} : i1 to {elt}")
        else:
            one = m.op(f"arith.constant 1.0 : {elt}")
            zero = m.op(f"arith.constant 0.0 : {elt}")
            y = m.op(f"arith.select {k1}, {one}, {zero} : {elt}")
    else:
        w = m.op(f"arith.subi {hv}, {m.op('arith.constant 125 : i64')} : i64")
        f = m.op(f"arith.sitofp {w} : i64 to f32")
        k = m.op(f"arith.constant {scale / 128.0:.9e} : f32")
        y = m.op(f"arith.mulf {f}, {k} : f32")
        if elt != "f32":
            y = m.op(f"arith.truncf {y} : f32 to {elt}")
    m.emit(f"linalg.yield {y} : {elt}", 4)
    m.emit(f"}} -> {ty(dims, elt)}")
    return r


def print_tensor(m, val, dims, elt):
    if elt != "f32":
        e = m.fresh("e")
        m.emit(f"{e} = tensor.empty() : {ty(dims, 'f32')}")
        idmap, iters = generic_header(len(dims))
        r = m.fresh("pf")
        m.emit(f"{r} = linalg.generic {{indexing_maps = [{idmap}, {idmap}], "
               f"iterator_types = [{iters}]}} ins({val} : {ty(dims, elt)}) "
               f"outs({e} : {ty(dims, 'f32')}) {{")
        m.emit(f"^bb0(%x: {elt}, %o: f32):")
        y = m.op(f"arith.uitofp %x : {elt} to f32" if elt.startswith("i")
                 else f"arith.extf %x : {elt} to f32")
        m.emit(f"linalg.yield {y} : f32", 4)
        m.emit(f"}} -> {ty(dims, 'f32')}")
        val = r
    u = m.fresh("u")
    m.emit(f"{u} = tensor.cast {val} : {ty(dims, 'f32')} to tensor<*xf32>")
    m.emit(f"call @printMemrefF32({u}) : (tensor<*xf32>) -> ()")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--func")
    ap.add_argument("--scale", action="append", default=[],
                    help="I=V: multiply argument I's values by V")
    ap.add_argument("--kind", action="append", default=[],
                    help="I=bool|data: how argument I is filled")
    args = ap.parse_args()
    text = open(args.file).read()
    fname, arg_types, res_types = find_function(text, args.func)
    scales = {int(k): float(v) for k, v in (s.split("=") for s in args.scale)}
    kinds = {int(k): v for k, v in (s.split("=") for s in args.kind)}
    m = Main()
    vals = []
    for i, (dims, elt) in enumerate(arg_types):
        kind = kinds.get(i, "bool" if elt.startswith("i") else "data")
        vals.append(make_input(m, i, dims, elt, kind, scales.get(i, 1.0)))
    outs = [m.fresh("out") for _ in res_types]
    arg_tys = ", ".join(ty(*a) for a in arg_types)
    res_tys = ", ".join(ty(*r) for r in res_types)
    lhs = f"{', '.join(outs)} = " if outs else ""
    m.emit(f"{lhs}call @{fname}({', '.join(vals)}) : ({arg_tys}) -> "
           f"({res_tys})")
    for v, (dims, elt) in zip(vals, arg_types):
        print_tensor(m, v, dims, elt)
    for v, (dims, elt) in zip(outs, res_types):
        print_tensor(m, v, dims, elt)
    m.emit("return")
    driver = "\n".join(["", "// ----- attn_harness.py: driver -----",
                         "func.func private @printMemrefF32(tensor<*xf32>)",
                         "func.func @main() {"] + m.lines + ["}", ""])
    # A file wrapped in `module { ... }` gets the driver inside the module.
    body = re.sub(r"//[^\n]*", lambda c: " " * len(c.group(0)), text)
    if re.match(r"\s*module\b", body):
        close = body.rstrip().rfind("}")
        text = text[:close] + driver + text[close:]
    else:
        text += driver
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
