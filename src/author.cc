#include "src/author.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/gitconfig.h"

namespace dvol {
namespace {

std::optional<std::string> non_empty(std::optional<std::string> s) {
  if (s && s->empty()) return std::nullopt;
  return s;
}

std::string read_file_or_empty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};  // ignored: no git configuration is a normal case
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Invoker {
  std::string user;
  std::filesystem::path home;
};

Invoker invoking_user() {
  // getpwnam/getpwuid are not reentrant, but dvol is single-threaded where this runs.
  const char* sudo_user = std::getenv("SUDO_USER");
  if (sudo_user && *sudo_user) {
    if (const passwd* pw = ::getpwnam(sudo_user)) return {sudo_user, pw->pw_dir};
    return {sudo_user, {}};
  }
  Invoker who;
  if (const passwd* pw = ::getpwuid(::geteuid())) {
    who.user = pw->pw_name;
    who.home = pw->pw_dir;
  }
  if (const char* home = std::getenv("HOME"); home && *home) who.home = home;
  if (who.user.empty()) {
    const char* user = std::getenv("USER");
    who.user = user && *user ? user : "unknown";
  }
  return who;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

}  // namespace

std::string choose_author(const AuthorSources& s) {
  GitIdentity git = parse_git_identity(s.gitconfig);
  auto name = non_empty(s.config_name);
  if (!name) name = non_empty(git.name);
  auto email = non_empty(s.config_email);
  if (!email) email = non_empty(git.email);

  const std::string fallback = s.user + "@" + s.hostname;
  if (name && email) return *name + " <" + *email + ">";
  if (name) return *name + " <" + fallback + ">";
  if (email) return s.user + " <" + *email + ">";
  return fallback;
}

std::string default_author(const UserConfig& config) {
  Invoker who = invoking_user();
  AuthorSources sources;
  sources.config_name = config.get("user.name");
  sources.config_email = config.get("user.email");
  if (!who.home.empty()) {
    // In git's reading order, later files overriding earlier ones. The "[]" line between them
    // closes the first file's last section, so it cannot capture the second file's keys.
    sources.gitconfig = read_file_or_empty(who.home / ".config/git/config") + "\n[]\n" +
                        read_file_or_empty(who.home / ".gitconfig");
  }
  sources.user = who.user;
  sources.hostname = host_name();
  return choose_author(sources);
}

}  // namespace dvol
