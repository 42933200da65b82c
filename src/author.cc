#include "src/author.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

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

// Where a git configuration file's includes are found: `~/` is the user's home, a relative
// path is relative to the including file's directory (for nested includes: the first file's).
struct IncludeBase {
  std::filesystem::path home;
  std::filesystem::path dir;
};

std::string load_include(const std::string& path, const void* context) {
  const auto* base = static_cast<const IncludeBase*>(context);
  std::filesystem::path p = path;
  if (path.rfind("~/", 0) == 0) p = base->home / path.substr(2);
  else if (p.is_relative()) p = base->dir / p;
  return read_file_or_empty(p);
}

// One git configuration file with its includes followed, as git reads it.
std::string read_git_config(const std::filesystem::path& file, const std::filesystem::path& home) {
  IncludeBase base{home, file.parent_path()};
  return expand_includes(read_file_or_empty(file), load_include, &base);
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
  // "(none)" is what the kernel says when no host name was ever set (containers, minimal
  // systems): not a name anyone can mail.
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0' || std::string_view(buf) == "(none)")
    return "localhost";
  return buf;
}

}  // namespace

std::string choose_author(const AuthorSources& s) {
  GitIdentity git = parse_git_identity(s.gitconfig);
  auto name = non_empty(s.config_name);
  if (!name) name = non_empty(git.name);
  auto email = non_empty(s.config_email);
  if (!email) email = non_empty(git.email);

  // Always git's "NAME <EMAIL>"; what is not configured comes from git's own fallback, the
  // user's login name and USER@HOSTNAME.
  return name.value_or(s.user) + " <" + email.value_or(s.user + "@" + s.hostname) + ">";
}

std::string default_author(const UserConfig& config) {
  Invoker who = invoking_user();
  AuthorSources sources;
  sources.config_name = config.get("user.name");
  sources.config_email = config.get("user.email");
  // In git's reading order, later files overriding earlier ones: the system's, then the user's
  // (XDG, then ~/.gitconfig). The "[]" line between them closes one file's last section, so it
  // cannot capture the next file's keys.
  sources.gitconfig = read_git_config("/etc/gitconfig", who.home);
  if (!who.home.empty()) {
    sources.gitconfig += "\n[]\n" + read_git_config(who.home / ".config/git/config", who.home) + "\n[]\n" +
                         read_git_config(who.home / ".gitconfig", who.home);
  }
  sources.user = who.user;
  sources.hostname = host_name();
  return choose_author(sources);
}

}  // namespace dvol
