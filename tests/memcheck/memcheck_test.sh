#!/usr/bin/env bash
# Every kind of dvol command, end to end inside the test kernel (one boot), each run under
# Valgrind's memcheck: invalid reads and writes, uses of uninitialised memory and definite
# leaks fail the test, on the code paths that only the real kernel reaches (device-mapper,
# loop devices, mounts, io_uring, the plugin's server). AddressSanitizer cannot run in this
# kernel (its shadow memory does not fit UML 6.1's 512 GiB address space), so memcheck stands
# in for it here; the host unit tests and fuzzers run under ASan.
#   tests/memcheck/memcheck_test.sh DVOL_BINARY
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  exec "$here/../../scripts/uml-run" --timeout 1500 -- "$0" "$dvol_bin"
fi

export DVOL_ROOT=$DVOL_TEST_STATE/root
# Valgrind reads all of a binary's debug information each time it starts it: ~100 MB for a
# RelWithDebInfo dvol, most of every run's time in this kernel. It checks a copy without it;
# the symbol table stays, so a report still names the functions (run the build's own binary
# under valgrind for line numbers).
objcopy --strip-debug "$dvol_bin" "$DVOL_TEST_STATE/dvol" || exit 1
dvol_bin=$DVOL_TEST_STATE/dvol
failures=0 passed=0
log=$DVOL_TEST_STATE/memcheck.log
# Exit status 99 means memcheck found something; its report is in the log. No --track-origins:
# a use of uninitialised memory is reported without it; it only adds where the value came
# from, and slows every run (add it to diagnose a report).
memcheck=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
          --show-leak-kinds=definite --log-file="$log.%p")
dvol() { "${memcheck[@]}" "$dvol_bin" --no-docker "$@"; }
check() {  # check COMMAND...: passes when dvol exits 0 (or as expected) with a clean memcheck
  local want=0
  if [[ $1 == --status ]]; then want=$2; shift 2; fi
  dvol "$@" >"$DVOL_TEST_STATE/out" 2>&1
  local rc=$?
  if ((rc == want)); then
    passed=$((passed + 1)); echo "ok   dvol $*"
  else
    failures=$((failures + 1)); echo "FAIL dvol $* (exit $rc, wanted $want)"
    cat "$DVOL_TEST_STATE/out"; cat "$log".* 2>/dev/null
  fi
  rm -f "$log".*
}
write() { head -c "$2" /dev/urandom >"$(dvol_path)/$1" && sync; }
dvol_path() { "$dvol_bin" --no-docker path v; }

check init v --size 256M
write a.bin 1048576
check commit -m one v
check log v
check checkout -b side v
write b.bin 65536
check diff -v v
check commit -m two v
check diff -v HEAD^ HEAD v
check --json diff HEAD^ v
check checkout master v
check status v
check --json list
check branch v
check reset --hard HEAD v
check --status 1 checkout nowhere v
check commit -d HEAD v
check branch -d side v
check fsck
check init x --fs xfs --size 512M
"$dvol_bin" --no-docker path x >/dev/null && head -c 65536 /dev/urandom >"$("$dvol_bin" --no-docker path x)/c" && sync
check commit -m xfs x
check diff -v x
check diff --full-compare x

# Remotes, on a directory: push, clone, push again, pull, verify (an s3:// remote differs only
# below the object store, whose client the host's unit tests run under ASan against Ceph RGW).
hub=$DVOL_TEST_STATE/hub
mkdir -p "$hub"
write c.bin 65536
check commit -m three v
check remote add origin "file://$hub" v
check push v
check clone "file://$hub" w
write d.bin 65536
check commit -m four v
check push v
check pull w
check remote verify v
check rm -f w

# The plugin: a long-lived server, so leaks and errors show at its clean exit on SIGTERM.
socket=$DVOL_TEST_STATE/plugin.sock
"${memcheck[@]}" "$dvol_bin" plugin --socket "$socket" >"$DVOL_TEST_STATE/plugin.out" 2>&1 &
plugin=$!
for _ in $(seq 300); do [[ -S $socket ]] && break; sleep 0.1; done
call() { curl -s --unix-socket "$socket" -X POST "http://plugin/VolumeDriver.$1" --data-binary "$2"; }
replies=$(call Create '{"Name":"p","Opts":{"size":"128M"}}'; call Get '{"Name":"p"}'; call List '{}'
          call Mount '{"Name":"p","ID":"m1"}'; call Path '{"Name":"p"}'; call Unmount '{"Name":"p","ID":"m1"}'
          call Create '{"Name":"../bad"}'; call Remove '{"Name":"p"}')
kill -TERM "$plugin"
wait "$plugin"
rc=$?
if ((rc == 0)) && [[ $replies == *'"Mountpoint"'* ]]; then
  passed=$((passed + 1)); echo "ok   dvol plugin (Create, Get, List, Mount, Path, Unmount, a bad name, Remove)"
else
  failures=$((failures + 1)); echo "FAIL dvol plugin (exit $rc)"; echo "$replies"; cat "$DVOL_TEST_STATE/plugin.out" "$log".* 2>/dev/null
fi
rm -f "$log".*

check rm -f x
check rm -f p
check rm -f v
echo "memcheck: $passed passed, $failures failed"
((failures == 0))
