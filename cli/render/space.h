#pragma once
// `dvol du` output (docs/cli.md): one row per state, the checked-out branch first, commits
// newest first, then the pool's use. Fits an 80-column terminal: a commit's message is its
// first line, cut with "…" where the STATE column ends.
//
//   STATE                                           EXCLUSIVE   REFERENCED
// * master (live)                                       1.20M        1.05G
//   fd39db2 import base schema                         12.00K        1.04G
// Pool: 1.07G used of 20.00G
//
// space_json: {"volume": str, "pool_used_bytes": int, "pool_total_bytes": int,
//              "states": [{"kind": "branch"|"commit", "name": str (branch name or commit id),
//                          "message": str (commits), "checked_out": bool,
//                          "exclusive_bytes": int, "referenced_bytes": int}]}
#include <nlohmann/json.hpp>
#include <string>

#include "src/operations.h"

namespace dvol::render {

inline constexpr size_t kStateColumn = 46;  // display columns of the STATE column

[[nodiscard]] std::string render_space(const SpaceReport& report);
[[nodiscard]] nlohmann::json space_json(const SpaceReport& report);

// The first line of `message`, control characters as spaces, cut to `columns` display columns
// (UTF-8 characters) with a final "…" when longer.
[[nodiscard]] std::string one_line(const std::string& message, size_t columns);

}  // namespace dvol::render
