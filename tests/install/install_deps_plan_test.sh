#!/usr/bin/env bash
# scripts/install-deps on this host, in its planning mode (apt-get -s): every package list
# (--demo, --test, --bench) resolves without removing anything, and planning touches no service (fake
# systemctl, service, invoke-rc.d and deb-systemd-invoke record any call).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
for tool in systemctl service invoke-rc.d deb-systemd-invoke; do
  printf '#!/bin/sh\necho "%s $*" >> %s/calls\n' "$tool" "$fake" > "$fake/$tool"
  chmod +x "$fake/$tool"
done
bad=0
for mode in "" --demo --test --bench; do
  out=$(PATH=$fake:$PATH "$top/scripts/install-deps" $mode --plan 2>&1); rc=$?
  if ((rc != 0)); then echo "install-deps $mode --plan failed ($rc):"; echo "$out" | tail -20; bad=1; continue; fi
  if grep -E '^Remv |REMOVED' <<<"$out"; then echo "install-deps $mode would remove the above"; bad=1; fi
  grep -q '^install-deps: would install: ' <<<"$out" || { echo "install-deps $mode does not say what it installs"; bad=1; }
done
if [[ -s $fake/calls ]]; then echo "install-deps touched services:"; cat "$fake/calls"; bad=1; fi
((bad)) && exit 1
echo "install-deps plans: nothing removed, no service touched"
