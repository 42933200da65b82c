#pragma once
// S3ObjectStore: a remote in an S3 bucket under a key prefix (AWS S3, Ceph RGW, MinIO, ...),
// through libcurl with its own SigV4 signing. Path-style URLs, so that any endpoint works
// without DNS for bucket names. One connection, kept alive between requests; put_later sends
// several objects at once (io/s3_parallel_puts.h).
//
// Compare-and-swap uses S3's conditional writes: If-None-Match: * for a new key, If-Match with
// the bare ETag otherwise (Ceph RGW 16 compares it without quotes). A server error (5xx) or a
// dropped connection is retried a few times with backoff before it is reported.
#include <memory>
#include <string>

#include "io/object_store.h"

namespace dvol::io {

struct S3Request;
struct S3Response;
class S3ParallelPuts;

struct S3Location {
  std::string endpoint_url;  // "https://s3.eu-west-1.amazonaws.com", "http://10.0.0.1:7480"
  std::string region = "us-east-1";
  std::string bucket;
  std::string prefix;        // "" or "shop/": every key is stored under it
};

struct S3Credentials {
  std::string access_key_id, secret_access_key, session_token;  // session token optional
};

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(S3Location where, S3Credentials credentials);
  ~S3ObjectStore() override;

  std::string location() const override;
  std::optional<StoredObject> get(const std::string& key) override;
  std::string get_range(const std::string& key, uint64_t offset, uint64_t length) override;
  bool exists(const std::string& key) override;
  std::optional<ListedObject> stat(const std::string& key) override;
  void put(const std::string& key, const std::string& data) override;
  bool put_if(const std::string& key, const std::string& data, const std::optional<std::string>& expected) override;
  std::vector<ListedObject> list(const std::string& prefix) override;
  void remove(const std::string& key) override;
  void put_later(const std::string& key, std::string data) override;
  std::vector<std::string> arrived_puts() override;
  std::vector<std::string> finish_puts() override;


 private:
  S3Response send(const S3Request& request);
  S3Response send_once(const S3Request& request);

  S3Location where_;
  S3Credentials credentials_;
  void* curl_;  // CURL*, reused so that its connection stays open
  std::unique_ptr<S3ParallelPuts> parallel_;  // made by the first put_later
};

}  // namespace dvol::io
