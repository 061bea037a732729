#!/usr/bin/env python3
"""Writes the PTX variants of the bisect kit (issue 17, ../README.md).

    variants.py BASE.ptx OUTDIR [VARIANT...]     (default: all)
    variants.py --list

Each variant is the base PTX with one textual edit that removes or changes
one suspect of the synchronization audit, written to OUTDIR/VARIANT.ptx.
An edit that finds nothing to change fails (exit 1), so a stale base cannot
silently give an unchanged "variant". Variants marked `numbers` change the
kernel's arithmetic: their output is compared between the plain run and the
run under the tool, not with the reference.
"""
import re
import sys

WGMMA = re.compile(r"^(\s*)wgmma\.mma_async\.sync\.aligned\.(\S+)\s+\{([^}]*)\},"
                   r"\s*(.*);\s*$")


def wgmma_lines(lines):
    """(index, indent, shape, accumulators, rest, register_a) per wgmma."""
    out = []
    for i, line in enumerate(lines):
        m = WGMMA.match(line)
        if m:
            rest = m.group(4)
            out.append((i, m.group(1), m.group(2),
                        [r.strip() for r in m.group(3).split(",")], rest,
                        rest.startswith("{")))
    if not out:
        raise SystemExit("no wgmma.mma_async in the base")
    return out


def edit_wgmma(text, fn, which="all"):
    """Replaces each wgmma line (of `which`: all, ss or rs) by fn(...)."""
    lines = text.split("\n")
    found = 0
    for i, ind, shape, acc, rest, reg_a in reversed(wgmma_lines(lines)):
        if which == "ss" and reg_a or which == "rs" and not reg_a:
            continue
        lines[i:i + 1] = fn(lines, i, ind, shape, acc, rest)
        found += 1
    if not found:
        raise SystemExit("no %s wgmma in the base" % which)
    return "\n".join(lines)


def sub(pattern, repl, text, flags=0):
    new, n = re.subn(pattern, repl, text, flags=flags)
    if not n:
        raise SystemExit("pattern not found: " + pattern)
    return new


FENCE = "wgmma.fence.sync.aligned;"
COMMIT_WAIT = ["wgmma.commit_group.sync.aligned;",
               "wgmma.wait_group.sync.aligned 0;"]


def serialize(which):
    def edit(text):
        return edit_wgmma(
            text, lambda l, i, ind, *_: [ind + FENCE, l[i]] +
            [ind + x for x in COMMIT_WAIT], which)
    return edit


def fence_all(text):
    return edit_wgmma(text, lambda l, i, ind, *_: [ind + FENCE, l[i]])


def pv_ss(text):
    """P·V with A from shared memory: the register A operand becomes the
    A descriptor of the nearest S wgmma before it (Q's tile)."""
    lines = text.split("\n")
    last_desc = None
    found = 0
    for i, ind, shape, acc, rest, reg_a in wgmma_lines(lines):
        if not reg_a:
            last_desc = rest.split(",")[0].strip()
            continue
        if last_desc is None:
            # The P·V code comes first in the text (warp specialisation):
            # the first S wgmma's descriptor.
            last_desc = next(r.split(",")[0].strip()
                             for _, _, _, _, r, ra in wgmma_lines(lines)
                             if not ra)
        b, pred, scale_a, scale_b, trans_b = [
            x.strip() for x in rest.split("}", 1)[1].lstrip(",").split(",")]
        lines[i] = "%swgmma.mma_async.sync.aligned.%s {%s}, %s, %s, %s, %s, " \
            "%s, 0, %s;" % (ind, shape, ", ".join(acc), last_desc, b, pred,
                            scale_a, scale_b, trans_b)
        found += 1
    if not found:
        raise SystemExit("no register-A wgmma in the base")
    return "\n".join(lines)


def no_pv(text):
    return edit_wgmma(text, lambda *_: [], "rs")


def no_s(text):
    return edit_wgmma(
        text, lambda l, i, ind, shape, acc, rest:
        [ind + "mov.b32 %s, 0f00000000;" % r for r in acc], "ss")


def zero_sacc(text):
    """Defines the S accumulators before the wgmma that overwrites them
    (scale-d = 0; they are `undef` in the IR), then fences."""
    lines = text.split("\n")
    found = 0
    for i, ind, shape, acc, rest, reg_a in reversed(wgmma_lines(lines)):
        if reg_a or not re.search(r"setp\.ne\.b32 p, 0, 0;", lines[i - 1]):
            continue
        lines[i:i] = [ind + "mov.b32 %s, 0f00000000;" % r for r in acc] + \
            [ind + FENCE]
        found += 1
    if not found:
        raise SystemExit("no wgmma with scale-d = 0")
    return "\n".join(lines)


def no_shfl(text):
    return sub(r"shfl\.sync\.bfly\.b32\s+(%r\d+),\s*(%r\d+),[^;]*;",
               r"mov.b32 \1, \2;", text)


def st_scalar(text):
    def repl(m):
        ind, addr, off, a, b = m.groups()
        off = int(off or 0)
        return "%sst.global.b32 [%s+%d], %s;\n%sst.global.b32 [%s+%d], %s;" % (
            ind, addr, off, a, ind, addr, off + 4, b)
    return sub(r"^(\s*)st\.global\.v2\.(?:b32|f32)\s+\[(%rd\d+)(?:\+(\d+))?\],"
               r"\s*\{(%r\d+),\s*(%r\d+)\};", repl, text, re.M)


def wait_bra(text):
    text = sub(r"@P1 bra\.uni DONE;", "@P1 bra DONE;", text)
    return sub(r"bra\.uni(\s+)LAB_WAIT;", r"bra\1LAB_WAIT;", text)


def no_hint(text):
    return sub(r"(mbarrier\.try_wait\.parity\.shared\.b64 P1, \[%r\d+\], "
               r"[^,;]+), [^;]+;", r"\1;", text)


def init_fence(text):
    return sub(r"fence\.mbarrier_init\.release\.cluster;",
               "fence.mbarrier_init.release.cluster;\n\t"
               "fence.proxy.async.shared::cta;", text)


def warpsync(text):
    """bar.warp.sync before every wgmma.fence: the warp is converged at
    each .aligned wgmma sequence whatever the wait loops left."""
    return sub(r"^(\s*)wgmma\.fence\.sync\.aligned;",
               r"\1bar.warp.sync -1;\n\1wgmma.fence.sync.aligned;", text, re.M)


def extern_smem(text):
    """Dynamic shared memory as `.extern .shared ... []` at module scope
    instead of the 1-byte function-local static LLVM demotes it to."""
    text = sub(r"\n\s*// demoted variable\n\s*\.shared \.align 16 \.b8 "
               r"__dynamic_shmem__0;", "", text)
    return sub(r"\n\.visible \.entry",
               "\n.extern .shared .align 16 .b8 __dynamic_shmem__0[];\n\n"
               ".visible .entry", text)


def pad_fix(text):
    """The emitter's fix (issue 17): the tiles start at the first 1 KiB
    boundary strictly above the dynamic-shared-memory symbol, so a symbol
    already on a boundary (0x400, right before the mbarriers) gets a pad
    of 1024 instead of 0."""
    m = re.search(r"sub\.s64\s+(%rd\d+), 1024, (%rd\d+);", text)
    if not m:
        raise SystemExit("pad computation not found")
    text = sub(r"(and\.b64\s+(%%rd\d+), %s, 1008;)" % re.escape(m.group(1)),
               r"\1\n\tsetp.eq.s64 %pfix, \2, 0;"
               r"\n\tselp.b64 \2, 1024, \2, %pfix;", text)
    return sub(r"(\.reg \.pred\s+%p<\d+>;)", r"\1\n\t.reg .pred %pfix;", text)


def dump_smem(text):
    """At the end, after a block barrier, thread 0 copies the first 64
    bytes from the dynamic-shared-memory symbol (the mbarriers, and with
    the pad of 0 the start of the Q tile's row 0) over O[0][0..15]; the
    driver's --dump prints them beside Q's row 0."""
    if text.count("\tret;") != 1:
        raise SystemExit("dump-smem needs a kernel with one ret")
    m = re.search(r"ld\.param\.b64\s+%rd\d+, \[(\w+_param_26)\];", text)
    if not m:
        raise SystemExit("output pointer parameter not found")
    lines = ["\tbar.sync 0;", "\t{", "\t.reg .pred %pd;",
             "\t.reg .b32 %rdt;", "\t.reg .b64 %rdo, %rda, %rdb;",
             "\tmov.u32 %rdt, %tid.x;", "\tsetp.eq.u32 %pd, %rdt, 0;",
             "\tld.param.b64 %rdo, [" + m.group(1) + "];",
             "\tcvta.to.global.u64 %rdo, %rdo;"]
    for off in range(0, 64, 16):
        lines += ["\t@%%pd ld.shared.v2.b64 {%%rda, %%rdb}, "
                  "[__dynamic_shmem__0+%d];" % off,
                  "\t@%%pd st.global.v2.b64 [%%rdo+%d], {%%rda, %%rdb};" % off]
    lines += ["\t}", "\tret;"]
    return text.replace("\tret;", "\n".join(lines))


# name: (edit, changes the numbers, what it isolates)
VARIANTS = {
    "base": (lambda t: t, False, "the kernel as generated"),
    "extern-smem": (extern_smem, False,
                    "dynamic shared memory declared .extern [] instead of a "
                    "demoted 1-byte static"),
    "serialize": (serialize("all"), False,
                  "fence + commit + wait_group 0 around every wgmma: none "
                  "in flight while other code runs"),
    "serialize-s": (serialize("ss"), False, "the same, S = Q.K^T wgmmas only"),
    "serialize-pv": (serialize("rs"), False,
                     "the same, register-A P.V wgmmas only"),
    "fence-all": (fence_all, False, "wgmma.fence before every wgmma"),
    "zero-sacc": (zero_sacc, False,
                  "S accumulators defined (0) before the scale-d=0 wgmma"),
    "pv-ss": (pv_ss, True,
              "P.V as an SS wgmma (A = the Q tile's descriptor): no "
              "register-A wgmma"),
    "no-pv": (no_pv, True,
              "no P.V wgmma: output = 0/l, NaN only from S/softmax"),
    "no-s": (no_s, True,
             "no S wgmma (S = 0): NaN only from P.V or the epilogue"),
    "no-shfl": (no_shfl, True, "shfl.sync.bfly replaced by mov"),
    "st-scalar": (st_scalar, False,
                  "epilogue with scalar st.global.b32 instead of v2"),
    "wait-bra": (wait_bra, False,
                 "mbarrier wait loop with bra instead of bra.uni"),
    "no-hint": (no_hint, False, "try_wait.parity without the suspend hint"),
    "init-fence": (init_fence, False,
                   "fence.proxy.async.shared::cta after the mbarrier init"),
    "warpsync": (warpsync, False, "bar.warp.sync -1 before each wgmma.fence"),
    "pad-fix": (pad_fix, False,
                "the emitter's fix: tiles from the next 1 KiB boundary "
                "strictly above the symbol (off the mbarriers)"),
    "dump-smem": (dump_smem, True,
                  "O[0][0..15] = the 64 bytes at the symbol (mbarriers, Q "
                  "row 0) at exit; run with --dump"),
}


def main(argv):
    if argv[1:] == ["--list"]:
        for name, (_, numbers, what) in VARIANTS.items():
            print("%-13s %-8s %s" % (name, "numbers" if numbers else "exact",
                                     what))
        return 0
    base, outdir = argv[1], argv[2]
    names = argv[3:] or list(VARIANTS)
    text = open(base).read()
    for name in names:
        edit = VARIANTS[name][0]
        new = edit(text)
        if name != "base" and new == text:
            raise SystemExit(name + ": no change")
        with open("%s/%s.ptx" % (outdir, name), "w") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
