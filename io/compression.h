#pragma once
// zstd compression of a remote's chunks and manifests: one frame per piece, each with its
// content size, so that a reader knows what to expect before it decompresses.
#include <cstdint>
#include <string>
#include <string_view>

namespace dvol::io {

// Level 3: zstd's default, which compresses a database's pages at hundreds of MB/s per core.
[[nodiscard]] std::string compress(std::string_view bytes, int level = 3);
// Corruption if `frame` is not one complete zstd frame whose content is at most `max_bytes`.
[[nodiscard]] std::string decompress(std::string_view frame, uint64_t max_bytes);

}  // namespace dvol::io
