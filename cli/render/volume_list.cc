#include "cli/render/volume_list.h"

#include "cli/render/table.h"
#include "src/size_format.h"

namespace dvol::render {

std::string render_volume_list(const std::vector<VolumeRow>& rows) {
  std::vector<TableRow> table;
  table.reserve(rows.size());
  for (const auto& r : rows) {
    std::string containers;
    for (const auto& c : r.containers) containers += (containers.empty() ? "" : ",") + c;
    table.push_back(TableRow{
        r.current,
        {r.name, format_size(r.size_bytes), std::to_string(r.branches), r.branch, containers}});
  }
  return render_table({"VOLUME", "SIZE", "BRANCHES", "BRANCH", "CONTAINERS"}, table);
}

}  // namespace dvol::render
