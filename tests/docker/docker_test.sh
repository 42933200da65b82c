#!/usr/bin/env bash
# dvol against a real Docker engine, end to end, inside the test kernel (one boot):
#   tests/docker/docker_test.sh DVOL_BINARY   (from ctest: boots the kernel with --docker --udev)
# The plugin serves dockerd; containers write to dvol volumes; the CLI sees, refuses for, stops
# and restarts those containers. Images are built offline from the host's busybox. The seed's
# walkthrough with real databases is walkthrough_test.sh.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  # With systemd-udevd, as on the hosts Docker users run.
  exec "$here/../../scripts/uml-run" --docker --udev --mem 2G --timeout 1500 -- "$0" "$dvol_bin"
fi

. "$here/common.sh"
# Never pull; host network is fast here. Containers get uml-run's GLIBC_TUNABLES too: on hosts
# whose AVX-512 registers the test kernel cannot keep, programs in them must stay off AVX-512.
run() { "$docker" run --network host --pull never ${GLIBC_TUNABLES:+-e "GLIBC_TUNABLES=$GLIBC_TUNABLES"} "$@"; }
plugin_call() { curl -s --unix-socket "$socket" -X POST "http://plugin/$1" --data-binary "${2:-}"; }
engine_get() { curl -s --unix-socket /run/docker.sock "http://engine$1"; }

# ---- images, built offline ----
section images
img=$DVOL_TEST_STATE/img-busybox
mkdir -p "$img"/{bin,etc,proc,sys,dev,tmp,data}
cp /bin/busybox "$img/bin/busybox"
for applet in sh ls cat echo sleep mkdir rm touch sync test; do ln -s busybox "$img/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$img/etc/passwd"
printf 'root:x:0:\n' >"$img/etc/group"
tar -C "$img" -c . | "$docker" import - dvol-test/busybox >/dev/null
start_plugin

# ---- the plugin's socket and protocol ----
section plugin
check "the socket is root's alone (0600)" equals "$(stat -c %a "$socket")" 600
check "Activate" contains "$(plugin_call Plugin.Activate)" '"Implements":["VolumeDriver"]'
reply=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$socket" -X POST http://plugin/VolumeDriver.Create --data-binary '{"Name":')
check "a malformed body gets an error reply" equals "$reply" 400
head -c $((2 << 20)) /dev/zero | tr '\0' ' ' >"$DVOL_TEST_STATE/big"
reply=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$socket" -X POST http://plugin/VolumeDriver.Create --data-binary @"$DVOL_TEST_STATE/big")
check "an oversized request gets an error reply" equals "$reply" 413
check "unknown options are refused with the reason" contains \
  "$(plugin_call VolumeDriver.Create '{"Name":"x","Opts":{"colour":"red"}}')" "unknown option 'colour'"
check "invalid names are refused" contains "$(plugin_call VolumeDriver.Create '{"Name":"-x","Opts":null}')" "not a valid volume name"
check "the plugin survived all that" kill -0 "$plugin_pid"
check "nothing was created by refused requests" equals "$(dvol --no-docker list | tail -n +2)" ""

# ---- docker run creates the volume, writes land on the checked-out branch ----
section "docker run"
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox sh -c 'echo hello > /data/greeting; echo written')
check "docker run --volume-driver dvol -v web:/data works" equals "$out" written
check "the container's write is on the checked-out branch (dvol path)" equals "$(cat "$(dvol path web)/greeting")" hello
check "docker volume ls shows the dvol volume" matches "$("$docker" volume ls)" '^dvol +web$'
inspect=$("$docker" volume inspect web)
check "docker volume inspect shows the branch" contains "$inspect" '"Branch": "master"'
check "docker volume inspect shows the mountpoint" contains "$inspect" "\"Mountpoint\": \"$(dvol path web)\""
dvol init --size 1G made-by-cli >/dev/null
check "a volume made with dvol init is visible to Docker (Get)" contains "$(engine_get /volumes/made-by-cli)" '"Driver":"dvol"'
out=$(run --rm --volume-driver dvol -v team/db:/data dvol-test/busybox sh -c 'echo two > /data/segments; cat /data/segments')
check "a two-segment name works" equals "$out" two
check "it is the dvol volume team/db" equals "$(cat "$(dvol path team/db)/segments")" two
check "docker's Create via -o: size and fs honoured" \
  "$docker" volume create --driver dvol -o size=512M -o fs=xfs sized >/dev/null
check "  ...the volume is xfs of 512M" contains "$(dvol status sized)" "(xfs, 512.00M)"
check "  ...and its directory is empty" equals "$(ls -A "$(dvol path sized)")" ""
check "a volume made by docker run starts empty" equals "$(ls -A "$(dvol path team/db)")" "segments"
check "a volume made by dvol init is empty" equals "$(ls -A "$(dvol path made-by-cli)")" ""
out=$("$docker" volume create --driver dvol -o nope=1 bad 2>&1); rc=$?
check "docker volume create refuses unknown options" test "$rc" -ne 0
check "  ...with dvol's reason" contains "$out" "unknown option 'nope'"

# ---- several containers on one volume; the CLI sees them ----
section containers
run -d --name c1 --volume-driver dvol -v web:/data dvol-test/busybox sleep 100000 >/dev/null
run -d --name c2 --volume-driver dvol -v web:/data dvol-test/busybox sleep 100000 >/dev/null
check "list shows the running containers of each volume" matches "$(dvol list)" '^[* ] +web .* c1,c2$'
check "list --no-docker shows none" matches "$(dvol --no-docker list)" '^[* ] +web .* master$'
check "status shows them" contains "$(dvol status web)" "Containers:  c1, c2"
check "Get counts the two mounts" contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Mounts":2'
dvol commit -m "greeting" web >/dev/null
err=$(dvol checkout -b feature web 2>&1 >/dev/null); rc=$?
check "checkout refuses while containers run" equals "$rc" 1
check "  ...naming the container" contains "$err" "dvol: container c1 is using web, please stop it before switching branches."
err=$(dvol reset --hard HEAD web 2>&1 >/dev/null)
check "reset refuses while containers run" contains "$err" "dvol: container c1 is using web, please stop it before resetting."
err=$(dvol rm -f web 2>&1 >/dev/null)
check "rm refuses while containers run" contains "$err" "container c1 is using web"
check "  ...and the volume is still there" test -f "$(dvol path web)/greeting"
out=$(dvol checkout -b feature --restart-containers web)
check "checkout --restart-containers switches" contains "$out" "Switched to branch feature based from web master@HEAD."
check "  ...and restarts both" contains "$out" $'Restarted container c1.\nRestarted container c2.'
echo feature-only >"$(dvol path web)/branch-marker"
check "  ...the restarted container writes to the new branch" equals "$("$docker" exec c1 cat /data/branch-marker)" feature-only
dvol commit -m marker web >/dev/null
out=$(dvol checkout master --restart-containers web)
check "checkout master --restart-containers" contains "$out" "Restarted container c2."
check "  ...the container is back on master" bash -c "! $docker exec c2 test -e /data/branch-marker"
check "  ...both are running" equals "$(engine_get '/containers/json' | grep -o '"Names":\["/c[12]"\]' | sort | tr -d '\n')" \
  '"Names":["/c1"]"Names":["/c2"]'

# ---- the plugin restarts while containers hold the volume: counts rebuilt ----
section "plugin restart"
kill -TERM "$plugin_pid"; wait "$plugin_pid"; rc=$?
check "SIGTERM stops the plugin cleanly" equals "$rc" 0
check "  ...and removes its socket" test ! -e "$socket"
start_plugin
check "mount counts are rebuilt from what containers really hold" \
  contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Mounts":2'
dvol plugin >/dev/null 2>"$DVOL_TEST_STATE/second.err"; rc=$?
check "a second plugin on the same socket is refused" contains "$(cat "$DVOL_TEST_STATE/second.err")" "already serving"
"$docker" rm -f c1 c2 >/dev/null

# ---- Mount brings the branch back when it is not mounted (as after a reboot) ----
section "mount after unmount"
umount "$(dvol path web)"
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox cat /data/greeting)
check "Mount mounts the checked-out branch first when it is not mounted" equals "$out" hello

# ---- systemd socket activation: the plugin serves the socket it is given ----
section "socket activation"
kill -TERM "$plugin_pid"; wait "$plugin_pid"
# systemd-socket-activate passes no environment: the root goes as an option.
systemd-socket-activate -l "$socket" "$dvol_bin" --root "$DVOL_ROOT" plugin >>"$plugin_log" 2>&1 &
plugin_pid=$!
for _ in $(seq 50); do [[ -S $socket ]] && break; sleep 0.1; done
check "a socket-activated plugin answers" contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Branch":"master"'
kill -TERM "$plugin_pid"; wait "$plugin_pid"
start_plugin

# ---- dvol rm, then docker run recreates the volume ----
section "rm and recreate"
dvol rm -f web >/dev/null
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox sh -c 'ls /data')
check "docker run after dvol rm recreates an empty volume" equals "$out" ""
"$docker" volume rm web >/dev/null
check "docker volume rm leaves dvol's data (volumes outlive Docker's references)" contains "$(dvol list)" " web "

section done
kill -TERM "$plugin_pid" 2>/dev/null; wait "$plugin_pid" 2>/dev/null
echo "$passed passed, $failures failed ($SECONDS s)"
if ((failures)); then echo "--- plugin log"; tail -n 60 "$plugin_log"; exit 1; fi
