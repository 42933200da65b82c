// src/udev/56-dvol.rules keeps other udev rules off dvol's devices by their UUID prefix: it
// must match the UUIDs dvol gives its devices (src/naming.h).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "src/naming.h"

namespace dvol {
namespace {

std::string rule_text() {
  std::ifstream in(DVOL_UDEV_RULE);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(UdevRule, MatchesTheUuidsOfDvolsPoolsAndThinDevices) {
  auto text = rule_text();
  ASSERT_FALSE(text.empty()) << DVOL_UDEV_RULE;
  const std::string prefix = kUuidPrefix;
  EXPECT_NE(text.find("ENV{DM_UUID}!=\"" + prefix + "?*\", GOTO=\"dvol_end\""), std::string::npos);
  EXPECT_EQ(pool_dm_uuid("0123abcd").rfind(prefix, 0), 0u);
  EXPECT_EQ(thin_dm_uuid("0123abcd", 3).rfind(prefix, 0), 0u);
  // What it does to them: no probe by the rules that honour device-mapper's flags, no watch.
  EXPECT_NE(text.find("ENV{DM_UDEV_DISABLE_DISK_RULES_FLAG}=\"1\""), std::string::npos);
  EXPECT_NE(text.find("ENV{DM_UDEV_DISABLE_OTHER_RULES_FLAG}=\"1\""), std::string::npos);
  EXPECT_NE(text.find("OPTIONS:=\"nowatch\""), std::string::npos);
}

}  // namespace
}  // namespace dvol
