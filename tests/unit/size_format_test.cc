#include "src/size_format.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace dvol {
namespace {

constexpr uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024, TiB = GiB * 1024;

TEST(FormatSize, ProducesTheSeedSuffixes) {
  // given sizes like those in the seed, when formatted, then the seed's strings appear.
  EXPECT_EQ(format_size(200 * KiB), "200K");
  EXPECT_EQ(format_size(512 * MiB), "512.00M");
  EXPECT_EQ(format_size(7215545057), "6.72G");  // 6.72 GiB
}

TEST(FormatSize, NeverShowsASmallerUnitForABiggerSize) {
  // given a third of a GiB, when formatted, then it stays in MiB (the documented reason the
  // seed's "0.32G" does not appear: the rule is monotonic).
  EXPECT_EQ(format_size(343597384), "327.68M");
}

TEST(FormatSize, ShowsWholeBytesBelowOneKiB) {
  // given sizes under 1 KiB, when formatted, then whole bytes with a B suffix.
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_size(1), "1B");
  EXPECT_EQ(format_size(1023), "1023B");
}

TEST(FormatSize, ShowsRoundedWholeKiBBelowOneMiB) {
  // given sizes from 1 KiB up to just under 1 MiB, when formatted, then whole KiB rounded half
  // up.
  EXPECT_EQ(format_size(KiB), "1K");
  EXPECT_EQ(format_size(KiB + 511), "1K");
  EXPECT_EQ(format_size(KiB + 512), "2K");
  EXPECT_EQ(format_size(1023 * KiB), "1023K");
}

TEST(FormatSize, RoundingUpToTheNextUnitShowsTheNextUnit) {
  // given sizes that round up to 1024 of a unit, when formatted, then the next unit is used.
  EXPECT_EQ(format_size(MiB - 1), "1.00M");
  EXPECT_EQ(format_size(MiB - 512), "1.00M");
  EXPECT_EQ(format_size(GiB - 1), "1.00G");
  EXPECT_EQ(format_size(TiB - 1), "1.00T");
}

TEST(FormatSize, ShowsTwoDecimalsFromOneMiB) {
  // given MiB, GiB, TiB, PiB and EiB sizes, when formatted, then two decimals and the unit.
  EXPECT_EQ(format_size(MiB), "1.00M");
  EXPECT_EQ(format_size(MiB + MiB / 2), "1.50M");
  EXPECT_EQ(format_size(1023 * MiB), "1023.00M");
  EXPECT_EQ(format_size(10 * GiB), "10.00G");
  EXPECT_EQ(format_size(3 * TiB / 2), "1.50T");
  EXPECT_EQ(format_size(TiB * 1024), "1.00P");
  EXPECT_EQ(format_size(TiB * 1024 * 1024), "1.00E");
}

TEST(FormatSize, RoundsHalfUpAtTheSecondDecimal) {
  // given sizes either side of 1.005 GiB (GiB + 5368709.12 bytes), when formatted, then
  // rounding is half up.
  EXPECT_EQ(format_size(GiB + 5368709), "1.00G");
  EXPECT_EQ(format_size(GiB + 5368710), "1.01G");
  EXPECT_EQ(format_size(MiB + MiB / 8), "1.13M");  // exactly 1.125: half goes up
}

TEST(FormatSize, HandlesTheLargestValue) {
  // given UINT64_MAX, when formatted, then no overflow: 16 EiB.
  EXPECT_EQ(format_size(UINT64_MAX), "16.00E");
}

TEST(ParseSize, ReadsBinaryUnits) {
  // given each unit, when parsed, then it is a power of 1024.
  EXPECT_EQ(parse_size("100K"), 100 * KiB);
  EXPECT_EQ(parse_size("512M"), 512 * MiB);
  EXPECT_EQ(parse_size("10G"), 10 * GiB);
  EXPECT_EQ(parse_size("1T"), TiB);
  EXPECT_EQ(parse_size("1P"), TiB * 1024);
  EXPECT_EQ(parse_size("1E"), TiB * 1024 * 1024);
}

TEST(ParseSize, ReadsPlainBytes) {
  // given a bare number or one with B, when parsed, then it is bytes.
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4096B"), 4096u);
  EXPECT_EQ(parse_size("1"), 1u);
}

TEST(ParseSize, AcceptsLowercaseAndByteSuffixes) {
  // given the spellings people type (10g, 10GB, 10GiB, 10gib), when parsed, then all are 10 GiB.
  for (const char* text : {"10g", "10GB", "10GiB", "10gib", "10gb", "10Gb"}) {
    EXPECT_EQ(parse_size(text), 10 * GiB) << text;
  }
}

TEST(ParseSize, ReadsFractionsRoundedDownToBytes) {
  // given fractional sizes, when parsed, then exact where possible and rounded down otherwise.
  EXPECT_EQ(parse_size("1.5G"), GiB + GiB / 2);
  EXPECT_EQ(parse_size("0.5K"), 512u);
  EXPECT_EQ(parse_size("0.001K"), 1u);  // 1.024 bytes
  EXPECT_EQ(parse_size("1.0000000000000000000000000001G"), GiB);
}

TEST(ParseSize, RefusesZeroGarbageAndOverflow) {
  // given zero, malformed text, signs, spaces, fractions of a byte, or more than 64 bits, when
  // parsed, then nullopt.
  for (const char* text : {"",
                           "0",
                           "0G",
                           "0.0001B",
                           "G",
                           "10X",
                           "10 G",
                           " 10G",
                           "10G ",
                           "-1G",
                           "+1G",
                           "1.G",
                           ".5G",
                           "1.5",
                           "10KK",
                           "10iB",
                           "1e3",
                           "0x10",
                           "16E",
                           "18446744073709551616",
                           "99999999999999999999999999999",
                           "17179869184G",
                           "1,5G"}) {
    EXPECT_EQ(parse_size(text), std::nullopt) << text;
  }
}

TEST(ParseSize, AcceptsTheLargest64BitValue) {
  // given UINT64_MAX in bytes, when parsed, then it fits exactly.
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
}

TEST(ParseSize, RoundTripsWithFormatForWholeUnits) {
  // given whole-unit sizes, when formatted and parsed back, then the same byte count returns.
  for (uint64_t v : {200 * KiB, 512 * MiB, 10 * GiB, 2 * TiB}) {
    EXPECT_EQ(parse_size(format_size(v)), v) << v;
  }
}

}  // namespace
}  // namespace dvol
