#include "src/author.h"

#include <gtest/gtest.h>

namespace dvol {
namespace {

const char* kGit = "[user]\n\tname = Git Name\n\temail = git@example.com\n";

AuthorSources sources(std::optional<std::string> name, std::optional<std::string> email,
                      std::string gitconfig) {
  return AuthorSources{std::move(name), std::move(email), std::move(gitconfig), "luke", "box"};
}

TEST(ChooseAuthor, DvolConfigWinsOverGit) {
  // given both dvol config and git identity, when chosen, then dvol's name and email.
  EXPECT_EQ(choose_author(sources("Luke Marsden", "luke@clusterhq.com", kGit)),
            "Luke Marsden <luke@clusterhq.com>");
}

TEST(ChooseAuthor, GitConfigIsTheFallback) {
  // given no dvol config, when chosen, then the git identity.
  EXPECT_EQ(choose_author(sources(std::nullopt, std::nullopt, kGit)), "Git Name <git@example.com>");
}

TEST(ChooseAuthor, EachFieldFallsBackSeparately) {
  // given only a dvol name, when chosen, then git supplies the email.
  EXPECT_EQ(choose_author(sources("Luke", std::nullopt, kGit)), "Luke <git@example.com>");
}

TEST(ChooseAuthor, UserAtHostnameWhenNothingIsConfigured) {
  // given no identity anywhere, when chosen, then git's "<user> <<user>@<hostname>>".
  EXPECT_EQ(choose_author(sources(std::nullopt, std::nullopt, "")), "luke <luke@box>");
}

TEST(ChooseAuthor, NameWithoutEmailUsesUserAtHostnameAsEmail) {
  // given only a name, when chosen, then user@hostname fills the email, as git does.
  EXPECT_EQ(choose_author(sources("Luke", std::nullopt, "")), "Luke <luke@box>");
}

TEST(ChooseAuthor, EmailWithoutNameUsesTheLoginName) {
  // given only an email, when chosen, then the login name is the name.
  EXPECT_EQ(choose_author(sources(std::nullopt, "l@x", "")), "luke <l@x>");
}

TEST(ChooseAuthor, EmptyValuesCountAsUnset) {
  // given empty dvol values, when chosen, then git's values are used.
  EXPECT_EQ(choose_author(sources("", "", kGit)), "Git Name <git@example.com>");
}

}  // namespace
}  // namespace dvol
