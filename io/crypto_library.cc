#include "io/crypto_library.h"

#include "io/shared_library.h"

namespace dvol::io {

namespace {

struct LoadedCrypto {
  SharedLibrary library{"libcrypto.so.3", "libssl3", "a remote"};
  CryptoLibrary api{};

  LoadedCrypto() {
    api.md_ctx_new = library.symbol<decltype(api.md_ctx_new)>("EVP_MD_CTX_new");
    api.md_ctx_free = library.symbol<decltype(api.md_ctx_free)>("EVP_MD_CTX_free");
    api.sha256 = library.symbol<decltype(api.sha256)>("EVP_sha256");
    api.digest_init = library.symbol<decltype(api.digest_init)>("EVP_DigestInit_ex");
    api.digest_update = library.symbol<decltype(api.digest_update)>("EVP_DigestUpdate");
    api.digest_final = library.symbol<decltype(api.digest_final)>("EVP_DigestFinal_ex");
    api.encode_block = library.symbol<decltype(api.encode_block)>("EVP_EncodeBlock");
    api.decode_block = library.symbol<decltype(api.decode_block)>("EVP_DecodeBlock");
  }
};

}  // namespace

const CryptoLibrary& crypto_library() {
  static const LoadedCrypto* loaded = new LoadedCrypto();  // never unloaded: used until exit
  return loaded->api;
}

}  // namespace dvol::io
