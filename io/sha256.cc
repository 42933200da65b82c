#include "io/sha256.h"

#include "io/crypto_library.h"
#include "io/error.h"

namespace dvol::io {

namespace {
EVP_MD_CTX* ctx_of(void* p) { return static_cast<EVP_MD_CTX*>(p); }
[[noreturn]] void fail(const char* what) { throw Error(Code::Internal, "SHA-256 failed", what); }
}  // namespace

Sha256::Sha256() : ctx_(crypto_library().md_ctx_new()) {
  const auto& crypto = crypto_library();
  if (!ctx_) fail("EVP_MD_CTX_new");
  if (crypto.digest_init(ctx_of(ctx_), crypto.sha256(), nullptr) != 1) {
    crypto.md_ctx_free(ctx_of(ctx_));
    fail("EVP_DigestInit_ex");
  }
}

Sha256::~Sha256() { crypto_library().md_ctx_free(ctx_of(ctx_)); }

void Sha256::update(std::string_view bytes) {
  if (crypto_library().digest_update(ctx_of(ctx_), bytes.data(), bytes.size()) != 1) fail("EVP_DigestUpdate");
}

Digest Sha256::finish() {
  Digest d{};
  unsigned int n = 0;
  if (crypto_library().digest_final(ctx_of(ctx_), d.data(), &n) != 1 || n != d.size()) fail("EVP_DigestFinal_ex");
  return d;
}

Digest sha256(std::string_view bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

std::string to_hex(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, Digest& out) {
  if (hex.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace dvol::io
