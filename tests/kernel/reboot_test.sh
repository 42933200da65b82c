#!/usr/bin/env bash
# kernel.reboot: boots the test kernel twice on one kept state directory. The first boot runs
# Reboot.Before* (builds a volume with history and branches, records what a user sees); the
# second boot is a reboot, with nothing of dvol active, and runs Reboot.After* (every command
# must bring back what it needs; the recorded bytes must be intact).
#
#   tests/kernel/reboot_test.sh UML_RUN TEST_BINARY
set -euo pipefail
uml_run=$1 binary=$2
state=$(mktemp -d "${TMPDIR:-/tmp}/dvol-reboot.XXXXXX")
trap 'rm -rf "$state"' EXIT

echo "== first boot: Reboot.Before"
DVOL_REBOOT_PHASE=before "$uml_run" --state "$state" --timeout 300 -- \
  "$binary" --gtest_filter='Reboot.Before*' --gtest_color=no
echo "== second boot (a reboot): Reboot.After"
DVOL_REBOOT_PHASE=after "$uml_run" --state "$state" --timeout 300 -- \
  "$binary" --gtest_filter='Reboot.After*' --gtest_color=no
