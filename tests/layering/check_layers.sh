#!/usr/bin/env bash
# The layering rule of docs/style.md, checked by the compiler (see CMakeLists.txt here):
#   check_layers.sh BUILD_DIR TARGET=MISSING_HEADER...
# builds each probe target and expects it to fail because MISSING_HEADER is out of its reach
# (an empty MISSING_HEADER: expects it to compile). Also: src/ headers never mention CLI11.
set -uo pipefail
build=$1; shift
source_root=$(cd "$(dirname "$0")/../.." && pwd)
bad=0
for expectation in "$@"; do
  target=${expectation%%=*} missing=${expectation#*=}
  out=$(cmake --build "$build" --target "$target" 2>&1); rc=$?
  if [[ -z $missing ]]; then
    ((rc == 0)) || { echo "layering: $target should compile:"; echo "$out" | tail -20; bad=1; }
  elif ((rc == 0)); then
    echo "layering: $target compiled, but $missing should be out of its reach"; bad=1
  elif ! grep -q "$missing: No such file" <<<"$out"; then
    echo "layering: $target failed, but not for want of $missing:"; echo "$out" | tail -20; bad=1
  fi
done
if grep -nE '#include <CLI/' "$source_root"/src/*.h "$source_root"/src/*/*.h 2>/dev/null; then
  echo "layering: src/ headers must not use CLI11"; bad=1
fi
((bad)) && exit 1
echo "layering ok: $# probes"
