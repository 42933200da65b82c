#include "src/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <sstream>
#include <unordered_map>

#include "io/files.h"
#include "src/ref.h"

namespace dvol {
namespace {

// Messages and authors are BLOBs so SQLite never reinterprets their bytes.
constexpr const char* kSchema = R"sql(
CREATE TABLE volume (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL, uid TEXT NOT NULL, fs TEXT NOT NULL,
  size_bytes INTEGER NOT NULL, block_sectors INTEGER NOT NULL,
  data_bytes INTEGER NOT NULL, meta_bytes INTEGER NOT NULL,
  checked_out TEXT NOT NULL, transaction_id INTEGER NOT NULL,
  next_thin_id INTEGER NOT NULL, created INTEGER NOT NULL,
  used_bytes INTEGER NOT NULL DEFAULT 0, data_dir TEXT NOT NULL DEFAULT '');
CREATE TABLE commits (
  id TEXT PRIMARY KEY, thin_id INTEGER NOT NULL,
  parent TEXT REFERENCES commits(id),
  message BLOB NOT NULL, author BLOB NOT NULL,
  time INTEGER NOT NULL, utc_offset INTEGER NOT NULL);
CREATE TABLE branches (
  name TEXT PRIMARY KEY, thin_id INTEGER NOT NULL,
  head TEXT REFERENCES commits(id));
CREATE TABLE intent (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  op TEXT NOT NULL, txn_before INTEGER NOT NULL,
  created TEXT NOT NULL, doomed TEXT NOT NULL,
  committed INTEGER NOT NULL, detail TEXT NOT NULL);
)sql";

constexpr const char* kCommitColumns = "id, thin_id, parent, message, author, time, utc_offset";

// uint64 values (sizes, the kernel's 64-bit transaction id) are stored as their int64 bit
// pattern: SQLite integers are signed.
int64_t to_sql(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t from_sql(int64_t v) { return static_cast<uint64_t>(v); }

CommitRecord read_commit(const sql::Statement& s) {
  return CommitRecord{
      s.text(0),  static_cast<uint32_t>(s.int64(1)), s.optional_text(2), s.text(3), s.text(4),
      s.int64(5), static_cast<int32_t>(s.int64(6))};
}

BranchRecord read_branch(const sql::Statement& s) {
  return BranchRecord{s.text(0), static_cast<uint32_t>(s.int64(1)), s.optional_text(2)};
}

std::string join_ids(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) {
    if (!out.empty()) out += ' ';
    out += std::to_string(id);
  }
  return out;
}

std::vector<uint32_t> split_ids(const std::string& text, const std::filesystem::path& path) {
  std::vector<uint32_t> ids;
  std::istringstream in(text);
  uint64_t id = 0;
  while (in >> id) {
    if (id > 0xFFFFFF) break;  // not a 24-bit thin id
    ids.push_back(static_cast<uint32_t>(id));
  }
  if (!in.eof()) {
    throw Error(Code::Corruption, "metadata database " + path.string() + " is damaged",
                "bad thin id list in intent: '" + text + "'");
  }
  return ids;
}


}  // namespace

MetadataStore MetadataStore::create(const std::filesystem::path& db, const VolumeRecord& v) {
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) {
    throw Error(Code::AlreadyExists, "metadata database " + db.string() + " already exists");
  }
  // Build the whole database under a temporary name, then link it into place: a crash leaves
  // either no dvol.db or a complete one, never an empty schema.
  std::filesystem::path tmp = db;
  tmp += ".new";
  std::filesystem::remove(tmp, ec);  // ignored: left over from a crashed create, or absent
  {
    sql::Db fresh = sql::Db::open(tmp, /*create=*/true);
    auto txn = sql::Transaction::begin(fresh);
    fresh.exec(kSchema);
    fresh.exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion));
    fresh
        .prepare(
            "INSERT INTO volume (id, name, uid, fs, size_bytes, block_sectors, data_bytes, "
            "meta_bytes, checked_out, transaction_id, next_thin_id, created, used_bytes, data_dir) "
            "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, v.name)
        .bind(2, v.uid)
        .bind(3, v.fs)
        .bind(4, to_sql(v.size_bytes))
        .bind(5, int64_t{v.block_sectors})
        .bind(6, to_sql(v.data_bytes))
        .bind(7, to_sql(v.meta_bytes))
        .bind(8, v.checked_out)
        .bind(9, to_sql(v.transaction_id))
        .bind(10, int64_t{v.next_thin_id})
        .bind(11, v.created)
        .bind(12, to_sql(v.used_bytes))
        .bind(13, v.data_dir)
        .run();
    txn.commit();
  }  // closed here, so no journal file remains beside the temporary name
  // People's commit messages and names: root's alone (SQLite gives its journal the same mode).
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  try {
    // link, not rename: a database made meanwhile by another init is never replaced.
    io::link_new_file(tmp, db);
  } catch (const Error& e) {
    if (e.code() != Code::AlreadyExists) throw;
    throw Error(Code::AlreadyExists, "metadata database " + db.string() + " already exists");
  }
  return open(db);
}

MetadataStore MetadataStore::open(const std::filesystem::path& db) {
  FileId file;
  struct stat st {};
  if (::stat(db.c_str(), &st) == 0) file = {st.st_dev, st.st_ino};  // else Db::open says why
  try {
    MetadataStore store(sql::Db::open(db, /*create=*/false), file);
    store.check_schema();
    return store;
  } catch (const Error& e) {
    if (e.code() != Code::Corruption) throw;
    // Nothing else was read or touched: say so, and what the file is for.
    throw Error(e).with_hint("dvol.db holds the volume's branches and commits: restore it from a backup. "
                             "dvol has not touched the volume's data (data.img, meta.img).");
  }
}

bool MetadataStore::is_file_at(const std::filesystem::path& db) const {
  struct stat st {};
  return ::stat(db.c_str(), &st) == 0 && st.st_dev == file_.dev && st.st_ino == file_.ino;
}

void MetadataStore::check_schema() {
  const auto& db = db_.path();
  // The first read of the file: a file that is not SQLite fails here with SQLITE_NOTADB.
  auto s = db_.prepare("PRAGMA user_version");
  int64_t version = s.step() ? s.int64(0) : 0;
  schema_version_ = version;
  if (version > kStoreSchemaVersion) {
    throw Error(Code::Unsupported,
                "metadata database " + db.string() + " was written by a newer dvol",
                "schema version " + std::to_string(version) + ", this dvol reads up to " +
                    std::to_string(kStoreSchemaVersion))
        .with_hint("Upgrade dvol to use this volume.");
  }
  if (version < kOldestStoreSchemaVersion) {
    throw Error(Code::Corruption, "metadata database " + db.string() + " is damaged",
                "schema version " + std::to_string(version) + " is not a dvol schema");
  }
  // Another program's database that happens to carry our version number.
  for (const char* table : {"volume", "commits", "branches", "intent"}) {
    auto t = db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    t.bind(1, std::string_view(table));
    if (!t.step())
      throw Error(Code::Corruption, "metadata database " + db.string() + " is damaged",
                  std::string("table ") + table + " is missing: not a dvol schema");
  }
}

sql::Transaction MetadataStore::begin() { return sql::Transaction::begin(db_); }

void MetadataStore::expect_changed(const std::string& what) {
  if (db_.changes() == 0) throw Error(Code::NotFound, what + " does not exist");
}

void MetadataStore::forget_reads() { remembered_ = Remembered{}; }

bool MetadataStore::remembering() {
  if (db_.in_transaction()) return false;
  if (auto now = db_.total_changes(); now != remembered_.at_changes) {
    remembered_ = Remembered{};
    remembered_.at_changes = now;
  }
  return true;
}

VolumeRecord MetadataStore::volume() {
  const bool remember = remembering();
  if (remember && remembered_.volume) return *remembered_.volume;
  // Schema 1 has no data_dir: its volumes serve the whole filesystem.
  auto s = db_.prepare(std::string("SELECT name, uid, fs, size_bytes, block_sectors, data_bytes, meta_bytes, checked_out, "
                                   "transaction_id, next_thin_id, created, used_bytes, ") +
                       (schema_version_ >= 2 ? "data_dir" : "''") + " FROM volume WHERE id = 1");
  if (!s.step()) {
    throw Error(Code::Corruption, "metadata database " + db_.path().string() + " is damaged",
                "the volume row is missing");
  }
  VolumeRecord v{s.text(0),
                 s.text(1),
                 s.text(2),
                 from_sql(s.int64(3)),
                 static_cast<uint32_t>(s.int64(4)),
                 from_sql(s.int64(5)),
                 from_sql(s.int64(6)),
                 s.text(7),
                 from_sql(s.int64(8)),
                 static_cast<uint32_t>(s.int64(9)),
                 s.int64(10),
                 from_sql(s.int64(11)),
                 s.text(12)};
  if (remember) remembered_.volume = v;
  return v;
}

std::vector<BranchRecord> MetadataStore::branches() {
  // BINARY collation, SQLite's default, compares bytes: the bytewise order cli.md asks for.
  auto s = db_.prepare("SELECT name, thin_id, head FROM branches ORDER BY name");
  std::vector<BranchRecord> out;
  while (s.step()) out.push_back(read_branch(s));
  return out;
}

std::optional<BranchRecord> MetadataStore::branch(const std::string& name) {
  const bool remember = remembering();
  if (remember)
    if (auto it = remembered_.branches.find(name); it != remembered_.branches.end()) return it->second;
  auto s = db_.prepare("SELECT name, thin_id, head FROM branches WHERE name = ?");
  s.bind(1, name);
  std::optional<BranchRecord> b;
  if (s.step()) b = read_branch(s);
  if (remember) remembered_.branches.emplace(name, b);
  return b;
}

std::vector<CommitRecord> MetadataStore::commits() {
  const bool remember = remembering();
  if (remember && remembered_.commits) return *remembered_.commits;
  auto s = db_.prepare(std::string("SELECT ") + kCommitColumns + " FROM commits ORDER BY rowid");
  std::vector<CommitRecord> out;
  while (s.step()) out.push_back(read_commit(s));
  if (remember) remembered_.commits = out;
  return out;
}

std::optional<CommitRecord> MetadataStore::commit(const std::string& id) {
  if (remembering() && remembered_.commits) {
    for (const auto& c : *remembered_.commits)
      if (c.id == id) return c;
    return std::nullopt;
  }
  auto s = db_.prepare(std::string("SELECT ") + kCommitColumns + " FROM commits WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_commit(s);
}

std::vector<CommitRecord> MetadataStore::history(const std::string& branch_name) {
  auto b = branch(branch_name);
  if (!b) throw Error(Code::NotFound, "branch " + branch_name + " does not exist");
  std::unordered_map<std::string, CommitRecord> by_id;
  for (auto& c : commits()) by_id.emplace(c.id, std::move(c));

  std::vector<CommitRecord> out;
  std::optional<std::string> next = b->head;
  while (next) {
    auto it = by_id.find(*next);
    // Foreign keys make both impossible unless the file was edited or damaged.
    if (it == by_id.end() || out.size() >= by_id.size()) {
      throw Error(Code::Corruption, "metadata database " + db_.path().string() + " is damaged",
                  "history of branch " + branch_name + " is broken at commit " + short_id(*next));
    }
    out.push_back(it->second);
    next = it->second.parent;
  }
  return out;
}

std::vector<std::string> MetadataStore::unreachable_commits() {
  std::set<std::string> reachable;
  for (const auto& b : branches()) {
    for (const auto& c : history(b.name)) reachable.insert(c.id);
  }
  std::vector<std::string> out;
  for (const auto& c : commits()) {
    if (!reachable.contains(c.id)) out.push_back(c.id);
  }
  return out;
}

std::optional<Intent> MetadataStore::intent() {
  auto s = db_.prepare(
      "SELECT op, txn_before, created, doomed, committed, detail FROM intent WHERE id = 1");
  if (!s.step()) return std::nullopt;
  return Intent{s.text(0),
                from_sql(s.int64(1)),
                split_ids(s.text(2), db_.path()),
                split_ids(s.text(3), db_.path()),
                s.int64(4) != 0,
                s.text(5)};
}

void MetadataStore::set_checked_out(const std::string& name) {
  if (!branch(name)) throw Error(Code::NotFound, "branch " + name + " does not exist");
  db_.prepare("UPDATE volume SET checked_out = ? WHERE id = 1").bind(1, name).run();
}

void MetadataStore::add_branch(const BranchRecord& b) {
  if (branch(b.name)) throw Error(Code::AlreadyExists, "branch " + b.name + " already exists");
  if (b.head && !commit(*b.head)) {
    throw Error(Code::NotFound, "commit " + short_id(*b.head) + " does not exist");
  }
  db_.prepare("INSERT INTO branches (name, thin_id, head) VALUES (?, ?, ?)")
      .bind(1, b.name)
      .bind(2, int64_t{b.thin_id})
      .bind_nullable(3, b.head)
      .run();
}

void MetadataStore::remove_branch(const std::string& name) {
  db_.prepare("DELETE FROM branches WHERE name = ?").bind(1, name).run();
  expect_changed("branch " + name);
}

void MetadataStore::set_branch_head(const std::string& name,
                                    const std::optional<std::string>& commit_id) {
  if (commit_id && !commit(*commit_id)) {
    throw Error(Code::NotFound, "commit " + short_id(*commit_id) + " does not exist");
  }
  db_.prepare("UPDATE branches SET head = ? WHERE name = ?")
      .bind_nullable(1, commit_id)
      .bind(2, name)
      .run();
  expect_changed("branch " + name);
}

void MetadataStore::set_branch_thin(const std::string& name, uint32_t thin_id) {
  db_.prepare("UPDATE branches SET thin_id = ? WHERE name = ?")
      .bind(1, int64_t{thin_id})
      .bind(2, name)
      .run();
  expect_changed("branch " + name);
}

void MetadataStore::add_commit(const CommitRecord& c) {
  if (commit(c.id))
    throw Error(Code::AlreadyExists, "commit " + short_id(c.id) + " already exists");
  if (c.parent && !commit(*c.parent)) {
    throw Error(Code::NotFound, "commit " + short_id(*c.parent) + " does not exist");
  }
  db_.prepare(std::string("INSERT INTO commits (") + kCommitColumns +
              ") VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(1, c.id)
      .bind(2, int64_t{c.thin_id})
      .bind_nullable(3, c.parent)
      .bind_blob(4, c.message)
      .bind_blob(5, c.author)
      .bind(6, c.time)
      .bind(7, int64_t{c.utc_offset})
      .run();
}

void MetadataStore::remove_commit(const std::string& id) {
  auto doomed = commit(id);
  if (!doomed) throw Error(Code::NotFound, "commit " + short_id(id) + " does not exist");
  // Three statements that must land together: use a savepoint, which nests inside a caller's
  // Transaction and is atomic on its own otherwise.
  db_.exec("SAVEPOINT remove_commit");
  try {
    db_.prepare("UPDATE commits SET parent = ? WHERE parent = ?")
        .bind_nullable(1, doomed->parent)
        .bind(2, id)
        .run();
    db_.prepare("UPDATE branches SET head = ? WHERE head = ?")
        .bind_nullable(1, doomed->parent)
        .bind(2, id)
        .run();
    db_.prepare("DELETE FROM commits WHERE id = ?").bind(1, id).run();
    db_.exec("RELEASE remove_commit");
  } catch (...) {
    try {
      db_.exec("ROLLBACK TO remove_commit; RELEASE remove_commit");
    } catch (...) {
      // ignored: the original error is the one to report; the caller's Transaction (or closing
      // the connection) rolls back the rest.
    }
    throw;
  }
}

void MetadataStore::set_transaction_id(uint64_t id) {
  db_.prepare("UPDATE volume SET transaction_id = ? WHERE id = 1").bind(1, to_sql(id)).run();
}

void MetadataStore::set_used_bytes(uint64_t bytes) {
  db_.prepare("UPDATE volume SET used_bytes = ? WHERE id = 1").bind(1, to_sql(bytes)).run();
}

void MetadataStore::set_data_bytes(uint64_t bytes) {
  db_.prepare("UPDATE volume SET data_bytes = ? WHERE id = 1").bind(1, to_sql(bytes)).run();
}

uint32_t MetadataStore::allocate_thin_id() {
  // One statement reads and advances the counter, so no other writer can get the same id.
  auto s = db_.prepare(
      "UPDATE volume SET next_thin_id = next_thin_id + 1 WHERE id = 1 AND next_thin_id <= ? "
      "RETURNING next_thin_id - 1");
  s.bind(1, int64_t{kMaxThinId});
  if (!s.step()) {
    throw Error(Code::ResourceExhausted,
                "volume has used all " + std::to_string(kMaxThinId + 1) + " thin device ids")
        .with_hint("Create a new volume and copy the data across.");
  }
  auto id = static_cast<uint32_t>(s.int64(0));
  s.run();  // finish the statement so the update is complete
  return id;
}

void MetadataStore::put_intent(const Intent& i) {
  db_.prepare(
         "INSERT OR REPLACE INTO intent (id, op, txn_before, created, doomed, committed, detail) "
         "VALUES (1, ?, ?, ?, ?, ?, ?)")
      .bind(1, i.op)
      .bind(2, to_sql(i.txn_before))
      .bind(3, join_ids(i.created))
      .bind(4, join_ids(i.doomed))
      .bind(5, int64_t{i.committed ? 1 : 0})
      .bind(6, i.detail)
      .run();
}

void MetadataStore::mark_intent_committed() {
  db_.exec("UPDATE intent SET committed = 1 WHERE id = 1");
  expect_changed("intent");
}

void MetadataStore::clear_intent() { db_.exec("DELETE FROM intent"); }

BranchRecord MetadataStore::existing_branch(const std::string& name) {
  if (auto b = branch(name)) return *b;
  throw Error(Code::Corruption, "metadata database " + db_.path().string() + " is damaged",
              "branch " + name + " is named but missing")
      .with_hint("dvol.db holds the volume's branches and commits: restore it from a backup");
}

CommitRecord MetadataStore::existing_commit(const std::string& id) {
  if (auto c = commit(id)) return *c;
  throw Error(Code::Corruption, "metadata database " + db_.path().string() + " is damaged",
              "commit " + id + " is named but missing")
      .with_hint("dvol.db holds the volume's branches and commits: restore it from a backup");
}

}  // namespace dvol
