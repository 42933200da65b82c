#include <gtest/gtest.h>

#include "cli/render/branch_list.h"
#include "cli/render/table.h"
#include "cli/render/volume_list.h"

namespace dvol::render {
namespace {

TEST(RenderVolumeList, AlignsColumnsToTheWidestCellPlusThreeSpaces) {
  // given the two volumes of the cli.md sample, when rendered, then the current one is marked,
  // every column starts at the same offset on every line, and the last is not padded.
  std::vector<VolumeRow> rows = {
      {"HybridCP/mysql", 536870912, 1, "master", {"hybridcp_mysql_1"}, true},
      {"TweetDeckMonitor/redis", 7215545057, 3, "schema-tweaks", {}, false},
  };
  EXPECT_EQ(render_volume_list(rows),
            "  VOLUME                   SIZE      BRANCHES   BRANCH          CONTAINERS\n"
            "* HybridCP/mysql           512.00M   1          master          hybridcp_mysql_1\n"
            "  TweetDeckMonitor/redis   6.72G     3          schema-tweaks\n");
}

TEST(RenderVolumeList, NoVolumesPrintsOnlyTheHeader) {
  // given no rows, when rendered, then the header alone, padded by header widths.
  EXPECT_EQ(render_volume_list({}), "  VOLUME   SIZE   BRANCHES   BRANCH   CONTAINERS\n");
}

TEST(RenderVolumeList, ContainersAreCommaSeparated) {
  // given two containers, when rendered, then they are joined by a comma.
  std::string out = render_volume_list({{"db", 1024, 2, "master", {"web_1", "worker_1"}, false}});
  EXPECT_TRUE(out.ends_with("   web_1,worker_1\n")) << out;
}

TEST(RenderVolumeList, NoLineEndsInSpaces) {
  // given rows without containers, when rendered, then no line has trailing whitespace.
  std::string out =
      render_volume_list({{"a", 0, 1, "master", {}, false}, {"b", 0, 1, "master", {}, true}});
  EXPECT_EQ(out.find(" \n"), std::string::npos) << out;
}

TEST(RenderTable, MissingCellsPrintEmpty) {
  // given a row shorter than the header, when rendered, then it is padded with empty cells and
  // still has no trailing spaces.
  EXPECT_EQ(render_table({"A", "B"}, {TableRow{false, {"x"}}}), "  A   B\n  x\n");
}

TEST(RenderBranchList, MarksTheCheckedOutBranch) {
  // given two branches with master checked out, when rendered, then "* " and two spaces.
  EXPECT_EQ(render_branch_list({"master", "other"}, "master"), "* master\n  other\n");
  EXPECT_EQ(render_branch_list({"master", "other"}, "other"), "  master\n* other\n");
}

TEST(RenderBranchList, NoBranchesPrintNothing) {
  // given no branches, when rendered, then empty output.
  EXPECT_EQ(render_branch_list({}, "master"), "");
}

}  // namespace
}  // namespace dvol::render
