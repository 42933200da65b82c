#pragma once
// `dvol list` output (docs/cli.md): one row per volume, the current one marked with '*'.
#include <cstdint>
#include <string>
#include <vector>

namespace dvol::render {

struct VolumeRow {
  std::string name;
  uint64_t size_bytes = 0;              // space the volume takes on the host
  size_t branches = 0;                  // number of branches
  std::string branch;                   // checked-out branch
  std::vector<std::string> containers;  // running containers using the volume
  bool current = false;
};

//   VOLUME                 SIZE     BRANCHES   BRANCH          CONTAINERS
// * HybridCP/mysql         0.32G    1          master          hybridcp_mysql_1
// SIZE via format_size; containers comma-separated. Rows print in the order given (callers
// sort by name). No rows: the header line only.
[[nodiscard]] std::string render_volume_list(const std::vector<VolumeRow>& rows);

}  // namespace dvol::render
