#!/usr/bin/env python3
"""The CPU integration programs, run on the GPU.

Every program in test/Integration/CPU with a `@main` prints its inputs and
outputs through printMemrefF32 and is checked against a float64 reference by
attn_check.py (its `%attn-check reference ...` RUN line says how). This
script runs the same programs compiled with `attn-compile --target=cuda`,
both as written (unfused: every op a generic GPU kernel) and fused (the
attention kernels), and checks each GPU output twice: against the float64
reference, and against the program's CPU output. The exporter corpus
(test/External, driven by attn_harness.py's generated @main) runs the same
way, checked against its unfused CPU output and, for the whole models,
against their float64 numpy models (model_check.py).

  build OUT [--only REGEX] [--pipeline-options OPTS]...  (a machine with
      LLVM/MLIR and the CUDA toolkit) compiles each program into
      OUT/<name>.<variant>.so (OPTS go to attn-compile, e.g. kernel=wgmma),
      runs the CPU pipeline for OUT/<name>.cpu.out, and writes
      OUT/manifest.json.
  run OUT [--attn-run PATH] (a machine with a GPU; needs only the driver,
      python3 and numpy) runs every library with attn-run and prints one
      line per case, then `N passed, N failed`.
  emulate [--only REGEX] [-j N] (no GPU needed) runs each program through
      the host side of target=cuda with the GPU emulated on the host
      (attn-opt --test-attn-cuda-host-on-cpu, attention decomposed) and
      checks it the same way: the placement, copies, result buffers and
      generic kernels of the host side, without the attention kernels.

  compile [--only REGEX] [-j N] [--emit obj|ptx] (no GPU needed) compiles,
      with `attn-compile --target=cuda` (obj: kernels through ptxas), both
      variants of every program above and every case of the fusion tests
      (test/Dialect/Attn/Transforms/fuse, split at `// -----`) and of the
      exporter corpus (test/External): what target=cpu accepts, target=cuda
      must compile too.

A program whose GPU compile fails is recorded in the manifest and counts as
a failure when run.
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def reference_args(path):
    """The arguments of the file's `%attn-check reference` RUN line."""
    lines, cont = [], ""
    for line in open(path):
        m = re.match(r"\s*//\s*RUN:\s?(.*)$", line)
        if not m:
            continue
        text = cont + m.group(1)
        if text.rstrip().endswith("\\"):
            cont = text.rstrip()[:-1] + " "
            continue
        cont = ""
        lines.append(text)
    for text in lines:
        m = re.search(r"%attn-check reference \S+(.*?)(\||$)", text)
        if m:
            return shlex.split(m.group(1))
    return None


def programs(only):
    pattern = os.path.join(ROOT, "test", "Integration", "CPU", "*", "*.mlir")
    for path in sorted(glob.glob(pattern)):
        name = os.path.relpath(path, os.path.join(ROOT, "test", "Integration",
                                                  "CPU")).replace("/", "-")
        name = name[:-len(".mlir")]
        if only and not re.search(only, name):
            continue
        text = open(path).read()
        # An expected failure (`// XFAIL: *`, a fusion still missing) is no
        # program that must run.
        if "func.func @main" not in text or re.search(r"^//\s*XFAIL:", text,
                                                       re.M):
            continue
        args = reference_args(path)
        if args is not None:
            yield name, path, args


def harness_args(path):
    """The arguments of the file's first `%harness %s ...` RUN line, and the
    model `%model-check` names (None if none), or None for a file without
    one (test/External)."""
    text = open(path).read()
    m = re.search(r"//\s*RUN:\s*%harness %s(.*?)\|", text)
    if not m:
        return None
    model = re.search(r"%model-check (\w+)", text)
    return shlex.split(m.group(1)), model.group(1) if model else None


def external_programs(only):
    """(name, path, harness arguments, model) of the exporter corpus
    (test/External): functions without a @main, driven by attn_harness.py's
    generated @main; checked against their own CPU output (unfused) and,
    for the whole models, against their float64 numpy model."""
    pattern = os.path.join(ROOT, "test", "External", "**", "*.mlir")
    for path in sorted(glob.glob(pattern, recursive=True)):
        rel = os.path.relpath(path, os.path.join(ROOT, "test"))
        name = rel[:-len(".mlir")].replace("/", "-")
        if only and not re.search(only, name):
            continue
        found = harness_args(path)
        if found:
            yield name, path, found[0], found[1]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def compile_variants(args, bindir, name, path, entry):
    """OUT/<name>.{unfused,fused}.so, recorded in entry["variants"]."""
    for variant, flags in (("unfused", ["--no-fuse"]), ("fused", [])):
        so = os.path.join(args.out, f"{name}.{variant}.so")
        r = run([os.path.join(bindir, "attn-compile"), path,
                 "--target=cuda", "--chip=" + args.chip, "-o", so,
                 "--runtime-dir=" + os.path.join(args.build, "lib")] + flags +
                (["--pipeline-options=" + " ".join(args.pipeline_options)]
                 if args.pipeline_options else []))
        entry["variants"][variant] = (
            os.path.basename(so) if r.returncode == 0 else
            "compile failed: " + r.stderr.strip().splitlines()[0]
            if r.stderr.strip() else "compile failed")
        if os.path.exists(so[:-3] + ".h"):
            os.remove(so[:-3] + ".h")


def build(args):
    os.makedirs(args.out, exist_ok=True)
    bindir = os.path.join(args.build, "bin")
    runner = os.path.join(args.llvm, "bin", "mlir-runner")
    libs = ",".join(os.path.join(args.llvm, "lib", l) for l in
                    ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so"))
    manifest = []
    for name, path, ref in programs(args.only):
        entry = {"name": name, "reference": ref, "variants": {}}
        cpu = run([os.path.join(bindir, "attn-opt"), path,
                   "--attn-pipeline=target=cpu"])
        if cpu.returncode == 0:
            out = run([runner, "-e", "main", "--entry-point-result=void",
                       "--shared-libs=" + libs], input=cpu.stdout)
            with open(os.path.join(args.out, name + ".cpu.out"), "w") as f:
                f.write(out.stdout)
        compile_variants(args, bindir, name, path, entry)
        manifest.append(entry)
        print(name, entry["variants"], flush=True)
    for name, path, hargs, model in external_programs(args.only):
        driven = run([sys.executable, os.path.join(HERE, "attn_harness.py"),
                      path] + hargs)
        src = os.path.join(args.out, name + ".mlir")
        with open(src, "w") as f:
            f.write(driven.stdout)
        entry = {"name": name, "reference": None, "model": model,
                 "variants": {}}
        cpu = run([os.path.join(bindir, "attn-opt"), src, "--attn-prepare",
                   "--attn-pipeline=target=cpu tile=false"])
        if cpu.returncode == 0:
            out = run([runner, "-e", "main", "--entry-point-result=void",
                       "--shared-libs=" + libs], input=cpu.stdout)
            with open(os.path.join(args.out, name + ".cpu.out"), "w") as f:
                f.write(out.stdout)
        compile_variants(args, bindir, name, src, entry)
        os.remove(src)
        manifest.append(entry)
        print(name, entry["variants"], flush=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def cpu_tolerance(reference):
    """The tolerance of a GPU output against the CPU's: 1e-2, or the
    program's own against the float64 reference when that is looser (bf16
    outputs: both sides are rounded to 8 bits of mantissa, which alone
    differs by about 1e-2 in relative L2)."""
    tol = 1e-2
    args = reference or []
    for i, a in enumerate(args[:-1]):
        if a == "--tol":
            tol = max(tol, float(args[i + 1]))
    return repr(tol)


def check(kind, argv):
    r = run([sys.executable, os.path.join(HERE, "attn_check.py"), kind] + argv)
    text = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, text[-1] if text else "no output"


def check_model(model, out):
    r = run([sys.executable, os.path.join(HERE, "model_check.py"), model,
             out])
    text = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, text[-1] if text else "no output"


def run_all(args):
    manifest = json.load(open(os.path.join(args.out, "manifest.json")))
    passed = failed = 0
    for entry in manifest:
        cpu = os.path.join(args.out, entry["name"] + ".cpu.out")
        for variant, so in sorted(entry["variants"].items()):
            case = f"{entry['name']} [{variant}]"
            if not so.endswith(".so"):
                print(f"FAIL {case}: {so}")
                failed += 1
                continue
            out = os.path.join(args.out, f"{entry['name']}.{variant}.gpu.out")
            try:
                r = run([args.attn_run, os.path.join(args.out, so)],
                        timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"FAIL {case}: timed out")
                failed += 1
                continue
            with open(out, "w") as f:
                f.write(r.stdout)
            if r.returncode != 0:
                msg = (r.stderr.strip().splitlines() or ["exit %d" %
                                                         r.returncode])[-1]
                print(f"FAIL {case}: attn-run: {msg}")
                failed += 1
                continue
            if entry.get("model"):
                ok_ref, ref = check_model(entry["model"], out)
            elif entry["reference"] is None:
                ok_ref, ref = True, "none (exporter program)"
            else:
                ok_ref, ref = check("reference", [out] + entry["reference"])
            ok_cpu, cmp = (check("compare", [out, cpu, "--tol",
                                             cpu_tolerance(entry["reference"])])
                           if os.path.exists(cpu) else (False, "no CPU output"))
            ok = ok_ref and ok_cpu
            passed += ok
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {case}: reference {ref}; "
                  f"vs CPU {cmp}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def compile_inputs(only):
    """(name, text) of every program and test case that must compile."""
    for name, path, _ in programs(only):
        yield name, open(path).read()
    dirs = [os.path.join(ROOT, "test", "Dialect", "Attn", "Transforms", "fuse"),
            os.path.join(ROOT, "test", "External")]
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "**", "*.mlir"),
                                     recursive=True)):
            rel = os.path.relpath(path, os.path.join(ROOT, "test"))
            for i, case in enumerate(open(path).read().split("// -----")):
                name = f"{rel[:-len('.mlir')].replace('/', '-')}.{i}"
                # Cases of diagnostics tests whose input is invalid.
                if "expected-error" in case or (only and
                                                not re.search(only, name)):
                    continue
                yield name, case


def compile_one(args, name, text, tmp):
    bindir = os.path.join(args.build, "bin")
    src = os.path.join(tmp, name + ".mlir")
    with open(src, "w") as f:
        f.write(text)
    failures = []
    for variant, flags in (("unfused", ["--no-fuse"]), ("fused", [])):
        r = run([os.path.join(bindir, "attn-compile"), src, "--target=cuda",
                 "--chip=" + args.chip, "--emit=" + args.emit,
                 "-o", os.path.join(tmp, f"{name}.{variant}.{args.emit}")] +
                flags)
        if r.returncode != 0:
            lines = [l for l in r.stderr.splitlines() if "error" in l]
            failures.append(f"{variant}: " + (lines or ["exit %d" %
                                                        r.returncode])[0])
    return not failures, "; ".join(failures) or "compiled"


def run_cases(todo, one, jobs, prefix):
    """Runs `one(name, *rest, tmp)` for each (name, *rest) of `todo` on
    `jobs` threads; prints a line per case and the counts."""
    import concurrent.futures
    import tempfile
    tmp = tempfile.mkdtemp(prefix=prefix)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda c: (c[0],) + one(*c, tmp), todo))
    failed = 0
    for name, ok, msg in results:
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: {msg}")
    print(f"{len(results) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def compile_all(args):
    return run_cases(list(compile_inputs(args.only)),
                     lambda name, text, tmp: compile_one(args, name, text, tmp),
                     args.jobs, "attn-compile-")


def emulate_one(args, name, path, ref, tmp):
    bindir = os.path.join(args.build, "bin")
    runner = os.path.join(args.llvm, "bin", "mlir-runner")
    libs = ",".join(os.path.join(args.llvm, "lib", l) for l in
                    ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so"))
    outs = {}
    for kind, passes in (("cpu", "--attn-pipeline=target=cpu"),
                         ("emulated", "--test-attn-cuda-host-on-cpu")):
        low = run([os.path.join(bindir, "attn-opt"), path, passes])
        if low.returncode != 0:
            return False, f"{kind}: attn-opt failed: " + (
                low.stderr.strip().splitlines() or ["?"])[-1]
        out = run([runner, "-e", "main", "--entry-point-result=void",
                   "--shared-libs=" + libs], input=low.stdout)
        if out.returncode != 0:
            return False, f"{kind}: mlir-runner failed"
        outs[kind] = os.path.join(tmp, f"{name}.{kind}.out")
        with open(outs[kind], "w") as f:
            f.write(out.stdout)
    ok_ref, ref_msg = check("reference", [outs["emulated"]] + ref)
    ok_cpu, cmp_msg = check("compare", [outs["emulated"], outs["cpu"],
                                        "--tol", cpu_tolerance(ref)])
    return ok_ref and ok_cpu, f"reference {ref_msg}; vs CPU {cmp_msg}"


def emulate_all(args):
    return run_cases(
        list(programs(args.only)),
        lambda name, path, ref, tmp: emulate_one(args, name, path, ref, tmp),
        args.jobs, "attn-emulate-")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("out")
    b.add_argument("--build", default=os.path.join(ROOT, "build"))
    b.add_argument("--llvm", default="/usr/lib/llvm-22")
    b.add_argument("--chip", default="sm_90a")
    b.add_argument("--only", default="")
    b.add_argument("--pipeline-options", action="append", default=[],
                   help="passed to attn-compile, e.g. kernel=wgmma")
    r = sub.add_parser("run")
    r.add_argument("out")
    r.add_argument("--attn-run", default="attn-run")
    r.add_argument("--timeout", type=float, default=60)
    e = sub.add_parser("emulate")
    e.add_argument("--build", default=os.path.join(ROOT, "build"))
    e.add_argument("--llvm", default="/usr/lib/llvm-22")
    e.add_argument("--only", default="")
    e.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    c = sub.add_parser("compile")
    c.add_argument("--build", default=os.path.join(ROOT, "build"))
    c.add_argument("--chip", default="sm_90a")
    c.add_argument("--only", default="")
    c.add_argument("--emit", choices=("obj", "ptx"), default="obj")
    c.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    a = p.parse_args()
    if a.cmd == "compile":
        return compile_all(a)
    if a.cmd == "emulate":
        return emulate_all(a)
    if a.cmd == "build":
        build(a)
        return 0
    return run_all(a)


if __name__ == "__main__":
    sys.exit(main())
