#pragma once
// Fresh identifiers. Commit ids are random, not content hashes (docs/cli.md): 160 random bits
// make a collision within one volume practically impossible, and 4-character prefixes stay
// usable because the ids are evenly spread.
#include <string>

namespace dvol {

// 40 lowercase hex characters from 20 bytes of getrandom(2). Throws Error(Io) if the kernel
// cannot supply random bytes.
[[nodiscard]] std::string new_commit_id();

// 8 lowercase hex characters, naming a volume's kernel objects (kept short: dm names are
// limited to 127 bytes).
[[nodiscard]] std::string new_volume_uid();

}  // namespace dvol
