#!/usr/bin/env bash
# Fault handling of libattn_runtime on a real GPU (test/Runtime/gpu/).
# Usage: scripts/gpu-runtime-tests.sh [build-dir]   (default: build)
# Needs a CUDA driver, ptxas and a built attn_runtime target.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
cuda=${CUDA:-/usr/local/cuda}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
[ -n "$cc" ] || { echo "FAIL: no GPU (nvidia-smi)"; exit 1; }
# A cubin of another major architecture cannot load here.
if [ "${cc:0:1}" = 8 ]; then other=sm_90; else other=sm_80; fi

for arch in "sm_$cc" "$other"; do
  sed "s/@ARCH@/$arch/" "$src/test/Runtime/gpu/fill.ptx.in" > "$work/$arch.ptx"
  "$cuda/bin/ptxas" -arch="$arch" "$work/$arch.ptx" -o "$work/$arch.cubin" ||
    { echo "FAIL: ptxas $arch"; exit 1; }
done
c++ -std=c++17 "$src/test/Runtime/gpu/runtime-faults.cpp" \
  -I"$src/runtime/include" -I"$cuda/include" -L"$build/lib" -lattn_runtime \
  -Wl,-rpath,"$build/lib" -L"$cuda/lib64/stubs" -lcuda \
  -o "$work/runtime-faults" ||
  { echo "FAIL: build"; exit 1; }

failed=0
# expect NAME EXPECTED-RC PATTERN... -- ARGS: every pattern must be in the
# output (stdout and stderr).
expect() {
  local name=$1 rc=$2; shift 2
  local patterns=()
  while [ "$1" != "--" ]; do patterns+=("$1"); shift; done
  shift
  local out got
  out=$("$work/runtime-faults" "$@" 2>&1); got=$?
  local ok=1
  [ "$got" = "$rc" ] || ok=0
  for p in "${patterns[@]}"; do grep -qF -- "$p" <<<"$out" || ok=0; done
  if [ $ok = 1 ]; then echo "PASS $name"; else
    echo "FAIL $name (rc $got, want $rc)"; sed 's/^/  | /' <<<"$out"
    failed=$((failed + 1)); fi
}

expect ok 0 "module cached: 1" "function cached: 1" "stream cached: 1" \
  "wrong values: 0" "status: 0" -- ok "$work/sm_$cc.cubin"
expect ptx-jit 0 "wrong values: 0" "status: 0" -- ptx "$work/sm_$cc.ptx"
expect corrupt-cubin 1 "module: (nil)" \
  "mgpuModuleLoad: cuModuleLoadData" "CUDA_ERROR_" -- corrupt
expect wrong-arch 1 "module: (nil)" "CUDA_ERROR_NO_BINARY_FOR_GPU" \
  -- wrong-arch "$work/$other.cubin"
expect bad-ptx 1 "module: (nil)" \
  "mgpuModuleLoadJIT: cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX" \
  -- bad-ptx
expect oom 1 "pointer: (nil)" "mgpuMemAlloc: cuMemAlloc" \
  "CUDA_ERROR_OUT_OF_MEMORY" -- oom
expect null-pointers 1 "after memcpy: 1" "after launch: 1" "after free: 0" \
  "mgpuModuleGetFunction: null module" -- null
expect missing-kernel 1 "function: (nil)" \
  "cuModuleGetFunction(\"no_such_kernel\") failed: CUDA_ERROR_NOT_FOUND" \
  -- missing-kernel "$work/sm_$cc.cubin"

expect lazy 0 "function cached: 1" "wrong values: 0" "unloaded: 0" \
  "wrong values after reload: 0" "status: 0" -- lazy "$work/sm_$cc.cubin"
expect async-fault 1 "synchronize: 700" "CUDA_ERROR_ILLEGAL_ADDRESS" \
  -- async-fault "$work/sm_$cc.cubin"
expect capture 0 "warm-up wrong values: 0" "status while capturing: 0" \
  "capture: 0 0" "replay 0: 0" "replay 1: 0" "graph wrong values: 0" \
  "status: 0" -- capture "$work/sm_$cc.cubin"

echo "$failed failed"
[ $failed = 0 ]
