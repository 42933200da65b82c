#pragma once
// The default author of a commit (docs/cli.md, `dvol commit`): `user.name <user.email>` from
// `dvol config`, else from the invoking user's git configuration, else `<user>@<hostname>`.
#include <optional>
#include <string>

#include "src/user_config.h"

namespace dvol {

// Everything the choice depends on, gathered by default_author() so the rule stays testable.
struct AuthorSources {
  std::optional<std::string> config_name;   // dvol config user.name
  std::optional<std::string> config_email;  // dvol config user.email
  std::string gitconfig;                    // the invoking user's git configuration text
  std::string user;                         // invoking login name
  std::string hostname;
};

// Each of name and email comes from dvol config, else git; empty values count as unset.
//   name and email known: "Name <email>"
//   only the name:        "Name <user@hostname>"
//   only the email:       "user <email>"
//   neither:              "user@hostname"
[[nodiscard]] std::string choose_author(const AuthorSources& sources);

// Gathers the sources for the invoking user: under sudo the user in SUDO_USER (whose home holds
// the git configuration), otherwise the effective user and $HOME. Reads ~/.config/git/config
// and ~/.gitconfig (the latter wins, as in git). Unreadable files are skipped; never throws for
// a missing source.
[[nodiscard]] std::string default_author(const UserConfig& config);

}  // namespace dvol
