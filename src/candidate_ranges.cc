#include "src/candidate_ranges.h"

#include "dm/metadata_device.h"
#include "dm/thin_delta.h"
#include "dm/thin_metadata.h"
#include "src/volume.h"

namespace dvol {

uint64_t Candidates::bytes() const {
  uint64_t n = 0;
  for (const auto& p : pieces) n += p.length;
  return n;
}

Candidates candidate_pieces(Volume& volume, uint32_t thin_a, uint32_t thin_b) {
  // The held snapshot freezes a consistent copy of the mappings while the pool stays live;
  // it is released when this scope ends, on every path.
  auto held = dm::HeldMetadataSnapshot::reserve(volume.pool());
  return candidate_pieces(volume, thin_a, thin_b, held.root());
}

Candidates candidate_pieces(Volume& volume, uint32_t thin_a, uint32_t thin_b, uint64_t metadata_root) {
  auto table = volume.pool().table();
  auto device = dm::MetadataDevice::open_major_minor(table.metadata_dev);
  dm::ThinMetadata metadata(device, metadata_root);
  auto delta = dm::thin_delta_mapped(metadata, dm::ThinId(thin_a), dm::ThinId(thin_b));

  const uint64_t block_bytes = metadata.data_block_size().bytes();
  const uint64_t size = volume.record().size_bytes;
  Candidates out;
  out.data_device = table.data_dev;
  for (const auto& d : delta) {
    uint64_t at = d.begin * block_bytes;
    if (at >= size) continue;
    io::ComparePiece p{at, std::min(d.length * block_bytes, size - at), std::nullopt, std::nullopt};
    if (d.left_data) p.a_offset = *d.left_data * block_bytes;
    if (d.right_data) p.b_offset = *d.right_data * block_bytes;
    out.pieces.push_back(p);
  }
  return out;
}

}  // namespace dvol
