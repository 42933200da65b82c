#pragma once
// One HTTP request to an S3 endpoint and its answer, as libcurl runs it: what S3ObjectStore
// sends one at a time and S3ParallelPuts many at once. Internal to io/ (not exposed).
#include <curl/curl.h>

#include <chrono>
#include <string>
#include <vector>

#include "io/error.h"
#include "io/s3_object_store.h"

namespace dvol::io {

struct S3Request {
  const char* method = "GET";  // GET, PUT, HEAD, DELETE
  std::string key;             // under the prefix; empty: the bucket itself
  std::string query;           // already canonical: sorted, encoded
  const std::string* body = nullptr;
  std::vector<std::string> headers;
  bool retry = true;  // safe to send again (not a conditional write)
};

struct S3Response {
  long status = 0;
  std::string body;
  std::string etag;
  std::string last_modified;   // "Mon, 07 Dec 2026 13:09:02 GMT"
  std::string content_length;
  std::string error_code;  // S3's <Code>, if the body had one
};

// A server error (5xx) or throttling: worth sending again...
bool transient(long status);
// ...this many times in all, waiting s3_retry_delay(n) after the n-th attempt.
inline constexpr int kS3Attempts = 4;
std::chrono::milliseconds s3_retry_delay(int attempt);
// What the user reads when the server answered `r` to the attempt to `what` ("write") `key`.
Error s3_answer_error(const std::string& remote, const char* what, const std::string& key, const S3Response& r);

// A request on its way: the easy handle's options point into it, so it stays put (and alive)
// until the transfer is done.
class S3Exchange {
 public:
  S3Exchange(const S3Location& where, const S3Credentials& credentials, S3Request request);
  ~S3Exchange();
  S3Exchange(const S3Exchange&) = delete;
  S3Exchange& operator=(const S3Exchange&) = delete;

  // Sets every option of `handle` (reset first, which keeps its connection) for this request.
  void prepare(CURL* handle);
  // The answer, once libcurl finished the transfer with `result`. Throws what the user must
  // hear: Unavailable (cannot reach the server), PermissionDenied, NotFound (no such bucket).
  S3Response conclude(CURL* handle, CURLcode result);
  const S3Request& request() const { return request_; }

 private:
  struct Upload {
    const std::string* body;
    size_t offset = 0;
  };
  static size_t send_body(char* buffer, size_t size, size_t count, void* user);
  static size_t collect_body(char* data, size_t size, size_t count, void* user);
  static size_t collect_header(char* data, size_t size, size_t count, void* user);

  const S3Location& where_;
  const S3Credentials& credentials_;
  S3Request request_;
  S3Response response_;
  Upload upload_;
  std::string url_, sigv4_, userpwd_;
  curl_slist* headers_ = nullptr;
};

// RFC 3986 percent-encoding as SigV4 wants it; '/' kept where `keep_slash`.
std::string s3_encode(const std::string& s, bool keep_slash);
// "s3://bucket/prefix", as users name the remote.
std::string s3_location_name(const S3Location& where);
// The URL of `key` (empty: the bucket) with a canonical query.
std::string s3_url(const S3Location& where, const std::string& key, const std::string& query = {});

}  // namespace dvol::io
