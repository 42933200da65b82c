#pragma once
// Commit dates in git's default format, "Wed Jul 8 15:27:35 2015 +0100": the wall-clock time in
// the committer's UTC offset, stored with the commit, so a log reads the same on every host.
#include <cstdint>
#include <string>

namespace dvol {

// Pure arithmetic on (unix seconds + offset): never reads TZ or the system time zone.
// Day of month is not zero-padded; the offset is +HHMM or -HHMM.
[[nodiscard]] std::string format_git_date(int64_t unix_seconds, int32_t utc_offset_seconds);

// The offset of the host's local time zone from UTC at `unix_seconds` (east positive), as
// recorded in a new commit. Reads the system time zone.
[[nodiscard]] int32_t local_utc_offset(int64_t unix_seconds);

}  // namespace dvol
