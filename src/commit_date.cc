#include "src/commit_date.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

namespace dvol {
namespace {

constexpr const char* kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string format_git_date(int64_t unix_seconds, int32_t utc_offset_seconds) {
  using namespace std::chrono;
  const sys_seconds local{seconds{unix_seconds + utc_offset_seconds}};
  const sys_days day = floor<days>(local);  // floor, not truncation: dates before 1970 work
  const year_month_day ymd{day};
  const hh_mm_ss hms{local - day};
  const weekday wd{day};

  const char sign = utc_offset_seconds < 0 ? '-' : '+';
  const int64_t abs_offset =
      utc_offset_seconds < 0 ? -int64_t{utc_offset_seconds} : utc_offset_seconds;
  return fmt::format("{} {} {} {:02}:{:02}:{:02} {} {}{:02}{:02}", kWeekdays[wd.c_encoding()],
                     kMonths[unsigned{ymd.month()} - 1], unsigned{ymd.day()}, hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count(), int{ymd.year()}, sign,
                     abs_offset / 3600, abs_offset % 3600 / 60);
}

int32_t local_utc_offset(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return 0;  // outside the representable range: say UTC
  return static_cast<int32_t>(tm.tm_gmtoff);
}

}  // namespace dvol
