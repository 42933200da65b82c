#include "src/sqlite.h"

#include <cstdio>
#include <utility>

#include "io/crash_point.h"

namespace dvol::sql {
namespace {

// Long enough to ride out another dvol's short metadata write; the state lock serialises whole
// operations, so a longer wait means something is stuck and the user should hear about it.
constexpr int kBusyTimeoutMs = 10'000;

}  // namespace

Error Db::error(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  const std::string detail = std::string(what) + ": " +
                             (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)) + " (sqlite code " +
                             std::to_string(rc) + ")";
  const std::string p = path_.string();
  switch (primary) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(Code::Corruption, "metadata database " + p + " is damaged", detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(Code::Unavailable, "metadata database " + p + " is busy; try again", detail);
    case SQLITE_FULL:
      return Error(Code::ResourceExhausted, "no space left to write metadata database " + p,
                   detail);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Error(Code::PermissionDenied, "cannot write metadata database " + p, detail);
    case SQLITE_CONSTRAINT:
      return Error(Code::FailedPrecondition, "metadata database " + p + " refused a change",
                   detail);
    default:
      return Error(Code::Io, "cannot access metadata database " + p, detail);
  }
}

Db Db::open(const std::filesystem::path& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec)) {
    throw Error(Code::NotFound, "metadata database " + path.string() + " does not exist");
  }
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw, path);  // owns raw even on failure: sqlite3_open_v2 may allocate a handle anyway
  if (rc != SQLITE_OK) throw db.error(rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // synchronous=FULL: a commit is on disk before we touch the kernel; durability beats speed.
  db.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
  return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Db::~Db() {
  // sqlite3_close_v2 defers the close until outstanding statements are finalized.
  if (db_) sqlite3_close_v2(db_);
}

void Db::exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  sqlite3_free(msg);  // sqlite3_errmsg still has the text for error()
  if (rc != SQLITE_OK) throw error(rc, sql);
}

Statement Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) throw error(rc, std::string(sql));
  return Statement(this, stmt);
}

int64_t Db::changes() const { return sqlite3_changes64(db_); }

int64_t Db::total_changes() const { return sqlite3_total_changes64(db_); }

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) throw db_->error(rc, "bind parameter " + std::to_string(index));
}

Statement& Statement::bind(int index, int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  check_bind(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
      index);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob with a null pointer would bind NULL; zeroblob keeps it an empty value.
  int rc = bytes.empty()
               ? sqlite3_bind_zeroblob(stmt_, index, 0)
               : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  check_bind(rc, index);
  return *this;
}

Statement& Statement::bind_nullable(int index, const std::optional<std::string>& text) {
  if (!text) {
    check_bind(sqlite3_bind_null(stmt_, index), index);
    return *this;
  }
  return bind(index, std::string_view(*text));
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw db_->error(rc, sqlite3_sql(stmt_));
}

void Statement::run() {
  // A write outside a transaction commits on its own: a durable step of its own.
  if (!sqlite3_stmt_readonly(stmt_) && sqlite3_get_autocommit(sqlite3_db_handle(stmt_)))
    io::crash_point("sqlite write");
  while (step()) {
  }
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  // For a blob column, column_blob returns the bytes unconverted; ask for the pointer before
  // the size, as SQLite documents.
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

Transaction Transaction::begin(Db& db) {
  db.exec("BEGIN IMMEDIATE");
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (!db_) return;
  try {
    db_->exec("ROLLBACK");
  } catch (const std::exception& e) {
    // Ignored beyond logging: SQLite rolls back automatically when the connection closes, and
    // a destructor must not throw.
    std::fprintf(stderr, "dvol: warning: rollback of metadata transaction failed: %s\n", e.what());
  }
}

void Transaction::commit() {
  Db* db = std::exchange(db_, nullptr);
  io::crash_point("sqlite commit");
  try {
    db->exec("COMMIT");
  } catch (...) {
    // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY): end it, so the
    // connection is usable and nothing half-written survives.
    try {
      db->exec("ROLLBACK");
    } catch (...) {
      // ignored: the transaction may already have been rolled back by SQLite itself.
    }
    throw;
  }
}

}  // namespace dvol::sql
