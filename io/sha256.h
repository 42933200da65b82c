#pragma once
// SHA-256 (OpenSSL), the name of every object of a remote: a chunk is named by the hash of its
// uncompressed bytes, every other object by the hash of what is stored.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dvol::io {

using Digest = std::array<uint8_t, 32>;

// Incremental hashing of a stream of pieces; finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  [[nodiscard]] Digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

[[nodiscard]] Digest sha256(std::string_view bytes);
// 64 lowercase hex digits.
[[nodiscard]] std::string to_hex(const Digest& digest);
// The digest of 64 hex digits; nullopt-like failure as false.
[[nodiscard]] bool from_hex(std::string_view hex, Digest& out);
[[nodiscard]] inline std::string sha256_hex(std::string_view bytes) { return to_hex(sha256(bytes)); }

}  // namespace dvol::io
