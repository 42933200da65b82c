#pragma once
// ReadOnlyThin: a thin device of a live, locked volume made live read-only for as long as the
// object lives (diff reads and mounts the two states it compares; fsck mounts every state).
// The destructor removes the device; a failure there is a warning, never a throw.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "src/volume.h"

namespace dvol {

class ReadOnlyThin {
 public:
  ReadOnlyThin(Volume& volume, uint32_t id) : volume_(volume), id_(id), path_(volume.activate_thin(id, true)) {}
  ~ReadOnlyThin() {
    try {
      volume_.deactivate_thin(id_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dvol: warning: could not remove a temporary device: %s\n", e.what());
    }
  }
  ReadOnlyThin(const ReadOnlyThin&) = delete;
  ReadOnlyThin& operator=(const ReadOnlyThin&) = delete;

  const std::string& path() const { return path_; }
  uint32_t id() const { return id_; }

 private:
  Volume& volume_;
  uint32_t id_;
  std::string path_;
};

}  // namespace dvol
