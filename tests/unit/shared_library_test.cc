// The libraries dvol opens when first used (libcurl, libcrypto): what a user reads when one is
// missing or too old, and that a function found is the library's own.
#include "io/shared_library.h"

#include <gtest/gtest.h>

#include <cstring>

#include "expect_error.h"

namespace dvol::io {
namespace {

TEST(SharedLibrary, AMissingLibrarySaysWhatNeedsItAndWhichPackageToInstall) {
  Error e = testing::thrown_error([] { SharedLibrary("libdvol-no-such.so.7", "libdvol-no-such7", "an s3:// remote"); });
  EXPECT_EQ(e.code(), Code::Unsupported);
  EXPECT_EQ(e.message(), "an s3:// remote needs libdvol-no-such.so.7, which is not installed");
  EXPECT_EQ(e.hint(), "install it: apt-get install libdvol-no-such7");
}

// zlib here, not libcurl: it keeps no global state, which a library closed again (as these
// tests do; dvol never closes its own) would leave behind for LeakSanitizer to report.
TEST(SharedLibrary, AMissingFunctionSaysTheLibraryIsTooOld) {
  SharedLibrary zlib("libz.so.1", "zlib1g", "compression");
  Error e = testing::thrown_error([&] { (void)zlib.symbol<void (*)()>("zlib_from_the_future"); });
  EXPECT_EQ(e.code(), Code::Unsupported);
  EXPECT_EQ(e.message(), "libz.so.1 has no zlib_from_the_future: it is older than dvol needs");
}

TEST(SharedLibrary, AFunctionFoundIsTheLibrarysOwn) {
  SharedLibrary zlib("libz.so.1", "zlib1g", "compression");
  auto version = zlib.symbol<const char* (*)()>("zlibVersion");
  EXPECT_EQ(std::strncmp(version(), "1.", 2), 0) << version();
}

}  // namespace
}  // namespace dvol::io
