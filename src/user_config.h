#pragma once
// UserConfig: the settings of `dvol config` (user.name, user.email), kept in <root>/config.json
// as a flat JSON object {"user.name": "...", "user.email": "..."}.
//
// A plain value loaded from disk; set() writes the file through at once (temp file, fsync,
// rename, fsync of the directory), so a crash leaves either the old or the new file. Not
// thread-safe; the state lock serialises writers between processes.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dvol {

class UserConfig {
 public:
  // The keys dvol knows, in the order `dvol config -l` lists them.
  static const std::vector<std::string>& known_keys();
  // Throws InvalidArgument for a key dvol does not know; reads nothing.
  static void validate_key(const std::string& key);

  // Reads <root>/config.json; a missing file is an empty configuration. Errors: Corruption if
  // the file is not a JSON object of strings, Io if it cannot be read.
  [[nodiscard]] static UserConfig load(const std::filesystem::path& root);

  // nullopt if the key is unset. InvalidArgument for an unknown key.
  [[nodiscard]] std::optional<std::string> get(const std::string& key) const;
  // Sets and saves. InvalidArgument for an unknown key or a value with control characters
  // (it would break the Author line of `dvol log`). On error the file is unchanged.
  void set(const std::string& key, const std::string& value);
  // The set keys with their values, in known_keys() order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> list() const;

 private:
  explicit UserConfig(std::filesystem::path file) : file_(std::move(file)) {}
  void save() const;

  std::filesystem::path file_;  // fixed after construction
  std::map<std::string, std::string> values_;
};

}  // namespace dvol
