#pragma once
// Docker-style text tables: a header row and data rows, each row led by a two-character marker
// ("* " for the current item, "  " otherwise).
#include <string>
#include <vector>

namespace dvol::render {

struct TableRow {
  bool marked = false;  // prints "* " instead of "  "
  std::vector<std::string> cells;
};

// Every column but the last is padded to (widest cell or header, in bytes) + 3 spaces; the last
// column is not padded and no line ends in spaces. Each line ends with '\n'. Cells are printed
// as given (callers pass names that are already validated to printable ASCII).
[[nodiscard]] std::string render_table(const std::vector<std::string>& headers,
                                       const std::vector<TableRow>& rows);

}  // namespace dvol::render
