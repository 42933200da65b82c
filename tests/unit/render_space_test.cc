// `dvol du` output as docs/cli.md shows it: fits 80 columns, messages cut with "…".
#include "cli/render/space.h"

#include <gtest/gtest.h>

#include <sstream>

namespace dvol::render {
namespace {

size_t columns(const std::string& line) {
  size_t n = 0;
  for (unsigned char c : line)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

SpaceReport example() {
  SpaceReport r;
  r.volume = "HybridCP/mysql";
  r.pool_used_bytes = 1148903096;
  r.pool_total_bytes = 20ull << 30;
  r.states.push_back({StateSpace::Kind::Branch, "master", "", true, 0, 1258291, 1127428915});
  r.states.push_back({StateSpace::Kind::Branch, "schema-tweaks", "", false, 0, 0, 1127428915});
  r.states.push_back({StateSpace::Kind::Commit, "95c1c55f2a0d9d7a3b1f6e0c4d2b8a7e6f5c4d3b",
                      "experiment with adding indexes to users table\n\nlonger text", false, 2, 3250585, 1127428915});
  r.states.push_back({StateSpace::Kind::Commit, "fd39db2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "import base schema", false, 1,
                      12288, 1116691497});
  return r;
}

TEST(RenderSpace, PrintsTheTableOfTheContract) {
  // Every row 72 columns, sizes right-aligned under their headers (the contract's example has
  // its cut row one column short; a space always separates a cut label from its size).
  EXPECT_EQ(render_space(example()),
            "  STATE                                           EXCLUSIVE   REFERENCED\n"
            "* master (live)                                       1.20M        1.05G\n"
            "  schema-tweaks (live)                                   0B        1.05G\n"
            "  95c1c55 experiment with adding indexes to us…       3.10M        1.05G\n"
            // 12K, not the example's 12.00K: below 1 MiB sizes are whole KiB (cli.md, "Sizes").
            "  fd39db2 import base schema                            12K        1.04G\n"
            "Pool: 1.07G used of 20.00G\n");
}

TEST(RenderSpace, EveryLineFitsEightyColumnsWhateverTheMessage) {
  auto r = example();
  r.states[2].message = "ünïcödé " + std::string(200, 'x') + "\tend";
  r.states[3].message = std::string("tab\there\x01 bell");
  r.states[0].exclusive_bytes = r.states[0].referenced_bytes = 999ull << 50;  // the widest sizes
  std::istringstream out(render_space(r));
  for (std::string line; std::getline(out, line);) {
    EXPECT_LE(columns(line), 80u) << line;
    EXPECT_EQ(line.find('\t'), std::string::npos) << line;
  }
}

TEST(OneLine, CutsAtTheColumnWithAnEllipsisAndKeepsCharactersWhole) {
  EXPECT_EQ(one_line("short", 10), "short");
  EXPECT_EQ(one_line("exactly10!", 10), "exactly10!");
  EXPECT_EQ(one_line("eleven char", 10), "eleven ch…");
  EXPECT_EQ(one_line("ééééééééééé", 5), "éééé…");
  EXPECT_EQ(one_line("first\nsecond", 20), "first");
  EXPECT_EQ(one_line("a\tb", 20), "a b");
}

TEST(SpaceJson, GivesBytes) {
  auto j = space_json(example());
  EXPECT_EQ(j["pool_used_bytes"], 1148903096u);
  EXPECT_EQ(j["states"][0]["kind"], "branch");
  EXPECT_EQ(j["states"][0]["checked_out"], true);
  EXPECT_EQ(j["states"][2]["kind"], "commit");
  EXPECT_EQ(j["states"][2]["name"], "95c1c55f2a0d9d7a3b1f6e0c4d2b8a7e6f5c4d3b");
  EXPECT_EQ(j["states"][2]["exclusive_bytes"], 3250585u);
  EXPECT_FALSE(j["states"][0].contains("message"));
}

}  // namespace
}  // namespace dvol::render
