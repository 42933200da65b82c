#include "src/user_config.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/error.h"
#include "io/files.h"
#include "src/printable.h"

namespace dvol {
namespace {

void check_key(const std::string& key) {
  const auto& keys = UserConfig::known_keys();
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return;
  throw Error(Code::InvalidArgument, "unknown config key '" + printable(key) + "'")
      .with_hint("known keys: user.name, user.email");
}

Error damaged(const std::filesystem::path& file, const std::string& detail) {
  return Error(Code::Corruption, "config file " + file.string() + " is damaged", detail)
      .with_hint("Fix or remove the file, then set the keys again with 'dvol config'.");
}


}  // namespace

const std::vector<std::string>& UserConfig::known_keys() {
  static const std::vector<std::string> keys = {"user.name", "user.email"};
  return keys;
}

UserConfig UserConfig::load(const std::filesystem::path& root) {
  UserConfig config(root / "config.json");
  std::error_code ec;
  if (!std::filesystem::exists(config.file_, ec) && !ec) return config;
  std::ifstream in(config.file_, std::ios::binary);
  if (!in) throw sys_error("open", config.file_.string(), errno != 0 ? errno : EIO);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw damaged(config.file_, "not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (!value.is_string()) throw damaged(config.file_, "value of '" + key + "' is not a string");
    // Unknown keys are kept, not refused: a newer dvol may have written them.
    config.values_[key] = value.get<std::string>();
  }
  return config;
}

void UserConfig::validate_key(const std::string& key) { check_key(key); }

std::optional<std::string> UserConfig::get(const std::string& key) const {
  check_key(key);
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

void UserConfig::set(const std::string& key, const std::string& value) {
  check_key(key);
  if (std::any_of(value.begin(), value.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    throw Error(Code::InvalidArgument,
                "the value of " + key + " must not contain control characters or newlines");
  }
  UserConfig next = *this;
  next.values_[key] = value;
  next.save();
  values_ = std::move(next.values_);
}

std::vector<std::pair<std::string, std::string>> UserConfig::list() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : known_keys()) {
    auto it = values_.find(key);
    if (it != values_.end()) out.emplace_back(key, it->second);
  }
  return out;
}

void UserConfig::save() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : values_) j[key] = value;
  std::string text;
  try {
    text = j.dump(2) + "\n";
  } catch (const nlohmann::json::type_error& e) {
    // JSON holds only UTF-8; refusing keeps what is saved equal to what was given.
    throw Error(Code::InvalidArgument, "config values must be valid UTF-8", e.what());
  }
  // Readable by all, like ~/.gitconfig: it holds a name and an e-mail address, no secret.
  io::write_file_atomically(file_, text, 0644);
}

}  // namespace dvol
