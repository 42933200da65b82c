#include "src/remote/format.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "io/compression.h"
#include "io/base64.h"
#include "io/error.h"

namespace dvol::remote {

using nlohmann::json;

namespace {

constexpr char kSegmentMagic[8] = {'D', 'V', 'O', 'L', 'S', 'E', 'G', '1'};
constexpr char kPackMagic[8] = {'D', 'V', 'O', 'L', 'P', 'A', 'K', '1'};
// A segment's largest possible encoding, for decompression: magic, counts, and per entry an
// index, a hash, a pack number, an offset and a length.
constexpr uint64_t kMaxSegmentBytes = 16 + 4 + kSegmentChunks * (32 + 4) + kSegmentChunks * (4 + 32 + 4 + 8 + 4);

Error corrupt(const std::string& what, const std::string& why) {
  return Error(Code::Corruption, what + " on the remote is damaged", why)
      .with_hint("dvol remote verify checks every object of the remote");
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>(v >> (8 * i) & 0xff);
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i) & 0xff);
}

// Reads little-endian fields from a byte string; any read past the end is Corruption.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& what) : bytes_(bytes), what_(what) {}
  std::string_view take(size_t n) {
    if (bytes_.size() - pos_ < n) throw corrupt(what_, "truncated");
    auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint32_t u32() {
    auto s = take(4);
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(s[i]);
    return v;
  }
  uint64_t u64() {
    auto s = take(8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(s[i]);
    return v;
  }
  Digest digest() {
    auto s = take(32);
    Digest d;
    std::copy(s.begin(), s.end(), d.begin());
    return d;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  const std::string& what_;
};

std::string hex(const Digest& d) { return io::to_hex(d); }

// A commit id as dvol makes them: 40 lowercase hex digits (it names objects and local rows).
bool is_commit_id(const std::string& id) {
  return id.size() == 40 && std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Digest digest_field(const json& j, const char* name, const std::string& what) {
  Digest d;
  if (!j.contains(name) || !j[name].is_string() || !io::from_hex(j[name].get<std::string>(), d))
    throw corrupt(what, std::string("bad field ") + name);
  return d;
}

bool is_utf8(const std::string& text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// Messages and authors are kept byte for byte: text as text, anything else in base64.
void put_bytes(json& j, const char* name, const std::string& value) {
  if (is_utf8(value))
    j[name] = value;
  else
    j[std::string(name) + "_base64"] = io::base64(value);
}

std::string get_bytes(const json& j, const char* name, const std::string& what) {
  if (j.contains(name) && j[name].is_string()) return j[name].get<std::string>();
  auto b = std::string(name) + "_base64";
  if (j.contains(b) && j[b].is_string())
    if (auto v = io::unbase64(j[b].get<std::string>())) return *v;
  throw corrupt(what, std::string("bad field ") + name);
}

json parse_object(std::string_view bytes, const std::string& what) {
  try {
    auto j = json::parse(bytes);
    if (!j.is_object()) throw corrupt(what, "not a JSON object");
    return j;
  } catch (const json::exception& e) {
    throw corrupt(what, e.what());
  }
}

}  // namespace

std::string repository_key() { return "dvol-repository"; }
std::string ref_key(const std::string& branch) { return "refs/heads/" + branch; }
std::string commit_key(const std::string& id) { return "commits/" + id; }
std::string segment_key(const Digest& hash) { return "segments/" + hex(hash); }
std::string pack_key(const Digest& hash) { return "packs/" + hex(hash); }

std::string encode_repository() {
  return json{{"format", kFormat}, {"chunk_bytes", kChunkBytes}, {"segment_chunks", kSegmentChunks}}.dump() + "\n";
}

void check_repository(std::string_view bytes, const std::string& remote) {
  auto j = parse_object(bytes, "the repository description of " + remote);
  if (!j.contains("format") || !j["format"].is_number_integer())
    throw corrupt("the repository description of " + remote, "no format");
  if (j["format"].get<int>() > kFormat)
    throw Error(Code::Unsupported, "the remote " + remote + " was written by a newer dvol (format " +
                                       std::to_string(j["format"].get<int>()) + ")")
        .with_hint("upgrade dvol to use it");
  if (j.value("chunk_bytes", uint64_t{0}) != kChunkBytes || j.value("segment_chunks", uint32_t{0}) != kSegmentChunks)
    throw corrupt("the repository description of " + remote, "unexpected chunk or segment size");
}

std::string encode_ref(const RemoteRef& ref) {
  return json{{"commit", ref.commit}, {"object", hex(ref.object)}}.dump() + "\n";
}

RemoteRef decode_ref(std::string_view bytes, const std::string& what) {
  auto j = parse_object(bytes, what);
  RemoteRef r;
  if (!j.contains("commit") || !j["commit"].is_string() || !is_commit_id(j["commit"].get<std::string>()))
    throw corrupt(what, "bad commit id");
  r.commit = j["commit"].get<std::string>();
  r.object = digest_field(j, "object", what);
  return r;
}

std::string encode_segment(const Segment& segment) {
  // Packs are listed once and entries refer to them by number.
  std::vector<Digest> packs;
  std::string body(kSegmentMagic, sizeof kSegmentMagic);
  std::string entries;
  for (const auto& e : segment.entries) {
    auto it = std::find(packs.begin(), packs.end(), e.where.pack);
    uint32_t n = static_cast<uint32_t>(it - packs.begin());
    if (it == packs.end()) packs.push_back(e.where.pack);
    put_u32(entries, e.index);
    entries.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
    put_u32(entries, n);
    put_u64(entries, e.where.offset);
    put_u32(entries, e.where.stored_bytes);
  }
  put_u32(body, static_cast<uint32_t>(packs.size()));
  for (const auto& p : packs) body.append(reinterpret_cast<const char*>(p.data()), p.size());
  put_u32(body, static_cast<uint32_t>(segment.entries.size()));
  body += entries;
  return io::compress(body);
}

Segment decode_segment(std::string_view bytes, const std::string& what) {
  std::string body;
  try {
    body = io::decompress(bytes, kMaxSegmentBytes);
  } catch (const Error& e) {
    throw corrupt(what, e.detail());
  }
  Reader r(body, what);
  if (r.take(sizeof kSegmentMagic) != std::string_view(kSegmentMagic, sizeof kSegmentMagic))
    throw corrupt(what, "not a segment");
  uint32_t npacks = r.u32();
  if (npacks > kSegmentChunks) throw corrupt(what, "too many packs");
  std::vector<Digest> packs;
  for (uint32_t i = 0; i < npacks; ++i) packs.push_back(r.digest());
  uint32_t n = r.u32();
  if (n > kSegmentChunks) throw corrupt(what, "too many entries");
  Segment s;
  for (uint32_t i = 0; i < n; ++i) {
    ChunkEntry e;
    e.index = r.u32();
    e.hash = r.digest();
    uint32_t pack = r.u32();
    e.where.offset = r.u64();
    e.where.stored_bytes = r.u32();
    if (pack >= packs.size() || e.index >= kSegmentChunks || (!s.entries.empty() && s.entries.back().index >= e.index) ||
        e.where.stored_bytes == 0 || e.where.stored_bytes > 2 * kChunkBytes)
      throw corrupt(what, "bad entry");
    e.where.pack = packs[pack];
    s.entries.push_back(e);
  }
  if (!r.done()) throw corrupt(what, "trailing bytes");
  return s;
}

std::string encode_commit(const RemoteCommit& c) {
  json j{{"format", kFormat}, {"id", c.id}, {"time", c.time}, {"utc_offset", c.utc_offset},
         {"size_bytes", c.size_bytes}, {"fs", c.fs}, {"data_dir", c.data_dir}};
  if (c.parent) {
    j["parent"] = *c.parent;
    j["parent_object"] = hex(c.parent_object.value_or(Digest{}));
  }
  put_bytes(j, "message", c.message);
  put_bytes(j, "author", c.author);
  json segments = json::array();
  for (const auto& s : c.segments) segments.push_back(s ? json(hex(*s)) : json(nullptr));
  j["segments"] = std::move(segments);
  return j.dump() + "\n";
}

RemoteCommit decode_commit(std::string_view bytes, const std::string& id) {
  const std::string what = "commit " + id;
  auto j = parse_object(bytes, what);
  RemoteCommit c;
  try {
    if (j.at("format").get<int>() > kFormat)
      throw Error(Code::Unsupported, what + " on the remote was written by a newer dvol").with_hint("upgrade dvol");
    c.id = j.at("id").get<std::string>();
    c.time = j.at("time").get<int64_t>();
    c.utc_offset = j.at("utc_offset").get<int32_t>();
    c.size_bytes = j.at("size_bytes").get<uint64_t>();
    c.fs = j.at("fs").get<std::string>();
    c.data_dir = j.at("data_dir").get<std::string>();
    if (j.contains("parent")) {
      c.parent = j["parent"].get<std::string>();
      c.parent_object = digest_field(j, "parent_object", what);
    }
    for (const auto& s : j.at("segments")) {
      if (s.is_null()) {
        c.segments.push_back(std::nullopt);
        continue;
      }
      Digest d;
      if (!s.is_string() || !io::from_hex(s.get<std::string>(), d)) throw corrupt(what, "bad segment");
      c.segments.push_back(d);
    }
  } catch (const json::exception& e) {
    throw corrupt(what, e.what());
  }
  c.message = get_bytes(j, "message", what);
  c.author = get_bytes(j, "author", what);
  if (c.id != id) throw corrupt(what, "it holds commit " + c.id);
  if (!is_commit_id(c.id) || (c.parent && !is_commit_id(*c.parent))) throw corrupt(what, "bad commit id");
  if ((c.fs != "ext4" && c.fs != "xfs") || c.size_bytes == 0 || c.segments.size() != segment_count(c.size_bytes))
    throw corrupt(what, "bad volume description");
  return c;
}

uint64_t segment_count(uint64_t size_bytes) {
  const uint64_t segment_bytes = kChunkBytes * kSegmentChunks;
  return (size_bytes + segment_bytes - 1) / segment_bytes;
}

PackBuilder::Placed PackBuilder::add(const Digest& hash, std::string_view bytes) {
  // Room for a full pack, its last chunk and its index at once: grown by doubling, a pack's
  // buffer would take twice its size.
  if (data_.capacity() == 0) data_.reserve(kPackBytes + 2 * kChunkBytes);
  Placed at{data_.size(), 0};
  at.stored = static_cast<uint32_t>(io::compress_append(data_, bytes));
  index_.push_back({hash, at.offset, at.stored, static_cast<uint32_t>(bytes.size())});
  return at;
}

std::pair<std::string, Digest> PackBuilder::finish() {
  // The index (for dvol remote verify and gc, which read packs without manifests): per chunk
  // its hash, offset, stored and uncompressed size; then the entry count and the magic.
  std::string out = std::move(data_);
  for (const auto& e : index_) {
    out.append(reinterpret_cast<const char*>(e.hash.data()), e.hash.size());
    put_u64(out, e.offset);
    put_u32(out, e.stored);
    put_u32(out, e.bytes);
  }
  put_u32(out, static_cast<uint32_t>(index_.size()));
  out.append(kPackMagic, sizeof kPackMagic);
  data_.clear();
  index_.clear();
  auto hash = io::sha256(out);
  return {std::move(out), hash};
}

}  // namespace dvol::remote
