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

TEST(SharedLibrary, AMissingFunctionSaysTheLibraryIsTooOld) {
  SharedLibrary curl("libcurl.so.4", "libcurl4", "an s3:// remote");
  Error e = testing::thrown_error([&] { (void)curl.symbol<void (*)()>("curl_from_the_future"); });
  EXPECT_EQ(e.code(), Code::Unsupported);
  EXPECT_EQ(e.message(), "libcurl.so.4 has no curl_from_the_future: it is older than dvol needs");
}

TEST(SharedLibrary, AFunctionFoundIsTheLibrarysOwn) {
  SharedLibrary curl("libcurl.so.4", "libcurl4", "an s3:// remote");
  auto version = curl.symbol<const char* (*)()>("curl_version");
  EXPECT_EQ(std::strncmp(version(), "libcurl/", 8), 0) << version();
}

}  // namespace
}  // namespace dvol::io
