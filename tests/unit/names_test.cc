#include "src/names.h"

#include <gtest/gtest.h>

#include "expect_error.h"

namespace dvol {
namespace {

using testing::thrown_error;

TEST(VolumeName, AcceptsOneAndTwoSegmentNames) {
  // given names that follow the rule, when validated, then nothing is thrown.
  for (const char* name : {"mysql", "HybridCP/mysql", "a", "0", "a/b", "my_db.v2-x", "A9/z_.-",
                           "TweetDeckMonitor/redis"}) {
    EXPECT_NO_THROW(validate_volume_name(name)) << name;
  }
}

TEST(VolumeName, RefusesEverythingCliMdLists) {
  // given each kind of bad name from docs/cli.md, when validated, then it is refused.
  for (const char* name :
       {"",   "..",      ".",    "-x",   "a//b", "/abs", "a/b/c", "a b",  "caf\xc3\xa9", "a/",  "/",
        "_a", ".hidden", "a/-b", "a/.b", "a+b",  "a:b",  "a\\b",  "a\tb", "x/..",        "a/b/"}) {
    Error e = thrown_error([&] { validate_volume_name(name); });
    EXPECT_EQ(e.code(), Code::InvalidArgument) << name;
  }
}

TEST(VolumeName, RefusalQuotesTheNameAndStatesTheRule) {
  // given a bad name, when refused, then the sentence is the one cli.md specifies and the hint
  // explains the rule.
  Error e = thrown_error([] { validate_volume_name("a//b"); });
  EXPECT_EQ(e.message(), "'a//b' is not a valid volume name");
  EXPECT_NE(e.hint().find("one or two segments"), std::string::npos);
  EXPECT_NE(e.hint().find("128"), std::string::npos);
}

TEST(VolumeName, EchoedNameHasControlCharactersEscaped) {
  // given a name carrying a terminal escape sequence, when refused, then the message holds no
  // raw control byte.
  Error e = thrown_error([] { validate_volume_name("x\x1b]0;pwned\x07"); });
  EXPECT_EQ(e.message(), "'x\\x1b]0;pwned\\x07' is not a valid volume name");
}

TEST(VolumeName, AllowsExactly128Bytes) {
  // given names of 128 and 129 bytes, when validated, then the first passes and the second is
  // refused (with or without a slash).
  EXPECT_NO_THROW(validate_volume_name(std::string(128, 'a')));
  EXPECT_NO_THROW(validate_volume_name(std::string(64, 'a') + "/" + std::string(63, 'b')));
  EXPECT_THROW(validate_volume_name(std::string(129, 'a')), Error);
  EXPECT_THROW(validate_volume_name(std::string(64, 'a') + "/" + std::string(64, 'b')), Error);
}

TEST(BranchName, AcceptsSingleSegments) {
  // given valid branch names, when validated, then nothing is thrown.
  for (const char* name : {"master", "schema-tweaks", "v1.2", "a", "9", "HEADS", "head", "x_y"}) {
    EXPECT_NO_THROW(validate_branch_name(name)) << name;
  }
}

TEST(BranchName, RefusesHeadSlashesAndBadCharacters) {
  // given HEAD, a slash, or characters outside the rule, when validated, then it is refused
  // with the branch wording.
  for (const char* name : {"HEAD", "", "a/b", "-b", ".x", "a b", "..", "b\n", "\xff"}) {
    Error e = thrown_error([&] { validate_branch_name(name); });
    EXPECT_EQ(e.code(), Code::InvalidArgument) << name;
    EXPECT_NE(e.message().find("is not a valid branch name"), std::string::npos) << name;
    EXPECT_NE(e.hint().find("HEAD"), std::string::npos);
  }
}

TEST(BranchName, AllowsExactly64Bytes) {
  // given branch names of 64 and 65 bytes, when validated, then only the first passes.
  EXPECT_NO_THROW(validate_branch_name(std::string(64, 'b')));
  EXPECT_THROW(validate_branch_name(std::string(65, 'b')), Error);
}

TEST(VolumeDirName, FlattensTheSlashToPlus) {
  // given one- and two-segment names, when flattened, then '/' becomes '+'.
  EXPECT_EQ(volume_dir_name("mysql"), "mysql");
  EXPECT_EQ(volume_dir_name("HybridCP/mysql"), "HybridCP+mysql");
}

TEST(VolumeDirName, RefusesAnInvalidName) {
  // given a name that could escape the state root, when flattened, then it is refused.
  EXPECT_THROW(static_cast<void>(volume_dir_name("../etc")), Error);
}

TEST(VolumeDirName, RoundTripsThroughTheInverse) {
  // given valid names, when flattened and read back, then the original name returns.
  for (const char* name : {"mysql", "HybridCP/mysql", "a.b/c-d"}) {
    EXPECT_EQ(volume_name_from_dir(volume_dir_name(name)), name);
  }
}

TEST(VolumeDirName, InverseIgnoresDirectoriesThatAreNotVolumes) {
  // given stray directory names, when read back, then none is taken for a volume.
  for (const char* dir :
       {"", ".", "..", "a+b+c", "+a", "a+", "a/b", "lost+found+", ".tmp", "a b", "x++y"}) {
    EXPECT_EQ(volume_name_from_dir(dir), std::nullopt) << dir;
  }
}

}  // namespace
}  // namespace dvol
