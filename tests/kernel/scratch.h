#pragma once
// Scratch space for kernel tests: a directory under the harness's state directory and a
// unique tag for every dm name a test makes. The destructor removes every dm device carrying
// the tag, every mount under the directory and the directory itself, even when a test failed.
#include <filesystem>
#include <string>

#include "dm/libdm_control.h"

namespace dvol::test {

class Scratch {
 public:
  Scratch();
  ~Scratch();
  Scratch(const Scratch&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& tag() const { return tag_; }
  // A dm name for this test: "dvoltest-<tag>-<suffix>".
  dm::DmName dm_name(const std::string& suffix) const;
  dm::LibDmControl& control() { return control_; }

  // Facts for leak checks.
  int dm_devices_with_tag();
  int mounts_inside();

 private:
  std::filesystem::path dir_;
  std::string tag_;
  dm::LibDmControl control_;
};

// Writes `bytes` of a pattern derived from `seed` to a file; returns nothing.
void write_pattern(const std::filesystem::path& file, size_t bytes, unsigned seed);
std::string read_whole(const std::filesystem::path& file);

}  // namespace dvol::test
