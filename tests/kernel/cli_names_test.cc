// Kernel tests of the naming rules of docs/cli.md, at and beyond each limit, through the CLI:
// a volume name is one or two segments [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 bytes; a branch
// name is one segment, at most 64 bytes, and not HEAD.
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// What the error line shows of a name: dvol writes bytes outside printable ASCII as \xNN (and a
// backslash as \\) so that an error line can never carry terminal control sequences.
std::string shown(const std::string& name) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (c == '\\') out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
  }
  return out;
}

bool root_has_no_volumes(const fs::path& root) {
  std::error_code ec;
  return fs::is_empty(root / "volumes", ec) || !fs::exists(root / "volumes");
}

using Names = CliTest;

class InvalidVolumeNames : public CliTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(InvalidVolumeNames, AreRefusedByInitWithTheRuleAndCreateNothing) {
  // Given an empty root, when `dvol init -- NAME` runs with a name that breaks the rule, then it
  // exits 1 with "dvol: 'NAME' is not a valid volume name" and a hint line, prints nothing on
  // stdout, and creates no volume directory and no device.
  auto r = dvol({"init", "--size", "256M", "--", GetParam()});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err_line(0), "dvol: '" + shown(GetParam()) + "' is not a valid volume name");
  EXPECT_NE(r.err_line(1), "") << "a hint with the rule follows";
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(root_has_no_volumes(root()));
  EXPECT_EQ(new_dm_devices(), std::set<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(
    Cli, InvalidVolumeNames,
    ::testing::Values("", ".", "..", "-x", ".hidden", "_x", "a//b", "/abs", "abs/", "a/", "/", "a b", "a/b/c",
                      "a+b", "a:b", "a\\b", "caf\xc3\xa9", "tab\tname", "a/..", "../a", std::string(129, 'v'),
                      std::string(64, 'g') + "/" + std::string(64, 'n')),
    [](const ::testing::TestParamInfo<std::string>& info) { return "Case" + std::to_string(info.index); });

TEST_F(Names, VolumeNameOf128BytesIsAccepted) {
  // Given a one-segment name of exactly 128 bytes, when it is used for init, commit and list,
  // then all succeed and list shows the name in full.
  std::string name = "v" + std::string(126, '0') + "z";
  ASSERT_EQ(name.size(), 128u);
  auto r = dvol({"init", name, "--size", "256M"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Created empty volume " + name + ".\n");
  commit("first", name);
  EXPECT_EQ(json::parse(ok({"--json", "list"}))[0]["name"], name);
}

TEST_F(Names, TwoSegmentVolumeNameOf128BytesIsAcceptedAndKeptApartFromOthers) {
  // Given a two-segment name of 128 bytes and a one-segment volume of the group's name, when
  // both are created, then both exist side by side, listed by their full names.
  std::string name = "Group-1." + std::string(55, 'g') + "/" + std::string(63, 'n') + "_";
  ASSERT_EQ(name.size(), 128u);
  auto r = dvol({"init", name, "--size", "256M"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Created empty volume " + name + ".\n");
  init("Group-1." + std::string(55, 'g'));
  auto list = json::parse(ok({"--json", "list"}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "Group-1." + std::string(55, 'g'));
  EXPECT_EQ(list[1]["name"], name);
  EXPECT_NE(mount(name), mount("Group-1." + std::string(55, 'g')));
}

TEST_F(Names, InvalidVolumeNamesAreRefusedByEveryCommandThatTakesOne) {
  // Given a volume v, when switch, log, path, status, branch, commit and rm name an invalid
  // volume, then each exits 1 with the volume-name error and v is unchanged.
  init("v");
  auto before = view("v");
  for (auto args : std::vector<std::vector<std::string>>{{"switch", "--", ".."},
                                                         {"log", "a//b"},
                                                         {"path", "/abs"},
                                                         {"status", "a/b/c"},
                                                         {"branch", "a b"},
                                                         {"commit", "-m", "x", "--", "-v"},
                                                         {"rm", "-f", "v/"}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1) << args[0] << ": " << r.err;
    EXPECT_TRUE(r.err_line(0).ends_with("' is not a valid volume name")) << args[0] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(Names, InvalidBranchNamesAreRefusedWithTheRuleAndChangeNothing) {
  // Given a volume with a commit, when `checkout -b`, `checkout` and `branch -d` are given
  // names that break the branch rule (HEAD and 65 bytes included), then each exits 1 with
  // "dvol: 'NAME' is not a valid branch name" and a hint, and nothing changes.
  init("v");
  commit("base");
  auto before = view("v");
  for (std::string name : {std::string(""), std::string(".."), std::string("-x"), std::string("a/b"),
                           std::string("a b"), std::string("HEAD"), std::string(65, 'b'), std::string("caf\xc3\xa9"),
                           std::string(".hidden"), std::string("_x"), std::string("a:b")}) {
    std::vector<std::vector<std::string>> commands{{"checkout", "-b", "--", name}};
    if (name == "HEAD" || name.size() == 65 || name == "a/b") {  // the other commands, on a few
      commands.push_back({"checkout", "--", name});
      commands.push_back({"branch", "-d", name});
    }
    for (const auto& args : commands) {
      auto r = dvol(args);
      EXPECT_EQ(r.status, 1) << args[0] << " '" << name << "': " << r.err;
      EXPECT_EQ(r.err_line(0), "dvol: '" + shown(name) + "' is not a valid branch name") << args[0];
      EXPECT_NE(r.err_line(1), "") << "a hint with the rule follows";
      EXPECT_EQ(r.out, "");
    }
  }
  EXPECT_EQ(view("v"), before);
}

TEST_F(Names, BranchNamesAtTheLimitAreAccepted) {
  // Given a volume with a commit, when branches named with 64 bytes, "head" and "HEAD2" are
  // created, then all exist and are listed in full.
  init("v");
  commit("base");
  std::string longest = "b" + std::string(62, '-') + "9";
  ASSERT_EQ(longest.size(), 64u);
  for (const auto& name : {longest, std::string("head"), std::string("HEAD2")}) {
    auto r = dvol({"checkout", "-b", name});
    EXPECT_EQ(r.status, 0) << name << ": " << r.err;
    EXPECT_EQ(r.out, "Switched to branch " + name + " based from v master@HEAD.\n");
    ok({"checkout", "master"});
  }
  EXPECT_EQ(ok({"branch"}), "  HEAD2\n  " + longest + "\n  head\n* master\n");
}

}  // namespace
}  // namespace dvol::test
