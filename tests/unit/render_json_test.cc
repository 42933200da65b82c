#include <gtest/gtest.h>

#include "cli/render/json.h"

namespace dvol::render {
namespace {

TEST(LogJson, GivesEveryDocumentedField) {
  // given a commit with a parent and one without, when rendered, then the documented fields,
  // parent null for the root.
  std::vector<CommitRecord> commits = {
      {"bb", 2, "aa", "second\n", "A <a@x>", 1436365655, 3600},
      {"aa", 1, std::nullopt, "first", "A <a@x>", 0, -3600},
  };
  nlohmann::json j = log_json(commits);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["id"], "bb");
  EXPECT_EQ(j[0]["parent"], "aa");
  EXPECT_EQ(j[0]["author"], "A <a@x>");
  EXPECT_EQ(j[0]["message"], "second\n");
  EXPECT_EQ(j[0]["time"], 1436365655);
  EXPECT_EQ(j[0]["utc_offset"], 3600);
  EXPECT_EQ(j[0]["date"], "Wed Jul 8 15:27:35 2015 +0100");
  EXPECT_TRUE(j[1]["parent"].is_null());
}

TEST(LogJson, EmptyHistoryIsAnEmptyArray) {
  // given no commits, when rendered and dumped, then "[]".
  EXPECT_EQ(dump_json(log_json({})), "[]\n");
}

TEST(VolumeListJson, GivesSizesInBytesAndContainersAsAnArray) {
  // given a volume row, when rendered, then bytes (not "0.32G") and a container array.
  nlohmann::json j = volume_list_json({{"HybridCP/mysql", 343597384, 1, "master", {"c1"}, true}});
  EXPECT_EQ(j, nlohmann::json::parse(R"([{"name": "HybridCP/mysql", "size_bytes": 343597384,
      "branches": 1, "branch": "master", "containers": ["c1"], "current": true}])"));
}

TEST(BranchListJson, MarksTheCurrentBranch) {
  // given two branches, when rendered, then only the checked-out one is current.
  EXPECT_EQ(branch_list_json({"dev", "master"}, "master"),
            nlohmann::json::parse(
                R"([{"name": "dev", "current": false}, {"name": "master", "current": true}])"));
}

TEST(DumpJson, InvalidUtf8InAMessageDoesNotFailTheCommand) {
  // given a message with bytes that are not UTF-8, when dumped, then valid JSON with U+FFFD.
  std::string out = dump_json(log_json({{"aa", 1, std::nullopt, "bad \xff byte", "A", 0, 0}}));
  EXPECT_NE(out.find("bad \xef\xbf\xbd byte"), std::string::npos);
  EXPECT_TRUE(nlohmann::json::accept(out));
}

}  // namespace
}  // namespace dvol::render
