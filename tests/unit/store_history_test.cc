#include <gtest/gtest.h>

#include "expect_error.h"
#include "src/store.h"
#include "store_fixture.h"

namespace dvol {
namespace {

using testing::id_of;
using testing::ids;
using testing::make_commit;
using testing::StoreTest;
using testing::TempDir;
using testing::thrown_error;

TEST_F(StoreTest, CommitReadsBackFieldForField) {
  // given a commit with a negative offset, when read by id, then every field matches;
  // an unknown id is nullopt.
  CommitRecord c = make_commit('a', std::nullopt, 4);
  c.utc_offset = -(3 * 3600 + 1800);
  c.time = -1;
  store_.add_commit(c);
  EXPECT_EQ(store_.commit(c.id), c);
  EXPECT_EQ(store_.commit(id_of('z')), std::nullopt);
}

TEST_F(StoreTest, MessagesAndAuthorsAreStoredByteForByte) {
  // given messages with newlines, quotes, leading dashes, UTF-8, invalid UTF-8 and 1 MiB, when
  // stored and read back, then each is identical.
  std::vector<std::string> messages = {
      "line one\nline two\n\n",
      "he said \"don't\" `rm -rf` $HOME \\n",
      "-m --message -- -",
      "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3 \xe6\x97\xa5\xe6\x9c\xac",
      "\xff\xfe broken \xc3",
      std::string(1 << 20, 'x') + "\nend",
      "\r\n\t trailing spaces   ",
  };
  char id = 'a';
  for (const auto& m : messages) {
    CommitRecord c = make_commit(id++, std::nullopt, 1);
    c.message = m;
    c.author = "J\xc3\xb6rg \"Q\" O'Neil <j@example.com>\n";
    store_.add_commit(c);
    auto back = store_.commit(c.id);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->message, m);
    EXPECT_EQ(back->author, c.author);
  }
}

TEST_F(StoreTest, DuplicateCommitAndUnknownParentAreRefused) {
  // given commit a, when a is added again or a commit names a missing parent, then
  // AlreadyExists / NotFound and the store has only a.
  store_.add_commit(make_commit('a', std::nullopt, 1));
  EXPECT_EQ(thrown_error([&] { store_.add_commit(make_commit('a', std::nullopt, 2)); }).code(),
            Code::AlreadyExists);
  EXPECT_EQ(thrown_error([&] { store_.add_commit(make_commit('b', 'z', 2)); }).code(),
            Code::NotFound);
  EXPECT_EQ(ids(store_.commits()), std::vector<std::string>{id_of('a')});
}

TEST_F(StoreTest, CommitsAreListedInTheOrderAdded) {
  // given commits added c-ish order, when listed, then insertion order, not id order.
  store_.add_commit(make_commit('c', std::nullopt, 1));
  store_.add_commit(make_commit('a', 'c', 2));
  store_.add_commit(make_commit('b', 'a', 3));
  EXPECT_EQ(ids(store_.commits()), (std::vector<std::string>{id_of('c'), id_of('a'), id_of('b')}));
}

TEST_F(StoreTest, HistoryIsNewestFirstFollowingParents) {
  // given a <- b <- c on master, when its history is read, then c, b, a.
  make_linear_history();
  EXPECT_EQ(ids(store_.history("master")),
            (std::vector<std::string>{id_of('c'), id_of('b'), id_of('a')}));
}

TEST_F(StoreTest, HistoryOfBranchWithoutCommitsIsEmpty) {
  // given master with no commits, when its history is read, then empty.
  EXPECT_TRUE(store_.history("master").empty());
}

TEST_F(StoreTest, HistoryOfUnknownBranchIsNotFound) {
  // given no branch "ghost", when its history is read, then NotFound.
  EXPECT_EQ(thrown_error([&] { static_cast<void>(store_.history("ghost")); }).code(),
            Code::NotFound);
}

TEST_F(StoreTest, BranchesShareHistoryUpToTheirForkPoint) {
  // given dev forked at b with its own commit d, when histories are read, then each walks back
  // through the shared commits.
  make_linear_history();
  store_.add_commit(make_commit('d', 'b', 4));
  store_.add_branch({"dev", 5, id_of('d')});
  EXPECT_EQ(ids(store_.history("dev")),
            (std::vector<std::string>{id_of('d'), id_of('b'), id_of('a')}));
}

TEST_F(StoreTest, RemoveCommitRelinksChildrenAndBranchHeads) {
  // given a <- b <- c on master and dev whose head is b, when b is removed, then b vanishes
  // from both histories while a and c remain, and dev's head becomes a.
  make_linear_history();
  store_.add_branch({"dev", 5, id_of('b')});
  store_.remove_commit(id_of('b'));
  EXPECT_EQ(store_.commit(id_of('b')), std::nullopt);
  EXPECT_EQ(ids(store_.history("master")), (std::vector<std::string>{id_of('c'), id_of('a')}));
  EXPECT_EQ(ids(store_.history("dev")), std::vector<std::string>{id_of('a')});
  EXPECT_EQ(store_.commit(id_of('c'))->parent, id_of('a'));
}

TEST_F(StoreTest, RemovingTheRootCommitLeavesChildrenAsRoots) {
  // given a <- b <- c, when a is removed, then b has no parent and master's history is c, b.
  make_linear_history();
  store_.remove_commit(id_of('a'));
  EXPECT_EQ(store_.commit(id_of('b'))->parent, std::nullopt);
  EXPECT_EQ(ids(store_.history("master")), (std::vector<std::string>{id_of('c'), id_of('b')}));
}

TEST_F(StoreTest, RemovingTheOnlyCommitEmptiesTheBranch) {
  // given master with the single commit a, when a is removed, then master has no head.
  store_.add_commit(make_commit('a', std::nullopt, 1));
  store_.set_branch_head("master", id_of('a'));
  store_.remove_commit(id_of('a'));
  EXPECT_EQ(store_.branch("master")->head, std::nullopt);
  EXPECT_TRUE(store_.history("master").empty());
}

TEST_F(StoreTest, RemoveCommitInsideARolledBackTransactionChangesNothing) {
  // given a removal inside a transaction that is abandoned, when it ends, then b and its links
  // are back.
  make_linear_history();
  {
    auto txn = store_.begin();
    store_.remove_commit(id_of('b'));
  }
  EXPECT_EQ(ids(store_.history("master")),
            (std::vector<std::string>{id_of('c'), id_of('b'), id_of('a')}));
}

TEST_F(StoreTest, UnreachableCommitsAfterAResetAreTheDroppedOnes) {
  // given a <- b <- c and master reset to a, when asked, then b and c are unreachable.
  make_linear_history();
  store_.set_branch_head("master", id_of('a'));
  EXPECT_EQ(store_.unreachable_commits(), (std::vector<std::string>{id_of('b'), id_of('c')}));
}

TEST_F(StoreTest, CommitsAnotherBranchStillHasAreReachable) {
  // given dev at c and master reset to a, when asked, then nothing is unreachable; after dev
  // is removed, b and c are.
  make_linear_history();
  store_.add_branch({"dev", 5, id_of('c')});
  store_.set_branch_head("master", id_of('a'));
  EXPECT_TRUE(store_.unreachable_commits().empty());
  store_.remove_branch("dev");
  EXPECT_EQ(store_.unreachable_commits(), (std::vector<std::string>{id_of('b'), id_of('c')}));
}
}  // namespace
}  // namespace dvol
