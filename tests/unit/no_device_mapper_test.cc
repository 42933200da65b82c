// On a kernel without device-mapper (this project's development and CI machines) every volume
// command says what `dvol doctor` says, never a libdevmapper internal. Runs only where the
// kernel really has no device-mapper; elsewhere the kernel suite is what runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "dm/control.h"
#include "src/doctor.h"
#include "src/error.h"
#include "src/host.h"
#include "src/operations.h"
#include "temp_dir.h"

namespace dvol {
namespace {

TEST(NoDeviceMapper, InitAndDoctorGiveTheSameSentenceAndInitMakesNoVolume) {
  Kernel kernel;
  if (kernel.dm().kernel_targets()) GTEST_SKIP() << "this kernel has device-mapper";
  if (::geteuid() != 0) GTEST_SKIP() << "init needs root before it reaches the kernel";
  testing::TempDir root;
  Host host{root.path(), kernel.dm(), kernel.mounts()};
  InitRequest request;
  request.volume = "v";
  request.size_bytes = 256ull << 20;
  try {
    init_volume(host, request);
    FAIL() << "init worked without device-mapper";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::Unsupported);
    EXPECT_EQ(e.message(), "the running kernel has no device-mapper");
    EXPECT_NE(e.hint().find("scripts/uml-run"), std::string::npos) << e.hint();
    bool doctor_says_it = false;
    for (const auto& check : run_doctor(host))
      if (check.detail == e.message() && check.fix == e.hint()) doctor_says_it = true;
    EXPECT_TRUE(doctor_says_it) << "dvol doctor gives the same sentence and fix";
  }
  EXPECT_FALSE(std::filesystem::exists(root.path() / "volumes" / "v"));
}

}  // namespace
}  // namespace dvol
