#include "src/candidate_ranges.h"

#include "dm/metadata_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "src/volume.h"

namespace dvol {

std::vector<io::ByteRange> candidate_ranges(Volume& volume, uint32_t thin_a, uint32_t thin_b) {
  auto& pool = volume.pool();
  auto metadata_dev = pool.table().metadata_dev;
  // The held snapshot freezes a consistent copy of the mappings while the pool stays live;
  // it is released when this scope ends, on every path.
  auto held = dm::HeldMetadataSnapshot::reserve(pool);
  auto device = dm::MetadataDevice::open_major_minor(metadata_dev);
  dm::ThinMetadata metadata(device, held.root());
  auto delta = dm::thin_delta(metadata, dm::ThinId(thin_a), dm::ThinId(thin_b));
  held.release();

  const uint64_t block_bytes = metadata.data_block_size().bytes();
  const uint64_t size = volume.record().size_bytes;
  std::vector<io::ByteRange> out;
  for (const auto& d : delta) {
    uint64_t begin = d.begin * block_bytes;
    if (begin >= size) continue;
    uint64_t length = std::min(d.length * block_bytes, size - begin);
    if (!out.empty() && out.back().end() == begin)
      out.back().length += length;
    else
      out.push_back({begin, length});
  }
  return out;
}

}  // namespace dvol
