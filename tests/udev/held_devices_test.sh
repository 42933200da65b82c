#!/usr/bin/env bash
# kernel.udev: dvol on a host whose udev holds its devices open (one boot of the test kernel
# with systemd-udevd, Debian's rules, dvol's rule, and hold_open.rules, which holds every
# device-mapper device open for 3 s after each change event):
#   - commit then checkout -b, diff, checkout, reset: each waits out the holds and works;
#   - a device held open for longer than dvol waits: the checkout is refused with a message
#     naming the process that holds it, and changes nothing;
#   - holds that follow each other, 3 s each, for longer than dvol waits for any one holder (as
#     a rule's holds queue up behind several change events): the checkout waits them out.
#   tests/udev/held_devices_test.sh DVOL_BINARY
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  exec "$here/../../scripts/uml-run" --udev-rule "$here/hold_open.rules" --timeout 600 -- "$0" "$dvol_bin"
fi

. "$here/../docker/common.sh"
holds() { ls /run/dvol-test-holds 2>/dev/null | wc -l; }
healthy() {  # fsck: the volume is ok and nothing needed repair
  local out; out=$(dvol fsck v 2>&1)
  matches "$out" '^v: ok ' && [[ $out != *repaired* ]]
}

section "commit, then checkout -b while udev holds the devices"
dvol init v --size 256M >/dev/null
mnt=$(dvol path v)
echo one >"$mnt/file"
check "commit" matches "$(dvol commit -m one v 2>&1)" '^[0-9a-f]{40}$'
check "checkout -b right after it" equals "$(dvol checkout -b side v 2>&1)" "Switched to branch side based from v master@HEAD."
echo two >"$mnt/file"
check "commit on the new branch" matches "$(dvol commit -m two v 2>&1)" '^[0-9a-f]{40}$'
check "diff against the first commit" contains "$(dvol diff -v HEAD^ v 2>&1)" "file"
check "checkout master" equals "$(dvol checkout master v 2>&1)" "Switched to branch master."
check "master has its data" equals "$(cat "$mnt/file")" one
echo changed >"$mnt/file"
check "reset --hard" contains "$(dvol reset --hard HEAD v 2>&1)" "done"
check "the reset data" equals "$(cat "$mnt/file")" one
check "udev held devices open meanwhile" test "$(holds)" -gt 3
check "fsck finds nothing to repair" healthy

section "a device held open for longer than dvol waits"
udevadm settle --timeout=60  # the holds of the section above are over
dev=$(mountpoint -d "$mnt")
node=/dev/$(basename "$(readlink -f "/sys/dev/block/$dev")")  # /dev/dm-N, the kernel's own node
sleep 60 <"$node" &
holder=$!
start=$SECONDS
out=$(dvol checkout side v 2>&1)
rc=$?
kill "$holder"; wait "$holder" 2>/dev/null
check "checkout is refused" test "$rc" -ne 0
check "after waiting a bounded time" test $((SECONDS - start)) -lt 30
echo "  dvol said: $out"
check "naming the process that holds the device" contains "$out" "open by sleep (pid $holder)"
check "still on master" equals "$(dvol branch v 2>&1)" $'* master\n  side'
check "serving its data" equals "$(cat "$mnt/file")" one
check "then checkout works" equals "$(dvol checkout side v 2>&1)" "Switched to branch side."
check "fsck finds nothing to repair" healthy

section "holds that follow each other for longer than dvol waits for one"
udevadm settle --timeout=60
dev=$(mountpoint -d "$mnt")
node=/dev/$(basename "$(readlink -f "/sys/dev/block/$dev")")
(for _ in 1 2 3 4 5; do sleep 3 <"$node"; done) &  # a new process every 3 s, 15 s in all
holders=$!
sleep 1
out=$(dvol checkout master v 2>&1)
kill "$holders" 2>/dev/null; wait "$holders" 2>/dev/null
check "checkout waits them out" equals "$out" "Switched to branch master."
check "master has its data" equals "$(cat "$mnt/file")" one
check "fsck finds nothing to repair" healthy

echo "$passed passed, $failures failed ($SECONDS s)"
((failures == 0))
