#!/bin/bash
# Runs attn-bench --tune on a GPU machine, from the repository root: times
# every sm_90a kernel variant of the tune bundle on the FA-sweep shapes, ranks
# them per (D, dtype, causal) and writes the winners as DefaultConfigs.inc.
# Needs the bundle built on the build machine (no LLVM/MLIR here):
#   ninja -C build-h9 attn-bench-tune-dev     # -> build-h9/tune-dev{,.tar.gz}
# and writes to $OUT (default tune-out/):
#   tune.log             device, versions, one progress line per variant/shape
#   tune.txt             the rankings
#   tune.csv, tune.json  every (variant, shape): time, TFLOPS, check
#   DefaultConfigs.inc   the winners, for lib/Conversion/AttnToGPUSm90/
# Usage: scripts/device/tune.sh [tune-dev-dir or .tar.gz]  (TUNE_ARGS adds attn-bench
# options, e.g. "--seq=4096 --d=128"; TUNE_TIMEOUT bounds it, in seconds,
# default 560).
set -u
DEV=${1:-build-h9/tune-dev.tar.gz}
OUT=${OUT:-tune-out}
mkdir -p "$OUT"
if [[ $DEV == *.tar.gz ]]; then   # the compressed bundle: unpack it first
  T=$(mktemp -d)
  tar -xzf "$DEV" -C "$T" || { echo "cannot unpack $DEV"; exit 2; }
  DEV=$(echo "$T"/*)
fi
LOG=$OUT/tune.log
: > "$LOG"
say() { echo "$@" | tee -a "$LOG"; }
say "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.sm,memory.total,power.limit,temperature.gpu \
  --format=csv 2>&1 | tee -a "$LOG"
head -1 "$DEV/tune-manifest.tsv" >> "$LOG"
say "variants: $(grep -c '^ok' "$DEV/tune-manifest.tsv") built," \
  "$(grep -c '^skipped' "$DEV/tune-manifest.tsv") skipped at build"
export LD_LIBRARY_PATH=$DEV${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
timeout "${TUNE_TIMEOUT:-560}" "$DEV/attn-bench" \
  --tune="$DEV/tune-manifest.tsv" --csv "$OUT/tune.csv" \
  --json "$OUT/tune.json" --tune-out "$OUT/DefaultConfigs.inc" \
  ${TUNE_ARGS:-} > "$OUT/tune.txt" 2>> "$LOG"
rc=$?
say "attn-bench --tune exit $rc"
cat "$OUT/tune.txt"
exit $rc
