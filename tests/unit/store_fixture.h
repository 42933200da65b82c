#pragma once
// Test fixture for MetadataStore: a fresh dvol.db in a temporary directory holding the volume
// "HybridCP/mysql" and its empty master branch, plus helpers to build commits.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "src/store.h"
#include "temp_dir.h"

namespace dvol::testing {

inline std::string id_of(char c) { return std::string(40, c); }

inline CommitRecord make_commit(char id, std::optional<char> parent, uint32_t thin) {
  return CommitRecord{id_of(id),
                      thin,
                      parent ? std::optional(id_of(*parent)) : std::nullopt,
                      std::string("message ") + id,
                      "Luke Marsden <luke@clusterhq.com>",
                      1436365655,
                      3600};
}

inline std::vector<std::string> ids(const std::vector<CommitRecord>& commits) {
  std::vector<std::string> out;
  for (const auto& c : commits) out.push_back(c.id);
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest()
      : volume_{.name = "HybridCP/mysql",
                .uid = "0a1b2c3d",
                .fs = "xfs",
                .size_bytes = 10ull << 30,
                .block_sectors = 128,
                .data_bytes = 20ull << 30,
                .meta_bytes = 256ull << 20,
                .checked_out = "master",
                .transaction_id = 0,
                .next_thin_id = 1,
                .created = 1436365655,
                .data_dir = "data"},
        path_(dir_.path() / "dvol.db"),
        store_(MetadataStore::create(path_, volume_)) {
    store_.add_branch(BranchRecord{"master", 0, std::nullopt});
  }

  // master: a <- b <- c
  void make_linear_history() {
    store_.add_commit(make_commit('a', std::nullopt, 1));
    store_.add_commit(make_commit('b', 'a', 2));
    store_.add_commit(make_commit('c', 'b', 3));
    store_.set_branch_head("master", id_of('c'));
  }

  TempDir dir_;
  VolumeRecord volume_;
  std::filesystem::path path_;
  MetadataStore store_;
};

}  // namespace dvol::testing
