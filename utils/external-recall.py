#!/usr/bin/env python3
"""Recall of --attn-fuse on the exporter corpus (test/External).

    external-recall.py [--attn-opt PATH] [--root DIR] [-v]

Every corpus file declares, per function, how many attentions it holds:

    // RECALL: @func N

(N = 0 for what other projects raise but is not attention). The script runs
`attn-opt FILE --attn-prepare --attn-fuse` on each file, counts the
attn.attention ops of each function and prints

    recall: FUSED/EXPECTED fused (P%)
    false fusions: F

where FUSED counts, per function, min(found, N), and F the attn.attention
ops beyond N (every one in a function with N = 0). A file that attn-opt
rejects counts its expected attentions as missed and is listed. The exit
status is 1 when recall is below 100% or F > 0.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

RECALL_RE = re.compile(r"^//\s*RECALL:\s*@([\w$.]+)\s+(\d+)\s*$", re.M)
FUNC_RE = re.compile(r"^\s*func\.func\s+(?:(?:public|private)\s+)?@([\w$.]+)", re.M)


def count_per_function(ir):
    counts = collections.Counter()
    starts = [(m.start(), m.group(1)) for m in FUNC_RE.finditer(ir)]
    for i, (pos, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(ir)
        counts[name] += ir[pos:end].count("attn.attention")
    return counts


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attn-opt", default="attn-opt")
    ap.add_argument("--root", default=os.path.join(here, "..", "test", "External"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(args.root)
                   for f in fs if f.endswith(".mlir"))
    expected_total = fused_total = false_total = 0
    functions = 0
    projects = set()
    missed, false, broken = [], [], []
    for path in files:
        want = {m.group(1): int(m.group(2))
                for m in RECALL_RE.finditer(open(path).read())}
        if not want:
            continue
        rel = os.path.relpath(path, args.root)
        projects.add(rel.split(os.sep)[0])
        functions += len(want)
        proc = subprocess.run([args.attn_opt, path, "--attn-prepare", "--attn-fuse"],
                              capture_output=True, text=True)
        got = count_per_function(proc.stdout) if proc.returncode == 0 else None
        if got is None:
            broken.append(f"{rel}: attn-opt failed: {proc.stderr.strip()[:300]}")
        for func, n in want.items():
            found = got[func] if got is not None else 0
            expected_total += n
            fused_total += min(found, n)
            false_total += max(0, found - n)
            if found < n:
                missed.append(f"{rel} @{func}: {found}/{n}")
            if found > n:
                false.append(f"{rel} @{func}: {found} fused, {n} expected")
            if args.verbose:
                print(f"  {rel} @{func}: {found}/{n}")
    pct = 100.0 * fused_total / expected_total if expected_total else 100.0
    print(f"corpus: {len(files)} files, {functions} functions, "
          f"{len(projects)} project directories")
    print(f"recall: {fused_total}/{expected_total} fused ({pct:.1f}%)")
    print(f"false fusions: {false_total}")
    for line in broken + [f"missed {m}" for m in missed] + \
            [f"false fusion {f}" for f in false]:
        print(line)
    return 0 if fused_total == expected_total and false_total == 0 and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
