#!/usr/bin/env bash
# no_power_cuts.sh RELEASE_OBJECT TEST_OBJECT: the release object has none of the power cuts'
# variables; the test object has them all.
set -u
release=$(strings -a "$1") test=$(strings -a "$2")
bad=0
for word in DVOL_CRASH_AT DVOL_CRASH_DELAY_US DVOL_CRASH_TRACE DVOL_IN_TEST_KERNEL; do
  if grep -q "$word" <<<"$release"; then echo "release build contains $word"; bad=1; fi
  if ! grep -q "$word" <<<"$test"; then echo "test build lacks $word: the check cannot see it"; bad=1; fi
done
((bad)) && exit 1
echo "release build: no power cuts"
