#!/usr/bin/env bash
# kernel.boot: a reboot with Docker's data kept across it. A container started with
# --restart=always on a bind mount of `dvol path` is restarted by Docker at boot:
#   - with the boot unit's command (dvol-activate.service: `dvol activate`, ordered before
#     Docker) run before dockerd starts, it sees its data;
#   - without it (the second reboot, the control), it starts on the empty directory underneath,
#     which is what the unit is for.
#   tests/docker/boot_test.sh DVOL_BINARY        (from ctest: three boots of the test kernel)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  state=$(mktemp -d "${TMPDIR:-/tmp}/dvol-boot.XXXXXX")
  trap 'rm -rf "$state"' EXIT
  boot() { "$here/../../scripts/uml-run" --docker --docker-data "$state/docker" --state "$state" --mem 2G --timeout 600 "$@"; }
  # The unit's own command line, with this build's binary and the test's state root.
  unit=$here/../../plugin/systemd/dvol-activate.service.in
  args=$(sed -n 's|^ExecStart=@CMAKE_INSTALL_FULL_BINDIR@/dvol ||p' "$unit")
  [[ -n $args ]] || { echo "no ExecStart in $unit"; exit 1; }
  echo "== first boot: a container with --restart=always on a bind mount of dvol path"
  boot -- "$0" "$dvol_bin" first || exit 1
  echo "== reboot, with the boot unit's command (dvol $args) before Docker"
  boot --boot "DVOL_ROOT=\$DVOL_TEST_STATE/root $(printf %q "$dvol_bin") $args" -- "$0" "$dvol_bin" with-unit || exit 1
  echo "== reboot without it (the control)"
  boot -- "$0" "$dvol_bin" without-unit || exit 1
  exit 0
fi

. "$here/common.sh"
phase=$2
mnt=$DVOL_ROOT/volumes/boot+db/mnt  # dvol path of boot/db, without asking dvol (which would mount it)
seen=$mnt/seen
wait_for_seen() {  # the container writes what it saw at its start into $seen
  for _ in $(seq 600); do [[ -s $seen ]] && return 0; sleep 0.1; done
  echo "  the container wrote nothing into $seen"; "$docker" ps -a; return 1
}

case $phase in
  first)
    img=$DVOL_TEST_STATE/img-busybox
    mkdir -p "$img"/{bin,etc,proc,sys,dev,tmp,data}
    cp /bin/busybox "$img/bin/busybox"
    for applet in sh cat sleep; do ln -s busybox "$img/bin/$applet"; done
    tar -C "$img" -c . | "$docker" import - dvol-test/busybox >/dev/null
    dvol init boot/db --size 128M >/dev/null
    check "dvol path is the mount point" equals "$(dvol path boot/db)" "$mnt"
    echo "written before the reboot" >"$mnt/file"
    sync
    "$docker" run -d --restart=always --name db --network host -v "$mnt:/data" dvol-test/busybox \
      sh -c 'cat /data/file > /data/seen 2>&1; sleep 1000000' >/dev/null
    check "the container sees the volume" wait_for_seen
    check "and its data" equals "$(cat "$seen")" "written before the reboot"
    rm -f "$seen"
    sync
    ;;
  with-unit)
    check "the boot command mounted the volume before Docker" mountpoint -q "$mnt"
    check "Docker restarted the container" wait_for_seen
    check "which sees its data" equals "$(cat "$seen")" "written before the reboot"
    rm -f "$seen"
    sync
    ;;
  without-unit)
    check "nothing mounted the volume" bash -c "! mountpoint -q '$mnt'"
    check "Docker restarted the container" wait_for_seen
    check "on the empty directory underneath" contains "$(cat "$seen")" "can't open"
    rm -f "$seen"
    check "dvol path mounts the volume" equals "$(dvol path boot/db)" "$mnt"
    check "whose data is intact" equals "$(cat "$mnt/file")" "written before the reboot"
    ;;
esac
echo "$passed passed, $failures failed"
((failures == 0))
