#include "src/remote/changed_chunks.h"

#include "dm/metadata_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "src/remote/format.h"
#include "src/volume.h"

namespace dvol::remote {

std::vector<std::vector<uint64_t>> changed_chunks(Volume& volume, const std::vector<ChunkQuery>& queries) {
  auto held = dm::HeldMetadataSnapshot::reserve(volume.pool());
  auto table = volume.pool().table();
  auto device = dm::MetadataDevice::open_major_minor(table.metadata_dev);
  dm::ThinMetadata metadata(device, held.root());
  const uint64_t block_bytes = metadata.data_block_size().bytes();
  const uint64_t chunks = (volume.record().size_bytes + kChunkBytes - 1) / kChunkBytes;
  std::vector<std::vector<uint64_t>> out;
  for (const auto& q : queries) {
    std::vector<uint64_t> found;
    auto add = [&](uint64_t begin_block, uint64_t length) {
      uint64_t first = begin_block * block_bytes / kChunkBytes;
      uint64_t last = ((begin_block + length) * block_bytes - 1) / kChunkBytes;
      for (uint64_t c = first; c <= last && c < chunks; ++c)
        if (found.empty() || found.back() < c) found.push_back(c);
    };
    if (q.from_thin) {
      for (const auto& r : dm::thin_delta(metadata, dm::ThinId(*q.from_thin), dm::ThinId(q.to_thin))) add(r.begin, r.length);
    } else {
      for (const auto& r : dm::mapped_ranges(metadata, dm::ThinId(q.to_thin))) add(r.begin, r.length);
    }
    out.push_back(std::move(found));
  }
  held.release();
  return out;
}

}  // namespace dvol::remote
