#include "io/s3_object_store.h"

#include <curl/curl.h>
#include <tinyxml2.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "io/error.h"
#include "io/sha256.h"

namespace dvol::io {

struct S3ObjectStore::Request {
  const char* method = "GET";  // GET, PUT, HEAD, DELETE
  std::string key;             // under the prefix; empty: the bucket itself
  std::string query;           // already canonical: sorted, encoded
  const std::string* body = nullptr;
  std::vector<std::string> headers;
  bool retry = true;  // safe to send again (not a conditional write)
};

struct S3ObjectStore::Response {
  long status = 0;
  std::string body;
  std::string etag;
  std::string last_modified;   // "Mon, 07 Dec 2026 13:09:02 GMT"
  std::string content_length;
  std::string error_code;  // S3's <Code>, if the body had one
};

namespace {

constexpr int kAttempts = 4;  // a server error or dropped connection is retried this often

CURL* handle(void* p) { return static_cast<CURL*>(p); }

// RFC 3986 percent-encoding as SigV4 wants it; '/' kept where `keep_slash`.
std::string uri_encode(const std::string& s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t collect_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<S3ObjectStore::Response*>(user);
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    if (name == "etag") {
      // Bare, as RGW compares it in If-Match.
      value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
      r->etag = value;
    } else if (name == "last-modified") {
      r->last_modified = value;
    } else if (name == "content-length") {
      r->content_length = value;
    }
  }
  return size * count;
}

struct Upload {
  const std::string* body;
  size_t offset = 0;
};

size_t send_body(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * count, up->body->size() - up->offset);
  std::copy_n(up->body->data() + up->offset, n, buffer);
  up->offset += n;
  return n;
}

// S3's error document: <Error><Code>NoSuchBucket</Code><Message>...</Message></Error>.
std::string error_code_of(const std::string& body) {
  tinyxml2::XMLDocument doc;
  if (doc.Parse(body.data(), body.size()) != tinyxml2::XML_SUCCESS) return {};
  auto* root = doc.FirstChildElement("Error");
  auto* code = root ? root->FirstChildElement("Code") : nullptr;
  return code && code->GetText() ? code->GetText() : "";
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error(Code::Internal, "cannot initialise libcurl");
  });
}

bool transient(long status) { return status >= 500 || status == 429; }

}  // namespace

S3ObjectStore::S3ObjectStore(S3Location where, S3Credentials credentials)
    : where_(std::move(where)), credentials_(std::move(credentials)), curl_(nullptr) {
  global_init();
  if (where_.endpoint_url.empty()) where_.endpoint_url = "https://s3." + where_.region + ".amazonaws.com";
  while (!where_.endpoint_url.empty() && where_.endpoint_url.back() == '/') where_.endpoint_url.pop_back();
  if (!where_.prefix.empty() && where_.prefix.back() != '/') where_.prefix += '/';
  curl_ = curl_easy_init();
  if (!curl_) throw Error(Code::Internal, "cannot initialise libcurl");
}

S3ObjectStore::~S3ObjectStore() { curl_easy_cleanup(handle(curl_)); }

std::string S3ObjectStore::location() const {
  std::string prefix = where_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "s3://" + where_.bucket + (prefix.empty() ? "" : "/" + prefix);
}

std::string S3ObjectStore::url_for(const std::string& key, const std::string& query) const {
  std::string url = where_.endpoint_url + "/" + uri_encode(where_.bucket, false);
  if (!key.empty()) url += "/" + uri_encode(where_.prefix + key, true);
  if (!query.empty()) url += (key.empty() ? "/?" : "?") + query;
  return url;
}

S3ObjectStore::Response S3ObjectStore::send(const Request& request) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto r = send_once(request);
      if (!transient(r.status) || !request.retry || attempt == kAttempts) return r;
    } catch (const Error& e) {
      if (e.code() != Code::Unavailable || !request.retry || attempt == kAttempts) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << (attempt - 1)));
  }
}

S3ObjectStore::Response S3ObjectStore::send_once(const Request& request) {
  CURL* c = handle(curl_);
  curl_easy_reset(c);  // keeps the connection
  Response r;
  const std::string url = url_for(request.key, request.query);
  const std::string sigv4 = "aws:amz:" + where_.region + ":s3";
  const std::string userpwd = credentials_.access_key_id + ":" + credentials_.secret_access_key;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A transfer that moves nothing for a minute is given up (the network is gone).
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);

  // SigV4 needs the payload's hash as a header (without it, servers answer SignatureDoesNotMatch).
  std::vector<std::string> headers = request.headers;
  headers.push_back("x-amz-content-sha256: " + (request.body ? sha256_hex(*request.body) : sha256_hex("")));
  if (!credentials_.session_token.empty()) headers.push_back("x-amz-security-token: " + credentials_.session_token);
  struct curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  struct ListGuard {
    curl_slist* l;
    ~ListGuard() { curl_slist_free_all(l); }
  } guard{list};
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  Upload upload{request.body};
  const std::string method = request.method;
  if (method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, send_body);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body ? request.body->size() : 0));
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method);
  }

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    const std::string why = curl_easy_strerror(rc);
    throw Error(Code::Unavailable, "cannot reach the remote " + location() + " at " + where_.endpoint_url + ": " + why)
        .with_hint("check that the server is up and that the endpoint is right (dvol remote -v; "
                   "--endpoint-url, AWS_ENDPOINT_URL or endpoint_url in ~/.aws/config)");
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (r.status >= 300) r.error_code = error_code_of(r.body);
  if (r.status == 403 || r.status == 401)
    throw Error(Code::PermissionDenied,
                "access to the remote " + location() + " was denied" +
                    (r.error_code.empty() ? "" : " (" + r.error_code + ")"),
                std::string(request.method) + " " + url)
        .with_hint("check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and "
                   "~/.aws/credentials) and that they may use bucket " + where_.bucket);
  if (r.error_code == "NoSuchBucket")
    throw Error(Code::NotFound, "the bucket " + where_.bucket + " of remote " + location() + " does not exist")
        .with_hint("create it first (for example: aws s3 mb s3://" + where_.bucket + "), or check the remote's URL");
  return r;
}

namespace {
[[noreturn]] void unexpected(const std::string& remote, const char* what, const std::string& key,
                             const S3ObjectStore::Response& r);
}

std::optional<StoredObject> S3ObjectStore::get(const std::string& key) {
  Request q;
  q.key = key;
  auto r = send(q);
  if (r.status == 404) return std::nullopt;
  if (r.status != 200) unexpected(location(), "read", key, r);
  return StoredObject{std::move(r.body), std::move(r.etag)};
}

std::string S3ObjectStore::get_range(const std::string& key, uint64_t offset, uint64_t length) {
  if (length == 0) return {};
  Request q;
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
  Request q;
  q.method = "HEAD";
  q.key = key;
  auto r = send(q);
  if (r.status == 404) return false;
  if (r.status != 200) unexpected(location(), "look up", key, r);
  return true;
}

std::optional<ListedObject> S3ObjectStore::stat(const std::string& key) {
  Request q;
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
  Request q;
  q.method = "PUT";
  q.key = key;
  q.body = &data;
  auto r = send(q);
  if (r.status != 200) unexpected(location(), "write", key, r);
}

bool S3ObjectStore::put_if(const std::string& key, const std::string& data, const std::optional<std::string>& expected) {
  for (int attempt = 1;; ++attempt) {
    Request q;
    q.method = "PUT";
    q.key = key;
    q.body = &data;
    q.headers.push_back(expected ? "If-Match: " + *expected : "If-None-Match: *");
    // Not resent blindly: had a lost answer's write landed, a second try would see a lost race.
    q.retry = false;
    auto r = send(q);
    if (r.status == 412 || r.status == 409) return false;
    if (r.status == 200) return true;
    if (!transient(r.status) || attempt == kAttempts) unexpected(location(), "write", key, r);
    // A server error (RGW answers 500 to one of two racing conditional writes): look at what is
    // stored now. Ours: it landed. Still the version we expected: try again. Else: lost.
    auto now = get(key);
    if (now && now->data == data) return true;
    bool unchanged = expected ? (now && now->etag == *expected) : !now.has_value();
    if (!unchanged) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << (attempt - 1)));
  }
}

std::vector<ListedObject> S3ObjectStore::list(const std::string& prefix) {
  std::vector<ListedObject> out;
  std::string token;
  for (;;) {
    Request q;
    // Parameters sorted by name and encoded, as SigV4's canonical query wants them.
    if (!token.empty()) q.query = "continuation-token=" + uri_encode(token, false) + "&";
    q.query += "list-type=2&prefix=" + uri_encode(where_.prefix + prefix, false);
    auto r = send(q);
    if (r.status != 200) unexpected(location(), "list", prefix, r);
    tinyxml2::XMLDocument doc;
    if (doc.Parse(r.body.data(), r.body.size()) != tinyxml2::XML_SUCCESS)
      throw Error(Code::Io, "the remote " + location() + " sent a listing that is not XML");
    auto* result = doc.FirstChildElement("ListBucketResult");
    if (!result) throw Error(Code::Io, "the remote " + location() + " sent an unexpected listing");
    for (auto* e = result->FirstChildElement("Contents"); e; e = e->NextSiblingElement("Contents")) {
      auto text = [&](const char* name) -> std::string {
        auto* x = e->FirstChildElement(name);
        return x && x->GetText() ? x->GetText() : "";
      };
      std::string key = text("Key");
      if (key.rfind(where_.prefix, 0) != 0) continue;
      ListedObject o;
      o.key = key.substr(where_.prefix.size());
      o.size = std::strtoull(text("Size").c_str(), nullptr, 10);
      struct tm tm{};
      auto modified = text("LastModified");  // 2026-12-07T13:09:02.000Z
      if (strptime(modified.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) o.modified = timegm(&tm);
      out.push_back(std::move(o));
    }
    auto* truncated = result->FirstChildElement("IsTruncated");
    auto* next = result->FirstChildElement("NextContinuationToken");
    if (!truncated || !truncated->GetText() || std::string(truncated->GetText()) != "true" || !next || !next->GetText())
      break;
    token = next->GetText();
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

void S3ObjectStore::remove(const std::string& key) {
  Request q;
  q.method = "DELETE";
  q.key = key;
  auto r = send(q);
  if (r.status != 204 && r.status != 200 && r.status != 404) unexpected(location(), "remove", key, r);
}

namespace {
void unexpected(const std::string& remote, const char* what, const std::string& key, const S3ObjectStore::Response& r) {
  const std::string code = r.error_code.empty() ? "HTTP " + std::to_string(r.status) : r.error_code;
  Error e(transient(r.status) ? Code::Unavailable : Code::Io,
          std::string("cannot ") + what + " " + key + " on the remote " + remote + ": the server answered " + code,
          r.body.substr(0, 500));
  if (transient(r.status)) e.append_hint("the server is busy or failing; try again later");
  throw e;
}
}  // namespace

}  // namespace dvol::io
