#!/bin/sh
# On the GPU machine (run tool): correctness + timing of every executable
# that run_e2e.sh built into DIR (default build-h7/dev), each under a time
# limit (LIMIT seconds, default 55) so that a hang cannot eat the call.
# Logs go to $OUT; a summary table is printed last.
DIR=${1:-build-h7/dev}
OUT=${OUT:-/tmp/out}
LIMIT=${LIMIT:-55}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,temperature.gpu --format=csv,noheader
seed=$(date +%s)
for exe in "$DIR"/attn_e2e_*; do
  name=$(basename "$exe" | sed 's/^attn_e2e_//')
  seed=$((seed + 1))
  start=$(date +%s)
  timeout "$LIMIT" stdbuf -oL "$exe" "$seed" > "$OUT/$name.log" 2>&1
  echo "== $name seed=$seed rc=$? $(( $(date +%s) - start ))s $(grep -c PASS "$OUT/$name.log") pass, $(grep -c FAIL "$OUT/$name.log") fail, max rel_l2 $(grep -o 'rel_l2=[0-9.e+-]*' "$OUT/$name.log" | cut -d= -f2 | sort -g | tail -1)"
done
echo "== TFLOPS (median of 20): D causal S"
for f in "$OUT"/*.log; do
  n=$(basename "$f" .log)
  grep TIME "$f" | awk -v n="$n" '{printf "%s %s %s %s\n", n, $2, $4, $NF=="TFLOPS" ? $(NF-1) : "?"}'
done | awk '{k=$2" "$3; v[k]=v[k]" "$1"="$4} END {for (k in v) print k, v[k]}' | sort
