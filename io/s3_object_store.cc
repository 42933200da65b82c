#include "io/s3_object_store.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "io/curl_library.h"
#include "io/error.h"
#include "io/s3_exchange.h"
#include "io/s3_parallel_puts.h"
#include "io/xml_tree.h"

namespace dvol::io {

namespace {

CURL* handle(void* p) { return static_cast<CURL*>(p); }

}  // namespace

S3ObjectStore::S3ObjectStore(S3Location where, S3Credentials credentials)
    : where_(std::move(where)), credentials_(std::move(credentials)), curl_(nullptr) {
  if (where_.endpoint_url.empty()) where_.endpoint_url = "https://s3." + where_.region + ".amazonaws.com";
  while (!where_.endpoint_url.empty() && where_.endpoint_url.back() == '/') where_.endpoint_url.pop_back();
  if (!where_.prefix.empty() && where_.prefix.back() != '/') where_.prefix += '/';
  curl_ = curl_library().easy_init();
  if (!curl_) throw Error(Code::Internal, "cannot initialise libcurl");
}

S3ObjectStore::~S3ObjectStore() {
  parallel_.reset();
  curl_library().easy_cleanup(handle(curl_));
}

std::string S3ObjectStore::location() const { return s3_location_name(where_); }

S3Response S3ObjectStore::send(const S3Request& request) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto r = send_once(request);
      if (!transient(r.status) || !request.retry || attempt == kS3Attempts) return r;
    } catch (const Error& e) {
      if (e.code() != Code::Unavailable || !request.retry || attempt == kS3Attempts) throw;
    }
    std::this_thread::sleep_for(s3_retry_delay(attempt));
  }
}

S3Response S3ObjectStore::send_once(const S3Request& request) {
  S3Exchange exchange(where_, credentials_, request);
  exchange.prepare(handle(curl_));
  return exchange.conclude(handle(curl_), curl_library().easy_perform(handle(curl_)));
}

namespace {
[[noreturn]] void unexpected(const std::string& remote, const char* what, const std::string& key,
                             const S3Response& r);
}

std::optional<StoredObject> S3ObjectStore::get(const std::string& key) {
  S3Request q;
  q.key = key;
  auto r = send(q);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) unexpected(location(), "read", key, r);
  return StoredObject{std::move(r.body), std::move(r.etag)};
}

std::string S3ObjectStore::get_range(const std::string& key, uint64_t offset, uint64_t length) {
  if (length == 0) return {};
  S3Request q;
  q.key = key;
  q.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  auto r = send(q);
  if (r.status == 404 || r.status == 416 || (r.status == 206 && r.body.size() != length))
    throw Error(Code::Corruption, "object " + key + " of " + location() + " is missing or shorter than its references say",
                "wanted bytes " + std::to_string(offset) + "+" + std::to_string(length) + ", HTTP " +
                    std::to_string(r.status));
  if (r.status == 200 && r.body.size() >= offset + length) return r.body.substr(offset, length);  // no ranges
  if (r.status != 206) unexpected(location(), "read", key, r);
  return std::move(r.body);
}

bool S3ObjectStore::exists(const std::string& key) {
  S3Request q;
  q.method = "HEAD";
  q.key = key;
  auto r = send(q);
  if (r.status == 404) return false;
  if (r.status != 200) unexpected(location(), "look up", key, r);
  return true;
}

std::optional<ListedObject> S3ObjectStore::stat(const std::string& key) {
  S3Request q;
  q.method = "HEAD";
  q.key = key;
  auto r = send(q);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) unexpected(location(), "look up", key, r);
  ListedObject o{key, std::strtoull(r.content_length.c_str(), nullptr, 10), 0};
  struct tm tm{};
  if (strptime(r.last_modified.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) o.modified = timegm(&tm);
  return o;
}

void S3ObjectStore::put(const std::string& key, const std::string& data) {
  S3Request q;
  q.method = "PUT";
  q.key = key;
  q.body = &data;
  auto r = send(q);
  if (r.status != 200) unexpected(location(), "write", key, r);
}

bool S3ObjectStore::put_if(const std::string& key, const std::string& data, const std::optional<std::string>& expected) {
  for (int attempt = 1;; ++attempt) {
    S3Request q;
    q.method = "PUT";
    q.key = key;
    q.body = &data;
    q.headers.push_back(expected ? "If-Match: " + *expected : "If-None-Match: *");
    // Not resent blindly: had a lost answer's write landed, a second try would see a lost race.
    q.retry = false;
    auto r = send(q);
    if (r.status == 412 || r.status == 409) return false;
    if (r.status == 200) return true;
    if (!transient(r.status) || attempt == kS3Attempts) unexpected(location(), "write", key, r);
    // A server error (RGW answers 500 to one of two racing conditional writes): look at what is
    // stored now. Ours: it landed. Still the version we expected: try again. Else: lost.
    auto now = get(key);
    if (now && now->data == data) return true;
    bool unchanged = expected ? (now && now->etag == *expected) : !now.has_value();
    if (!unchanged) return false;
    std::this_thread::sleep_for(s3_retry_delay(attempt));
  }
}

std::vector<ListedObject> S3ObjectStore::list(const std::string& prefix) {
  std::vector<ListedObject> out;
  std::string token;
  for (;;) {
    S3Request q;
    // Parameters sorted by name and encoded, as SigV4's canonical query wants them.
    if (!token.empty()) q.query = "continuation-token=" + s3_encode(token, false) + "&";
    q.query += "list-type=2&prefix=" + s3_encode(where_.prefix + prefix, false);
    auto r = send(q);
    if (r.status != 200) unexpected(location(), "list", prefix, r);
    auto result = parse_xml(r.body);
    if (!result) throw Error(Code::Io, "the remote " + location() + " sent a listing that is not XML");
    if (result->name != "ListBucketResult")
      throw Error(Code::Io, "the remote " + location() + " sent an unexpected listing");
    for (const auto& e : result->children) {
      if (e.name != "Contents") continue;
      std::string key = e.child_text("Key");
      if (key.rfind(where_.prefix, 0) != 0) continue;
      ListedObject o;
      o.key = key.substr(where_.prefix.size());
      o.size = std::strtoull(e.child_text("Size").c_str(), nullptr, 10);
      struct tm tm{};
      auto modified = e.child_text("LastModified");  // 2026-12-07T13:09:02.000Z
      if (strptime(modified.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) o.modified = timegm(&tm);
      out.push_back(std::move(o));
    }
    token = result->child_text("NextContinuationToken");
    if (result->child_text("IsTruncated") != "true" || token.empty()) break;
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void S3ObjectStore::remove(const std::string& key) {
  S3Request q;
  q.method = "DELETE";
  q.key = key;
  auto r = send(q);
  if (r.status != 204 && r.status != 200 && r.status != 404) unexpected(location(), "remove", key, r);
}

void S3ObjectStore::put_later(const std::string& key, std::string data) {
  if (!parallel_) parallel_ = std::make_unique<S3ParallelPuts>(where_, credentials_);
  parallel_->put(key, std::move(data));
}

std::vector<std::string> S3ObjectStore::arrived_puts() { return parallel_ ? parallel_->arrived() : std::vector<std::string>{}; }

std::vector<std::string> S3ObjectStore::finish_puts() {
  if (!parallel_) return {};
  parallel_->wait();
  return parallel_->arrived();
}

namespace {
void unexpected(const std::string& remote, const char* what, const std::string& key, const S3Response& r) {
  throw s3_answer_error(remote, what, key, r);
}
}  // namespace

}  // namespace dvol::io
