#include "src/remote/remote_state.h"

#include <system_error>

#include "src/error.h"

namespace dvol::remote {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS remotes (
  name TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  endpoint_url TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS remote_commits (
  repository TEXT NOT NULL,
  id TEXT NOT NULL,
  object BLOB NOT NULL,
  PRIMARY KEY (repository, id)
);
CREATE TABLE IF NOT EXISTS remote_chunks (
  repository TEXT NOT NULL,
  hash BLOB NOT NULL,
  pack BLOB NOT NULL,
  offset INTEGER NOT NULL,
  stored INTEGER NOT NULL,
  PRIMARY KEY (repository, hash)
);
)sql";

std::string_view bytes_of(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

Digest digest_of(const std::string& blob, const std::filesystem::path& file) {
  Digest d{};
  if (blob.size() != d.size()) throw Error(Code::Corruption, "the remote-tracking state " + file.string() + " is damaged")
      .with_hint("remove it: the next push or pull reads what the remote holds again (remotes must be added again)");
  std::copy(blob.begin(), blob.end(), d.begin());
  return d;
}

}  // namespace

std::string repository_id(const RemoteRecord& remote) { return remote.url + " " + remote.endpoint_url; }

RemoteState RemoteState::open(const std::filesystem::path& file) {
  auto db = sql::Db::open(file, true);
  db.exec(kSchema);
  return RemoteState(std::move(db));
}

std::optional<RemoteState> RemoteState::open_existing(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  return open(file);
}

std::vector<RemoteRecord> RemoteState::remotes() {
  std::vector<RemoteRecord> out;
  auto q = db_.prepare("SELECT name, url, endpoint_url FROM remotes ORDER BY name");
  while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
  return out;
}

std::optional<RemoteRecord> RemoteState::remote(const std::string& name) {
  auto q = db_.prepare("SELECT name, url, endpoint_url FROM remotes WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return RemoteRecord{q.text(0), q.text(1), q.text(2)};
}

void RemoteState::add_remote(const RemoteRecord& r) {
  if (remote(r.name))
    throw Error(Code::AlreadyExists, "remote " + r.name + " already exists")
        .with_hint("remove it first (dvol remote rm " + r.name + ") or choose another name");
  db_.prepare("INSERT INTO remotes (name, url, endpoint_url) VALUES (?, ?, ?)").bind(1, r.name).bind(2, r.url).bind(3, r.endpoint_url).run();
}

void RemoteState::remove_remote(const std::string& name) {
  auto r = remote(name);
  if (!r) throw Error(Code::NotFound, "no remote named " + name).with_hint("dvol remote -v lists the volume's remotes");
  auto tx = sql::Transaction::begin(db_);
  db_.prepare("DELETE FROM remotes WHERE name = ?").bind(1, name).run();
  // The tracking state goes with the last remote naming the repository.
  auto q = db_.prepare("SELECT COUNT(*) FROM remotes WHERE url = ? AND endpoint_url = ?");
  q.bind(1, r->url).bind(2, r->endpoint_url);
  if (q.step() && q.int64(0) == 0) {
    const auto id = repository_id(*r);
    db_.prepare("DELETE FROM remote_commits WHERE repository = ?").bind(1, id).run();
    db_.prepare("DELETE FROM remote_chunks WHERE repository = ?").bind(1, id).run();
  }
  tx.commit();
}

std::optional<Digest> RemoteState::commit_object(const std::string& repository, const std::string& id) {
  auto q = db_.prepare("SELECT object FROM remote_commits WHERE repository = ? AND id = ?");
  q.bind(1, repository).bind(2, id);
  if (!q.step()) return std::nullopt;
  return digest_of(q.text(0), db_.path());
}

bool RemoteState::knows(const std::string& repository) {
  auto q = db_.prepare("SELECT 1 FROM remote_commits WHERE repository = ? LIMIT 1");
  q.bind(1, repository);
  return q.step();
}

void RemoteState::add_commit(const std::string& repository, const std::string& id, const Digest& object) {
  db_.prepare("INSERT OR REPLACE INTO remote_commits (repository, id, object) VALUES (?, ?, ?)")
      .bind(1, repository)
      .bind(2, id)
      .bind_blob(3, bytes_of(object))
      .run();
}

std::optional<ChunkLocation> RemoteState::chunk(const std::string& repository, const Digest& hash) {
  auto q = db_.prepare("SELECT pack, offset, stored FROM remote_chunks WHERE repository = ? AND hash = ?");
  q.bind(1, repository).bind_blob(2, bytes_of(hash));
  if (!q.step()) return std::nullopt;
  return ChunkLocation{digest_of(q.text(0), db_.path()), static_cast<uint64_t>(q.int64(1)),
                       static_cast<uint32_t>(q.int64(2))};
}

void RemoteState::add_chunks(const std::string& repository, const std::vector<std::pair<Digest, ChunkLocation>>& chunks) {
  auto tx = sql::Transaction::begin(db_);
  for (const auto& [hash, where] : chunks) {
    db_.prepare("INSERT OR REPLACE INTO remote_chunks (repository, hash, pack, offset, stored) VALUES (?, ?, ?, ?, ?)")
        .bind(1, repository)
        .bind_blob(2, bytes_of(hash))
        .bind_blob(3, bytes_of(where.pack))
        .bind(4, static_cast<int64_t>(where.offset))
        .bind(5, static_cast<int64_t>(where.stored_bytes))
        .run();
  }
  tx.commit();
}

void RemoteState::forget_pack(const std::string& repository, const Digest& pack) {
  db_.prepare("DELETE FROM remote_chunks WHERE repository = ? AND pack = ?").bind(1, repository).bind_blob(2, bytes_of(pack)).run();
}

}  // namespace dvol::remote
