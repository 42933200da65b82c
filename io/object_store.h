#pragma once
// ObjectStore: a flat namespace of immutable objects plus a few mutable ones that move only by
// compare-and-swap; what a remote is (an S3 bucket under a prefix, or a directory). It knows
// nothing of volumes or commits (src/remote/ gives the keys their meaning).
//
// Errors: NotFound (no such bucket or directory), PermissionDenied (credentials), Unavailable
// (cannot reach the server; retrying may work), Io for anything else the server says. Each
// message names the remote and what to do.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dvol::io {

struct StoredObject {
  std::string data;
  std::string etag;  // what a compare-and-swap names the version by
};

struct ListedObject {
  std::string key;
  uint64_t size = 0;
  int64_t modified = 0;  // unix seconds
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The remote as users name it ("s3://hub/shop", "file:///mnt/hub"), for messages.
  [[nodiscard]] virtual std::string location() const = 0;

  // The whole object; nullopt if there is none under `key`.
  [[nodiscard]] virtual std::optional<StoredObject> get(const std::string& key) = 0;
  // Bytes [offset, offset + length) of an object, which must exist and be that long
  // (Corruption otherwise).
  [[nodiscard]] virtual std::string get_range(const std::string& key, uint64_t offset, uint64_t length) = 0;
  // True if an object is stored under `key`.
  [[nodiscard]] virtual bool exists(const std::string& key) = 0;
  // The object's size and age; nullopt if there is none.
  [[nodiscard]] virtual std::optional<ListedObject> stat(const std::string& key) = 0;

  // Stores `data` under `key`, complete or not at all (a reader never sees half of it).
  virtual void put(const std::string& key, const std::string& data) = 0;
  // Compare-and-swap: stores `data` only if the object's current etag is `expected`, or, with
  // nullopt, only if there is no object yet. False if the condition failed (somebody else wrote
  // it first); then nothing was written.
  [[nodiscard]] virtual bool put_if(const std::string& key, const std::string& data,
                                    const std::optional<std::string>& expected) = 0;
  // Every object whose key starts with `prefix`, sorted by key.
  [[nodiscard]] virtual std::vector<ListedObject> list(const std::string& prefix) = 0;
  // Removes the object (none is fine).
  virtual void remove(const std::string& key) = 0;

  // Stores objects as put() does, several at once where the store can (S3): put_later may
  // return before `data` arrived, after waiting while much is still on its way. A failure is
  // thrown by a later put_later, arrived_puts or finish_puts.
  virtual void put_later(const std::string& key, std::string data) {
    put(key, data);
    arrived_.push_back(key);
  }
  // The keys of put_later that arrived since the last call.
  [[nodiscard]] virtual std::vector<std::string> arrived_puts() { return std::exchange(arrived_, {}); }
  // Waits until every put_later arrived; returns the keys not returned before.
  [[nodiscard]] virtual std::vector<std::string> finish_puts() { return arrived_puts(); }

 private:
  std::vector<std::string> arrived_;  // by the default put_later, which is put
};

}  // namespace dvol::io
