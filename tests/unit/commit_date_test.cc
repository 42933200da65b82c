#include "src/commit_date.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <string>

namespace dvol {
namespace {

constexpr int32_t kHour = 3600;

TEST(FormatGitDate, MatchesGitsExampleFromCliMd) {
  // given 2015-07-08 14:27:35 UTC committed at +0100, when formatted, then git's exact string
  // (day not zero-padded, local wall-clock time).
  EXPECT_EQ(format_git_date(1436365655, kHour), "Wed Jul 8 15:27:35 2015 +0100");
}

TEST(FormatGitDate, FormatsTheEpochInUtc) {
  // given time zero at offset zero, when formatted, then 1970-01-01 with +0000.
  EXPECT_EQ(format_git_date(0, 0), "Thu Jan 1 00:00:00 1970 +0000");
}

TEST(FormatGitDate, NegativeOffsetMovesTheWallClockBackAcrossMidnightAndYear) {
  // given the epoch at -0100, when formatted, then the previous day and year, offset -0100.
  EXPECT_EQ(format_git_date(0, -kHour), "Wed Dec 31 23:00:00 1969 -0100");
  EXPECT_EQ(format_git_date(1436365655, -7 * kHour), "Wed Jul 8 07:27:35 2015 -0700");
}

TEST(FormatGitDate, FractionalHourOffsetsPrintAsHHMM) {
  // given offsets of +05:30, -03:30 and +05:45, when formatted, then HHMM with sign, and the
  // last one crosses into the next year.
  EXPECT_EQ(format_git_date(1436365655, 5 * kHour + 1800), "Wed Jul 8 19:57:35 2015 +0530");
  EXPECT_EQ(format_git_date(1436365655, -(3 * kHour + 1800)), "Wed Jul 8 10:57:35 2015 -0330");
  EXPECT_EQ(format_git_date(1735689599, 5 * kHour + 2700), "Wed Jan 1 05:44:59 2025 +0545");
}

TEST(FormatGitDate, HandlesLeapDays) {
  // given 2016-02-29 and the 2000 leap day (a century that is leap), when formatted, then the
  // 29th shows, and an offset past midnight rolls over to March 1st.
  EXPECT_EQ(format_git_date(1456747200, 0), "Mon Feb 29 12:00:00 2016 +0000");
  EXPECT_EQ(format_git_date(951867000, kHour), "Wed Mar 1 00:30:00 2000 +0100");
}

TEST(FormatGitDate, HandlesDatesBefore1970And1900NotBeingLeap) {
  // given one second before 1900-03-01 UTC, when formatted, then Feb 28 (1900 has no Feb 29),
  // and one second before the epoch is Dec 31 1969.
  EXPECT_EQ(format_git_date(-2203891201, 0), "Wed Feb 28 23:59:59 1900 +0000");
  EXPECT_EQ(format_git_date(-1, 0), "Wed Dec 31 23:59:59 1969 +0000");
}

TEST(FormatGitDate, HandlesTimesPast2038) {
  // given the first second past 32-bit time_t, when formatted, then no overflow.
  EXPECT_EQ(format_git_date(2147483648, 0), "Tue Jan 19 03:14:08 2038 +0000");
}

TEST(FormatGitDate, IgnoresTheProcessTimeZone) {
  // given TZ set to a far-away zone, when formatting with an explicit offset, then the result is
  // unchanged: the stored offset alone decides.
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "Pacific/Kiritimati", 1);
  ::tzset();
  std::string formatted = format_git_date(1436365655, kHour);
  if (old)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
  EXPECT_EQ(formatted, "Wed Jul 8 15:27:35 2015 +0100");
}

TEST(LocalUtcOffset, FollowsTheProcessTimeZone) {
  // given fixed POSIX zones, when asked for the offset, then east of UTC is positive.
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", "UTC0", 1);
  ::tzset();
  int32_t utc = local_utc_offset(1436365655);
  ::setenv("TZ", "XST-5:30", 1);  // POSIX sign is inverted: this is UTC+05:30
  ::tzset();
  int32_t india = local_utc_offset(1436365655);
  ::setenv("TZ", "YST7", 1);  // UTC-07:00
  ::tzset();
  int32_t west = local_utc_offset(1436365655);
  if (old)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
  EXPECT_EQ(utc, 0);
  EXPECT_EQ(india, 5 * kHour + 1800);
  EXPECT_EQ(west, -7 * kHour);
}

}  // namespace
}  // namespace dvol
