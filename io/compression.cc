#include "io/compression.h"

#include <zstd.h>

#include <memory>

#include "io/error.h"

namespace dvol::io {

namespace {

struct FreeCompression {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct FreeDecompression {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

ZSTD_CCtx* compression_context() {
  thread_local std::unique_ptr<ZSTD_CCtx, FreeCompression> context(ZSTD_createCCtx());
  if (!context) throw Error(Code::ResourceExhausted, "out of memory for compression");
  return context.get();
}

ZSTD_DCtx* decompression_context() {
  thread_local std::unique_ptr<ZSTD_DCtx, FreeDecompression> context(ZSTD_createDCtx());
  if (!context) throw Error(Code::ResourceExhausted, "out of memory for decompression");
  return context.get();
}

}  // namespace

size_t compress_append(std::string& out, std::string_view bytes, int level) {
  const size_t start = out.size();
  out.resize(start + ZSTD_compressBound(bytes.size()));
  size_t n = ZSTD_compressCCtx(compression_context(), out.data() + start, out.size() - start, bytes.data(), bytes.size(), level);
  if (ZSTD_isError(n)) {
    out.resize(start);
    throw Error(Code::Internal, "compression failed", ZSTD_getErrorName(n));
  }
  out.resize(start + n);
  return n;
}

std::string compress(std::string_view bytes, int level) {
  std::string out;
  compress_append(out, bytes, level);
  return out;
}

std::string decompress(std::string_view frame, uint64_t max_bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > max_bytes)
    throw Error(Code::Corruption, "a compressed piece is damaged", "bad zstd frame header");
  std::string out(size, '\0');
  size_t n = ZSTD_decompressDCtx(decompression_context(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    throw Error(Code::Corruption, "a compressed piece is damaged", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short");
  return out;
}

}  // namespace dvol::io
