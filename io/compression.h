#pragma once
// zstd compression of a remote's chunks and manifests: one frame per piece, each with its
// content size, so that a reader knows what to expect before it decompresses.
//
// Each thread keeps one compression and one decompression context: zstd's one-shot calls make
// and free ~1 MiB of state per call, and each first touch of fresh memory is a page fault, dear
// in the test kernel (a push of 512 MiB spent most of its 53 s there).
#include <cstdint>
#include <string>
#include <string_view>

namespace dvol::io {

// Level 3: zstd's default, which compresses a database's pages at hundreds of MB/s per core.
[[nodiscard]] std::string compress(std::string_view bytes, int level = 3);
// Appends the frame of `bytes` to `out` (no copy through a buffer of its own); returns its size.
size_t compress_append(std::string& out, std::string_view bytes, int level = 3);
// Corruption if `frame` is not one complete zstd frame whose content is at most `max_bytes`.
[[nodiscard]] std::string decompress(std::string_view frame, uint64_t max_bytes);

}  // namespace dvol::io
