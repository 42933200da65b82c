#pragma once
// The format of a remote repository: what each object holds and under which key. Pure logic:
// encoding and decoding, each decoder refusing anything malformed with Corruption.
//
//   dvol-repository        {"format": 1, "chunk_bytes": ...}: what a reader must understand
//   refs/heads/BRANCH      {"commit": ID, "object": SHA}: the only mutable objects
//   commits/ID             a commit: its id, message, author, date, parent (id and the SHA-256
//                          of the parent's object), the volume's size and filesystem, and the
//                          SHA-256 of each manifest segment
//   segments/SHA           one segment of a manifest: the non-zero chunks of SEGMENT_CHUNKS
//                          consecutive chunks, each with its hash and where it is stored
//   packs/SHA              chunks, each one zstd frame, followed by an index of them
//
// Every object but the ref and the commit is named by the SHA-256 of its bytes; a commit is
// named by its id and verified by the SHA-256 its child or ref gives. So a ref pins every byte
// below it (a hash tree), and every object is checked when read. Chunks are CHUNK_BYTES of the
// volume at aligned offsets, named by the SHA-256 of their uncompressed bytes; a chunk of zeros
// is never stored (its segment has no entry for it).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/sha256.h"

namespace dvol::remote {

using io::Digest;

inline constexpr int kFormat = 1;
// 256 KiB: four 64 KiB pool blocks; a small change costs little to send, and a GiB is 4096
// chunks (a few hundred KiB of manifest).
inline constexpr uint64_t kChunkBytes = 256 << 10;
// Chunks per manifest segment: 256 MiB of volume; a commit that changes a few blocks rewrites
// one segment of at most 1024 entries.
inline constexpr uint32_t kSegmentChunks = 1024;
// dvol remote gc removes unreachable objects only when older than this (by default)...
inline constexpr int64_t kGcGraceSeconds = 24 * 3600;
// ...and a push reuses a chunk in a pack that no ref reaches only if the pack is younger than
// this: so a push (or a resumed one) that finishes within it never names a pack gc removes.
inline constexpr int64_t kReuseSeconds = kGcGraceSeconds / 2;
// Packs are sent once they reach this size (compressed): an interrupted push sends again at
// most the packs that were on their way, of which there are a few at a time
// (io/s3_parallel_puts.h: what bounds a push's memory).
inline constexpr uint64_t kPackBytes = 16 << 20;

std::string repository_key();
std::string ref_key(const std::string& branch);
std::string commit_key(const std::string& id);
std::string segment_key(const Digest& hash);
std::string pack_key(const Digest& hash);

std::string encode_repository();
// Unsupported if a newer dvol made the repository; Corruption if it is not one.
void check_repository(std::string_view bytes, const std::string& remote);

struct RemoteRef {
  std::string commit;  // 40 hex
  Digest object{};     // SHA-256 of the commit's object
  friend bool operator==(const RemoteRef&, const RemoteRef&) = default;
};
std::string encode_ref(const RemoteRef& ref);
RemoteRef decode_ref(std::string_view bytes, const std::string& what);

// Where a chunk's compressed frame is stored.
struct ChunkLocation {
  Digest pack{};
  uint64_t offset = 0;
  uint32_t stored_bytes = 0;  // the zstd frame
  friend bool operator==(const ChunkLocation&, const ChunkLocation&) = default;
};

struct ChunkEntry {
  uint32_t index = 0;  // within the segment
  Digest hash{};       // of the uncompressed chunk
  ChunkLocation where;
  friend bool operator==(const ChunkEntry&, const ChunkEntry&) = default;
};

struct Segment {
  std::vector<ChunkEntry> entries;  // sorted by index, one per non-zero chunk
  friend bool operator==(const Segment&, const Segment&) = default;
};
std::string encode_segment(const Segment& segment);  // compressed
Segment decode_segment(std::string_view bytes, const std::string& what);

struct RemoteCommit {
  std::string id;
  std::optional<std::string> parent;
  std::optional<Digest> parent_object;  // with parent
  std::string message, author;          // byte for byte
  int64_t time = 0;
  int32_t utc_offset = 0;
  uint64_t size_bytes = 0;  // the volume's filesystem size
  std::string fs;           // "ext4" or "xfs"
  std::string data_dir;
  // One per segment of the volume; nullopt where the whole segment is zeros.
  std::vector<std::optional<Digest>> segments;
  friend bool operator==(const RemoteCommit&, const RemoteCommit&) = default;
};
std::string encode_commit(const RemoteCommit& commit);
// Corruption unless `bytes` is a commit object whose id is `id`.
RemoteCommit decode_commit(std::string_view bytes, const std::string& id);

// Segments a volume of `size_bytes` has.
uint64_t segment_count(uint64_t size_bytes);

// Builds one pack: frames appended, then finish() adds the index.
class PackBuilder {
 public:
  struct Placed {
    uint64_t offset;  // of the chunk's frame in the pack
    uint32_t stored;  // the frame's size
  };
  // Compresses a chunk into the pack (straight into its buffer); returns where it is.
  Placed add(const Digest& hash, std::string_view bytes);
  uint64_t size() const { return data_.size(); }
  size_t chunks() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  // The pack's bytes and their hash (the pack's name); the builder is empty afterwards.
  std::pair<std::string, Digest> finish();

 private:
  struct IndexEntry {
    Digest hash;
    uint64_t offset;
    uint32_t stored, bytes;
  };
  std::string data_;
  std::vector<IndexEntry> index_;
};

}  // namespace dvol::remote
