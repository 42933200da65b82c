#include "src/commit_id.h"

#include <gtest/gtest.h>

#include <set>

namespace dvol {
namespace {

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(NewCommitId, IsFortyLowercaseHexCharacters) {
  // given a new commit id, when inspected, then it has the shape cli.md promises.
  std::string id = new_commit_id();
  EXPECT_EQ(id.size(), 40u);
  EXPECT_TRUE(is_lower_hex(id)) << id;
}

TEST(NewCommitId, IsDifferentEveryTime) {
  // given 10000 new ids, when collected, then all differ, and their 4-character prefixes are
  // spread out (a random source gives ~9300 distinct of 65536 possible).
  std::set<std::string> ids, prefixes;
  for (int i = 0; i < 10000; ++i) {
    std::string id = new_commit_id();
    ids.insert(id);
    prefixes.insert(id.substr(0, 4));
  }
  EXPECT_EQ(ids.size(), 10000u);
  EXPECT_GT(prefixes.size(), 5000u);  // 65536 possible: a constant or counter would fail
}

TEST(NewCommitId, UsesEveryHexDigit) {
  // given many ids, when their characters are collected, then all 16 digits occur (a broken
  // encoder that drops nibbles would not produce them all).
  std::set<char> digits;
  for (int i = 0; i < 100; ++i) {
    for (char c : new_commit_id()) digits.insert(c);
  }
  EXPECT_EQ(digits.size(), 16u);
}

TEST(NewVolumeUid, IsEightLowercaseHexCharactersAndUnique) {
  // given 200 volume uids, when inspected, then each is 8 lowercase hex and they all differ
  // (a chance collision among 200 of 2^32 has probability ~5e-6).
  std::set<std::string> uids;
  for (int i = 0; i < 200; ++i) {
    std::string uid = new_volume_uid();
    EXPECT_EQ(uid.size(), 8u);
    EXPECT_TRUE(is_lower_hex(uid)) << uid;
    uids.insert(uid);
  }
  EXPECT_EQ(uids.size(), 200u);
}

}  // namespace
}  // namespace dvol
