#include "io/compression.h"

#include <zstd.h>

#include "io/error.h"

namespace dvol::io {

std::string compress(std::string_view bytes, int level) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), level);
  if (ZSTD_isError(n)) throw Error(Code::Internal, "compression failed", ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string decompress(std::string_view frame, uint64_t max_bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_bytes)
    throw Error(Code::Corruption, "a compressed piece is damaged", "bad zstd frame header");
  std::string out(size, '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    throw Error(Code::Corruption, "a compressed piece is damaged", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
  return out;
}

}  // namespace dvol::io
