#include "src/space_use.h"

#include <optional>

#include "dm/metadata_device.h"
#include "dm/thin_metadata.h"
#include "io/files.h"
#include "io/mounter.h"

namespace dvol {

namespace {

dm::BlockSharing read_sharing(dm::MetadataSource& source, uint64_t root, const std::vector<uint32_t>& thin_ids) {
  dm::ThinMetadata metadata(source, root);
  std::vector<dm::ThinId> ids;
  for (uint32_t id : thin_ids) ids.emplace_back(id);
  return dm::BlockSharing::read(metadata, ids);
}

}  // namespace

SpaceUse read_space_use(Volume& volume, const std::vector<uint32_t>& thin_ids) {
  auto record = volume.record();
  const uint64_t block_bytes = uint64_t{record.block_sectors} * dm::kSectorSize;
  if (volume.pool_active()) {
    // What programs wrote to the checked-out branch and the kernel has not yet written back
    // is counted too: flush it before the metadata is read.
    if (!volume.host().mounts.mounted_device(volume.paths().mount).empty()) io::sync_filesystem(volume.paths().mount);
    auto held = dm::HeldMetadataSnapshot::reserve(volume.pool());
    auto device = dm::MetadataDevice::open_major_minor(volume.pool().table().metadata_dev);
    auto sharing = read_sharing(device, held.root(), thin_ids);
    held.release();
    auto status = volume.pool().status();
    return SpaceUse{std::move(sharing), block_bytes, status.used_data_blocks.value * block_bytes,
                    status.total_data_blocks.value * block_bytes};
  }
  auto file = dm::MetadataDevice::open(volume.paths().meta.string());
  auto sharing = read_sharing(file, 0, thin_ids);
  return SpaceUse{std::move(sharing), block_bytes, volume.used_bytes(), record.data_bytes};
}

}  // namespace dvol
