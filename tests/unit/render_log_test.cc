#include <gtest/gtest.h>

#include "cli/render/log.h"

namespace dvol::render {
namespace {

CommitRecord commit(std::string id, std::string message) {
  return CommitRecord{
      std::move(id), 1,   std::nullopt, std::move(message), "Luke Marsden <luke@clusterhq.com>",
      1436365655,    3600};
}

const std::string kId = "95c1c55093a9b8e3188dba6147115da741803389";

TEST(RenderLog, MatchesTheCliMdSampleExactly) {
  // given the commit from docs/cli.md, when rendered, then the sample's bytes.
  EXPECT_EQ(render_log({commit(kId, "experiment with adding indexes to users table")}),
            "commit 95c1c55093a9b8e3188dba6147115da741803389\n"
            "Author: Luke Marsden <luke@clusterhq.com>\n"
            "Date:   Wed Jul 8 15:27:35 2015 +0100\n"
            "\n"
            "    experiment with adding indexes to users table\n"
            "\n");
}

TEST(RenderLog, NoCommitsPrintNothing) {
  // given an empty history, when rendered, then no output at all.
  EXPECT_EQ(render_log({}), "");
}

TEST(RenderLog, EveryMessageLineIsIndentedAndBlankLinesKeepTheIndent) {
  // given a subject, blank line and body, when rendered, then each line gets four spaces, the
  // blank one included (as git prints it).
  std::string out = render_log({commit(kId, "subject\n\nbody one\nbody two")});
  EXPECT_NE(out.find("\n\n    subject\n    \n    body one\n    body two\n\n"), std::string::npos);
}

TEST(RenderLog, TrailingNewlinesDoNotAddEmptyLines) {
  // given "a\n" and "a\n\n\n", when rendered, then the same output as for "a".
  std::string plain = render_log({commit(kId, "a")});
  EXPECT_EQ(render_log({commit(kId, "a\n")}), plain);
  EXPECT_EQ(render_log({commit(kId, "a\n\n\n")}), plain);
}

TEST(RenderLog, EntriesFollowInTheGivenOrderEachEndingWithABlankLine) {
  // given two commits newest first, when rendered, then two complete entries in that order.
  std::string second = "fd39db2a00000000000000000000000000000001";
  std::string out = render_log({commit(kId, "newer"), commit(second, "older")});
  EXPECT_EQ(out.find("commit " + kId), 0u);
  size_t pos = out.find("    newer\n\ncommit " + second + "\n");
  EXPECT_NE(pos, std::string::npos);
  EXPECT_TRUE(out.ends_with("    older\n\n"));
}

TEST(RenderLog, MessagesKeepQuotesDashesAndUtf8) {
  // given a message with quotes, a leading dash and UTF-8, when rendered, then unchanged.
  std::string out = render_log({commit(kId, "-m \"quoted\" caf\xc3\xa9")});
  EXPECT_NE(out.find("    -m \"quoted\" caf\xc3\xa9\n"), std::string::npos);
}

TEST(RenderLog, DateUsesTheCommitsOwnOffset) {
  // given a commit made at -0700, when rendered, then its Date line shows that offset.
  CommitRecord c = commit(kId, "x");
  c.utc_offset = -7 * 3600;
  EXPECT_NE(render_log({c}).find("Date:   Wed Jul 8 07:27:35 2015 -0700\n"), std::string::npos);
}

}  // namespace
}  // namespace dvol::render
