#!/bin/bash
set -u
O=${OUT:-/tmp/out}; mkdir -p $O
DEV=devcarry/final-dev
export LD_LIBRARY_PATH=$PWD/$DEV
ncu --version | tail -1
for c in "128 512 0" "64 512 0"; do
  read -r d s causal <<< "$c"; tag=d$d-s$s-c$causal
  timeout 150 ncu --section SourceCounters --section WarpStateStats --section SpeedOfLight -k regex:'^attn_f16' --launch-skip 3 --launch-count 1 -o $O/rep-$tag \
    $DEV/attn-bench --sweep=fa --d=$d --seq=$s --causal=$causal --filter=fa/f16 --provider=attn --runs=20 --warmup=3 > $O/ncu-$tag.log 2>&1
  echo "$tag rc=$?"
  ncu -i $O/rep-$tag.ncu-rep --page source --csv --print-source=sass > $O/sass-$tag.csv 2> $O/sass-$tag.err || ncu -i $O/rep-$tag.ncu-rep --page source --csv > $O/sass-$tag.csv 2>> $O/sass-$tag.err
  echo "export rc=$? $(wc -l < $O/sass-$tag.csv) lines"; head -c 600 $O/sass-$tag.csv; head -3 $O/sass-$tag.err
  ncu -i $O/rep-$tag.ncu-rep --page details > $O/details-$tag.txt 2>&1
  gzip -f $O/sass-$tag.csv
done
ls -la $O
