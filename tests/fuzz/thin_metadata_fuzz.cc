// libFuzzer target: dvol's reader of dm-thin metadata and the delta of two thin devices
// (dm/thin_metadata.h, dm/thin_delta.h, dm/metadata_device.h) on corrupt metadata. Nothing may
// crash, hang, read outside the metadata or throw anything but Error(Corruption, NotFound,
// Unsupported, Io); and whatever the reader does accept must be self-consistent: every delta it
// returns (thin_delta and thin_delta_mapped) equals the brute-force comparison of the two
// devices' full mappings.
//
// Input: 4 header bytes, then the metadata image, one chunk of `stride` bytes per 4 KiB block
// (zero-padded to 4 KiB, so that small nodes - max_entries up to 30 - fit in 512 bytes and the
// fuzzer need not carry 4 KiB of zeros per block):
//   [0] flags: bit 0 keep the input's checksums (else every block is resealed, so the fuzzer
//       reaches the structural checks instead of dying at the checksum); bit 1 read through
//       MetadataDevice from a file; bits 2-3: stride = 512 << n
//   [1] block number of the superblock (mod the number of blocks): 0, or a held root
//   [2] 0, or 1 + a block whose read fails with Io
//   [3] one more thin id to query, besides the first ones the pool lists
// Seeds (valid synthetic pools with shared and unshared trees, built by
// tests/support/synthetic_thin_metadata.h) are written by the target itself:
// DVOL_FUZZ_WRITE_SEEDS=DIR fuzz_thin_metadata.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dm/metadata_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "io/error.h"
#include "tests/support/synthetic_thin_metadata.h"

namespace {

using namespace dvol::dm;
using dvol::Code;
using dvol::testing::dense;
using dvol::testing::mapping;
using dvol::testing::seal;
using Block = dvol::testing::MetadataBlock;
using Map = dvol::testing::BlockMap;
using dvol::testing::brute_force_delta;
using dvol::testing::brute_force_mapped;

constexpr size_t kHeaderBytes = 4;
constexpr size_t kMaxBlocks = 256;

void check(bool ok) {
  if (!ok) std::abort();
}

// In-memory metadata. A read outside it means the reader trusted a block number it should have
// checked against nr_blocks(): abort.
class MemorySource : public MetadataSource {
 public:
  MemorySource(const std::vector<Block>& blocks, std::optional<uint64_t> failing)
      : blocks_(blocks), failing_(failing) {}
  void read_block(uint64_t block, MetadataBlockSpan out) override {
    check(block < blocks_.size());
    if (failing_ == block) throw dvol::Error(Code::Io, "injected read error", "block " + std::to_string(block));
    std::memcpy(out.data(), blocks_[block].data(), kMetadataBlockSize);
  }
  uint64_t nr_blocks() const override { return blocks_.size(); }

 private:
  const std::vector<Block>& blocks_;
  std::optional<uint64_t> failing_;
};

// Runs `f`; false if it threw one of the errors corrupt metadata may cause. Anything else
// escapes, and libFuzzer reports it.
bool attempt(const std::function<void()>& f) {
  try {
    f();
    return true;
  } catch (const dvol::Error& e) {
    Code c = e.code();
    check(c == Code::Corruption || c == Code::NotFound || c == Code::Unsupported || c == Code::Io);
    return false;
  }
}

// Every mapping of `id`, read in full with the cursor's checks; nullopt if the reader refused.
std::optional<Map> full_mapping(ThinMetadata& md, ThinId id) {
  Map m;
  bool ok = attempt([&] {
    auto root = md.device_root(id);
    if (!root) throw dvol::Error(Code::NotFound, "no such device");
    BtreeCursor c(md, *root);
    for (; c.to_entry(); c.next()) {
      check(m.empty() || c.item().key > m.rbegin()->first);  // the cursor promises key order
      m[c.item().key] = c.item().value;
    }
  });
  if (!ok) return std::nullopt;
  return m;
}

void exercise(MetadataSource& source, uint64_t superblock, uint32_t extra_id) {
  std::optional<ThinMetadata> md;
  if (!attempt([&] { md.emplace(source, superblock); })) return;

  std::vector<ThinId> ids;
  std::vector<ThinId> listed;
  if (attempt([&] { listed = md->thin_ids(); })) {
    for (size_t i = 1; i < listed.size(); ++i) check(listed[i - 1] < listed[i]);
    for (ThinId id : listed) {
      // A listed device must be found by lookup (or the lookup must see corruption).
      std::optional<uint64_t> root;
      if (attempt([&] { root = md->device_root(id); })) check(root.has_value());
    }
    ids.assign(listed.begin(), listed.begin() + static_cast<long>(std::min<size_t>(listed.size(), 3)));
  }
  if (std::find(ids.begin(), ids.end(), ThinId(extra_id)) == ids.end()) ids.push_back(ThinId(extra_id));

  std::vector<std::optional<Map>> maps;
  for (ThinId id : ids) {
    attempt([&] { (void)md->device_details(id); });
    maps.push_back(full_mapping(*md, id));
    std::vector<BlockRange> ranges;
    if (attempt([&] { ranges = mapped_ranges(*md, id); }) && maps.back()) {
      std::vector<BlockRange> want;
      for (auto [k, v] : *maps.back()) {
        if (!want.empty() && want.back().begin + want.back().length == k) ++want.back().length;
        else want.push_back({k, 1});
      }
      check(ranges == want);
    }
  }

  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = i; j < ids.size(); ++j) {
      if (i == j && i > 0) continue;  // one self-delta is enough
      std::vector<DeltaRange> delta;
      DeltaStats stats;
      if (!attempt([&] { delta = thin_delta(*md, ids[i], ids[j], &stats); })) continue;
      // Each side's cursor reads at most one node per metadata block.
      check(stats.nodes_read <= 2 * md->nr_blocks());
      if (i == j) check(delta.empty());
      if (maps[i] && maps[j]) check(delta == brute_force_delta(*maps[i], *maps[j]));
      std::vector<MappedDelta> mapped;
      if (!attempt([&] { mapped = thin_delta_mapped(*md, ids[i], ids[j]); })) continue;
      if (maps[i] && maps[j]) check(mapped == brute_force_mapped(*maps[i], *maps[j]));
      // The same walk: the same blocks, however the runs are cut.
      uint64_t blocks = 0, mapped_blocks = 0;
      for (const auto& d : delta) blocks += d.length;
      for (const auto& m : mapped) mapped_blocks += m.length;
      check(blocks == mapped_blocks);
    }
  }
}

struct Decoded {
  std::vector<Block> blocks;
  uint64_t superblock;
};

// The metadata image an input describes (see the top of this file); `size` >= kHeaderBytes.
Decoded decode(const uint8_t* data, size_t size) {
  uint8_t flags = data[0];
  size_t stride = size_t{512} << ((flags >> 2) & 3);
  const uint8_t* image = data + kHeaderBytes;
  size_t bytes = size - kHeaderBytes;
  size_t n = std::min((bytes + stride - 1) / stride, kMaxBlocks);
  Decoded d{std::vector<Block>(n), n ? data[1] % n : 0};
  for (size_t i = 0; i < n; ++i) {
    d.blocks[i].fill(std::byte{0});
    std::memcpy(d.blocks[i].data(), image + i * stride, std::min(stride, bytes - i * stride));
  }
  if (!(flags & 1)) {
    for (size_t i = 0; i < n; ++i) seal(d.blocks[i], i == d.superblock ? kSuperblockCsumXor : kBtreeCsumXor);
  }
  return d;
}

// A file holding the image, for the MetadataDevice path (memfd: no disk, removed at exit).
int image_fd() {
  static int fd = [] {
    int f = memfd_create("dvol-fuzz-metadata", 0);
    check(f >= 0);
    return f;
  }();
  return fd;
}

// ---- seeds: valid pools, built as the kernel lays them out ----

// A synthetic pool cut into a fuzz input. Small nodes (max_entries 30, 15 for device details)
// fit a 512-byte stride; 4096 gets the kernel's sizes.
class SeedBuilder : public dvol::testing::SyntheticThinMetadata {
 public:
  explicit SeedBuilder(size_t stride) : SyntheticThinMetadata(stride >= 4096 ? 4096 : 512), stride_(stride) {}

  // The fuzz input: header, then each block (checksum sealed) cut to the stride.
  std::string input(uint8_t flags, uint8_t extra_id, uint64_t superblock = 0) {
    int shift = 0;
    while ((size_t{512} << shift) < stride_) ++shift;
    std::string out;
    out += static_cast<char>(flags | shift << 2);
    out += static_cast<char>(superblock);
    out += '\0';
    out += static_cast<char>(extra_id);
    for (uint64_t i = 0; i < size(); ++i) {
      Block b{};
      if (auto it = src.blocks.find(i); it != src.blocks.end()) b = it->second;
      seal(b, i == superblock ? kSuperblockCsumXor : kBtreeCsumXor);
      out.append(reinterpret_cast<const char*>(b.data()), stride_);
    }
    return out;
  }

 private:
  size_t stride_;
};

// Writes a seed after checking that it is valid metadata: every device listed, mapped and
// compared with every other without an error (an error here escapes and stops the target).
void write_seed(const std::string& dir, const std::string& name, const std::string& bytes) {
  auto in = decode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  MemorySource source(in.blocks, std::nullopt);
  ThinMetadata md(source, in.superblock);
  auto ids = md.thin_ids();
  check(!ids.empty());
  for (ThinId a : ids) {
    (void)mapped_ranges(md, a);
    for (ThinId b : ids) (void)thin_delta(md, a, b), (void)thin_delta_mapped(md, a, b);
  }
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

void write_seeds(const std::string& dir) {
  {
    // Device 0 and its snapshot 1 (one block changed by copy-on-write, sharing the rest),
    // 2 the same mapping as 1 in an unshared tree of another shape, 3 empty.
    SeedBuilder b(512);
    uint64_t origin = b.tree(dense(20, 100), 4);
    uint64_t snap = b.cow_set(origin, 13, mapping(999, 2));
    Map r = dense(20, 100);
    r[13] = mapping(999, 2);
    b.pool({origin, snap, b.tree(r, 7), b.tree({}, 4)}, 30);
    write_seed(dir, "shared-trees", b.input(0, 1));
  }
  {
    SeedBuilder b(512);
    Map m{{0, mapping(5)}, {1, mapping(6)}, {9, mapping(7, 1)}};
    b.pool({b.tree(m, 30)}, 30);
    write_seed(dir, "one-device", b.input(0, 0));
    write_seed(dir, "one-device-file", b.input(2, 0));
    write_seed(dir, "one-device-checksums", b.input(1, 0));
    // A held metadata snapshot: a second superblock at the last block, naming the same trees.
    uint64_t held = b.size();
    b.superblock(held, 2, 3);
    write_seed(dir, "held-root", b.input(0, 0, held));
  }
  {
    // Twelve devices in a three-level top-level tree, all sharing one mapping tree.
    SeedBuilder b(512);
    uint64_t t = b.tree(dense(3, 40), 30);
    b.pool(std::vector<uint64_t>(12, t), 3);
    write_seed(dir, "many-devices", b.input(0, 11));
  }
  {
    // The kernel's node sizes, one 4 KiB block per chunk.
    SeedBuilder b(4096);
    uint64_t origin = b.tree(dense(3, 0), 252);
    b.pool({origin, b.cow_set(origin, 4, mapping(77))}, 252);
    write_seed(dir, "kernel-sizes", b.input(0, 0));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("DVOL_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kHeaderBytes) return 0;
  auto [blocks, superblock] = decode(data, size);
  uint8_t flags = data[0];
  size_t n = blocks.size();
  std::optional<uint64_t> failing;
  if (data[2]) failing = data[2] - 1u;

  if (flags & 2) {
    // Through the real reader of a metadata device: pread from a file of the image.
    int fd = image_fd();
    check(ftruncate(fd, 0) == 0);
    for (size_t i = 0; i < n; ++i)
      check(pwrite(fd, blocks[i].data(), kMetadataBlockSize, static_cast<off_t>(i * kMetadataBlockSize)) ==
            static_cast<ssize_t>(kMetadataBlockSize));
    auto device = MetadataDevice::open("/proc/self/fd/" + std::to_string(fd));
    check(device.nr_blocks() == n);
    exercise(device, superblock, data[3]);
  } else {
    MemorySource source(blocks, failing);
    exercise(source, superblock, data[3]);
  }
  return 0;
}
