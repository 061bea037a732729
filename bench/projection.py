#!/usr/bin/env python3
"""Times a projection matmul of a whole program compiled with target=cuda
(bench/projection/projection.mlir: f16 x f16, f32 accumulation, f16
result) next to torch.matmul (cuBLAS) on the same tensors, from PyTorch on
one stream: CUDA events around each call, median of --runs, after warm-up.

  python3 bench/projection.py --lib DIR/libprojection.so [--runtime DIR]

DIR/libprojection.so: `attn-compile bench/projection/projection.mlir
--target=cuda --chip=sm_90a -o DIR/libprojection.so` (here, with MLIR);
libattn_runtime.so beside it or in --runtime. Prints one Markdown row per
shape (M x K x N): our TFLOPS, cuBLAS's, the ratio, and the largest
relative error of ours against cuBLAS.
"""
import argparse
import ctypes
import os

import torch


class Desc2(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 2),
                ("strides", ctypes.c_int64 * 2)]


def desc(t):
    d = Desc2()
    d.allocated = d.aligned = t.data_ptr()
    d.offset = 0
    for i in range(2):
        d.sizes[i], d.strides[i] = t.shape[i], t.stride(i)
    return d


def median_ms(fn, runs):
    for _ in range(3):
        fn()
    ev = [(torch.cuda.Event(enable_timing=True),
           torch.cuda.Event(enable_timing=True)) for _ in range(runs)]
    for a, b in ev:
        a.record()
        fn()
        b.record()
    torch.cuda.synchronize()
    return sorted(a.elapsed_time(b) for a, b in ev)[runs // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--runtime", default=None)
    ap.add_argument("--shapes", default="16x4096x4096,512x4096x4096,"
                    "4096x4096x4096,16384x2048x2048")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    rtdir = args.runtime or os.path.dirname(os.path.abspath(args.lib))
    rt = ctypes.CDLL(os.path.join(rtdir, "libattn_runtime.so"),
                     mode=ctypes.RTLD_GLOBAL)
    rt.attnSetStream.argtypes = [ctypes.c_void_p]
    rt.attnGetStatus.restype = ctypes.c_int
    rt.attnGetLastError.restype = ctypes.c_char_p
    f = ctypes.CDLL(os.path.abspath(args.lib))._mlir_ciface_projection
    f.restype = None
    stream = torch.cuda.Stream()
    torch.cuda.set_stream(stream)
    rt.attnSetStream(ctypes.c_void_p(stream.cuda_stream))
    props = torch.cuda.get_device_properties(0)
    print(f"# projection matmul: {props.name}, torch {torch.__version__}")
    print("| M x K x N | attn TFLOPS | cuBLAS TFLOPS | attn / cuBLAS | "
          "max rel. error vs cuBLAS |")
    print("|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        m, k, n = (int(x) for x in shape.split("x"))
        x = torch.randn(m, k, device="cuda", dtype=torch.half)
        w = torch.randn(k, n, device="cuda", dtype=torch.half) / k ** 0.5
        out = torch.full((m, n), float("nan"), device="cuda",
                         dtype=torch.half)
        ds = [desc(x), desc(w), desc(out)]
        refs = [ctypes.byref(d) for d in ds]

        def ours():
            f(*refs)

        ref = torch.matmul(x, w)
        ours()
        torch.cuda.synchronize()
        if rt.attnGetStatus() != 0:
            raise RuntimeError(rt.attnGetLastError().decode())
        err = ((out.float() - ref.float()).abs().max() /
               ref.float().abs().max()).item()
        flops = 2 * m * k * n
        t_ours = median_ms(ours, args.runs)
        t_ref = median_ms(lambda: torch.matmul(x, w), args.runs)
        print(f"| {m} x {k} x {n} | {flops / t_ours / 1e9:.2f} | "
              f"{flops / t_ref / 1e9:.1f} | {t_ref / t_ours:.4f} | "
              f"{err:.2e} |", flush=True)


if __name__ == "__main__":
    main()
