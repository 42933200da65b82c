#include "tests/kernel/scratch.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "io/mount.h"

namespace dvol::test {

namespace fs = std::filesystem;

Scratch::Scratch() {
  const char* state = std::getenv("DVOL_TEST_STATE");
  fs::path base = state ? state : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  std::random_device rd;
  std::ostringstream t;
  t << std::hex << (rd() & 0xffffff);
  tag_ = t.str();
  dir_ = base / ("scratch-" + tag_);
  fs::create_directories(dir_);
}

dm::DmName Scratch::dm_name(const std::string& suffix) const { return dm::DmName("dvoltest-" + tag_ + "-" + suffix); }

int Scratch::dm_devices_with_tag() {
  int n = 0;
  for (auto& name : control_.list())
    if (name.rfind("dvoltest-" + tag_ + "-", 0) == 0) ++n;
  return n;
}

int Scratch::mounts_inside() { return static_cast<int>(io::mounts_under(dir_).size()); }

Scratch::~Scratch() {
  auto mounts = io::mounts_under(dir_);
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    try { io::unmount(*it); } catch (...) {}  // ignored: best effort cleanup
  }
  // Thin devices first (they hold the pool open), then pools, then anything else.
  for (int pass = 0; pass < 3; ++pass) {
    for (auto& name : control_.list()) {
      if (name.rfind("dvoltest-" + tag_ + "-", 0) != 0) continue;
      try {
        auto n = dm::DmName(name);
        if (auto info = control_.info(n); info && info->suspended) control_.resume(n);
        control_.remove(n);
      } catch (...) {}  // ignored: a pool still held by a thin device goes in the next pass
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void write_pattern(const fs::path& file, size_t bytes, unsigned seed) {
  std::mt19937 gen(seed);
  std::string data(bytes, '\0');
  for (auto& c : data) c = static_cast<char>(gen());
  std::ofstream out(file, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.flush();
  if (!out) throw std::runtime_error("cannot write " + file.string());
  out.close();
  sync();
}

std::string read_whole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace dvol::test
