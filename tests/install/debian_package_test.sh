#!/usr/bin/env bash
# unit.debian_package: `cpack -G DEB` in the build directory makes a package that lintian
# finds no error in, with what a host needs: the binary, the systemd units naming it under
# /usr (and under another prefix when installed there), the udev rule, the man page, bash completion, and Depends on the runtime libraries.
#   tests/install/debian_package_test.sh BUILD_DIR
set -uo pipefail
build=$(realpath "$1")
out=$(mktemp -d "${TMPDIR:-/tmp}/dvol-deb.XXXXXX")
trap 'rm -rf "$out"' EXIT
failures=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; else failures=$((failures + 1)); echo "FAIL $name"; fi; }
has() { grep -qxF -- "$2" <<<"$1" || { echo "  missing: $2"; return 1; }; }
contains() { [[ $1 == *"$2"* ]] || { echo "  expected to find: $2"; echo "  in: $1"; return 1; }; }

(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/dvol_*.deb)
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/bin/dvol /usr/lib/systemd/system/dvol-plugin.service /usr/lib/systemd/system/dvol-plugin.socket \
         /usr/lib/systemd/system/dvol-activate.service /usr/lib/udev/rules.d/56-dvol.rules \
         /usr/share/man/man1/dvol.1.gz /usr/share/bash-completion/completions/dvol \
         /usr/share/doc/dvol/copyright /usr/share/doc/dvol/changelog.gz; do
  check "ships $f" has "$files" "$f"
done
depends=$(dpkg-deb -f "$deb" Depends)
# The package of every shared library the packaged binary needs (which ones depends on the
# build: the kernel tests' build links some in, see DVOL_STATIC_LIBRARIES), then what dvol opens
# when first used and the programs it runs.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/dvol >"$out/dvol"
package_of() {  # package_of SONAME
  local path
  path=$(ldconfig -p | awk -v so="$1" '$1 == so && /x86-64/ {print $NF; exit}')
  { dpkg -S "$path" 2>/dev/null || dpkg -S "/usr$path" 2>/dev/null; } | head -n1 | cut -d: -f1
}
needed=$(objdump -p "$out/dvol" | awk '$1 == "NEEDED" {print $2}')
check "the binary needs libdevmapper (as every build links it)" grep -qx 'libdevmapper.so.1.02.1' <<<"$needed"
for so in $needed; do
  lib=$(package_of "$so")
  check "depends on $lib (for $so)" contains "$depends" "${lib:-the package of $so}"
done
for lib in libcurl4 libssl3 e2fsprogs thin-provisioning-tools; do
  check "depends on $lib" contains "$depends" "$lib"
done
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/lib/systemd/system/dvol-plugin.service)
check "the plugin's unit runs the packaged binary" contains "$unit" "ExecStart=/usr/bin/dvol plugin"
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/lib/systemd/system/dvol-activate.service)
check "the boot unit runs the packaged binary" contains "$unit" "ExecStart=/usr/bin/dvol activate"
# Another prefix, another ExecStart: the units follow the prefix installed to.
cmake --install "$build" --prefix "$out/opt" >/dev/null
check "installed elsewhere, the units name the binary there" \
  contains "$(cat "$out/opt/lib/systemd/system/dvol-plugin.service")" "ExecStart=$out/opt/bin/dvol plugin"
report=$(lintian --fail-on error "$deb" 2>&1)
check "lintian finds no error" test $? -eq 0
[[ -z $report ]] || echo "$report" | grep -v 'running with root privileges' | sed 's/^/  lintian: /'
((failures == 0))
