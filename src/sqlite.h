#pragma once
// Thin RAII wrappers over the SQLite C API, translating every failure into dvol::Error in one
// place (docs/style.md point 8).
//
// Db owns a sqlite3 connection (closed by the destructor); Statement owns a prepared statement
// (finalized by the destructor); Transaction is a guard that rolls back unless commit() ran.
// None of them is thread-safe; each belongs to one operation of one process.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "io/error.h"

namespace dvol::sql {

class Statement;

// One open database connection. Move-only; the destructor closes it.
class Db {
 public:
  // Opens an existing file read-write (create = false) or creates it. Sets busy_timeout,
  // synchronous=FULL and foreign_keys=ON. Errors: NotFound if missing and !create, Io otherwise.
  [[nodiscard]] static Db open(const std::filesystem::path& path, bool create);

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements that return no rows.
  void exec(const std::string& sql);
  [[nodiscard]] Statement prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  [[nodiscard]] int64_t changes() const;
  // Rows changed by every INSERT/UPDATE/DELETE of this connection so far: moves on each write.
  [[nodiscard]] int64_t total_changes() const;
  // True while a transaction is open.
  [[nodiscard]] bool in_transaction() const;

  const std::filesystem::path& path() const { return path_; }
  // The Error for SQLite result `rc` while doing `what` (see sqlite.cc for the code mapping).
  [[nodiscard]] Error error(int rc, std::string_view what) const;

 private:
  Db(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

// A prepared statement bound to its Db (which must outlive it). Parameters are 1-based as in
// SQLite; columns are 0-based. Text and blobs are bound and read with explicit lengths, so any
// byte sequence round-trips exactly.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_nullable(int index, const std::optional<std::string>& text);  // nullopt: NULL

  // Advances to the next row: true if a row is available, false when done.
  [[nodiscard]] bool step();
  // Runs a statement that returns no rows (or whose rows are ignored).
  void run();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] int64_t int64(int column) const;
  [[nodiscard]] std::string text(int column) const;  // text or blob, byte for byte
  [[nodiscard]] std::optional<std::string> optional_text(int column) const;

 private:
  friend class Db;
  Statement(const Db* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void check_bind(int rc, int index);
  const Db* db_;
  sqlite3_stmt* stmt_;
};

// An IMMEDIATE transaction (takes the write lock at once, so two writers never deadlock on a
// lock upgrade). commit() makes the changes durable; the noexcept destructor rolls back if
// commit() did not run, so an exception thrown between begin and commit undoes every write.
class Transaction {
 public:
  [[nodiscard]] static Transaction begin(Db& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  // The commit point. On error the transaction has been rolled back.
  void commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}
  Db* db_;  // null once committed, rolled back or moved from
};

}  // namespace dvol::sql
