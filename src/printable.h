#pragma once
// Escaping of user-supplied text before it is echoed in a message, so that a terminal never
// receives raw control characters or broken UTF-8 from a name or reference the user typed.
#include <string>
#include <string_view>

namespace dvol {

// Returns `text` with every byte outside printable ASCII (0x20..0x7e) written as \xNN, and a
// backslash written as \\ so that the escaping is unambiguous. Printable ASCII passes through.
std::string printable(std::string_view text);

}  // namespace dvol
