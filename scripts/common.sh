# Shared by the README's commands: install what is missing, configure, build.
set -euo pipefail

ATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ATTN_ROOT/build}"
LLVM_PREFIX=/usr/lib/llvm-22
APT_PACKAGES=(cmake ninja-build g++ python3 python3-numpy
              libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
              clang-format-22)

attn_install_deps() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

attn_build() {
  echo "== configuring $BUILD_DIR"
  cmake -G Ninja -S "$ATTN_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR="$LLVM_PREFIX/lib/cmake/mlir" "$@" >/dev/null
  echo "== building"
  if ! ninja -C "$BUILD_DIR" ${ATTN_BUILD_TARGETS:-all} > "$BUILD_DIR/build.log" 2>&1; then
    tail -n 80 "$BUILD_DIR/build.log"
    echo "build failed (full log: $BUILD_DIR/build.log)"
    return 1
  fi
}
