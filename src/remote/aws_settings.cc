#include "src/remote/aws_settings.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include "src/error.h"

namespace dvol::remote {

namespace {

using Section = std::map<std::string, std::string>;

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The keys of section `wanted` of an INI file as the AWS CLI writes them (missing file: none).
// Nested settings (a line ending in '=' followed by indented lines) are skipped.
std::optional<Section> read_section(const std::filesystem::path& file, const std::string& wanted) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::optional<Section> found;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    auto t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      inside = trim(t.substr(1, t.size() - 2)) == wanted;
      if (inside && !found) found.emplace();
      continue;
    }
    if (!inside || line[0] == ' ' || line[0] == '\t') continue;
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    (*found)[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
  }
  return found;
}

std::string value_of(const std::optional<Section>& s, const std::string& key) {
  if (!s) return {};
  auto it = s->find(key);
  return it == s->end() ? std::string() : it->second;
}

}  // namespace

AwsSettings resolve_aws_settings(const Environment& env, const std::filesystem::path& home,
                                 const std::string& stored_endpoint) {
  auto get = [&](const char* name) { return env(name).value_or(""); };
  const std::string profile = get("AWS_PROFILE").empty() ? "default" : get("AWS_PROFILE");
  std::filesystem::path credentials_file = get("AWS_SHARED_CREDENTIALS_FILE");
  if (credentials_file.empty()) credentials_file = home / ".aws" / "credentials";
  std::filesystem::path config_file = get("AWS_CONFIG_FILE");
  if (config_file.empty()) config_file = home / ".aws" / "config";
  auto credentials = read_section(credentials_file, profile);
  auto config = read_section(config_file, profile == "default" ? "default" : "profile " + profile);
  if (!get("AWS_PROFILE").empty() && !credentials && !config)
    throw Error(Code::InvalidArgument, "AWS profile '" + profile + "' is not defined")
        .with_hint("define it in " + credentials_file.string() + " or " + config_file.string() + ", or unset AWS_PROFILE");

  AwsSettings s;
  if (!get("AWS_ACCESS_KEY_ID").empty() && !get("AWS_SECRET_ACCESS_KEY").empty()) {
    s.access_key_id = get("AWS_ACCESS_KEY_ID");
    s.secret_access_key = get("AWS_SECRET_ACCESS_KEY");
    s.session_token = get("AWS_SESSION_TOKEN");
    s.credentials_from = "AWS_ACCESS_KEY_ID";
  } else {
    for (const auto& [section, file] : {std::pair{&credentials, &credentials_file}, std::pair{&config, &config_file}}) {
      if (value_of(*section, "aws_access_key_id").empty()) continue;
      s.access_key_id = value_of(*section, "aws_access_key_id");
      s.secret_access_key = value_of(*section, "aws_secret_access_key");
      s.session_token = value_of(*section, "aws_session_token");
      s.credentials_from = file->string() + " [" + profile + "]";
      break;
    }
  }
  if (s.access_key_id.empty() || s.secret_access_key.empty())
    throw Error(Code::FailedPrecondition, "no S3 credentials found")
        .with_hint("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with keys in " +
                   credentials_file.string() + " (dvol runs as root: with sudo, use sudo -E or root's ~/.aws)");

  s.region = get("AWS_REGION");
  if (s.region.empty()) s.region = get("AWS_DEFAULT_REGION");
  if (s.region.empty()) s.region = value_of(config, "region");
  if (s.region.empty()) s.region = "us-east-1";

  s.endpoint_url = stored_endpoint;
  if (s.endpoint_url.empty()) s.endpoint_url = get("AWS_ENDPOINT_URL_S3");
  if (s.endpoint_url.empty()) s.endpoint_url = get("AWS_ENDPOINT_URL");
  if (s.endpoint_url.empty()) s.endpoint_url = value_of(config, "endpoint_url");
  return s;
}

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

}  // namespace dvol::remote
