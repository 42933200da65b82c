#include "src/user_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "expect_error.h"
#include "temp_dir.h"

namespace dvol {
namespace {

using testing::TempDir;
using testing::read_text;
using testing::thrown_error;

TEST(UserConfig, MissingFileIsAnEmptyConfiguration) {
  // given a root without config.json, when loaded, then every key is unset.
  TempDir root;
  UserConfig config = UserConfig::load(root.path());
  EXPECT_EQ(config.get("user.name"), std::nullopt);
  EXPECT_TRUE(config.list().empty());
}

TEST(UserConfig, SetValuesPersistAcrossLoads) {
  // given values set through one instance, when the root is loaded again, then they are there.
  TempDir root;
  UserConfig::load(root.path()).set("user.name", "Luke Marsden");
  UserConfig::load(root.path()).set("user.email", "luke@clusterhq.com");
  UserConfig config = UserConfig::load(root.path());
  EXPECT_EQ(config.get("user.name"), "Luke Marsden");
  EXPECT_EQ(config.get("user.email"), "luke@clusterhq.com");
}

TEST(UserConfig, ListGivesSetKeysInKnownOrder) {
  // given email set before name, when listed, then name comes first and unset keys are absent.
  TempDir root;
  UserConfig config = UserConfig::load(root.path());
  config.set("user.email", "e@x");
  EXPECT_EQ(config.list(),
            (std::vector<std::pair<std::string, std::string>>{{"user.email", "e@x"}}));
  config.set("user.name", "N");
  EXPECT_EQ(config.list(), (std::vector<std::pair<std::string, std::string>>{
                               {"user.name", "N"}, {"user.email", "e@x"}}));
}

TEST(UserConfig, UnknownKeyIsRefusedWithTheKnownKeys) {
  // given an unknown key, when read or set, then InvalidArgument names it and hints the keys,
  // and no file is written.
  TempDir root;
  UserConfig config = UserConfig::load(root.path());
  Error e = thrown_error([&] { config.set("user.nmae", "x"); });
  EXPECT_EQ(e.code(), Code::InvalidArgument);
  EXPECT_EQ(e.message(), "unknown config key 'user.nmae'");
  EXPECT_EQ(e.hint(), "known keys: user.name, user.email");
  EXPECT_EQ(thrown_error([&] { static_cast<void>(config.get("core.editor")); }).code(),
            Code::InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(root.path() / "config.json"));
}

TEST(UserConfig, ValuesWithNewlinesAreRefused) {
  // given a name with a newline (it would break the Author line), when set, then refused and
  // the saved value is unchanged.
  TempDir root;
  UserConfig config = UserConfig::load(root.path());
  config.set("user.name", "Old");
  EXPECT_EQ(thrown_error([&] { config.set("user.name", "a\nb"); }).code(), Code::InvalidArgument);
  EXPECT_EQ(config.get("user.name"), "Old");
  EXPECT_EQ(UserConfig::load(root.path()).get("user.name"), "Old");
}

TEST(UserConfig, InvalidUtf8IsRefusedRatherThanMangled) {
  // given a value that is not UTF-8, when set, then refused, so what is saved equals what was
  // given.
  TempDir root;
  UserConfig config = UserConfig::load(root.path());
  EXPECT_EQ(thrown_error([&] { config.set("user.name", "\xff"); }).code(), Code::InvalidArgument);
  EXPECT_EQ(config.get("user.name"), std::nullopt);
}

TEST(UserConfig, UnicodeAndQuotesRoundTrip) {
  // given a UTF-8 name with quotes, when saved and loaded, then it is unchanged.
  TempDir root;
  UserConfig::load(root.path()).set("user.name", "J\xc3\xb6rg \"Q\" O'Neil");
  EXPECT_EQ(UserConfig::load(root.path()).get("user.name"), "J\xc3\xb6rg \"Q\" O'Neil");
}

TEST(UserConfig, FileIsReadableJsonWithNoTemporaryLeftOver) {
  // given a value set, when the root is inspected, then config.json is the flat JSON object and
  // no temp file remains.
  TempDir root;
  UserConfig::load(root.path()).set("user.name", "N");
  EXPECT_EQ(read_text(root.path() / "config.json"), "{\n  \"user.name\": \"N\"\n}\n");
  EXPECT_FALSE(std::filesystem::exists(root.path() / "config.json.tmp"));
}

TEST(UserConfig, DamagedFileIsCorruption) {
  // given config.json that is not a JSON object of strings, when loaded, then Corruption
  // naming the file.
  for (const char* text : {"{not json", "[1,2]", "{\"user.name\": 5}", ""}) {
    TempDir root;
    std::ofstream(root.path() / "config.json") << text;
    Error e = thrown_error([&] { static_cast<void>(UserConfig::load(root.path())); });
    EXPECT_EQ(e.code(), Code::Corruption) << text;
    EXPECT_NE(e.message().find("config.json"), std::string::npos);
  }
}

TEST(UserConfig, KeysWrittenByANewerDvolSurviveASet) {
  // given a file with a key this dvol does not know, when a known key is set, then the other
  // key is still in the file.
  TempDir root;
  std::ofstream(root.path() / "config.json") << R"({"future.key": "v"})";
  UserConfig::load(root.path()).set("user.name", "N");
  EXPECT_NE(read_text(root.path() / "config.json").find("future.key"), std::string::npos);
}

}  // namespace
}  // namespace dvol
