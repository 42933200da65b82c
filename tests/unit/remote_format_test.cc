// The remote repository's objects: each encoding decodes to what was encoded, and anything
// damaged is refused as Corruption, never half-used.
#include <gtest/gtest.h>

#include "io/compression.h"
#include "src/remote/format.h"
#include "tests/unit/expect_error.h"

namespace dvol::remote {
namespace {

using testing::thrown_error;

Digest digest_of(const std::string& s) { return io::sha256(s); }

RemoteCommit sample_commit() {
  RemoteCommit c;
  c.id = std::string(40, 'a');
  c.parent = std::string(40, 'b');
  c.parent_object = digest_of("parent");
  c.message = "import base schema\n\nwith a body";
  c.author = "Ada <ada@example.com>";
  c.time = 1765000000;
  c.utc_offset = 3600;
  c.size_bytes = 1ull << 30;
  c.fs = "ext4";
  c.data_dir = "data";
  c.segments.assign(segment_count(c.size_bytes), std::nullopt);
  c.segments[1] = digest_of("segment");
  return c;
}

TEST(RemoteFormat, CommitsRoundTripByteForByteEvenWithMessagesThatAreNotUtf8) {
  auto c = sample_commit();
  EXPECT_EQ(decode_commit(encode_commit(c), c.id), c);
  c.message = std::string("caf\xe9 \xff\x00 end", 10);
  c.author = "N\xc3 <x@y>";
  c.parent.reset();
  c.parent_object.reset();
  EXPECT_EQ(decode_commit(encode_commit(c), c.id), c);
}

TEST(RemoteFormat, ACommitStoredUnderAnotherIdOrDamagedIsRefused) {
  auto c = sample_commit();
  auto bytes = encode_commit(c);
  EXPECT_EQ(thrown_error([&] { (void)decode_commit(bytes, std::string(40, 'c')); }).code(), Code::Corruption);
  EXPECT_EQ(thrown_error([&] { (void)decode_commit(bytes.substr(0, bytes.size() / 2), c.id); }).code(), Code::Corruption);
  auto bad_parent = sample_commit();
  bad_parent.parent = std::string(39, 'a') + "/";
  EXPECT_EQ(thrown_error([&] { (void)decode_commit(encode_commit(bad_parent), bad_parent.id); }).code(), Code::Corruption);
  c.segments.pop_back();  // fewer segments than the size needs
  EXPECT_EQ(thrown_error([&] { (void)decode_commit(encode_commit(c), c.id); }).code(), Code::Corruption);
}

TEST(RemoteFormat, SegmentsRoundTripAndEveryTruncationIsRefused) {
  Segment s;
  for (uint32_t i = 0; i < 50; ++i)
    s.entries.push_back({i * 7, digest_of("chunk" + std::to_string(i)), {digest_of(i % 3 ? "pack1" : "pack2"), i * 1000ull, 900 + i}});
  auto bytes = encode_segment(s);
  EXPECT_EQ(decode_segment(bytes, "segment"), s);
  auto body = io::decompress(bytes, 1 << 20);
  for (size_t cut : {size_t{0}, size_t{7}, body.size() / 2, body.size() - 1}) {
    auto e = thrown_error([&] { (void)decode_segment(io::compress(body.substr(0, cut)), "segment"); });
    EXPECT_EQ(e.code(), Code::Corruption) << cut;
  }
  EXPECT_EQ(thrown_error([&] { (void)decode_segment("not zstd at all", "segment"); }).code(), Code::Corruption);
}

TEST(RemoteFormat, SegmentEntriesOutOfOrderOrPointingNowhereAreRefused) {
  Segment s;
  s.entries.push_back({5, digest_of("a"), {digest_of("p"), 0, 10}});
  s.entries.push_back({5, digest_of("b"), {digest_of("p"), 10, 10}});  // the same index twice
  EXPECT_EQ(thrown_error([&] { (void)decode_segment(encode_segment(s), "segment"); }).code(), Code::Corruption);
  s.entries.resize(1);
  s.entries[0].index = kSegmentChunks;  // past the segment
  EXPECT_EQ(thrown_error([&] { (void)decode_segment(encode_segment(s), "segment"); }).code(), Code::Corruption);
}

TEST(RemoteFormat, RefsRoundTripAndBadOnesAreRefused) {
  RemoteRef r{std::string(40, 'f'), digest_of("object")};
  EXPECT_EQ(decode_ref(encode_ref(r), "ref"), r);
  EXPECT_EQ(thrown_error([] { (void)decode_ref("{\"commit\": \"abc\"}", "ref"); }).code(), Code::Corruption);
  EXPECT_EQ(thrown_error([] { (void)decode_ref("[]", "ref"); }).code(), Code::Corruption);
  // A ref names objects and local rows by its commit id: only dvol's ids pass.
  r.commit = "../../../../../../../../etc/passwd/xxxxx";
  EXPECT_EQ(r.commit.size(), 40u);
  EXPECT_EQ(thrown_error([&] { (void)decode_ref(encode_ref(r), "ref"); }).code(), Code::Corruption);
}

TEST(RemoteFormat, ARepositoryOfANewerFormatIsUnsupported) {
  EXPECT_NO_THROW(check_repository(encode_repository(), "r"));
  auto e = thrown_error([] { check_repository(R"({"format": 2, "chunk_bytes": 262144, "segment_chunks": 1024})", "s3://x"); });
  EXPECT_EQ(e.code(), Code::Unsupported);
  EXPECT_EQ(e.message(), "the remote s3://x was written by a newer dvol (format 2)");
}

TEST(RemoteFormat, APackIsItsFramesThenAnIndexAndIsNamedByItsHash) {
  PackBuilder b;
  auto f1 = io::compress(std::string(1000, 'x'));
  auto f2 = io::compress(std::string(2000, 'y'));
  auto x = b.add(digest_of("x"), std::string(1000, 'x'));
  auto y = b.add(digest_of("y"), std::string(2000, 'y'));
  EXPECT_EQ(x.offset, 0u);
  EXPECT_EQ(x.stored, f1.size());
  EXPECT_EQ(y.offset, f1.size());
  EXPECT_EQ(y.stored, f2.size());
  auto [bytes, hash] = b.finish();
  EXPECT_EQ(hash, io::sha256(bytes));
  EXPECT_EQ(io::decompress(std::string_view(bytes).substr(f1.size(), f2.size()), kChunkBytes), std::string(2000, 'y'));
  EXPECT_EQ(bytes.substr(bytes.size() - 8), "DVOLPAK1");
  EXPECT_TRUE(b.empty());
}

TEST(RemoteFormat, SegmentCountCoversTheVolume) {
  const uint64_t segment = kChunkBytes * kSegmentChunks;
  EXPECT_EQ(segment_count(segment), 1u);
  EXPECT_EQ(segment_count(segment + 65536), 2u);
  EXPECT_EQ(segment_count(10 * segment), 10u);
}

}  // namespace
}  // namespace dvol::remote
