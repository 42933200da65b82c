#pragma once
// OpenSSL's libcrypto (SHA-256 and base64 of the remotes), opened on first use (see
// io/shared_library.h for why not at start). Call through crypto_library().
#include <openssl/evp.h>

namespace dvol::io {

struct CryptoLibrary {
  decltype(&::EVP_MD_CTX_new) md_ctx_new;
  decltype(&::EVP_MD_CTX_free) md_ctx_free;
  decltype(&::EVP_sha256) sha256;
  decltype(&::EVP_DigestInit_ex) digest_init;
  decltype(&::EVP_DigestUpdate) digest_update;
  decltype(&::EVP_DigestFinal_ex) digest_final;
  decltype(&::EVP_EncodeBlock) encode_block;
  decltype(&::EVP_DecodeBlock) decode_block;
};

// Loaded once, on first call (thread-safe); throws dvol::Error (Unsupported, with the package
// to install) when libcrypto is missing.
const CryptoLibrary& crypto_library();

}  // namespace dvol::io
