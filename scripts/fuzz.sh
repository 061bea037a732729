#!/usr/bin/env bash
# Fuzz the attn passes with libFuzzer (tools/attn-fuzz, docs/reliability.md).
#
# Usage: scripts/fuzz.sh [SECONDS]            (default 60)
#
# Builds attn-fuzz and attn-opt with clang-22, ASan+UBSan and coverage in
# $FUZZ_BUILD_DIR (default build-fuzz), seeds a corpus from every .mlir file
# under test/ (split at `// -----`), fuzzes for SECONDS with -max_len=8192
# -timeout=10 -rss_limit_mb=4096 and the MLIR token dictionary, then replays
# each crash input to sort it into ours (a frame in lib/ or include/, or an
# attn pass left invalid IR) or upstream (MLIR/LLVM only). Prints exec/s,
# coverage and crash counts; the last line is
#   fuzz: E execs, C corpus, cov V, ft F, crashes: O ours, U upstream, T timeouts, M ooms
# and the same numbers go to $FUZZ_BUILD_DIR/fuzz/summary.txt.
# Exits 1 if a crash in our code was found.
#
# Environment: FUZZ_BUILD_DIR, FUZZ_JOBS (parallel fuzzing jobs, default 1),
# FUZZ_SEED (libFuzzer -seed, default random), FUZZ_KEEP_CORPUS=1 (continue
# from the corpus a previous run grew instead of the seeds alone).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SECONDS_TO_RUN="${1:-60}"
FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-$ATTN_ROOT/build-fuzz}"
APT_PACKAGES+=(clang-22 libclang-rt-22-dev)
attn_install_deps

BUILD_DIR="$FUZZ_BUILD_DIR" ATTN_BUILD_TARGETS="attn-fuzz attn-opt" attn_build \
  -DCMAKE_C_COMPILER="$LLVM_PREFIX/bin/clang" \
  -DCMAKE_CXX_COMPILER="$LLVM_PREFIX/bin/clang++" \
  -DATTN_ENABLE_SANITIZERS=ON -DATTN_BUILD_FUZZER=ON
FUZZER="$FUZZ_BUILD_DIR/bin/attn-fuzz"

work="$FUZZ_BUILD_DIR/fuzz"
seeds="$work/seeds" corpus="$work/corpus" artifacts="$work/artifacts"
rm -rf "$seeds" "$artifacts"
[ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$corpus"
mkdir -p "$seeds" "$corpus" "$artifacts"
# One seed per `// -----` chunk of every test input; RUN/CHECK lines are only
# comments to the parser and are kept.
find "$ATTN_ROOT/test" -name '*.mlir' -print0 | sort -z |
  xargs -0 /usr/bin/python3 -c '
import os, re, sys, hashlib
out = sys.argv[1]
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    for chunk in re.split(r"^// -----\s*$", text, flags=re.M):
        if chunk.strip():
            name = hashlib.sha1(chunk.encode()).hexdigest()
            open(os.path.join(out, name), "w").write(chunk)
' "$seeds"
echo "== seeds: $(ls "$seeds" | wc -l) inputs from test/**/*.mlir"

# allow_user_poisoning=0: see test/lit.cfg.py (LLVM's allocator, inlined into
# our instrumented code, poisons slabs that uninstrumented libMLIR then uses).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allow_user_poisoning=0}:symbolize=1"
export ASAN_SYMBOLIZER_PATH="$LLVM_PREFIX/bin/llvm-symbolizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
log="$work/fuzz.log"
echo "== fuzzing for ${SECONDS_TO_RUN}s (${FUZZ_JOBS:-1} job(s)); log: $log"
set +e
"$FUZZER" "$corpus" "$seeds" \
  -dict="$ATTN_ROOT/tools/attn-fuzz/mlir.dict" \
  -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
  -max_total_time="$SECONDS_TO_RUN" \
  -fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
  -artifact_prefix="$artifacts/" > "$log" 2>&1
fuzz_status=$?
set -e
# Fork mode prints `#EXECS: cov: V ft: F corp: C exec/s: E oom/timeout/crash:
# O/T/C time: Ss job: J ...` after every job.
grep -E '^#[0-9]+: cov:' "$log" | tail -n 5
stats=$(grep -E '^#[0-9]+: cov:' "$log" | tail -n 1)
field() { sed -n "s|.*$1 *\([0-9/]*\).*|\1|p" <<<"$stats"; }
execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$stats")
cov=$(field 'cov:'); ft=$(field 'ft:'); corp=$(field 'corp:')
eps=$(field 'exec/s:')
if [ -z "$stats" ]; then
  tail -n 40 "$log"
  echo "fuzz: the fuzzer printed no statistics (status $fuzz_status)"
  exit 1
fi

# Triage: replay each crash input once, verbosely, and sort it.
ours=0 upstream=0
mkdir -p "$work/ours" "$work/upstream"
for f in "$artifacts"/crash-*; do
  [ -e "$f" ] || continue
  replay="$f.log"
  ATTN_FUZZ_VERBOSE=1 "$FUZZER" "$f" > "$replay" 2>&1 || true
  if grep -qE "($ATTN_ROOT/(lib|include)/|attn-fuzz: pass 'attn)" "$replay"; then
    kind=ours; ours=$((ours + 1))
  else
    kind=upstream; upstream=$((upstream + 1))
  fi
  cp "$f" "$replay" "$work/$kind/"
  echo "-- crash ($kind): $f"
  grep -m1 -E 'ERROR|LLVM ERROR|attn-fuzz: pass|runtime error' "$replay" | sed 's/^/   /'
  grep -m1 'attn-fuzz: running' "$replay" >/dev/null &&
    grep 'attn-fuzz: running' "$replay" | tail -n 1 | sed 's/^/   last /'
done
timeouts=$(ls "$artifacts" | grep -c '^timeout-' || true)
ooms=$(ls "$artifacts" | grep -c '^oom-' || true)
{
  echo "seconds=$SECONDS_TO_RUN execs=$execs exec_per_s=$eps corpus=$corp cov=$cov ft=$ft"
  echo "crashes_ours=$ours crashes_upstream=$upstream timeouts=$timeouts ooms=$ooms"
} > "$work/summary.txt"
echo "fuzz: $execs execs ($eps exec/s), $corp corpus, cov $cov, ft $ft," \
  "crashes: $ours ours, $upstream upstream, $timeouts timeouts, $ooms ooms"
[ "$ours" -eq 0 ]
