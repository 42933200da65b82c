#pragma once
// Base64 (RFC 4648, with padding), from OpenSSL: how a remote's JSON keeps bytes that are not
// UTF-8 (a commit message in Latin-1) exactly.
#include <optional>
#include <string>
#include <string_view>

namespace dvol::io {

[[nodiscard]] std::string base64(std::string_view bytes);
// nullopt when `text` is not base64.
[[nodiscard]] std::optional<std::string> unbase64(std::string_view text);

}  // namespace dvol::io
