#include "cli/render/branch_list.h"

namespace dvol::render {

std::string render_branch_list(const std::vector<std::string>& names,
                               const std::string& checked_out) {
  std::string out;
  for (const auto& name : names) {
    out += name == checked_out ? "* " : "  ";
    out += name;
    out += '\n';
  }
  return out;
}

}  // namespace dvol::render
