#include "src/gitconfig.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace dvol {
namespace {

TEST(GitIdentity, ReadsWhatGitConfigWrites) {
  // given the file `git config --global` produces, when parsed, then name and email.
  GitIdentity id = parse_git_identity(
      "[core]\n\teditor = vim\n[user]\n\tname = Luke Marsden\n\temail = luke@clusterhq.com\n");
  EXPECT_EQ(id.name, "Luke Marsden");
  EXPECT_EQ(id.email, "luke@clusterhq.com");
}

TEST(GitIdentity, NoUserSectionGivesNothing) {
  // given configuration without [user], when parsed, then both are unset.
  GitIdentity id = parse_git_identity("[core]\nname = not me\n");
  EXPECT_EQ(id.name, std::nullopt);
  EXPECT_EQ(id.email, std::nullopt);
  EXPECT_EQ(parse_git_identity("").name, std::nullopt);
}

TEST(GitIdentity, SectionAndKeyNamesAreCaseInsensitive) {
  // given [User] and NAME =, when parsed, then they count, as in git.
  GitIdentity id = parse_git_identity("[User]\nNAME=Ann\nEmail=ann@x\n");
  EXPECT_EQ(id.name, "Ann");
  EXPECT_EQ(id.email, "ann@x");
}

TEST(GitIdentity, SubsectionsAreOtherSections) {
  // given [user "work"], when parsed, then its keys are not the user's identity.
  EXPECT_EQ(parse_git_identity("[user \"work\"]\nname = W\n").name, std::nullopt);
}

TEST(GitIdentity, LaterValuesWin) {
  // given two [user] sections, when parsed, then the last name wins.
  EXPECT_EQ(parse_git_identity("[user]\nname = A\n[user]\nname = B\n").name, "B");
}

TEST(GitIdentity, CommentsAreIgnored) {
  // given full-line and trailing comments, when parsed, then only the values remain.
  GitIdentity id = parse_git_identity(
      "# global\n[user] ; me\n; name = commented\n  name = Ann Lee # my name\n  email = a@b;c\n");
  EXPECT_EQ(id.name, "Ann Lee");
  EXPECT_EQ(id.email, "a@b");
}

TEST(GitIdentity, QuotedValuesKeepSpacesCommentCharactersAndEscapes) {
  // given quoted values with # and escapes, when parsed, then git's decoded value.
  GitIdentity id =
      parse_git_identity("[user]\n name = \"  Ann # \\\"The\\\" Lee \"\n email = \"a\\\\b@x\"\n");
  EXPECT_EQ(id.name, "  Ann # \"The\" Lee ");
  EXPECT_EQ(id.email, "a\\b@x");
}

TEST(GitIdentity, KeyOnTheSectionLineAndCrLfLineEndings) {
  // given "[user] name = x" on one line and Windows line endings, when parsed, then read.
  GitIdentity id = parse_git_identity("[user] name = Ann\r\n\temail = a@x\r\n");
  EXPECT_EQ(id.name, "Ann");
  EXPECT_EQ(id.email, "a@x");
}

TEST(GitIdentity, BackslashContinuesTheLine) {
  // given a value continued on the next line, when parsed, then the two parts join.
  EXPECT_EQ(parse_git_identity("[user]\nname = Ann \\\nLee\n").name, "Ann Lee");
}

TEST(GitIdentity, MalformedLinesAreSkipped) {
  // given junk lines and an unclosed section header, when parsed, then no throw and the valid
  // value still counts.
  GitIdentity id =
      parse_git_identity("[user]\n=\nname\ngarbage\n[unclosed\nname = X\n[user]\nname = Y\n");
  EXPECT_EQ(id.name, "Y");
}

TEST(GitIdentity, KeysOutsideAnySectionDoNotCount) {
  // given name = x before any section, when parsed, then unset.
  EXPECT_EQ(parse_git_identity("name = X\n").name, std::nullopt);
}

// Files for expand_includes: path -> text.
std::string load_from_map(const std::string& path, const void* context) {
  const auto* files = static_cast<const std::map<std::string, std::string>*>(context);
  auto it = files->find(path);
  return it == files->end() ? std::string() : it->second;
}

TEST(GitIncludes, AnIncludedFileStandsWhereItIsIncludedSoLaterValuesWin) {
  // given a file that sets the email, includes a file with name and email, then sets the
  // email again, when expanded and parsed, then the name comes from the include and the email
  // from the line after it, as git reads it.
  std::map<std::string, std::string> files{{"work.inc", "[user]\n  name = From Include\n  email = inc@x\n"}};
  auto text = expand_includes("[user]\n  email = before@x\n[include]\n  path = work.inc\n[user]\n  email = after@x\n",
                              load_from_map, &files);
  auto id = parse_git_identity(text);
  EXPECT_EQ(id.name, "From Include");
  EXPECT_EQ(id.email, "after@x");
}

TEST(GitIncludes, IncludesNestAndALoopStops) {
  // given a.inc including b.inc (which has the name) and b.inc including a.inc again, when
  // expanded, then the name is found and the expansion ends (git's depth limit).
  std::map<std::string, std::string> files{{"a.inc", "[include]\npath = b.inc\n"},
                                           {"b.inc", "[user]\nname = Deep\n[include]\npath = a.inc\n"}};
  auto id = parse_git_identity(expand_includes("[include]\n\tpath = \"a.inc\"\n", load_from_map, &files));
  EXPECT_EQ(id.name, "Deep");
}

TEST(GitIncludes, PathsInOtherSectionsAreNotIncludes) {
  // given `path` keys outside [include] (and in [includeIf], which dvol does not follow), then
  // nothing is loaded.
  std::map<std::string, std::string> files{{"x", "[user]\nname = Wrong\n"}};
  auto text = expand_includes("[core]\npath = x\n[includeIf \"gitdir:~/w/\"]\npath = x\n", load_from_map, &files);
  EXPECT_EQ(parse_git_identity(text).name, std::nullopt);
}

}  // namespace
}  // namespace dvol
