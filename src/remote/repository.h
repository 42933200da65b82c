#pragma once
// Repository: a remote's objects as dvol reads and writes them (see format.h), on any
// ObjectStore. Every read is verified against the hash that names it: an object that does not
// match is Corruption, and nothing built from it is used. Counts what it moved.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/object_store.h"
#include "src/remote/format.h"
#include "src/remote/remote_state.h"

namespace dvol::remote {

struct TransferCounts {
  uint64_t bytes_sent = 0, objects_sent = 0;
  uint64_t bytes_received = 0, objects_received = 0;
};

class Repository {
 public:
  explicit Repository(std::unique_ptr<io::ObjectStore> store) : store_(std::move(store)) {}

  std::string location() const { return store_->location(); }
  io::ObjectStore& store() { return *store_; }
  const TransferCounts& counts() const { return counts_; }

  // Before the first write: makes the repository's description if there is none.
  void prepare_for_writing();
  // Before reading: NotFound when the remote holds no dvol repository.
  void check_readable();

  struct RefState {
    std::optional<RemoteRef> ref;
    std::optional<std::string> etag;  // the ref object's version, for the compare-and-swap
  };
  [[nodiscard]] RefState read_ref(const std::string& branch);
  // Moves the ref from the version `read` saw to `to`; false if somebody else moved it first.
  [[nodiscard]] bool update_ref(const std::string& branch, const RemoteRef& to, const RefState& read);

  // The commit object, checked against `object` (its SHA-256 as its child or ref gives it).
  [[nodiscard]] RemoteCommit read_commit(const std::string& id, const Digest& object);
  // Writes a commit that the remote does not have yet; returns its object's hash. If another
  // push stored the same commit meanwhile, that object is read, checked and its hash returned.
  [[nodiscard]] Digest write_commit(const RemoteCommit& commit);

  [[nodiscard]] Segment read_segment(const Digest& hash);
  [[nodiscard]] Digest write_segment(const Segment& segment);
  // Starts sending a pack, several at once where the remote can take them (S3): it may still be
  // on its way when this returns. packs_arrived() names those that arrived since it was last
  // called; finish_packs() waits for the rest and names them.
  void send_pack(const Digest& hash, std::string bytes);
  [[nodiscard]] std::vector<Digest> packs_arrived();
  [[nodiscard]] std::vector<Digest> finish_packs();
  // The pack's size and age, nullopt if the remote does not have it.
  [[nodiscard]] std::optional<io::ListedObject> pack_info(const Digest& hash);

  // Reads and checks chunks, in few requests: chunks stored next to each other in one pack are
  // fetched together. `use` gets each entry (a reference into `entries`) with its
  // uncompressed bytes, checked against the entry's hash.
  void read_chunks(const std::vector<ChunkEntry>& entries,
                   const std::function<void(const ChunkEntry&, const std::string&)>& use);

 private:
  std::vector<Digest> count_arrived(const std::vector<std::string>& keys);

  std::unique_ptr<io::ObjectStore> store_;
  TransferCounts counts_;
  std::map<std::string, std::pair<Digest, uint64_t>> packs_on_their_way_;  // key -> hash, size
};

// Opens the remote's store: a directory for file://, else S3 with the AWS CLI's settings.
[[nodiscard]] std::unique_ptr<io::ObjectStore> open_object_store(const RemoteRecord& remote);

}  // namespace dvol::remote
