#include "src/store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "expect_error.h"
#include "store_fixture.h"

namespace dvol {
namespace {

using testing::id_of;
using testing::ids;
using testing::make_commit;
using testing::StoreTest;
using testing::TempDir;
using testing::thrown_error;

TEST_F(StoreTest, CreatedVolumeReadsBackExactly) {
  // given a created store, when reopened, then the volume record is the one written.
  MetadataStore again = MetadataStore::open(path_);
  EXPECT_EQ(again.volume(), volume_);
}

TEST_F(StoreTest, LargeUnsignedValuesSurvive) {
  // given a 64-bit transaction id and sizes above 2^63, when written, then they read back.
  store_.set_transaction_id(UINT64_MAX);
  store_.set_data_bytes(1ull << 63);
  EXPECT_EQ(store_.volume().transaction_id, UINT64_MAX);
  EXPECT_EQ(store_.volume().data_bytes, 1ull << 63);
}

TEST_F(StoreTest, ReadsFollowThisStoresWritesAndRollbacks) {
  // given remembered reads, when this store writes, and then writes inside a transaction that
  // rolls back, then each read shows the database as it is: the write, then not the undone one.
  EXPECT_EQ(store_.volume().transaction_id, volume_.transaction_id);
  EXPECT_EQ(store_.branch("dev"), std::nullopt);
  store_.set_transaction_id(41);
  store_.add_branch(BranchRecord{"dev", 7, std::nullopt});
  EXPECT_EQ(store_.volume().transaction_id, 41u);
  EXPECT_EQ(store_.branch("dev")->thin_id, 7u);
  {
    auto txn = store_.begin();
    store_.set_transaction_id(42);
    store_.set_branch_thin("dev", 8);
    EXPECT_EQ(store_.volume().transaction_id, 42u);
    EXPECT_EQ(store_.branch("dev")->thin_id, 8u);
  }  // rolled back
  EXPECT_EQ(store_.volume().transaction_id, 41u);
  EXPECT_EQ(store_.branch("dev")->thin_id, 7u);
  EXPECT_TRUE(store_.commits().empty());
  auto c = make_commit('a', std::nullopt, 1);
  store_.add_commit(c);
  EXPECT_EQ(store_.commits().size(), 1u);
  EXPECT_EQ(store_.commit(c.id), c);
}

TEST_F(StoreTest, AnotherProcesssWritesAreSeenOnceReadsAreForgotten) {
  // given a store that has read the volume, when another connection (another dvol process)
  // changes it, then forget_reads() (what taking the volume's lock does) makes it read anew.
  EXPECT_EQ(store_.volume().transaction_id, volume_.transaction_id);
  MetadataStore::open(path_).set_transaction_id(99);
  store_.forget_reads();
  EXPECT_EQ(store_.volume().transaction_id, 99u);
}

TEST_F(StoreTest, IsFileAtTellsTheOpenedFileFromAReplacement) {
  // given an open store, when its file is replaced by a new database at the same path, then
  // is_file_at says so (false), while the store opened on the new file says true.
  EXPECT_TRUE(store_.is_file_at(path_));
  std::filesystem::remove(path_);
  MetadataStore fresh = MetadataStore::create(path_, volume_);
  EXPECT_FALSE(store_.is_file_at(path_));
  EXPECT_TRUE(fresh.is_file_at(path_));
  std::filesystem::remove(path_);
  EXPECT_FALSE(fresh.is_file_at(path_));
}

TEST_F(StoreTest, CreatingOverAnExistingFileIsRefused) {
  // given an existing database, when created again, then AlreadyExists and the old one keeps
  // its data.
  store_.set_transaction_id(7);
  Error e = thrown_error([&] { static_cast<void>(MetadataStore::create(path_, volume_)); });
  EXPECT_EQ(e.code(), Code::AlreadyExists);
  EXPECT_EQ(MetadataStore::open(path_).volume().transaction_id, 7u);
}

TEST_F(StoreTest, CreateLeavesNoTemporaryFileBehind) {
  // given a created store, when the directory is listed, then only dvol.db is there.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    names.push_back(entry.path().filename());
  }
  EXPECT_EQ(names, std::vector<std::string>{"dvol.db"});
}

TEST_F(StoreTest, OpeningAMissingDatabaseIsNotFound) {
  // given no file, when opened, then NotFound.
  Error e = thrown_error([&] { static_cast<void>(MetadataStore::open(dir_.path() / "none.db")); });
  EXPECT_EQ(e.code(), Code::NotFound);
}

TEST_F(StoreTest, GarbageFileIsReportedAsCorruption) {
  // given a file of random text where the database should be, when opened, then Corruption
  // with the path in the sentence and SQLite's reason in the detail.
  auto junk = dir_.path() / "junk.db";
  std::ofstream(junk) << "this is not a database\n" << std::string(8192, '#');
  Error e = thrown_error([&] { static_cast<void>(MetadataStore::open(junk)); });
  EXPECT_EQ(e.code(), Code::Corruption);
  EXPECT_EQ(e.message(), "metadata database " + junk.string() + " is damaged");
  EXPECT_NE(e.detail().find("not a database"), std::string::npos);
}

TEST_F(StoreTest, EmptyFileIsReportedAsCorruption) {
  // given an empty file (no schema), when opened, then Corruption rather than a confusing
  // "no such table" later.
  auto empty = dir_.path() / "empty.db";
  std::ofstream{empty};
  EXPECT_EQ(thrown_error([&] { static_cast<void>(MetadataStore::open(empty)); }).code(),
            Code::Corruption);
}

TEST_F(StoreTest, AnotherProgramsDatabaseAtOurVersionIsCorruptionWithAHint) {
  // given an SQLite database of someone else's schema that carries user_version 1, when
  // opened, then Corruption "is damaged" naming the missing table (not an I/O error at the
  // first query), with a hint to restore dvol.db that says the data files were not touched.
  auto other = dir_.path() / "other.db";
  {
    auto db = sql::Db::open(other, true);
    db.exec("CREATE TABLE t(x); PRAGMA user_version = 1");
  }
  Error e = thrown_error([&] { static_cast<void>(MetadataStore::open(other)); });
  EXPECT_EQ(e.code(), Code::Corruption);
  EXPECT_EQ(e.message(), "metadata database " + other.string() + " is damaged");
  EXPECT_NE(e.detail().find("table volume is missing"), std::string::npos) << e.detail();
  EXPECT_NE(e.hint().find("restore it from a backup"), std::string::npos) << e.hint();
}

TEST_F(StoreTest, NewerSchemaVersionIsUnsupported) {
  // given a database stamped by a newer dvol, when opened, then Unsupported with a hint to
  // upgrade.
  {
    auto db = sql::Db::open(path_, false);
    db.exec("PRAGMA user_version = 3");
  }
  Error e = thrown_error([&] { static_cast<void>(MetadataStore::open(path_)); });
  EXPECT_EQ(e.code(), Code::Unsupported);
  EXPECT_NE(e.hint().find("Upgrade"), std::string::npos);
}

TEST_F(StoreTest, SchemaVersionIsTwoAndKeepsTheDataDirectory) {
  // given a new database, when its header is read, then user_version is 2, and the volume's
  // data directory reads back as created.
  {
    auto db = sql::Db::open(path_, false);
    auto s = db.prepare("PRAGMA user_version");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.int64(0), 2);
  }
  EXPECT_EQ(store_.volume().data_dir, volume_.data_dir);
}

TEST_F(StoreTest, ASchemaOneDatabaseOfAnEarlierDvolOpensWithTheWholeFilesystemAsItsData) {
  // given the database of a volume made by an earlier dvol (schema 1: no data_dir column),
  // when opened, then it reads and writes as before, and its data directory is empty (the
  // filesystem's root, where that dvol put the user's files).
  store_.add_branch({"b", 9, std::nullopt});
  {
    auto db = sql::Db::open(path_, false);
    db.exec("ALTER TABLE volume DROP COLUMN data_dir; PRAGMA user_version = 1");
  }
  auto old = MetadataStore::open(path_);
  auto v = old.volume();
  EXPECT_EQ(v.data_dir, "");
  EXPECT_EQ(v.name, volume_.name);
  old.set_checked_out("b");
  EXPECT_EQ(MetadataStore::open(path_).volume().checked_out, "b");
}

TEST_F(StoreTest, BranchesAreListedInBytewiseOrder) {
  // given branches added out of order with mixed case, when listed, then bytewise order
  // (uppercase before lowercase).
  store_.add_branch({"zeta", 5, std::nullopt});
  store_.add_branch({"Zeta", 6, std::nullopt});
  store_.add_branch({"alpha", 7, std::nullopt});
  std::vector<std::string> names;
  for (const auto& b : store_.branches()) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zeta", "alpha", "master", "zeta"}));
}

TEST_F(StoreTest, BranchReadsBackAndMissingBranchIsNullopt) {
  // given a branch with a head, when read, then all fields match; an unknown name is nullopt.
  make_linear_history();
  store_.add_branch({"dev", 9, id_of('b')});
  EXPECT_EQ(store_.branch("dev"), (BranchRecord{"dev", 9, id_of('b')}));
  EXPECT_EQ(store_.branch("nope"), std::nullopt);
}

TEST_F(StoreTest, DuplicateBranchIsAlreadyExists) {
  // given master, when added again, then AlreadyExists and the original is untouched.
  Error e = thrown_error([&] { store_.add_branch({"master", 42, std::nullopt}); });
  EXPECT_EQ(e.code(), Code::AlreadyExists);
  EXPECT_EQ(store_.branch("master")->thin_id, 0u);
}

TEST_F(StoreTest, BranchWithUnknownHeadIsRefused) {
  // given a head that names no commit, when a branch is added, then NotFound and no branch.
  EXPECT_EQ(thrown_error([&] {
              store_.add_branch({"dev", 1, id_of('z')});
            }).code(),
            Code::NotFound);
  EXPECT_EQ(store_.branch("dev"), std::nullopt);
}

TEST_F(StoreTest, RemoveBranchDeletesItAndUnknownIsNotFound) {
  // given a second branch, when removed, then it is gone; removing it again is NotFound.
  store_.add_branch({"dev", 3, std::nullopt});
  store_.remove_branch("dev");
  EXPECT_EQ(store_.branch("dev"), std::nullopt);
  EXPECT_EQ(thrown_error([&] { store_.remove_branch("dev"); }).code(), Code::NotFound);
}

TEST_F(StoreTest, SetBranchHeadAndThinUpdateOnlyThatBranch) {
  // given two branches, when master's head and thin id change, then dev is unchanged.
  make_linear_history();
  store_.add_branch({"dev", 8, id_of('a')});
  store_.set_branch_head("master", id_of('b'));
  store_.set_branch_thin("master", 11);
  EXPECT_EQ(store_.branch("master"), (BranchRecord{"master", 11, id_of('b')}));
  EXPECT_EQ(store_.branch("dev"), (BranchRecord{"dev", 8, id_of('a')}));
  store_.set_branch_head("master", std::nullopt);
  EXPECT_EQ(store_.branch("master")->head, std::nullopt);
}

TEST_F(StoreTest, WritesToUnknownBranchesOrCommitsAreNotFound) {
  // given no branch "ghost" and no commit z, when written to, then NotFound each time.
  make_linear_history();
  EXPECT_EQ(thrown_error([&] { store_.set_branch_head("ghost", id_of('a')); }).code(),
            Code::NotFound);
  EXPECT_EQ(thrown_error([&] { store_.set_branch_thin("ghost", 1); }).code(), Code::NotFound);
  EXPECT_EQ(thrown_error([&] { store_.set_branch_head("master", id_of('z')); }).code(),
            Code::NotFound);
  EXPECT_EQ(thrown_error([&] { store_.set_checked_out("ghost"); }).code(), Code::NotFound);
  EXPECT_EQ(thrown_error([&] { store_.remove_commit(id_of('z')); }).code(), Code::NotFound);
  EXPECT_EQ(store_.branch("master")->head, id_of('c'));
}

TEST_F(StoreTest, SetCheckedOutChangesTheVolume) {
  // given a second branch, when checked out, then the volume records it.
  store_.add_branch({"dev", 3, std::nullopt});
  store_.set_checked_out("dev");
  EXPECT_EQ(store_.volume().checked_out, "dev");
}
TEST_F(StoreTest, TransactionDestroyedWithoutCommitRollsEveryWriteBack) {
  // given a commit recorded as several writes in a transaction, when the transaction is
  // destroyed without commit, then none of them is visible.
  make_linear_history();
  {
    auto txn = store_.begin();
    store_.add_commit(make_commit('d', 'c', 4));
    store_.set_branch_head("master", id_of('d'));
    store_.set_transaction_id(99);
    static_cast<void>(store_.allocate_thin_id());
  }
  EXPECT_EQ(store_.commit(id_of('d')), std::nullopt);
  EXPECT_EQ(store_.branch("master")->head, id_of('c'));
  EXPECT_EQ(store_.volume().transaction_id, 0u);
  EXPECT_EQ(store_.volume().next_thin_id, 1u);
}

TEST_F(StoreTest, CommittedTransactionPersistsAcrossReopen) {
  // given writes in a committed transaction, when the store is reopened, then they are there.
  {
    auto txn = store_.begin();
    store_.add_commit(make_commit('a', std::nullopt, 1));
    store_.set_branch_head("master", id_of('a'));
    store_.set_transaction_id(5);
    txn.commit();
  }
  MetadataStore again = MetadataStore::open(path_);
  EXPECT_EQ(again.branch("master")->head, id_of('a'));
  EXPECT_EQ(again.volume().transaction_id, 5u);
}

TEST_F(StoreTest, AllocateThinIdHandsOutIncreasingIds) {
  // given next_thin_id 1, when three ids are allocated, then 1, 2, 3 and next is 4.
  EXPECT_EQ(store_.allocate_thin_id(), 1u);
  EXPECT_EQ(store_.allocate_thin_id(), 2u);
  EXPECT_EQ(store_.allocate_thin_id(), 3u);
  EXPECT_EQ(store_.volume().next_thin_id, 4u);
}

TEST_F(StoreTest, AllocateThinIdStopsBeforeTheDiffSnapshotsId) {
  // given the last id below the diff snapshot's (the last 24-bit id) is next, when allocated
  // twice, then 0xFFFFFE and then ResourceExhausted, with the counter left in place: the diff
  // snapshot's id is never handed out.
  TempDir dir;
  VolumeRecord v = volume_;
  v.next_thin_id = 0xFFFFFE;
  MetadataStore store = MetadataStore::create(dir.path() / "dvol.db", v);
  EXPECT_EQ(store.allocate_thin_id(), 0xFFFFFEu);
  Error e = thrown_error([&] { static_cast<void>(store.allocate_thin_id()); });
  EXPECT_EQ(e.code(), Code::ResourceExhausted);
  EXPECT_EQ(store.volume().next_thin_id, 0xFFFFFFu);
  EXPECT_EQ(kDiffSnapshotThinId, 0xFFFFFFu);
}

TEST_F(StoreTest, NoIntentByDefault) {
  // given a new store, when the intent is read, then there is none.
  EXPECT_EQ(store_.intent(), std::nullopt);
}

TEST_F(StoreTest, IntentRoundTripsAndIsReplacedNotDuplicated) {
  // given an intent, when put, read, replaced, marked committed and cleared, then each read
  // shows exactly the latest state.
  Intent first{"commit", 3, {4, 0xFFFFFF}, {}, false, "branch master"};
  store_.put_intent(first);
  EXPECT_EQ(store_.intent(), first);

  Intent second{"reset", UINT64_MAX, {}, {1, 2, 3}, false, ""};
  store_.put_intent(second);
  EXPECT_EQ(store_.intent(), second);

  store_.mark_intent_committed();
  second.committed = true;
  EXPECT_EQ(store_.intent(), second);

  store_.clear_intent();
  EXPECT_EQ(store_.intent(), std::nullopt);
  EXPECT_NO_THROW(store_.clear_intent());  // already clear is fine
}

TEST_F(StoreTest, MarkingAMissingIntentCommittedIsNotFound) {
  // given no intent, when marked committed, then NotFound.
  EXPECT_EQ(thrown_error([&] { store_.mark_intent_committed(); }).code(), Code::NotFound);
}
}  // namespace
}  // namespace dvol
