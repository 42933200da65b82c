#include "cli/render/table.h"

#include <algorithm>

namespace dvol::render {
namespace {

constexpr size_t kGap = 3;

std::string render_line(const std::string& marker, const std::vector<std::string>& cells,
                        const std::vector<size_t>& widths) {
  std::string line = marker;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] - cells[i].size(), ' ');
  }
  // Empty trailing cells (no containers) would otherwise leave padding behind.
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + '\n';
}

}  // namespace

std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<TableRow>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row.cells[i].size());
    }
  }
  for (auto& w : widths) w += kGap;

  std::string out = render_line("  ", headers, widths);
  for (const auto& row : rows) {
    std::vector<std::string> cells = row.cells;
    cells.resize(headers.size());  // missing cells print empty
    out += render_line(row.marked ? "* " : "  ", cells, widths);
  }
  return out;
}

}  // namespace dvol::render
