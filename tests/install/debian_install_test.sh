#!/usr/bin/env bash
# kernel.debian_package: the Debian package installed and used on a host. Inside the test
# kernel the host's root is writable through hostfs, so the package goes into a throwaway root:
# an overlay of the host's root with an upper layer in memory, entered with chroot. There,
# dpkg installs it (its dependencies are the host's packages), and `dvol` runs from PATH and
# makes a volume, `man dvol` shows the page, bash completes its commands, systemd has the
# units (enabled, naming /usr/bin/dvol), udev the rule; dpkg then removes it and keeps data.
#   tests/install/debian_install_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  build=$(realpath "$1")
  out=$(mktemp -d "${TMPDIR:-/tmp}/dvol-deb.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  (cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; exit 1; }
  "$here/../../scripts/uml-run" --timeout 600 -- "$0" "$(ls "$out"/dvol_*.deb)"
  exit
fi

deb=$1
. "$here/../docker/common.sh"
root=/run/pkgroot
mkdir -p "$root"/{upper,work,merged}
mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/merged" || exit 1
for d in proc sys dev; do mount --rbind "/$d" "$root/merged/$d"; done
mkdir -p "$root/merged/tmp/deb" && cp "$deb" "$root/merged/tmp/deb/"
in_root() { chroot "$root/merged" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb "$@"; }

section "install"
check "the host has no dvol of its own here" test ! -e "$root/merged/usr/bin/dvol"
out=$(in_root dpkg -i "/tmp/deb/$(basename "$deb")" 2>&1)
check "dpkg installs the package" test $? -eq 0 || echo "$out"
check "dvol runs from PATH" matches "$(in_root dvol --version 2>&1)" '^dvol [0-9]'
check "and makes a volume" contains "$(in_root dvol init pkg --size 128M 2>&1)" "Created"
check "whose data is at dvol path" equals "$(in_root dvol path pkg 2>&1)" /var/lib/dvol/volumes/pkg/mnt
check "man dvol shows the page" contains "$(in_root env MANPAGER=cat man dvol 2>&1)" "dvol checkout"
# As bash-completion loads it on the first <TAB> after `dvol`: from its completions directory.
completions=$(in_root bash -c '. /usr/share/bash-completion/completions/dvol && complete -p dvol &&
  COMP_WORDS=(dvol che) COMP_CWORD=1 && _dvol && printf "%s\n" "${COMPREPLY[@]}"' 2>&1)
check "bash completes dvol's commands" contains "$completions" checkout
# No systemd runs here (`systemctl cat` asks the running one): systemctl reads the unit files
# offline (--root), and systemd-analyze loads them as systemd would and checks them.
units=$(in_root systemctl --root=/ list-unit-files 'dvol*' 2>&1)
for unit in dvol-plugin.service dvol-plugin.socket dvol-activate.service; do
  check "systemd finds $unit" matches "$units" "^$unit "
  out=$(in_root systemd-analyze verify "/usr/lib/systemd/system/$unit" 2>&1)
  check "systemd-analyze verify $unit" test $? -eq 0 || echo "$out"
done
check "the plugin's unit runs the packaged binary" contains "$(cat "$root/merged/usr/lib/systemd/system/dvol-plugin.service")" "ExecStart=/usr/bin/dvol plugin"
check "the boot unit is enabled" equals "$(in_root systemctl --root=/ is-enabled dvol-activate.service 2>&1)" enabled
check "the plugin's socket is enabled" equals "$(in_root systemctl --root=/ is-enabled dvol-plugin.socket 2>&1)" enabled
check "udev has the rule" test -f "$root/merged/usr/lib/udev/rules.d/56-dvol.rules"

section "remove"
in_root dvol rm -f pkg >/dev/null 2>&1 || true
in_root dvol init kept --size 128M >/dev/null 2>&1
echo data >"$root/merged/var/lib/dvol/volumes/kept/mnt/file"
out=$(in_root dpkg --purge dvol 2>&1)
check "dpkg purges the package" test $? -eq 0 || echo "$out"
check "its files are gone" test ! -e "$root/merged/usr/bin/dvol" -a ! -e "$root/merged/usr/lib/systemd/system/dvol-plugin.service"
check "and the volumes' data stays" equals "$(cat "$root/merged/var/lib/dvol/volumes/kept/mnt/file" 2>&1)" data

umount "$root/merged/var/lib/dvol/volumes/kept/mnt" 2>/dev/null
echo "$passed passed, $failures failed ($SECONDS s)"
((failures == 0))
