#include "src/printable.h"

#include <gtest/gtest.h>

namespace dvol {
namespace {

TEST(Printable, PassesPrintableAsciiThrough) {
  // given ordinary text, when escaped, then it is unchanged.
  EXPECT_EQ(printable("HybridCP/mysql -x ..~"), "HybridCP/mysql -x ..~");
}

TEST(Printable, EscapesControlCharactersSoTheTerminalNeverSeesThem) {
  // given an escape sequence, newline, tab, NUL and DEL, when escaped, then each is \xNN.
  EXPECT_EQ(printable(std::string("a\x1b[2Jb\n\t\0\x7f", 10)), "a\\x1b[2Jb\\x0a\\x09\\x00\\x7f");
}

TEST(Printable, EscapesNonAsciiBytes) {
  // given UTF-8 "é", when escaped, then both bytes appear as lowercase hex escapes.
  EXPECT_EQ(printable("\xc3\xa9"), "\\xc3\\xa9");
}

TEST(Printable, EscapesBackslashSoEscapesAreUnambiguous) {
  // given a literal backslash-x text, when escaped, then it cannot be confused with an escape.
  EXPECT_EQ(printable("\\x1b"), "\\\\x1b");
}

}  // namespace
}  // namespace dvol
