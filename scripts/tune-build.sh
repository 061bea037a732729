#!/bin/bash
# Builds the bundle that `attn-bench --tune` runs on the GPU machine: the
# sm_90a kernel (attn-compile --pipeline-options="kernel=wgmma ...") for a
# grid of tile configurations per (head dim, dtype, causal), plus attn-bench,
# libattn_runtime.so and the baseline fatbin of the attn-bench-dev bundle.
#
#   ninja -C <build> attn-bench-tune-dev       # runs this script
#   scripts/tune-build.sh <build> [out-dir]    # or directly (after
#                                              # ninja -C <build> attn-bench-dev)
#
# writes <out-dir> (default <build>/tune-dev):
#   attn-bench, libattn_runtime.so, *.fatbin, lib<kernel>.so   (from <build>/dev)
#   variants/lib<entry>.so    one per variant, entry _mlir_ciface_<entry>
#   tune-manifest.tsv         one line per variant, tab-separated:
#                             status lib entry d dtype causal config note
#                             status ok, or skipped (attn-compile rejected it;
#                             note: its error)
# and <out-dir>.tar.gz, the same directory compressed (what to carry).
# Grid (environment overrides, comma lists): TUNE_DIMS 64,128,256,
# TUNE_DTYPES f16,bf16, TUNE_CAUSAL 0,1, TUNE_WG 1,2,3, TUNE_BKV 64,128
# (TUNE_BKV_256 64,80,96,128 at D = 256), TUNE_STAGES 2,3,4, TUNE_OVERLAP 0,1,
# TUNE_PW 0,1. Left out by construction: shared memory
# (64·wg·D + 2·stages·bkv·D)·2 + 1024 over 227 KiB.
# TUNE_JOBS (default 1) compiles in parallel. Re-run it after attn-compile
# changes: variants it rejected before (bf16, D = 256) are retried.
set -u -o pipefail
die() { echo "tune-build: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 <build-dir> [out-dir]"
BUILD=$(cd "$1" && pwd) || die "no build dir $1"
OUT=${2:-$BUILD/tune-dev}
SRC=$(cd "$(dirname "$0")/.." && pwd)
AC=${ATTN_COMPILE:-$BUILD/bin/attn-compile}
RTDIR=${RUNTIME_DIR:-$BUILD/lib}
DEV=$BUILD/dev
PY=${PYTHON:-python3}
[ -x "$AC" ] || die "no attn-compile at $AC"
[ -e "$RTDIR/libattn_runtime.so" ] || die "no libattn_runtime.so in $RTDIR"
[ -x "$DEV/attn-bench" ] ||
  die "no attn-bench bundle in $DEV: ninja -C $BUILD attn-bench-dev"
JOBS=${TUNE_JOBS:-1}
list() { echo "${1//,/ }"; }

rm -rf "$OUT" "$OUT.tar.gz"
mkdir -p "$OUT/variants"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
find "$DEV" -maxdepth 1 -type f ! -name '*.stamp' -exec cp {} "$OUT" \;
$PY "$SRC/bench/attn-bench/kernels/gen.py" --out "$TMP" \
  --d "${TUNE_DIMS:-64,128,256}" --dtype "${TUNE_DTYPES:-f16,bf16}" >/dev/null ||
  die "gen.py failed"

# One variant: writes its manifest line to $TMP/line.<n>.
build_one() {
  local n=$1 d=$2 dt=$3 c=$4 wg=$5 bkv=$6 st=$7 ov=$8 pw=$9 pp=${10:-0} \
    pers=${11:-0}
  local base=attn_${dt}_d${d}
  [ "$c" = 1 ] && base=${base}_causal
  local entry=${base}__wg${wg}_bkv${bkv}_st${st}_ov${ov}_pw${pw}_pp${pp}_pers${pers}
  local cfg="wg=$wg,bkv=$bkv,stages=$st,overlap=$ov,pw=$pw,pp=$pp,pers=$pers"
  sed "s/@${base}(/@${entry}(/" "$TMP/$base.mlir" >"$TMP/$entry.mlir"
  if "$AC" --target=cuda --chip=sm_90a --runtime-dir="$RTDIR" \
      --pipeline-options="kernel=wgmma gpu-warpgroups=$wg gpu-block-kv=$bkv gpu-stages=$st gpu-overlap=$ov gpu-producer-warp=$pw gpu-pingpong=$pp gpu-persistent=$pers" \
      "$TMP/$entry.mlir" -o "$OUT/variants/lib$entry.so" 2>"$TMP/$entry.err"; then
    rm -f "$OUT/variants/lib$entry.h"
    strip --strip-unneeded "$OUT/variants/lib$entry.so"
    printf 'ok\tvariants/lib%s.so\t%s\t%s\t%s\t%s\t%s\t\n' \
      "$entry" "$entry" "$d" "$dt" "$c" "$cfg" >"$TMP/line.$n"
  else
    rm -f "$OUT/variants/lib$entry.so" "$OUT/variants/lib$entry.h"
    local why
    why=$(grep -m1 'error:' "$TMP/$entry.err" | sed 's/^.*error: //')
    # ptxas says why on a line of its own.
    local fatal
    fatal=$(grep -m1 'ptxas fatal' "$TMP/$entry.err")
    [ -n "$fatal" ] && why="$why $fatal"
    why=$(echo "$why" | tr '\t' ' ')
    printf 'skipped\t-\t%s\t%s\t%s\t%s\t%s\t%s\n' \
      "$entry" "$d" "$dt" "$c" "$cfg" "${why:-attn-compile failed}" >"$TMP/line.$n"
  fi
}

n=0 left=0
if [ -n "${TUNE_LIST:-}" ]; then
  # An explicit list instead of the grid: lines "d causal wg bkv stages
  # overlap pw pp pers" ('#' comments), each built for every TUNE_DTYPES.
  while read -r d c wg bkv st ov pw pp pers; do
    case "$d" in '' | '#'*) continue ;; esac
    for dt in $(list "${TUNE_DTYPES:-f16,bf16}"); do
      n=$((n + 1))
      build_one $n "$d" "$dt" "$c" "$wg" "$bkv" "$st" "$ov" "$pw" "$pp" "$pers" &
      while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    done
  done < "$TUNE_LIST"
  TUNE_DIMS=none
fi
for d in $(list "${TUNE_DIMS:-64,128,256}"); do
  [ "$d" = none ] && continue
  bkvs=${TUNE_BKV:-64,128}
  [ "$d" = 256 ] && bkvs=${TUNE_BKV_256:-64,80,96,128}
  for dt in $(list "${TUNE_DTYPES:-f16,bf16}"); do
    for c in $(list "${TUNE_CAUSAL:-0,1}"); do
      for wg in $(list "${TUNE_WG:-1,2,3}"); do
        for bkv in $(list "$bkvs"); do
          for st in $(list "${TUNE_STAGES:-2,3,4}"); do
            smem=$(( (64 * wg * d + 2 * st * bkv * d) * 2 + 1024 ))
            if [ $smem -gt $((227 * 1024)) ]; then
              left=$((left + 4)); continue
            fi
            for ov in $(list "${TUNE_OVERLAP:-0,1}"); do
              for pw in $(list "${TUNE_PW:-0,1}"); do
                n=$((n + 1))
                build_one $n "$d" "$dt" "$c" "$wg" "$bkv" "$st" "$ov" "$pw" &
                while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
              done
            done
          done
        done
      done
    done
  done
done
wait

M=$OUT/tune-manifest.tsv
{
  echo "# attn-bench --tune manifest, scripts/tune-build.sh $(date -u +%FT%TZ)," \
    "attn-compile of $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo '+dirty')"
  printf '# status\tlib\tentry\td\tdtype\tcausal\tconfig\tnote\n'
  for i in $(seq 1 $n); do cat "$TMP/line.$i"; done
} >"$M"
ok=$(grep -c '^ok' "$M")
skipped=$(grep -c '^skipped' "$M")
echo "tune-build: $ok variants built, $skipped skipped (attn-compile rejected" \
  "them; see $M), $left left out (over 227 KiB of shared memory)"
grep '^skipped' "$M" | cut -f4,5,8 | sort | uniq -c | sed 's/^/  skipped: /' | head -20
# The same, compressed to about a quarter, for carrying to the GPU machine
# (scripts/device/tune.sh unpacks it).
tar -czf "$OUT.tar.gz" -C "$(dirname "$OUT")" "$(basename "$OUT")" ||
  die "tar failed"
echo "tune-build: $OUT, $(du -sh "$OUT" | cut -f1); $OUT.tar.gz," \
  "$(du -sh "$OUT.tar.gz" | cut -f1)"
