#pragma once
// FileObjectStore: a remote in a plain directory (file:///DIR: a shared or removable disk).
// Keys are relative paths under DIR. Objects are written to a unique temporary name, fsynced
// and renamed into place, so a reader never sees half of one; compare-and-swap holds an flock
// on DIR/.dvol-lock. The etag of an object is the SHA-256 of its contents.
#include <filesystem>

#include "io/object_store.h"

namespace dvol::io {

class FileObjectStore final : public ObjectStore {
 public:
  // NotFound if `dir` is not an existing directory.
  explicit FileObjectStore(std::filesystem::path dir);

  std::string location() const override;
  std::optional<StoredObject> get(const std::string& key) override;
  std::string get_range(const std::string& key, uint64_t offset, uint64_t length) override;
  bool exists(const std::string& key) override;
  std::optional<ListedObject> stat(const std::string& key) override;
  void put(const std::string& key, const std::string& data) override;
  bool put_if(const std::string& key, const std::string& data, const std::optional<std::string>& expected) override;
  std::vector<ListedObject> list(const std::string& prefix) override;
  void remove(const std::string& key) override;

 private:
  std::filesystem::path path_of(const std::string& key) const;

  std::filesystem::path dir_;
};

}  // namespace dvol::io
