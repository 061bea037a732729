#!/usr/bin/env python3
"""Times attn's compiled GPU kernels against PyTorch on the same tensors.

Providers, each on the same f16 (--dtype bf16: bf16) inputs and checked
against a float32 reference on sampled query rows (rel. L2 < 2e-2):

  attn            our kernels (lib<kernel>.so built here by attn-compile from
                  bench/attn-bench/kernels/*.mlir), called through ctypes with
                  memref descriptors over the tensors' data_ptr(), on torch's
                  current stream (attnSetStream); for decoding (Sq = 1) the
                  kernel with a static query row (split-KV)
  attn-nosplit    decoding only: the kernel with a dynamic query length,
                  which --attn-split-kv leaves alone
  sdpa-flash      F.scaled_dot_product_attention under
  sdpa-cudnn        torch.nn.attention.sdpa_kernel(SDPBackend.<backend>)
  sdpa-efficient
  sdpa-math
  eager           matmul, scale, masked_fill, softmax, matmul
  triton          a FlashAttention-2 forward written in Triton here (if
                  triton imports)

Writes <out>.md (table), <out>.csv and <out>.png (TFLOPS vs sequence length,
one line per provider, one panel per (D, causal)); without matplotlib the
PNG is skipped and said so (render it later with --plot-from <out>.csv).

  python3 bench/compare.py --dev build-h6/dev --out $OUT/compare
  python3 bench/compare.py --plot-from results.csv --out results
"""

import argparse
import csv
import ctypes
import math
import os
import sys
import time

PROVIDERS = ["attn", "attn-nosplit", "sdpa-flash", "sdpa-cudnn", "sdpa-efficient",
             "sdpa-math", "eager", "triton"]
SDPA_BACKENDS = {"sdpa-flash": "FLASH_ATTENTION",
                 "sdpa-cudnn": "CUDNN_ATTENTION",
                 "sdpa-efficient": "EFFICIENT_ATTENTION",
                 "sdpa-math": "MATH"}
FIELDS = ["sweep", "dtype", "d", "causal", "batch", "hq", "hkv", "sq", "sk",
          "provider", "status", "ms_median", "ms_min", "ms_max", "runs",
          "tflops", "gbps", "us_b2b", "us_host", "graph", "peak_mem_mib",
          "rel_l2_vs_f32_rows", "reason", "copy_gbps"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Shapes and FLOPs (the same conventions as attn-bench).
# --------------------------------------------------------------------------

def fa_cases(dims, causals, seqs, dtypes):
    out = []
    for dtype in dtypes:
        for d in dims:
            for causal in causals:
                for s in seqs:
                    h = 2048 // d
                    out.append(dict(sweep="fa", dtype=dtype, d=d,
                                    causal=causal, batch=16384 // s, hq=h,
                                    hkv=h, sq=s, sk=s))
    return out


def decode_cases(batches, sks):
    return [dict(sweep="decode", dtype="f16", d=128, causal=False, batch=b,
                 hq=32, hkv=4, sq=1, sk=sk) for b in batches for sk in sks]


def pairs(c):
    if not c["causal"]:
        return c["sq"] * c["sk"]
    # top-left: query i sees keys 0..i
    sq, sk = c["sq"], c["sk"]
    n = min(sq, sk)
    return n * (n + 1) // 2 + max(0, sq - sk) * sk


def flops(c):
    return 4.0 * c["batch"] * c["hq"] * pairs(c) * c["d"]


def min_bytes(c):
    return 2.0 * c["d"] * (2 * c["batch"] * c["hq"] * c["sq"] +
                           2 * c["batch"] * c["hkv"] * c["sk"])


# --------------------------------------------------------------------------
# Our kernels through ctypes.
# --------------------------------------------------------------------------

class Desc4(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 4),
                ("strides", ctypes.c_int64 * 4)]


# Descriptor classes by rank; rank 4 is Desc4 (the kernels' argtypes).
_DESC = {4: Desc4}


def desc(t):
    """A memref descriptor over a contiguous torch tensor (or numpy array)
    of any rank."""
    shape = tuple(t.shape)
    rank = len(shape)
    if rank not in _DESC:
        _DESC[rank] = type(f"Desc{rank}", (ctypes.Structure,), {"_fields_": [
            ("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
            ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * rank),
            ("strides", ctypes.c_int64 * rank)]})
    x = _DESC[rank]()
    if hasattr(t, "data_ptr"):
        assert t.is_contiguous()
        ptr, strides = t.data_ptr(), [t.stride(i) for i in range(rank)]
    else:
        assert t.flags["C_CONTIGUOUS"]
        ptr = t.ctypes.data
        strides = [s // t.itemsize for s in t.strides]
    x.allocated = x.aligned = ptr
    x.offset = 0
    for i in range(rank):
        x.sizes[i] = shape[i]
        x.strides[i] = strides[i]
    return x


class Attn:
    """Loads libattn_runtime and the kernel libraries of a dev directory."""

    def __init__(self, dev):
        self.dev = dev
        self.rt = None
        self.err = None
        self.kernels = {}
        try:
            # RTLD_GLOBAL first, so the kernels' NEEDED libattn_runtime.so is
            # this one whatever their rpath says.
            self.rt = ctypes.CDLL(os.path.join(dev, "libattn_runtime.so"),
                                  mode=ctypes.RTLD_GLOBAL)
            self.rt.attnSetStream.argtypes = [ctypes.c_void_p]
            self.rt.attnGetStatus.restype = ctypes.c_int
            self.rt.attnGetLastError.restype = ctypes.c_char_p
        except OSError as e:
            self.err = f"libattn_runtime: {e}"

    def kernel_name(self, c, split=True):
        name = f"attn_{c['dtype']}_d{c['d']}" + ("_causal" if c["causal"]
                                                  else "")
        if c["hq"] != c["hkv"]:
            name += f"_gqa{c['hq'] // c['hkv']}"
        # Decoding: the kernel with one static query row, which
        # --attn-split-kv packs and splits; attn-nosplit keeps the dynamic
        # one (the kernels as they were without split-KV).
        if split and c["sq"] == 1 and os.path.exists(
                os.path.join(self.dev, f"lib{name}_decode.so")):
            name += "_decode"
        return name

    def fn(self, c, split=True):
        """(function, None) or (None, reason)."""
        if self.err:
            return None, self.err
        if c["dtype"] not in ("f16", "bf16"):
            return None, f"{c['dtype']} inputs: no attn-bench kernel"
        name = self.kernel_name(c, split)
        if not split and name == self.kernel_name(c):
            return None, "no split-KV variant for this shape"
        if name not in self.kernels:
            self.kernels[name] = self.load(name, [ctypes.POINTER(Desc4)] * 5)
        return self.kernels[name]

    def load(self, name, argtypes=None):
        """(function, None) or (None, reason): _mlir_ciface_<name> of
        <dev>/lib<name>.so (argument types set when given)."""
        if self.err:
            return None, self.err
        path = os.path.join(self.dev, f"lib{name}.so")
        try:
            f = getattr(ctypes.CDLL(path), "_mlir_ciface_" + name)
            f.restype = None
            if argtypes is not None:
                f.argtypes = argtypes
        except (OSError, AttributeError) as e:
            return None, f"{path}: {e}"
        if self.rt.attnGetStatus() != 0:
            msg = self.rt.attnGetLastError().decode()
            self.rt.attnClearError()
            return None, "loading: " + msg
        return f, None

    def set_stream(self, stream):
        self.rt.attnSetStream(ctypes.c_void_p(stream))

    def call(self, f, q, k, v, o, cache, tables=()):
        # Descriptors are built once per tensor tuple: building them in
        # Python costs tens of µs, which would sit inside the timed region.
        # Captured tables (slopes, segment ids, sinks) follow V; the result
        # buffer comes last (target=cuda's C ABI): `o` again, where the
        # kernel writes in place.
        key = tuple(t.data_ptr() for t in (q, k, v, o, *tables))
        args = cache.get(key)
        if args is None:
            do = desc(o)
            ds = (desc(q), desc(k), desc(v), *(desc(t) for t in tables), do,
                  do)
            args = cache[key] = (ds, [ctypes.byref(d) for d in ds])
        f(*args[1])
        if self.rt.attnGetStatus() != 0:
            msg = self.rt.attnGetLastError().decode()
            self.rt.attnClearError()
            raise RuntimeError(msg)


# --------------------------------------------------------------------------
# Triton FlashAttention-2 forward (written for this benchmark).
# --------------------------------------------------------------------------

def make_triton():
    try:
        import triton
        import triton.language as tl
    except Exception as e:  # noqa: BLE001
        return None, f"triton does not import: {e}"

    @triton.jit
    def _fwd(Q, K, V, O, sm_scale_log2, Hq, group, Sq, Sk,
             CAUSAL: tl.constexpr, D: tl.constexpr, BM: tl.constexpr,
             BN: tl.constexpr):
        pid_m = tl.program_id(0)
        bh = tl.program_id(1)
        b = bh // Hq
        h = bh % Hq
        hk = h // group
        Hkv = Hq // group
        q_base = Q + (bh.to(tl.int64) * Sq) * D
        kv_base = (b.to(tl.int64) * Hkv + hk) * Sk * D
        rows = pid_m * BM + tl.arange(0, BM)
        dcol = tl.arange(0, D)
        q = tl.load(q_base + rows[:, None] * D + dcol[None, :],
                    mask=rows[:, None] < Sq, other=0.0)
        m_i = tl.full([BM], float("-inf"), tl.float32)
        l_i = tl.zeros([BM], tl.float32)
        acc = tl.zeros([BM, D], tl.float32)
        hi = Sk
        if CAUSAL:
            hi = tl.minimum(Sk, (pid_m + 1) * BM)
        for start in range(0, hi, BN):
            cols = start + tl.arange(0, BN)
            kt = tl.load(K + kv_base + cols[None, :] * D + dcol[:, None],
                         mask=cols[None, :] < Sk, other=0.0)
            s = tl.dot(q, kt) * sm_scale_log2
            keep = cols[None, :] < Sk
            if CAUSAL:
                keep = keep & (cols[None, :] <= rows[:, None])
            s = tl.where(keep, s, float("-inf"))
            m_new = tl.maximum(m_i, tl.max(s, 1))
            m_safe = tl.where(m_new == float("-inf"), 0.0, m_new)
            alpha = tl.exp2(m_i - m_safe)
            p = tl.exp2(s - m_safe[:, None])
            l_i = l_i * alpha + tl.sum(p, 1)
            vt = tl.load(V + kv_base + cols[:, None] * D + dcol[None, :],
                         mask=cols[:, None] < Sk, other=0.0)
            acc = acc * alpha[:, None] + tl.dot(p.to(tl.float16), vt)
            m_i = m_new
        l_safe = tl.where(l_i == 0.0, 1.0, l_i)
        out = acc / l_safe[:, None]
        tl.store(O + (bh.to(tl.int64) * Sq) * D + rows[:, None] * D +
                 dcol[None, :], out.to(tl.float16), mask=rows[:, None] < Sq)

    def run(q, k, v, o, causal):
        B, Hq, Sq, D = q.shape
        Sk = k.shape[2]
        group = Hq // k.shape[1]
        BM = 128
        BN = 64 if D <= 64 else 32
        grid = (triton.cdiv(Sq, BM), B * Hq)
        _fwd[grid](q, k, v, o, (1.0 / math.sqrt(D)) * 1.4426950408889634,
                   Hq, group, Sq, Sk, CAUSAL=causal, D=D, BM=BM, BN=BN,
                   num_warps=8 if D == 128 else 4, num_stages=3)

    return run, None


# --------------------------------------------------------------------------
# Measurement.
# --------------------------------------------------------------------------

def time_calls(fn, sets, outs, runs, warmup):
    """Device time of fn(*sets[i], outs[i]): CUDA events around each call on
    the current stream, `warmup` calls first, then `runs` calls (halved, at
    least 20, for calls over 50 ms) rotating over the input sets. Returns
    ms_median, ms_min, ms_max and runs."""
    import torch
    nsets = len(sets)
    for i in range(warmup):
        fn(*sets[i % nsets], outs[i % nsets])
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn(*sets[0], outs[0])
    torch.cuda.synchronize()
    one = time.perf_counter() - t0
    runs = runs if one < 0.05 else max(20, runs // 2)
    ev = [(torch.cuda.Event(enable_timing=True),
           torch.cuda.Event(enable_timing=True)) for _ in range(runs)]
    for i, (a, b) in enumerate(ev):
        a.record()
        fn(*sets[i % nsets], outs[i % nsets])
        b.record()
    torch.cuda.synchronize()
    ms = sorted(a.elapsed_time(b) for a, b in ev)
    n = len(ms)
    med = ms[n // 2] if n % 2 else 0.5 * (ms[n // 2 - 1] + ms[n // 2])
    return {"ms_median": med, "ms_min": ms[0], "ms_max": ms[-1], "runs": n}


def copy_bandwidth(torch, nbytes=1 << 31, runs=20):
    """GB/s of a device-to-device copy of `nbytes` (Tensor.copy_, random
    f16), counting the bytes read and written: the memory bound that a
    decode's GB/s (the bytes it reads) is held against."""
    src = torch.empty(nbytes // 2, dtype=torch.float16,
                      device="cuda").uniform_(-1, 1)
    dst = torch.empty_like(src)
    t = time_calls(lambda s, o: o.copy_(s), [(src,)], [dst], runs, 3)
    del src, dst
    torch.cuda.empty_cache()
    return 2 * nbytes / (t["ms_median"] * 1e-3) / 1e9


def back_to_back(fn, sets, outs, n):
    """Calls as a model makes them: `n` calls in a row on one stream, no
    synchronization between them. us_b2b is the device time per call (one
    event pair around the loop: launch gaps and host costs that the GPU
    waits for count); us_host the host time per call to enqueue them."""
    import torch
    torch.cuda.synchronize()
    a = torch.cuda.Event(enable_timing=True)
    b = torch.cuda.Event(enable_timing=True)
    nsets = len(sets)
    a.record()
    t0 = time.perf_counter()
    for i in range(n):
        fn(*sets[i % nsets], outs[i % nsets])
    t1 = time.perf_counter()
    b.record()
    torch.cuda.synchronize()
    return {"us_b2b": a.elapsed_time(b) * 1e3 / n,
            "us_host": (t1 - t0) * 1e6 / n}


def kernel_times(fn, sets, outs, n):
    """Where a call's device time goes: `n` calls under torch.profiler
    (CUPTI sees every kernel of the context, ours launched through the driver
    API included). Returns (kernel name, launches per call, µs per call)
    rows, the longest first."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    nsets = len(sets)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for i in range(n):
            fn(*sets[i % nsets], outs[i % nsets])
        torch.cuda.synchronize()
    rows = []
    for e in prof.key_averages():
        us = (getattr(e, "self_device_time_total", None) or
              getattr(e, "self_cuda_time_total", 0))
        if us > 0:
            rows.append((e.key, e.count / n, us / n))
    return sorted(rows, key=lambda r: -r[2])


def graph_check(torch, attn, stream, fn, inputs, out, ref, bsel_t, idx):
    """Captures two calls of ours in a CUDA graph (torch's capture stream
    through attnSetStream), replays it and checks the output: "ok",
    "wrong", or why capture failed."""
    g = torch.cuda.CUDAGraph()
    cap = torch.cuda.Stream()
    try:
        torch.cuda.synchronize()
        with torch.cuda.graph(g, stream=cap):
            attn.set_stream(cap.cuda_stream)
            fn(*inputs, out)
            fn(*inputs, out)
        attn.set_stream(stream.cuda_stream)
        out.fill_(float("nan"))
        g.replay()
        torch.cuda.synchronize()
        got = out[bsel_t][:, :, idx].float()
        rel = ((got - ref).norm() / ref.norm()).item()
        return "ok" if rel < 2e-2 else f"wrong (rel L2 {rel:.3g})"
    except Exception as e:  # noqa: BLE001
        attn.set_stream(stream.cuda_stream)
        return "failed: " + " ".join(str(e).split())[:120]


def main_bench(args):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dev = torch.device("cuda")
    props = torch.cuda.get_device_properties(dev)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    device_line = (f"{props.name}, {props.multi_processor_count} SMs, "
                   f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
                   f"cuDNN {torch.backends.cudnn.version()}")
    log("device:", device_line)
    copy_gbps = copy_bandwidth(torch) if "decode" in args.sweep else None
    if copy_gbps:
        log(f"copy bandwidth: {copy_gbps:.0f} GB/s")
    attn = Attn(args.dev)
    triton_run, triton_err = (make_triton() if "triton" in args.providers
                              else (None, "not requested"))

    cases = []
    if "fa" in args.sweep:
        cases += fa_cases(args.d, args.causal, args.seq, args.dtype)
    if "decode" in args.sweep:
        cases += decode_cases(args.decode_batch, args.decode_sk)

    results = []
    kernels = []
    gen = torch.Generator(device=dev)
    gen.manual_seed(20261125)
    # A stream of our own: the legacy default stream's handle is 0, which
    # attnSetStream would take as "the runtime's own stream".
    stream = torch.cuda.Stream()
    torch.cuda.set_stream(stream)
    for ci, c in enumerate(cases):
        dt = {"f16": torch.float16, "bf16": torch.bfloat16}[c["dtype"]]
        B, Hq, Hkv, Sq, Sk, D = (c["batch"], c["hq"], c["hkv"], c["sq"],
                                 c["sk"], c["d"])
        scale = 1.0 / math.sqrt(D)
        set_bytes = 2 * D * (2 * B * Hq * Sq + 2 * B * Hkv * Sk)
        nsets = max(1, min(8, -(-2 * l2 // set_bytes)))
        torch.cuda.empty_cache()

        def rnd(*shape):
            return (torch.rand(*shape, device=dev, generator=gen,
                               dtype=torch.float32) * 4 - 2).to(dt)
        sets = [(rnd(B, Hq, Sq, D), rnd(B, Hkv, Sk, D), rnd(B, Hkv, Sk, D))
                for _ in range(nsets)]
        # float32 reference on sampled query rows (the last row always) of a
        # few batch entries of set 0, one batch entry at a time.
        nrows = min(Sq, args.check_rows)
        idx = torch.unique(torch.cat([
            torch.randint(0, Sq, (nrows,), device=dev, generator=gen),
            torch.tensor([Sq - 1], device=dev)]))
        bsel = sorted({0, B - 1} | {int(x) for x in torch.randint(
            0, B, (2,), generator=torch.Generator().manual_seed(ci))})
        bsel_t = torch.tensor(bsel, device=dev)
        q0, k0, v0 = sets[0]
        g = Hq // Hkv
        refs = []
        for b in bsel:
            kf, vf = k0[b].float(), v0[b].float()            # [Hkv, Sk, D]
            qr = q0[b][:, idx].float().reshape(Hkv, g * len(idx), D)
            s = (qr @ kf.transpose(-1, -2)).view(Hkv, g, len(idx), Sk) * scale
            if c["causal"]:
                s = s.masked_fill(torch.arange(Sk, device=dev) >
                                  idx[:, None], float("-inf"))
            p = torch.softmax(s, -1).view(Hkv, g * len(idx), Sk)
            refs.append((p @ vf).view(Hq, len(idx), D))
            del kf, vf, qr, s, p
        ref = torch.stack(refs)
        del refs
        if c["causal"]:
            mask = torch.ones(Sq, Sk, dtype=torch.bool, device=dev).triu(1)
        else:
            mask = None

        def eager(q, k, v, o):
            # GQA without copies: query heads h = hk·g + j are contiguous, so
            # Q is [B, Hkv, g·Sq, D] against K/V [B, Hkv, Sk, D].
            qg = q.view(B, Hkv, g * Sq, D)
            s = torch.matmul(qg, k.transpose(-2, -1)).view(B, Hq, Sq, Sk)
            s = s * scale
            if mask is not None:
                s = s.masked_fill(mask, float("-inf"))
            p = torch.softmax(s, dim=-1)
            return torch.matmul(p.view(B, Hkv, g * Sq, Sk), v).view(
                B, Hq, Sq, D)

        def sdpa(backend):
            be = getattr(SDPBackend, backend)

            def run(q, k, v, o):
                with sdpa_kernel([be]):
                    return F.scaled_dot_product_attention(
                        q, k, v, is_causal=c["causal"], scale=scale,
                        enable_gqa=g > 1)
            return run

        row = []
        for prov in args.providers:
            r = dict(c)
            r.update(provider=prov, status="ok", reason="")
            fn = None
            if prov in ("attn", "attn-nosplit"):
                f, why = attn.fn(c, split=prov == "attn")
                if f is None:
                    r.update(status="unavailable", reason=why)
                else:
                    attn.set_stream(stream.cuda_stream)
                    cache = {}

                    def fn(q, k, v, o, f=f, cache=cache):
                        attn.call(f, q, k, v, o, cache)
                        return o
            elif prov in SDPA_BACKENDS:
                if not hasattr(SDPBackend, SDPA_BACKENDS[prov]):
                    r.update(status="unavailable",
                             reason=f"no SDPBackend.{SDPA_BACKENDS[prov]}")
                else:
                    fn = sdpa(SDPA_BACKENDS[prov])
            elif prov == "eager":
                fn = eager
            elif prov == "triton":
                if triton_run is None:
                    r.update(status="unavailable", reason=triton_err)
                elif c["dtype"] != "f16":
                    r.update(status="unavailable", reason="f16 only")
                else:
                    def fn(q, k, v, o):
                        triton_run(q, k, v, o, c["causal"])
                        return o
            if fn is not None:
                outs = [torch.empty(B, Hq, Sq, D, dtype=dt, device=dev)
                        for _ in range(nsets)]
                try:
                    torch.cuda.synchronize()
                    base = torch.cuda.memory_allocated()
                    torch.cuda.reset_peak_memory_stats()
                    outs[0].fill_(float("nan"))
                    res = fn(*sets[0], outs[0])
                    torch.cuda.synchronize()
                    r["peak_mem_mib"] = ((torch.cuda.max_memory_allocated() -
                                          base) / 2**20 +
                                         outs[0].numel() * 2 / 2**20 *
                                         (res is outs[0]))
                    got = res[bsel_t][:, :, idx].float()
                    if torch.isnan(got).any():
                        raise RuntimeError("NaN in the output")
                    rel = ((got - ref).norm() / ref.norm()).item()
                    r["rel_l2_vs_f32_rows"] = rel
                    del res, got
                    if not rel < 2e-2:
                        r.update(status="check-failed",
                                 reason=f"rel L2 {rel:.3g} vs float32 rows")
                    t = time_calls(fn, sets, outs, args.runs, args.warmup)
                    med = t["ms_median"]
                    r.update(t, tflops=flops(c) / (med * 1e-3) / 1e12,
                             gbps=min_bytes(c) / (med * 1e-3) / 1e9)
                    if c["sweep"] == "decode":
                        r["copy_gbps"] = copy_gbps
                    r.update(back_to_back(fn, sets, outs, args.b2b))
                    if args.kernels and prov in args.kernels:
                        kernels.append((c, prov, kernel_times(
                            fn, sets, outs, args.runs)))
                    if prov == "attn" and args.graph:
                        r["graph"] = graph_check(torch, attn, stream, fn,
                                                 sets[0], outs[0], ref, bsel_t,
                                                 idx)
                except torch.OutOfMemoryError as e:
                    r.update(status="unavailable",
                             reason="out of memory: " + str(e).split("\n")[0][:160])
                except Exception as e:  # noqa: BLE001
                    msg = " ".join(str(e).split())
                    r.update(status="unavailable"
                             if "No available kernel" in msg or
                             "not supported" in msg.lower() else "error",
                             reason=f"{type(e).__name__}: {msg[:300]}")
                del outs
                torch.cuda.empty_cache()
            results.append(r)
            row.append(r)
        del sets, ref
        summary = " | ".join(
            f"{r['provider']} " + (f"{r['tflops']:.1f}T" if r["status"] == "ok"
                                   and c["sweep"] == "fa" else
                                   f"{r['gbps']:.0f}GB/s" if r["status"] == "ok"
                                   else r["status"]) for r in row)
        if args.partial_csv:
            write_csv(args.partial_csv, results)
        log(f"[{ci + 1}/{len(cases)}] {c['sweep']} {c['dtype']} D={D} "
            f"causal={int(c['causal'])} B={B} Hq={Hq} Hkv={Hkv} Sq={Sq} "
            f"Sk={Sk}: {summary}")
    if kernels:
        write_kernels(args.out + ".kernels.md", kernels, device_line)
    return results, device_line


def write_kernels(path, kernels, device_line):
    """The --kernels breakdown: one table per (shape, provider)."""
    with open(path, "w") as f:
        f.write(f"# Device time per kernel (torch.profiler): {device_line}\n")
        for c, prov, rows in kernels:
            f.write(f"\n## {prov}: {c['sweep']} {c['dtype']} D={c['d']} "
                    f"causal={int(c['causal'])} B={c['batch']} "
                    f"H={c['hq']}/{c['hkv']} Sq={c['sq']} Sk={c['sk']}\n\n"
                    "| kernel | launches per call | µs per call |\n"
                    "|---|---|---|\n")
            for name, count, us in rows:
                f.write(f"| `{name[:90]}` | {count:g} | {us:.1f} |\n")
            f.write(f"| total | | {sum(r[2] for r in rows):.1f} |\n")


# --------------------------------------------------------------------------
# Output.
# --------------------------------------------------------------------------

def write_csv(path, results):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow({k: ("" if r.get(k) is None else
                            (f"{r[k]:.6g}" if isinstance(r.get(k), float)
                             else r.get(k, ""))) for k in FIELDS})


def read_csv(path):
    out = []
    with open(path) as f:
        for r in csv.DictReader(f):
            for k in ("d", "batch", "hq", "hkv", "sq", "sk", "runs"):
                r[k] = int(r[k]) if r.get(k) else None
            r["causal"] = r["causal"] in ("1", "True", "true")
            for k in ("ms_median", "ms_min", "ms_max", "tflops", "gbps",
                      "peak_mem_mib", "rel_l2_vs_f32_rows", "copy_gbps"):
                r[k] = float(r[k]) if r.get(k) else None
            out.append(r)
    return out


def per_call_table(results, provs):
    """Per shape and provider: µs per call timed alone (events around each
    call, median), back to back (device and host time per call of a loop of
    calls on one stream), and whether our calls replay from a CUDA graph."""
    rows = [r for r in results if r.get("us_b2b") not in (None, "")]
    if not rows:
        return []
    lines = ["## Per-call cost (µs): alone / back to back (device) / "
             "host enqueue", "",
             "| sweep | dtype | D | causal | B | H | Sq | Sk | " +
             " | ".join(provs) + " | attn in a CUDA graph |",
             "|" + "---|" * (9 + len(provs))]
    shapes = {}
    for r in rows:
        key = tuple(r[k] for k in ("sweep", "dtype", "d", "causal", "batch",
                                   "hq", "hkv", "sq", "sk"))
        shapes.setdefault(key, {})[r["provider"]] = r
    for key, byp in shapes.items():
        sweep, dtype, d, causal, b, hq, hkv, sq, sk = key
        cells = [sweep, dtype, str(d), str(int(bool(causal))), str(b),
                 f"{hq}/{hkv}" if hq != hkv else str(hq), str(sq), str(sk)]
        for p in provs:
            r = byp.get(p)
            cells.append("-" if r is None else
                         f"{float(r['ms_median']) * 1e3:.1f} / "
                         f"{float(r['us_b2b']):.1f} / "
                         f"{float(r['us_host']):.1f}")
        cells.append(byp["attn"].get("graph") or "-" if "attn" in byp else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def write_md(path, results, device_line, plot_note):
    provs = [p for p in PROVIDERS if any(r["provider"] == p for r in results)]
    lines = [f"# attn vs PyTorch attention: {device_line}", ""]
    groups = {}
    for r in results:
        key = (r["sweep"], r["dtype"], r["d"], r["causal"])
        groups.setdefault(key, []).append(r)
    for (sweep, dtype, d, causal), rs in groups.items():
        unit = "TFLOPS" if sweep == "fa" else "GB/s"
        lines.append(f"## {sweep}, {dtype}, D={d}" +
                     (", causal" if causal else "") + f" ({unit}, median)")
        lines.append("")
        copy = next((r["copy_gbps"] for r in rs if r.get("copy_gbps")), None)
        hdr = ["B", "H", "Sq", "Sk"] + provs + ["attn / best peer"]
        if copy:
            lines += [f"Device-to-device copy in the same run: {copy:.0f} "
                      "GB/s (bytes read + written, Tensor.copy_ of 2 GiB).",
                      ""]
            hdr.append("attn / copy")
        lines.append("| " + " | ".join(hdr) + " |")
        lines.append("|" + "---|" * len(hdr))
        shapes = {}
        for r in rs:
            shapes.setdefault((r["batch"], r["hq"], r["hkv"], r["sq"],
                               r["sk"]), {})[r["provider"]] = r
        for (b, hq, hkv, sq, sk), byp in shapes.items():
            cells = [str(b), f"{hq}/{hkv}" if hq != hkv else str(hq),
                     str(sq), str(sk)]
            best = None
            for p in provs:
                r = byp.get(p)
                if r is None:
                    cells.append("-")
                elif r["status"] in ("ok", "check-failed"):
                    v = r["tflops"] if sweep == "fa" else r["gbps"]
                    cells.append(f"{v:.1f}" + ("" if r["status"] == "ok"
                                                else " (check failed)"))
                    if not p.startswith("attn") and r["status"] == "ok":
                        if best is None or r["ms_median"] < best[1]:
                            best = (p, r["ms_median"])
                else:
                    cells.append(r["status"])
            a = byp.get("attn")
            if a and a["status"] == "ok" and best:
                cells.append(f"{best[1] / a['ms_median']:.2f} (vs {best[0]})")
            else:
                cells.append("-")
            if copy:
                cells.append(f"{a['gbps'] / copy:.2f}"
                             if a and a["status"] == "ok" else "-")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += per_call_table(results, provs)
    reasons = {}
    for r in results:
        if r["status"] not in ("ok",) and r.get("reason"):
            reasons.setdefault((r["provider"], r["status"], r["reason"]),
                               0)
            reasons[(r["provider"], r["status"], r["reason"])] += 1
    if reasons:
        lines.append("## Not available / failed")
        lines.append("")
        for (p, st, why), n in sorted(reasons.items()):
            lines.append(f"- {p} ({st}, {n} rows): {why}")
        lines.append("")
    lines.append("attn / best peer: time of the fastest other provider "
                 "divided by ours (> 1: ours faster).")
    if plot_note:
        lines += ["", plot_note]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def plot(path, results, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        return f"PNG not written: matplotlib unavailable ({e}); the plot data is the CSV (render with --plot-from)."
    fa = [r for r in results if r["sweep"] == "fa" and r["dtype"] == "f16"]
    panels = sorted({(r["d"], r["causal"]) for r in fa})
    if not panels:
        return "no fa rows to plot"
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2),
                             squeeze=False)
    provs = [p for p in PROVIDERS if any(r["provider"] == p for r in fa)]
    for ax, (d, causal) in zip(axes[0], panels):
        for p in provs:
            pts = sorted((r["sq"], r["tflops"]) for r in fa
                         if r["provider"] == p and r["d"] == d and
                         r["causal"] == causal and r["status"] == "ok")
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o",
                        label=p, linewidth=2.5 if p == "attn" else 1.2)
        ax.set_xscale("log", base=2)
        ax.set_title(f"D={d}, " + ("causal" if causal else "non-causal"))
        ax.set_xlabel("sequence length (batch = 16k / S)")
        ax.set_ylabel("TFLOPS")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default="build-h6/dev",
                    help="directory with libattn_runtime.so and lib<kernel>.so")
    ap.add_argument("--out", default="compare", help="output path prefix")
    ap.add_argument("--sweep", default="fa", help="fa,decode")
    ap.add_argument("--d", default="64,128")
    ap.add_argument("--causal", default="0,1")
    ap.add_argument("--seq", default="512,1024,2048,4096,8192,16384")
    ap.add_argument("--dtype", default="f16", help="f16,bf16")
    ap.add_argument("--decode-batch", default="1,16,64")
    ap.add_argument("--decode-sk", default="4096,32768,131072")
    ap.add_argument("--providers", default=",".join(PROVIDERS))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--b2b", type=int, default=100,
                    help="calls in the back-to-back loop (us_b2b, us_host)")
    ap.add_argument("--graph", action="store_true",
                    help="also capture our calls in a CUDA graph and check "
                    "the replay (column graph)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--check-rows", type=int, default=32)
    ap.add_argument("--plot-from", help="only render <out>.png and <out>.md from "
                    "this CSV")
    ap.add_argument("--title", default=None)
    ap.add_argument("--kernels", default="",
                    help="providers whose calls are also profiled per kernel "
                    "(torch.profiler) into <out>.kernels.md, e.g. attn")
    args = ap.parse_args()
    ints = lambda s: [int(x) for x in s.split(",") if x]  # noqa: E731
    args.sweep = args.sweep.split(",")
    args.d = ints(args.d)
    args.causal = [bool(x) for x in ints(args.causal)]
    args.seq = ints(args.seq)
    args.dtype = args.dtype.split(",")
    args.decode_batch = ints(args.decode_batch)
    args.decode_sk = ints(args.decode_sk)
    args.providers = args.providers.split(",")
    args.kernels = [p for p in args.kernels.split(",") if p]
    args.runs = max(20, args.runs)

    if args.plot_from:
        results = read_csv(args.plot_from)
        title = args.title or os.path.basename(args.plot_from)
        note = plot(args.out + ".png", results, title)
        write_md(args.out + ".md", results, title, note)
        print(note or f"wrote {args.out}.png and {args.out}.md")
        return 0
    args.partial_csv = args.out + ".csv"
    results, device_line = main_bench(args)
    write_csv(args.out + ".csv", results)
    note = plot(args.out + ".png", results, args.title or device_line)
    write_md(args.out + ".md", results, device_line, note)
    with open(args.out + ".md") as f:
        print(f.read())
    bad = [r for r in results if r["status"] in ("error", "check-failed")
           and r["provider"] == "attn"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
