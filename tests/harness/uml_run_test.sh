#!/usr/bin/env bash
# Tests of the test harness itself (scripts/uml-run): the inner command's output and exit
# status reach the caller, a second boot on the same state sees the first one's files, a
# timeout is a power cut, and killing the harness in any way leaves no kernel process behind.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
uml_run=$here/../../scripts/uml-run
failures=0 passed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failures=$((failures + 1)); echo "FAIL $name"; fi
}
# Kernel processes that still run (a zombie is dead: its new parent only has not reaped it yet).
kernels() { pgrep -x linux.uml -r R,S,D,T,t,I | sort; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
before=$(kernels)

out=$("$uml_run" -- sh -c 'echo "inside $(uname -r)"; test -e /dev/mapper/control; echo "dm $?"; exit 7')
rc=$?
check "exit status crosses the boundary" test "$rc" -eq 7
check "output crosses the boundary" grep -q '^inside 6\.' <<<"$out"
check "device-mapper is available inside" grep -q '^dm 0' <<<"$out"

"$uml_run" --state "$scratch/state" -- sh -c 'echo first > "$DVOL_TEST_STATE/boot1"'
"$uml_run" --state "$scratch/state" -- sh -c 'cat "$DVOL_TEST_STATE/boot1" > "$DVOL_TEST_STATE/boot2"'
check "a second boot on the same state sees the first one's files" grep -qx first "$scratch/state/boot2"

start=$SECONDS
"$uml_run" --timeout 8 -- sleep 600 >/dev/null 2>&1
rc=$?
check "a timeout kills the kernel (status 124)" test "$rc" -eq 124
check "a timeout does not wait for the command" test $((SECONDS - start)) -lt 30
check "no kernel survives a timeout" test "$(kernels)" = "$before"

# start_kernel SECONDS: a harness in the background ($pid) whose kernel sleeps SECONDS; returns
# once the kernel has booted (or after 30 s). The caller's environment reaches uml-run.
start_kernel() {
  rm -f "$scratch/booted"
  "$uml_run" -- sh -c "touch $scratch/booted; sleep $1" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 300); do [[ -e $scratch/booted ]] && break; sleep 0.1; done
}
# wait_kernel_gone: until the kernel processes are those from before the tests (10 s at most).
wait_kernel_gone() { for _ in $(seq 50); do [[ "$(kernels)" == "$before" ]] && break; sleep 0.2; done; }

for sig in TERM KILL; do
  start_kernel 600
  check "the kernel booted before SIG$sig" test -e "$scratch/booted"
  kill -"$sig" "$pid"
  wait "$pid" 2>/dev/null
  wait_kernel_gone
  check "no kernel survives SIG$sig to the harness" test "$(kernels)" = "$before"
done

# While a test kernel runs, the host's CPUs are asked to wake without delay (CPU latency QoS,
# see uml-run); the request ends with the kernel, whichever way it ends.
latency() { od -An -t d4 -N4 /dev/cpu_dma_latency | tr -d ' '; }
if [[ -r /dev/cpu_dma_latency ]]; then
  latency_before=$(latency)
  for ending in exit KILL; do
    start_kernel 4
    check "the CPUs are asked to wake at once while the kernel runs ($ending)" test "$(latency)" = 0
    [[ $ending == KILL ]] && kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    wait_kernel_gone
    check "the request ends with the kernel ($ending: $(latency), was $latency_before)" test "$(latency)" = "$latency_before"
  done
  DVOL_UML_LOW_LATENCY=0 start_kernel 4
  check "DVOL_UML_LOW_LATENCY=0 makes no request" test "$(latency)" = "$latency_before"
  wait "$pid" 2>/dev/null
fi

echo "$passed passed, $failures failed"
((failures == 0))
