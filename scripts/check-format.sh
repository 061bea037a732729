#!/usr/bin/env bash
# Checks that the C++ sources follow .clang-format (LLVM style), with the
# clang-format of LLVM 22 so that every machine formats alike. Checks every
# tracked file under lib/ include/ tools/ runtime/ test/lib/ rather than a diff
# against a merge-base: a fresh clone or a shallow CI checkout has no base to
# diff against, and a whole-tree check cannot miss a file.
#   scripts/check-format.sh         report unformatted files, exit 1 if any
#   scripts/check-format.sh --fix   reformat them in place
set -euo pipefail
ATTN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLANG_FORMAT="${CLANG_FORMAT:-/usr/lib/llvm-22/bin/clang-format}"
if [ ! -x "$CLANG_FORMAT" ]; then
  echo "check-format: $CLANG_FORMAT not found (apt-get install clang-format-22)"
  exit 1
fi
cd "$ATTN_ROOT"
dirs=(lib include tools runtime test/lib)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list() { git ls-files -- "${dirs[@]}"; }
else # an unpacked source archive
  list() { find "${dirs[@]}" -type f; }
fi
mapfile -t files < <(list | grep -E '\.(cpp|h|c|inc)$' | sort)
if [ "${1:-}" = --fix ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1; then
    bad+=("$f")
  fi
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "check-format: ${#bad[@]} file(s) not clang-formatted:"
  printf '  %s\n' "${bad[@]}"
  echo "run scripts/check-format.sh --fix"
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
