// The ObjectStore contract, on both kinds of remote: a directory, and a real S3 server (Ceph's
// RADOS Gateway, started by tests/remote/with_rgw.sh, which sets DVOL_TEST_S3_ENDPOINT, the
// bucket and the keys). Never a mock.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "io/file_object_store.h"
#include "io/s3_object_store.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/temp_dir.h"

namespace dvol::io {
namespace {

using dvol::testing::TempDir;
using dvol::testing::thrown_error;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

S3Location rgw(const std::string& prefix) {
  return S3Location{env("DVOL_TEST_S3_ENDPOINT"), "us-east-1", env("DVOL_TEST_S3_BUCKET"), prefix};
}
S3Credentials keys() { return {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), ""}; }

class ObjectStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "s3") {
      ASSERT_FALSE(env("DVOL_TEST_S3_ENDPOINT").empty()) << "run through tests/remote/with_rgw.sh (it starts the S3 server)";
    }
    // A prefix of its own per test: the bucket is shared by the whole run.
    static std::atomic<int> n{0};
    prefix_ = "t" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    store_ = client();
  }
  // Another client of the same store (as another process or machine would be).
  std::unique_ptr<ObjectStore> client() {
    if (GetParam() == "file") return std::make_unique<FileObjectStore>(dir_.path());
    return std::make_unique<S3ObjectStore>(rgw(prefix_), keys());
  }
  TempDir dir_;
  std::string prefix_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreContract, WhatIsPutIsReadBackWholeOrByRange) {
  auto& s = *store_;
  EXPECT_FALSE(s.get("refs/heads/master").has_value());
  EXPECT_FALSE(s.exists("packs/x"));
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4096);
  s.put("packs/x", big);
  auto got = s.get("packs/x");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->data, big);
  EXPECT_FALSE(got->etag.empty());
  EXPECT_TRUE(s.exists("packs/x"));
  auto info = s.stat("packs/x");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->size, big.size());
  EXPECT_LE(std::abs(info->modified - static_cast<int64_t>(::time(nullptr))), 120);
  EXPECT_FALSE(s.stat("packs/missing").has_value());
  EXPECT_EQ(s.get_range("packs/x", 1000000, 5000), big.substr(1000000, 5000));
  EXPECT_EQ(thrown_error([&] { (void)s.get_range("packs/x", big.size() - 10, 20); }).code(), Code::Corruption);
  EXPECT_EQ(thrown_error([&] { (void)s.get_range("packs/missing", 0, 20); }).code(), Code::Corruption);
  s.remove("packs/x");
  EXPECT_FALSE(s.exists("packs/x"));
  s.remove("packs/x");  // gone already: fine
}

TEST_P(ObjectStoreContract, CompareAndSwapMovesOnlyFromTheVersionSeen) {
  auto& s = *store_;
  EXPECT_TRUE(s.put_if("refs/heads/master", "one", std::nullopt));
  EXPECT_FALSE(s.put_if("refs/heads/master", "two", std::nullopt));  // exists already
  auto v1 = s.get("refs/heads/master");
  EXPECT_EQ(v1->data, "one");
  EXPECT_TRUE(s.put_if("refs/heads/master", "two", v1->etag));
  EXPECT_FALSE(s.put_if("refs/heads/master", "three", v1->etag));  // stale version
  EXPECT_EQ(s.get("refs/heads/master")->data, "two");
}

TEST_P(ObjectStoreContract, OfTwoRacingSwapsFromOneVersionExactlyOneWins) {
  auto& s = *store_;
  s.put("refs/heads/race", "base");
  auto base = s.get("refs/heads/race")->etag;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto own = client();
      if (own->put_if("refs/heads/race", "writer " + std::to_string(i), base)) ++wins;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(s.get("refs/heads/race")->data.rfind("writer ", 0), 0u);
}

TEST_P(ObjectStoreContract, ListingGivesKeysUnderAPrefixSortedWithSizes) {
  auto& s = *store_;
  s.put("segments/bb", "22");
  s.put("segments/aa", "1");
  s.put("packs/cc", "333");
  auto listed = s.list("segments/");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].key, "segments/aa");
  EXPECT_EQ(listed[0].size, 1u);
  EXPECT_EQ(listed[1].key, "segments/bb");
  EXPECT_GT(listed[1].modified, 1700000000);
  EXPECT_EQ(s.list("").size(), 3u);
  EXPECT_TRUE(s.list("nothing/").empty());
}

TEST_P(ObjectStoreContract, ObjectsPutLaterAllArriveAndEachIsNamedOnce) {
  auto& s = *store_;
  // More than can be on their way at once (io/s3_parallel_puts.h): later puts wait for room.
  std::map<std::string, std::string> sent;
  for (int i = 0; i < 12; ++i) {
    std::string bytes(6 << 20, static_cast<char>('a' + i));
    bytes[i] = '!';
    sent["packs/p" + std::to_string(i)] = bytes;
  }
  std::multiset<std::string> named;
  for (const auto& [key, bytes] : sent) {
    s.put_later(key, bytes);
    for (auto& k : s.arrived_puts()) named.insert(k);
  }
  for (auto& k : s.finish_puts()) named.insert(k);
  EXPECT_TRUE(s.arrived_puts().empty());
  std::multiset<std::string> keys;
  for (const auto& [key, bytes] : sent) keys.insert(key);
  EXPECT_EQ(named, keys);
  for (const auto& [key, bytes] : sent) EXPECT_EQ(s.get(key)->data, bytes) << key;
}

INSTANTIATE_TEST_SUITE_P(Remotes, ObjectStoreContract, ::testing::Values("file", "s3"),
                         [](const auto& info) { return info.param; });

TEST(S3Errors, WrongKeysAMissingBucketAndNoServerSayWhatIsWrong) {
  ASSERT_FALSE(env("DVOL_TEST_S3_ENDPOINT").empty()) << "run through tests/remote/with_rgw.sh";
  S3ObjectStore wrong(rgw("x"), {env("AWS_ACCESS_KEY_ID"), "not-the-secret", ""});
  auto denied = thrown_error([&] { (void)wrong.get("refs/heads/master"); });
  EXPECT_EQ(denied.code(), Code::PermissionDenied);
  EXPECT_EQ(denied.message(), "access to the remote s3://" + env("DVOL_TEST_S3_BUCKET") + "/x was denied (SignatureDoesNotMatch)");
  EXPECT_EQ(denied.hint().find("not-the-secret"), std::string::npos);

  // Sent in the background, refused all the same: the next call says why, and nothing arrived.
  S3ObjectStore wrong_later(rgw("x"), {env("AWS_ACCESS_KEY_ID"), "not-the-secret", ""});
  wrong_later.put_later("packs/a", "bytes");
  auto denied_later = thrown_error([&] { (void)wrong_later.finish_puts(); });
  EXPECT_EQ(denied_later.code(), Code::PermissionDenied);
  EXPECT_EQ(denied_later.message(), denied.message());

  auto where = rgw("");
  where.bucket = "no-such-bucket";
  S3ObjectStore missing(where, keys());
  auto none = thrown_error([&] { missing.put("a", "b"); });
  EXPECT_EQ(none.code(), Code::NotFound);
  EXPECT_EQ(none.message(), "the bucket no-such-bucket of remote s3://no-such-bucket does not exist");

  where = rgw("");
  where.endpoint_url = "http://127.0.0.1:1";  // nothing listens there
  S3ObjectStore down(where, keys());
  auto unreachable = thrown_error([&] { (void)down.get("a"); });
  EXPECT_EQ(unreachable.code(), Code::Unavailable);
  EXPECT_EQ(unreachable.message().rfind("cannot reach the remote s3://" + env("DVOL_TEST_S3_BUCKET") + " at http://127.0.0.1:1", 0), 0u)
      << unreachable.message();
}

TEST(FileStoreErrors, AMissingDirectoryIsNamed) {
  auto e = thrown_error([] { FileObjectStore s("/nonexistent/hub"); });
  EXPECT_EQ(e.code(), Code::NotFound);
  EXPECT_EQ(e.message(), "the remote directory /nonexistent/hub does not exist");
}

}  // namespace
}  // namespace dvol::io
