#include "cli/render/json.h"

#include "src/commit_date.h"

namespace dvol::render {

nlohmann::json log_json(const std::vector<CommitRecord>& commits) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : commits) {
    out.push_back({{"id", c.id},
                   {"parent", c.parent ? nlohmann::json(*c.parent) : nlohmann::json(nullptr)},
                   {"author", c.author},
                   {"message", c.message},
                   {"time", c.time},
                   {"utc_offset", c.utc_offset},
                   {"date", format_git_date(c.time, c.utc_offset)}});
  }
  return out;
}

nlohmann::json volume_list_json(const std::vector<VolumeRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"name", r.name},
                   {"size_bytes", r.size_bytes},
                   {"branches", r.branches},
                   {"branch", r.branch},
                   {"containers", r.containers},
                   {"current", r.current}});
  }
  return out;
}

nlohmann::json branch_list_json(const std::vector<std::string>& names,
                                const std::string& checked_out) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& name : names) out.push_back({{"name", name}, {"current", name == checked_out}});
  return out;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace dvol::render
