// dvol's own metadata reader as a program of its own, for scripts/bench-diff: the same work as
// `thin_delta -m ROOT --thin1 A --thin2 B META`, so that the two can be timed alike, wall to
// wall (each a process started from the shell) and in-process to in-process.
// Prints "<in-process ms> <ranges>".
//
//   dvol_bench_thin_delta META_DEVICE HELD_ROOT THIN1 THIN2
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "dm/metadata_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: dvol_bench_thin_delta META_DEVICE HELD_ROOT THIN1 THIN2\n");
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    auto device = dvol::dm::MetadataDevice::open(argv[1]);
    dvol::dm::ThinMetadata metadata(device, std::strtoull(argv[2], nullptr, 10));
    auto ranges = dvol::dm::thin_delta(metadata, dvol::dm::ThinId(static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10))),
                                       dvol::dm::ThinId(static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10))));
    auto t1 = std::chrono::steady_clock::now();
    std::printf("%.2f %zu\n", std::chrono::duration<double, std::milli>(t1 - t0).count(), ranges.size());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dvol_bench_thin_delta: %s\n", e.what());
    return 1;
  }
}
