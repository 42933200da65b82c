#pragma once
// RemoteState: a volume's remotes and what dvol knows each repository holds, in remotes.db
// beside the volume's dvol.db (which it leaves alone: a volume without remotes has no such
// file). Like git's remote-tracking state, it lets an incremental push send what the remote
// lacks without listing the bucket:
//   - the commits the repository has, with the SHA-256 of each one's object;
//   - the chunks it has and where they are stored (recorded as soon as their pack arrived, so an
//     interrupted push resumes without sending them again).
// A repository is identified by its URL and endpoint, not the remote's name.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "src/remote/format.h"
#include "src/sqlite.h"

namespace dvol::remote {

struct RemoteRecord {
  std::string name;
  std::string url;           // canonical (RemoteUrl::text)
  std::string endpoint_url;  // --endpoint-url, or empty
  friend bool operator==(const RemoteRecord&, const RemoteRecord&) = default;
};

class RemoteState {
 public:
  // Opens the file, creating it if missing.
  [[nodiscard]] static RemoteState open(const std::filesystem::path& file);
  // Nothing if the file does not exist (reads of a volume that never had a remote).
  [[nodiscard]] static std::optional<RemoteState> open_existing(const std::filesystem::path& file);

  [[nodiscard]] std::vector<RemoteRecord> remotes();  // sorted by name
  [[nodiscard]] std::optional<RemoteRecord> remote(const std::string& name);
  void add_remote(const RemoteRecord& remote);  // AlreadyExists for a taken name
  void remove_remote(const std::string& name);  // NotFound if missing

  [[nodiscard]] std::optional<Digest> commit_object(const std::string& repository, const std::string& id);
  // True once any commit of the repository was recorded (a push or pull worked with it).
  [[nodiscard]] bool knows(const std::string& repository);
  void add_commit(const std::string& repository, const std::string& id, const Digest& object);
  [[nodiscard]] std::optional<ChunkLocation> chunk(const std::string& repository, const Digest& hash);
  // One pack's chunks, in one transaction.
  void add_chunks(const std::string& repository, const std::vector<std::pair<Digest, ChunkLocation>>& chunks);
  // Forgets the chunks of a pack the repository turned out not to have.
  void forget_pack(const std::string& repository, const Digest& pack);

 private:
  explicit RemoteState(sql::Db db) : db_(std::move(db)) {}
  sql::Db db_;
};

// The identity under which a repository's tracking state is kept.
std::string repository_id(const RemoteRecord& remote);

}  // namespace dvol::remote
