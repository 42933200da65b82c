#pragma once
// `dvol branch` output: one branch per line, "* " before the checked-out one, two spaces
// before the others.
#include <string>
#include <vector>

namespace dvol::render {

// Names print in the order given (the store returns them sorted). "* master\n  other\n".
[[nodiscard]] std::string render_branch_list(const std::vector<std::string>& names,
                                             const std::string& checked_out);

}  // namespace dvol::render
