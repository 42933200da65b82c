#include "src/remote/repository.h"

#include <algorithm>
#include <map>

#include "io/compression.h"
#include "io/file_object_store.h"
#include "io/s3_object_store.h"
#include "src/error.h"
#include "src/remote/aws_settings.h"
#include "src/remote/remote_url.h"

namespace dvol::remote {

namespace {

// Adjacent chunks of a pack are fetched in one request of up to this many bytes.
constexpr uint64_t kMaxRangeBytes = 8 << 20;

Error damaged(const std::string& what, const std::string& remote, const std::string& why) {
  return Error(Code::Corruption, what + " on the remote " + remote + " is damaged", why)
      .with_hint("nothing was changed here; dvol remote verify checks every object of the remote");
}

Error missing(const std::string& what, const std::string& remote) {
  return Error(Code::Corruption, what + " is missing from the remote " + remote)
      .with_hint("nothing was changed here; was the remote's data removed by hand?");
}

}  // namespace

void Repository::prepare_for_writing() {
  auto existing = store_->get(repository_key());
  if (existing) {
    check_repository(existing->data, location());
    return;
  }
  auto description = encode_repository();
  if (!store_->put_if(repository_key(), description, std::nullopt)) {
    auto now = store_->get(repository_key());
    if (!now) throw Error(Code::Unavailable, "the remote " + location() + " changed while dvol set it up; try again");
    check_repository(now->data, location());
  }
  counts_.bytes_sent += description.size();
  ++counts_.objects_sent;
}

void Repository::check_readable() {
  auto existing = store_->get(repository_key());
  if (!existing)
    throw Error(Code::NotFound, "the remote " + location() + " holds no dvol repository")
        .with_hint("check the URL; a repository is made by the first dvol push to it");
  check_repository(existing->data, location());
}

Repository::RefState Repository::read_ref(const std::string& branch) {
  RefState out;
  auto stored = store_->get(ref_key(branch));
  if (!stored) return out;
  counts_.bytes_received += stored->data.size();
  ++counts_.objects_received;
  out.ref = decode_ref(stored->data, "branch " + branch + " of " + location());
  out.etag = stored->etag;
  return out;
}

bool Repository::update_ref(const std::string& branch, const RemoteRef& to, const RefState& read) {
  auto bytes = encode_ref(to);
  bool moved = store_->put_if(ref_key(branch), bytes, read.ref ? read.etag : std::nullopt);
  if (!moved) {
    // A write whose answer was lost reads as a lost race: look at what the ref says now.
    auto now = read_ref(branch);
    moved = now.ref && *now.ref == to;
  }
  if (moved) {
    counts_.bytes_sent += bytes.size();
    ++counts_.objects_sent;
  }
  return moved;
}

RemoteCommit Repository::read_commit(const std::string& id, const Digest& object) {
  auto stored = store_->get(commit_key(id));
  if (!stored) throw missing("commit " + id, location());
  counts_.bytes_received += stored->data.size();
  ++counts_.objects_received;
  if (io::sha256(stored->data) != object) throw damaged("commit " + id, location(), "its hash does not match");
  return decode_commit(stored->data, id);
}

Digest Repository::write_commit(const RemoteCommit& commit) {
  auto bytes = encode_commit(commit);
  if (store_->put_if(commit_key(commit.id), bytes, std::nullopt)) {
    counts_.bytes_sent += bytes.size();
    ++counts_.objects_sent;
    return io::sha256(bytes);
  }
  // Already there (pushed before from here or from another machine): use it as it is.
  auto stored = store_->get(commit_key(commit.id));
  if (!stored) throw Error(Code::Unavailable, "the remote " + location() + " changed while dvol wrote to it; try again");
  auto theirs = decode_commit(stored->data, commit.id);
  if (theirs.parent != commit.parent || theirs.size_bytes != commit.size_bytes)
    throw damaged("commit " + commit.id, location(), "a different commit is stored under its id");
  return io::sha256(stored->data);
}

Segment Repository::read_segment(const Digest& hash) {
  auto stored = store_->get(segment_key(hash));
  if (!stored) throw missing("a manifest segment", location());
  counts_.bytes_received += stored->data.size();
  ++counts_.objects_received;
  if (io::sha256(stored->data) != hash) throw damaged("a manifest segment", location(), "its hash does not match");
  return decode_segment(stored->data, "a manifest segment");
}

Digest Repository::write_segment(const Segment& segment) {
  auto bytes = encode_segment(segment);
  auto hash = io::sha256(bytes);
  // One request whether or not it is there already (and never a rewrite).
  if (store_->put_if(segment_key(hash), bytes, std::nullopt)) {
    counts_.bytes_sent += bytes.size();
    ++counts_.objects_sent;
  }
  return hash;
}

void Repository::send_pack(const Digest& hash, std::string bytes) {
  auto key = pack_key(hash);
  packs_on_their_way_[key] = {hash, bytes.size()};
  store_->put_later(key, std::move(bytes));
}

std::vector<Digest> Repository::packs_arrived() { return count_arrived(store_->arrived_puts()); }

std::vector<Digest> Repository::finish_packs() { return count_arrived(store_->finish_puts()); }

std::vector<Digest> Repository::count_arrived(const std::vector<std::string>& keys) {
  std::vector<Digest> packs;
  for (const auto& key : keys) {
    auto it = packs_on_their_way_.find(key);
    if (it == packs_on_their_way_.end()) continue;
    packs.push_back(it->second.first);
    counts_.bytes_sent += it->second.second;
    ++counts_.objects_sent;
    packs_on_their_way_.erase(it);
  }
  return packs;
}

std::optional<io::ListedObject> Repository::pack_info(const Digest& hash) { return store_->stat(pack_key(hash)); }

void Repository::read_chunks(const std::vector<ChunkEntry>& entries,
                             const std::function<void(const ChunkEntry&, const std::string&)>& use) {
  // By pack, then offset; runs of adjacent frames become one ranged read.
  std::vector<const ChunkEntry*> order;
  for (const auto& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const ChunkEntry* a, const ChunkEntry* b) {
    return a->where.pack != b->where.pack ? a->where.pack < b->where.pack : a->where.offset < b->where.offset;
  });
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i + 1;
    uint64_t begin = order[i]->where.offset, end = begin + order[i]->where.stored_bytes;
    while (j < order.size() && order[j]->where.pack == order[i]->where.pack && order[j]->where.offset >= end &&
           order[j]->where.offset - end < 4096 && order[j]->where.offset + order[j]->where.stored_bytes - begin <= kMaxRangeBytes) {
      end = order[j]->where.offset + order[j]->where.stored_bytes;
      ++j;
    }
    std::string range;
    try {
      range = store_->get_range(pack_key(order[i]->where.pack), begin, end - begin);
    } catch (const Error& e) {
      if (e.code() == Code::Corruption) throw missing("a pack of chunks (" + e.message() + ")", location());
      throw;
    }
    counts_.bytes_received += range.size();
    ++counts_.objects_received;
    for (size_t k = i; k < j; ++k) {
      const auto& e = *order[k];
      std::string data;
      try {
        data = io::decompress(std::string_view(range).substr(e.where.offset - begin, e.where.stored_bytes), kChunkBytes);
      } catch (const Error& err) {
        throw damaged("a chunk", location(), err.detail());
      }
      if (io::sha256(data) != e.hash) throw damaged("a chunk", location(), "its hash does not match");
      use(e, data);
    }
    i = j;
  }
}

std::unique_ptr<io::ObjectStore> open_object_store(const RemoteRecord& remote) {
  auto url = parse_remote_url(remote.url);
  if (url.kind == RemoteUrl::Kind::File) return std::make_unique<io::FileObjectStore>(url.dir);
  const char* home = std::getenv("HOME");
  auto settings = resolve_aws_settings(process_environment(), home ? home : "/root", remote.endpoint_url);
  io::S3Location where{settings.endpoint_url, settings.region, url.bucket, url.prefix};
  return std::make_unique<io::S3ObjectStore>(
      where, io::S3Credentials{settings.access_key_id, settings.secret_access_key, settings.session_token});
}

}  // namespace dvol::remote
