#pragma once
// --json output. The field names below are a stable interface for scripts: add fields, never
// rename or remove them. Sizes are in bytes, times in unix seconds.
//
// log_json:          [{"id": str, "parent": str|null, "author": str, "message": str,
//                      "time": int, "utc_offset": int (seconds east of UTC),
//                      "date": str (as `dvol log` prints it)}]  newest first
// volume_list_json:  [{"name": str, "size_bytes": int, "branches": int, "branch": str,
//                      "containers": [str], "current": bool}]
// branch_list_json:  [{"name": str, "current": bool}]
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/render/volume_list.h"
#include "src/records.h"

namespace dvol::render {

[[nodiscard]] nlohmann::json log_json(const std::vector<CommitRecord>& commits);
[[nodiscard]] nlohmann::json volume_list_json(const std::vector<VolumeRow>& rows);
[[nodiscard]] nlohmann::json branch_list_json(const std::vector<std::string>& names,
                                              const std::string& checked_out);

// The text to print: indented by 2, ending in a newline. Bytes that are not valid UTF-8 (a
// message may hold any bytes) become U+FFFD instead of failing the command.
[[nodiscard]] std::string dump_json(const nlohmann::json& value);

}  // namespace dvol::render
