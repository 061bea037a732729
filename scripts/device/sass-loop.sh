#!/bin/bash
# The SASS of cubins built here (no cuobjdump on the build machine), as a
# compact listing for reading the scheduling ptxas chose: synchronisation
# instructions (WARPGROUP.*, HGMMA, SYNCS.*, BAR, BRA, VOTE) one per line
# with their index, everything else as runs of one opcode ("32 FMUL").
# This is how the hoisted P·V wait was found
# (bench/results/2026-12-04-h200-wait-branch-sass.txt).
#
# Build machine: attn-opt in.mlir --attn-pipeline="target=cuda chip=sm_90a
#   format=isa kernel=wgmma ..." -o k.mlir; test/Integration/GPU/extract_ptx.py
#   k.mlir > k.ptx; ptxas -arch=sm_90a k.ptx -o devcarry/sass/k.cubin
# GPU machine:   scripts/device/sass-loop.sh devcarry/sass/*.cubin > $OUT/sass.txt
set -u
for f in "$@"; do
  echo "== $f"
  cuobjdump -sass "$f" | grep -o '/\*[0-9a-f]*\*/ *[^;]*' | awk '
    { op = $2; if (op ~ /^@/) op = op " " $3
      if (op ~ /DEPBAR|HGMMA|SYNCS|VOTE|BAR|BRA|WARPGROUP/) {
        if (c) print c, prev; c = 0; prev = ""; print NR ": " $0; next }
      if (op == prev) c++; else { if (c) print c, prev; prev = op; c = 1 } }
    END { if (c) print c, prev }'
done
