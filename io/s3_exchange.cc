#include "io/s3_exchange.h"

#include <algorithm>
#include <cctype>

#include "io/curl_library.h"
#include "io/error.h"
#include "io/sha256.h"
#include "io/xml_tree.h"

namespace dvol::io {

namespace {

// S3's error document: <Error><Code>NoSuchBucket</Code><Message>...</Message></Error>.
std::string error_code_of(const std::string& body) {
  auto root = parse_xml(body);
  return root && root->name == "Error" ? root->child_text("Code") : "";
}

}  // namespace

bool transient(long status) { return status >= 500 || status == 429; }

std::chrono::milliseconds s3_retry_delay(int attempt) { return std::chrono::milliseconds(200 << (attempt - 1)); }

std::string s3_encode(const std::string& s, bool keep_slash) {
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

std::string s3_location_name(const S3Location& where) {
  std::string prefix = where.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return "s3://" + where.bucket + (prefix.empty() ? "" : "/" + prefix);
}

std::string s3_url(const S3Location& where, const std::string& key, const std::string& query) {
  std::string url = where.endpoint_url + "/" + s3_encode(where.bucket, false);
  if (!key.empty()) url += "/" + s3_encode(where.prefix + key, true);
  if (!query.empty()) url += (key.empty() ? "/?" : "?") + query;
  return url;
}

Error s3_answer_error(const std::string& remote, const char* what, const std::string& key, const S3Response& r) {
  const std::string code = r.error_code.empty() ? "HTTP " + std::to_string(r.status) : r.error_code;
  Error e(transient(r.status) ? Code::Unavailable : Code::Io,
          std::string("cannot ") + what + " " + key + " on the remote " + remote + ": the server answered " + code,
          r.body.substr(0, 500));
  if (transient(r.status)) e.append_hint("the server is busy or failing; try again later");
  return e;
}

S3Exchange::S3Exchange(const S3Location& where, const S3Credentials& credentials, S3Request request)
    : where_(where), credentials_(credentials), request_(std::move(request)), upload_{request_.body} {}

S3Exchange::~S3Exchange() {
  if (headers_) curl_library().slist_free_all(headers_);
}

void S3Exchange::prepare(CURL* c) {
  const CurlLibrary& curl = curl_library();
  curl.easy_reset(c);  // keeps the connection
  response_ = S3Response{};
  upload_.offset = 0;
  url_ = s3_url(where_, request_.key, request_.query);
  sigv4_ = "aws:amz:" + where_.region + ":s3";
  userpwd_ = credentials_.access_key_id + ":" + credentials_.secret_access_key;
  curl.easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl.easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  curl.easy_setopt(c, CURLOPT_USERPWD, userpwd_.c_str());
  curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A transfer that moves nothing for a minute is given up (the network is gone).
  curl.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
  curl.easy_setopt(c, CURLOPT_WRITEDATA, &response_.body);
  curl.easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl.easy_setopt(c, CURLOPT_HEADERDATA, &response_);

  if (!headers_) {
    // SigV4 needs the payload's hash as a header (without it, servers answer SignatureDoesNotMatch).
    std::vector<std::string> headers = request_.headers;
    headers.push_back("x-amz-content-sha256: " + sha256_hex(request_.body ? *request_.body : std::string()));
    if (!credentials_.session_token.empty()) headers.push_back("x-amz-security-token: " + credentials_.session_token);
    for (const auto& h : headers) headers_ = curl.slist_append(headers_, h.c_str());
  }
  curl.easy_setopt(c, CURLOPT_HTTPHEADER, headers_);

  const std::string method = request_.method;
  if (method == "PUT") {
    curl.easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl.easy_setopt(c, CURLOPT_READFUNCTION, send_body);
    curl.easy_setopt(c, CURLOPT_READDATA, &upload_);
    const size_t size = request_.body ? request_.body->size() : 0;
    curl.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    // curl waits for the server to accept a PUT's body before sending it (Expect: 100-continue),
    // a round trip more: worth it only before a body large enough that a refusal spares sending
    // it (curl 8 draws the same line, at 1 MiB). (An empty Expect header instead would be signed
    // by SigV4 but not sent, and the server would refuse the signature.)
    if (size < (1u << 20)) curl.easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
  } else if (method == "HEAD") {
    curl.easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request_.method);
  }
}

S3Response S3Exchange::conclude(CURL* c, CURLcode result) {
  const CurlLibrary& curl = curl_library();
  const std::string remote = s3_location_name(where_);
  if (result != CURLE_OK) {
    const std::string why = curl.easy_strerror(result);
    throw Error(Code::Unavailable, "cannot reach the remote " + remote + " at " + where_.endpoint_url + ": " + why)
        .with_hint("check that the server is up and that the endpoint is right (dvol remote -v; "
                   "--endpoint-url, AWS_ENDPOINT_URL or endpoint_url in ~/.aws/config)");
  }
  S3Response r = std::move(response_);
  curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  if (r.status >= 300) r.error_code = error_code_of(r.body);
  if (r.status == 403 || r.status == 401)
    throw Error(Code::PermissionDenied,
                "access to the remote " + remote + " was denied" + (r.error_code.empty() ? "" : " (" + r.error_code + ")"),
                std::string(request_.method) + " " + url_)
        .with_hint("check the credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE and "
                   "~/.aws/credentials) and that they may use bucket " + where_.bucket);
  if (r.error_code == "NoSuchBucket")
    throw Error(Code::NotFound, "the bucket " + where_.bucket + " of remote " + remote + " does not exist")
        .with_hint("create it first (for example: aws s3 mb s3://" + where_.bucket + "), or check the remote's URL");
  return r;
}

size_t S3Exchange::collect_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t S3Exchange::collect_header(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<S3Response*>(user);
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

size_t S3Exchange::send_body(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t n = std::min(size * count, up->body->size() - up->offset);
  std::copy_n(up->body->data() + up->offset, n, buffer);
  up->offset += n;
  return n;
}

}  // namespace dvol::io
