// A volume's remotes and what dvol knows each repository holds.
#include <gtest/gtest.h>

#include "src/remote/remote_state.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/temp_dir.h"

namespace dvol::remote {
namespace {

using testing::TempDir;
using testing::thrown_error;

TEST(RemoteState, RemotesAreAddedListedAndRemoved) {
  TempDir dir;
  auto file = dir.path() / "remotes.db";
  EXPECT_FALSE(RemoteState::open_existing(file).has_value());
  auto s = RemoteState::open(file);
  s.add_remote({"origin", "s3://hub/shop", ""});
  s.add_remote({"backup", "file:///mnt/b", ""});
  EXPECT_EQ(thrown_error([&] { s.add_remote({"origin", "file:///x", ""}); }).code(), Code::AlreadyExists);
  auto listed = s.remotes();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "backup");
  EXPECT_EQ(RemoteState::open_existing(file)->remote("origin")->url, "s3://hub/shop");
  s.remove_remote("backup");
  EXPECT_EQ(thrown_error([&] { s.remove_remote("backup"); }).code(), Code::NotFound);
}

TEST(RemoteState, TrackingIsKeptPerRepositoryAndGoesWithItsLastRemote) {
  TempDir dir;
  auto s = RemoteState::open(dir.path() / "remotes.db");
  RemoteRecord a{"origin", "s3://hub/shop", ""}, b{"mirror", "s3://hub/shop", ""};
  s.add_remote(a);
  s.add_remote(b);
  auto id = repository_id(a);
  EXPECT_EQ(id, repository_id(b));
  auto chunk = io::sha256("chunk");
  ChunkLocation where{io::sha256("pack"), 4096, 1234};
  s.add_chunks(id, {{chunk, where}});
  EXPECT_FALSE(s.knows(id));
  s.add_commit(id, std::string(40, 'a'), io::sha256("commit"));
  EXPECT_TRUE(s.knows(id));
  EXPECT_EQ(s.chunk(id, chunk), where);
  EXPECT_FALSE(s.chunk("another", chunk).has_value());
  s.forget_pack(id, io::sha256("another pack"));
  EXPECT_EQ(s.chunk(id, chunk), where);
  s.forget_pack(id, where.pack);
  EXPECT_FALSE(s.chunk(id, chunk).has_value());
  s.add_chunks(id, {{chunk, where}});
  s.remove_remote("origin");  // the mirror still names the repository
  EXPECT_EQ(s.commit_object(id, std::string(40, 'a')), io::sha256("commit"));
  s.remove_remote("mirror");
  EXPECT_FALSE(s.chunk(id, chunk).has_value());
  EXPECT_FALSE(s.commit_object(id, std::string(40, 'a')).has_value());
}

}  // namespace
}  // namespace dvol::remote
