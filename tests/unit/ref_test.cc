#include "src/ref.h"

#include <gtest/gtest.h>

#include "expect_error.h"

namespace dvol {
namespace {

using testing::thrown_error;

const std::string kA = "95c1c55093a9b8e3188dba6147115da741803389";
const std::string kB = "fd39db2a00000000000000000000000000000001";
const std::string kC = "fd39db2b00000000000000000000000000000002";
const std::string kOther = "0123456789abcdef0123456789abcdef01234567";

// History of "master", newest first, and all commits of the volume (kOther is on another branch).
const std::vector<std::string> kHistory = {kC, kB, kA};
const std::vector<std::string> kAll = {kA, kB, kC, kOther};

std::string resolve(std::string_view text) {
  return resolve_ref(parse_ref(text), kHistory, kAll, "master");
}

TEST(ParseRef, ReadsHeadAndItsAncestors) {
  // given each HEAD form, when parsed, then the number of ancestors is what git would walk.
  struct Case {
    const char* text;
    uint64_t ancestors;
  };
  for (const Case& c :
       {Case{"HEAD", 0}, Case{"HEAD^", 1}, Case{"HEAD^^", 2}, Case{"HEAD^^^", 3}, Case{"HEAD~", 1},
        Case{"HEAD~0", 0}, Case{"HEAD~1", 1}, Case{"HEAD~12", 12}, Case{"HEAD~2^", 3},
        Case{"HEAD^~2", 3}, Case{"HEAD~~", 2}, Case{"HEAD~2~3", 5}}) {
    Ref r = parse_ref(c.text);
    EXPECT_EQ(r.kind, Ref::Kind::Head) << c.text;
    EXPECT_EQ(r.ancestors, c.ancestors) << c.text;
    EXPECT_EQ(r.text, c.text);
  }
}

TEST(ParseRef, ReadsIdPrefixesFrom4To40Characters) {
  // given lowercase hex of 4 and 40 characters, when parsed, then they are id prefixes.
  EXPECT_EQ(parse_ref("fd39").prefix, "fd39");
  Ref full = parse_ref(kA);
  EXPECT_EQ(full.kind, Ref::Kind::IdPrefix);
  EXPECT_EQ(full.prefix, kA);
}

TEST(ParseRef, RefusesMalformedReferencesWithTheFormsInTheHint) {
  // given malformed references, when parsed, then each is refused with cli.md's wording and a
  // hint that lists the accepted forms.
  for (const char* text :
       {"", "abc", "HEAD^2", "HEAD~x", "HEAD~-1", "head", "HEAD ", " HEAD", "HEAD@{1}", "@",
        "master", "fd39db2g", "-fd39", "fd39 ", "HEAD~99999999999999999999",
        "0123456789abcdef0123456789abcdef012345678"}) {
    Error e = thrown_error([&] { static_cast<void>(parse_ref(text)); });
    EXPECT_EQ(e.code(), Code::InvalidArgument) << text;
    EXPECT_EQ(e.message(), std::string("'").append(text).append("' is not a valid commit reference"));
    EXPECT_NE(e.hint().find("HEAD~N"), std::string::npos) << text;
  }
}

TEST(ParseRef, TryParseRefAgreesWithParseRefWithoutThrowing) {
  // given references and non-references (volume names among them), when tried, then the
  // valid ones give parse_ref's Ref and the others nothing.
  for (std::string text : {std::string("HEAD"), std::string("HEAD~2^"), std::string("fd39"), std::string(kA)}) {
    auto ref = try_parse_ref(text);
    ASSERT_TRUE(ref.has_value()) << text;
    EXPECT_EQ(*ref, parse_ref(text)) << text;
  }
  for (const char* text : {"", "abc", "HEAD^2", "FD39", "master", "db/main", "HEAD~99999999999999999999"})
    EXPECT_EQ(try_parse_ref(text), std::nullopt) << text;
}

TEST(ParseRef, RefusesUppercaseIdsSayingIdsAreLowercase) {
  // given an uppercase id prefix, when parsed, then it is refused and the hint says why.
  Error e = thrown_error([] { static_cast<void>(parse_ref("FD39DB2")); });
  EXPECT_EQ(e.message(), "'FD39DB2' is not a valid commit reference");
  EXPECT_NE(e.hint().find("lowercase"), std::string::npos);
}

TEST(ParseRef, RefusesTooShortPrefixSayingTheMinimum) {
  // given a 3-character prefix, when parsed, then the hint says at least 4 are needed.
  Error e = thrown_error([] { static_cast<void>(parse_ref("fd3")); });
  EXPECT_NE(e.hint().find("at least 4"), std::string::npos);
}

TEST(ParseRef, EscapesControlCharactersInTheEchoedReference) {
  // given a reference with an escape byte, when refused, then the message shows it escaped.
  Error e = thrown_error([] { static_cast<void>(parse_ref("HEAD\x1b")); });
  EXPECT_EQ(e.message(), "'HEAD\\x1b' is not a valid commit reference");
}

TEST(ResolveRef, HeadAndAncestorsWalkTheBranchHistory) {
  // given a three-commit history, when HEAD forms are resolved, then they pick newest-first.
  EXPECT_EQ(resolve("HEAD"), kC);
  EXPECT_EQ(resolve("HEAD^"), kB);
  EXPECT_EQ(resolve("HEAD~2"), kA);
  EXPECT_EQ(resolve("HEAD~^"), kA);
}

TEST(ResolveRef, AncestorBeyondTheFirstCommitSaysHowManyThereAre) {
  // given a three-commit history, when HEAD~3 is resolved, then NotFound names the count.
  Error e = thrown_error([] { resolve("HEAD~3"); });
  EXPECT_EQ(e.code(), Code::NotFound);
  EXPECT_EQ(e.message(), "branch master has only 3 commits; HEAD~3 does not exist");
}

TEST(ResolveRef, SingleCommitHistoryUsesSingular) {
  // given one commit, when HEAD^ is resolved, then the message says "1 commit".
  Error e =
      thrown_error([] { static_cast<void>(resolve_ref(parse_ref("HEAD^"), {kA}, {kA}, "dev")); });
  EXPECT_EQ(e.message(), "branch dev has only 1 commit; HEAD^ does not exist");
}

TEST(ResolveRef, HeadOnEmptyBranchSaysThereAreNoCommits) {
  // given a branch with no commits, when HEAD is resolved, then NotFound says so.
  Error e =
      thrown_error([] { static_cast<void>(resolve_ref(parse_ref("HEAD"), {}, {}, "master")); });
  EXPECT_EQ(e.code(), Code::NotFound);
  EXPECT_EQ(e.message(), "branch master has no commits yet");
}

TEST(ResolveRef, UniquePrefixAndFullIdResolveToTheFullId) {
  // given unique prefixes of several lengths and the full id, when resolved, then the full id
  // comes back.
  EXPECT_EQ(resolve("95c1"), kA);
  EXPECT_EQ(resolve("95c1c55"), kA);
  EXPECT_EQ(resolve(kA), kA);
  EXPECT_EQ(resolve("fd39db2a"), kB);
}

TEST(ResolveRef, UnknownPrefixIsNotFound) {
  // given a prefix no commit has, when resolved, then NotFound quotes it.
  Error e = thrown_error([] { resolve("beef"); });
  EXPECT_EQ(e.code(), Code::NotFound);
  EXPECT_EQ(e.message(), "unknown commit 'beef'");
}

TEST(ResolveRef, AmbiguousPrefixAsksForMoreCharacters) {
  // given a prefix two commits share, when resolved, then InvalidArgument says it is ambiguous
  // and the hint lists the candidates and asks for more characters.
  Error e = thrown_error([] { resolve("fd39db2"); });
  EXPECT_EQ(e.code(), Code::InvalidArgument);
  EXPECT_EQ(e.message(), "commit reference 'fd39db2' is ambiguous");
  EXPECT_NE(e.hint().find("more characters"), std::string::npos);
  EXPECT_NE(e.hint().find("2 commits"), std::string::npos);
}

TEST(ResolveRef, CommitOnlyAnotherBranchHasIsRefused) {
  // given a commit that exists but is not in master's history, when resolved on master, then
  // FailedPrecondition names its short id and the branch.
  Error e = thrown_error([] { resolve("0123"); });
  EXPECT_EQ(e.code(), Code::FailedPrecondition);
  EXPECT_EQ(e.message(), "commit 0123456 is not in the history of branch master");
}

TEST(ResolveRef, IdListedTwiceIsNotAmbiguous) {
  // given the same id in the history and in all commits, when its prefix is resolved, then it
  // counts once.
  EXPECT_EQ(resolve_ref(parse_ref("95c1"), {kA}, {kA, kA}, "master"), kA);
}

TEST(ShortId, TakesSevenCharacters) {
  // given a full id, when abbreviated, then seven characters remain, as git shows them.
  EXPECT_EQ(short_id(kB), "fd39db2");
}

}  // namespace
}  // namespace dvol
