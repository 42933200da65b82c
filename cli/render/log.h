#pragma once
// `dvol log` output, in git's default (medium) format, as docs/cli.md specifies.
#include <string>
#include <vector>

#include "src/records.h"

namespace dvol::render {

// For each commit, newest first as given:
//   commit <id>
//   Author: <author>
//   Date:   <format_git_date(time, utc_offset)>
//   <blank>
//   <each message line indented by four spaces>
//   <blank>
// Trailing newlines of the message are dropped (as git does), so "a\n" renders one line; blank
// lines inside the message render as four spaces, as in git. No commits: "".
[[nodiscard]] std::string render_log(const std::vector<CommitRecord>& commits);

}  // namespace dvol::render
