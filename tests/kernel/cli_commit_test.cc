// Kernel tests of commit -m, log and config through the CLI: messages byte for byte, git's
// log format with the author from `dvol config` and the date with its UTC offset.
#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "tests/kernel/cli_fixture.h"

namespace dvol::test {
namespace {

using nlohmann::json;

// git's date format ("Wed Jul 8 15:27:35 2015 +0100") of `t` at a fixed offset, computed here
// independently of dvol.
std::string git_date(time_t t, int offset_seconds) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t local = t + offset_seconds;
  struct tm tm {};
  gmtime_r(&local, &tm);
  int abs = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  return fmt::format("{} {} {} {:02}:{:02}:{:02} {} {}{:02}{:02}", days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900, offset_seconds < 0 ? '-' : '+',
                     abs / 3600, abs % 3600 / 60);
}

// The Date value of a commit made between `before` and `after` at `offset`: the one that matches
// `actual`, or the first candidate (so that a mismatch shows a sensible expectation).
std::string expected_date(time_t before, time_t after, int offset, const std::string& actual) {
  for (time_t t = before; t <= after; ++t)
    if (git_date(t, offset) == actual) return actual;
  return git_date(before, offset);
}

bool is_commit_id(const std::string& s) {
  return s.size() == 40 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

using CommitCommands = CliTest;

TEST_F(CommitCommands, CommitPrintsANewRandomLowercaseHexId) {
  // Given a volume, when two commits are made of the same data, then each prints only its id:
  // 40 lowercase hex characters, different from each other.
  init("v");
  auto r = dvol({"commit", "-m", "first"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(r.out.size(), 41u);
  EXPECT_TRUE(is_commit_id(r.out.substr(0, 40))) << r.out;
  auto second = commit("second");
  EXPECT_NE(second, r.out.substr(0, 40));
}

TEST_F(CommitCommands, MessagesAreStoredByteForByte) {
  // Given a volume, when commits are made with messages holding quotes, newlines, blank lines,
  // leading dashes (in every form the option parser accepts) and UTF-8, then `log --json`
  // gives back each message exactly, newest first.
  init("v");
  struct Case {
    std::vector<std::string> args;
    std::string stored;
  };
  const std::vector<Case> cases = {
      {{"-m", "it's \"quoted\" and 'single' and `back`"}, "it's \"quoted\" and 'single' and `back`"},
      {{"-m", "line one\nline two\n\nline four\n"}, "line one\nline two\n\nline four\n"},
      {{"-m", "-x"}, "-x"},
      {{"-m-x"}, "-x"},
      {{"--message=--x"}, "--x"},
      {{"--message", "-m"}, "-m"},
      // As with git and getopt, a short option's value starts right after it: "=" included.
      {{"-m=--x"}, "=--x"},
      {{"-m", "UTF-8: caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb3"},
       "UTF-8: caf\xc3\xa9 \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\xb3"},
      {{"-m", "  leading spaces, trailing spaces  "}, "  leading spaces, trailing spaces  "},
      {{"-m", "back\\slash and $HOME and *"}, "back\\slash and $HOME and *"},
  };
  std::vector<std::string> ids;
  for (const auto& c : cases) {
    std::vector<std::string> args{"commit"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = dvol(args);
    EXPECT_EQ(r.status, 0) << c.args[0] << ": " << r.err;
    ids.push_back(r.out.substr(0, 40));
  }
  auto log = json::parse(ok({"--json", "log"}));
  ASSERT_EQ(log.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& entry = log[cases.size() - 1 - i];
    EXPECT_EQ(entry["id"], ids[i]);
    EXPECT_EQ(entry["message"], cases[i].stored) << "case " << i;
  }
}

TEST_F(CommitCommands, EmptyOrMissingMessageIsRefusedAndNothingIsCommitted) {
  // Given a volume with one commit, when commit runs with -m "" or with no -m at all, then it
  // exits 1 with "dvol: you must provide a commit message" and the log is unchanged.
  init("v");
  commit("only");
  auto before = ok({"log"});
  for (auto args : {std::vector<std::string>{"commit", "-m", ""}, std::vector<std::string>{"commit"}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err_line(0), "dvol: you must provide a commit message");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(ok({"log"}), before);
}

TEST_F(CommitCommands, LogPrintsGitFormatNewestFirstWithConfiguredAuthorAndUtcOffset) {
  // Given user.name and user.email set with `dvol config`, and commits made in time zones
  // +05:30 and -03:00, when `dvol log` runs, then each entry is exactly: commit line, Author
  // line from the config, Date line at the commit's offset, blank line, the message with
  // every line indented by four spaces, blank line; newest first.
  init("v");
  EXPECT_EQ(ok({"config", "user.name", "Ada Lovelace"}), "");
  EXPECT_EQ(ok({"config", "user.email", "ada@example.com"}), "");

  struct Made {
    std::string id, message;
    int offset;
    time_t before, after;
  };
  std::vector<Made> made;
  for (auto [message, tz, offset] : {std::tuple{"first", "IST-5:30", 5 * 3600 + 1800},
                                     std::tuple{"second\nwith body\n\nand a blank line", "BRT+3", -3 * 3600},
                                     std::tuple{"third", "UTC0", 0}}) {
    Made m{"", message, offset, ::time(nullptr), 0};
    auto out = ok({"commit", "-m", message}, RunOptions::with_env("TZ", tz));
    m.after = ::time(nullptr);
    m.id = out.substr(0, 40);
    made.push_back(m);
  }

  auto r = dvol({"log"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto lines = lines_of(r.out);
  std::string expected;
  size_t line = 0;
  for (auto it = made.rbegin(); it != made.rend(); ++it) {
    std::string actual_date = line + 2 < lines.size() && lines[line + 2].size() > 8 ? lines[line + 2].substr(8) : "";
    expected += "commit " + it->id + "\n";
    expected += "Author: Ada Lovelace <ada@example.com>\n";
    expected += "Date:   " + expected_date(it->before, it->after, it->offset, actual_date) + "\n\n";
    size_t message_lines = 0;
    for (const auto& l : lines_of(it->message)) {
      expected += "    " + l + "\n";
      ++message_lines;
    }
    expected += "\n";
    line += 5 + message_lines;
  }
  EXPECT_EQ(r.out, expected);
}

TEST_F(CommitCommands, ConfigSetsTheAuthorOfLaterCommitsOnly) {
  // Given a commit made before any `dvol config`, when user.name and user.email are set and
  // another commit is made, then config reads back and lists the values, the new commit's
  // Author is "NAME <EMAIL>", and the older commit keeps its author.
  init("v");
  commit("before config");
  auto old_author = json::parse(ok({"--json", "log"}))[0]["author"].get<std::string>();
  EXPECT_EQ(ok({"config", "user.name", "Grace Hopper"}), "");
  EXPECT_EQ(ok({"config", "user.email", "grace@example.com"}), "");
  EXPECT_EQ(ok({"config", "user.name"}), "Grace Hopper\n");
  EXPECT_EQ(ok({"config", "-l"}), "user.name=Grace Hopper\nuser.email=grace@example.com\n");
  commit("after config");
  auto log = json::parse(ok({"--json", "log"}));
  EXPECT_EQ(log[0]["author"], "Grace Hopper <grace@example.com>");
  EXPECT_EQ(log[1]["author"], old_author);
  EXPECT_NE(old_author, "Grace Hopper <grace@example.com>");
  EXPECT_EQ(lines_of(ok({"log"})).at(1), "Author: Grace Hopper <grace@example.com>");
}

TEST_F(CommitCommands, UnknownConfigKeyIsRefusedAndChangesNothing) {
  // Given user.name set, when config gets or sets an unknown key, then it exits 1 with
  // "dvol: unknown config key 'KEY'" and the configuration is unchanged.
  EXPECT_EQ(ok({"config", "user.name", "Ada"}), "");
  for (auto args : {std::vector<std::string>{"config", "user.nmae", "x"}, std::vector<std::string>{"config", "user.nmae"},
                    std::vector<std::string>{"config", "core.editor", "vi"}}) {
    auto r = dvol(args);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err_line(0), "dvol: unknown config key '" + args[1] + "'");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(ok({"config", "-l"}), "user.name=Ada\n");
}

TEST_F(CommitCommands, ConfigOfAnUnsetKeyPrintsNothingAndFails) {
  // Given no configuration, when `dvol config user.email` runs, then it prints nothing on
  // stdout and exits 1 (as `git config` does for an unset key); -l prints nothing.
  auto r = dvol({"config", "user.email"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err_line(0).starts_with("dvol: ")) << r.err;
  EXPECT_EQ(ok({"config", "-l"}), "");
}

}  // namespace
}  // namespace dvol::test
