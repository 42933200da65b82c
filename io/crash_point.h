#pragma once
// Test-only power cuts (the power-cut driver, tests/powercut). Every step of an operation that
// changes durable state (a dm ioctl, an SQLite commit, a mount, a loop attach, mkfs) first
// calls crash_point(). Inside the test kernel (DVOL_IN_TEST_KERNEL=1), with
//
//   DVOL_CRASH_AT=N          the N-th crash point of this process powers the kernel off
//                            without syncing anything: a power cut;
//   DVOL_CRASH_DELAY_US=D    ...D microseconds after that point, while the step runs on;
//   DVOL_CRASH_TRACE=FILE    each point appends "N label" to FILE (how many steps there are).
//
// Without those variables, or outside the test kernel, crash_point() only counts. Only builds
// configured with -DDVOL_CRASH_POINTS=ON (the kernel tests') have any of this: in a release
// build crash_point() does nothing.
namespace dvol::io {

void crash_point(const char* label);

}  // namespace dvol::io
