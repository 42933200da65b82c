#include "src/sqlite.h"

#include <gtest/gtest.h>

#include <fstream>

#include "expect_error.h"
#include "temp_dir.h"

namespace dvol::sql {
namespace {

using dvol::testing::TempDir;
using dvol::testing::thrown_error;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(Db::open(dir_.path() / "t.db", /*create=*/true));
    db_->exec("CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB)");
  }
  int64_t count() {
    auto s = db_->prepare("SELECT count(*) FROM t");
    EXPECT_TRUE(s.step());
    return s.int64(0);
  }

  TempDir dir_;
  std::optional<Db> db_;
};

TEST_F(SqliteTest, OpeningAMissingFileWithoutCreateIsNotFound) {
  // given no file, when opened without create, then NotFound names the path and no file appears.
  auto path = dir_.path() / "missing.db";
  Error e = thrown_error([&] { static_cast<void>(Db::open(path, false)); });
  EXPECT_EQ(e.code(), Code::NotFound);
  EXPECT_NE(e.message().find(path.string()), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(SqliteTest, TransactionDestroyedWithoutCommitRollsBack) {
  // given an insert inside a transaction, when the guard dies without commit, then the row is
  // gone.
  {
    auto txn = Transaction::begin(*db_);
    db_->prepare("INSERT INTO t VALUES ('a', 'x')").run();
  }
  EXPECT_EQ(count(), 0);
}

TEST_F(SqliteTest, TransactionRollsBackWhenAnExceptionUnwindsIt) {
  // given an insert followed by a throw, when the exception leaves the scope, then the row is
  // gone and the connection takes new transactions.
  try {
    auto txn = Transaction::begin(*db_);
    db_->prepare("INSERT INTO t VALUES ('a', 'x')").run();
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(count(), 0);
  auto txn = Transaction::begin(*db_);
  db_->prepare("INSERT INTO t VALUES ('b', 'y')").run();
  txn.commit();
  EXPECT_EQ(count(), 1);
}

TEST_F(SqliteTest, CommittedTransactionIsVisibleToANewConnection) {
  // given a committed insert, when another connection reads, then it sees the row.
  auto txn = Transaction::begin(*db_);
  db_->prepare("INSERT INTO t VALUES ('a', 'x')").run();
  txn.commit();
  Db other = Db::open(dir_.path() / "t.db", false);
  auto s = other.prepare("SELECT v FROM t WHERE k = 'a'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "x");
}

TEST_F(SqliteTest, SecondWriterIsToldTheDatabaseIsBusy) {
  // given one connection holding a write transaction, when another begins one, then after the
  // busy timeout it gets Unavailable (retrying later may work).
  Db other = Db::open(dir_.path() / "t.db", false);
  other.exec("PRAGMA busy_timeout = 50");
  auto txn = Transaction::begin(*db_);
  Error e = thrown_error([&] { static_cast<void>(Transaction::begin(other)); });
  EXPECT_EQ(e.code(), Code::Unavailable);
}

TEST_F(SqliteTest, BlobsAndTextRoundTripEveryByte) {
  // given a value holding every byte value including NUL, when stored and read as blob and as
  // text, then the bytes come back unchanged.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  db_->prepare("INSERT INTO t VALUES (?, ?)").bind(1, "k").bind_blob(2, all).run();
  auto s = db_->prepare("SELECT v FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), all);
}

TEST_F(SqliteTest, EmptyBlobIsEmptyNotNull) {
  // given an empty blob, when stored, then it reads back as an empty value, not NULL.
  db_->prepare("INSERT INTO t VALUES ('k', ?)").bind_blob(1, "").run();
  auto s = db_->prepare("SELECT v FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_FALSE(s.is_null(0));
  EXPECT_EQ(s.optional_text(0), std::string());
}

TEST_F(SqliteTest, NullableBindsNullForNullopt) {
  // given nullopt, when bound, then the column is NULL and reads as nullopt.
  db_->prepare("INSERT INTO t VALUES ('k', ?)").bind_nullable(1, std::nullopt).run();
  auto s = db_->prepare("SELECT v FROM t");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.optional_text(0), std::nullopt);
}

TEST_F(SqliteTest, BadSqlIsAnErrorNamingTheDatabase) {
  // given a statement that cannot compile, when prepared, then a dvol::Error carries the path
  // and SQLite's message in its detail.
  Error e = thrown_error([&] { static_cast<void>(db_->prepare("SELEKT 1")); });
  EXPECT_NE(e.message().find("t.db"), std::string::npos);
  EXPECT_NE(e.detail().find("syntax error"), std::string::npos);
}

TEST_F(SqliteTest, GarbageFileIsReportedAsDamaged) {
  // given a file that is not SQLite, when read, then Corruption says the database is damaged.
  auto path = dir_.path() / "junk.db";
  std::ofstream(path) << std::string(4096, 'x');
  Error e = thrown_error([&] {
    Db junk = Db::open(path, false);
    auto s = junk.prepare("PRAGMA user_version");
    static_cast<void>(s.step());
  });
  EXPECT_EQ(e.code(), Code::Corruption);
  EXPECT_EQ(e.message(), "metadata database " + path.string() + " is damaged");
  EXPECT_FALSE(e.detail().empty());
}

}  // namespace
}  // namespace dvol::sql
