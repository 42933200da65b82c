#pragma once
// Human-readable sizes in binary units, as dvol prints them (docs/cli.md, "Sizes"), and the
// parsing of --size arguments.
//
// The printing rule picks the largest binary unit not above the value:
//   below 1 KiB   whole bytes            "0B", "512B"
//   below 1 MiB   whole KiB, rounded     "200K"
//   1 MiB and up  MiB, GiB, TiB, PiB or EiB with two decimals, rounded half up
//                                        "512.00M", "6.72G", "1.50T"
// A value that rounds up to 1024 of a unit is shown in the next unit ("1.00M", not "1024K").
//
// The seed also shows "0.32G". No rule in which a bigger size never prints with a smaller unit
// can print both "0.32G" (about 328 MiB) and "512.00M"; we keep the monotonic rule, under which
// that size prints as "327.68M", because a table whose units jump back and forth misleads.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dvol {

[[nodiscard]] std::string format_size(uint64_t bytes);

// Parses a size such as "10G", "512M", "1T", "100K", "1.5G" or plain bytes "4096". Units are
// binary (K = 1024) and case-insensitive, optionally followed by "B" or "iB" ("10GiB", "10gb").
// Fractions are allowed with a unit and are rounded down to whole bytes.
// Returns nullopt for zero, garbage, signs, spaces, or a value that does not fit in 64 bits.
[[nodiscard]] std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace dvol
