#include "io/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <cstring>

namespace dvol {
namespace {

TEST(SysError, MapsErrnoToTheCodeThatSaysWhatTheUserShouldDo) {
  // given each errno a system call can fail with, when sys_error wraps it,
  // then the code matches docs/style.md point 8 (and Io for everything else).
  struct Case {
    int err;
    Code code;
  };
  const Case cases[] = {
      {ENOENT, Code::NotFound},
      {ENOSPC, Code::ResourceExhausted},
      {EDQUOT, Code::ResourceExhausted},
      {EBUSY, Code::Unavailable},
      {EAGAIN, Code::Unavailable},
      {EPERM, Code::PermissionDenied},
      {EACCES, Code::PermissionDenied},
      {EEXIST, Code::AlreadyExists},
      {EOPNOTSUPP, Code::Unsupported},
      {ENODEV, Code::Unsupported},
      {ENOSYS, Code::Unsupported},
      {EIO, Code::Io},
      {EINVAL, Code::Io},
      {EROFS, Code::Io},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::strerror(c.err));
    EXPECT_EQ(sys_error("open", "/dev/x", c.err).code(), c.code);
  }
}

TEST(SysError, MessageNamesTheOperationThePathAndTheReason) {
  // given a failed open of a path, when wrapped, then the sentence names all three and the
  // detail keeps the errno number for developers.
  Error e = sys_error("open", "/var/lib/dvol/x", ENOENT);
  EXPECT_EQ(e.message(), std::string("cannot open /var/lib/dvol/x: ") + std::strerror(ENOENT));
  EXPECT_NE(e.detail().find("errno " + std::to_string(ENOENT)), std::string::npos);
}

TEST(SysError, MessageWithoutPathNamesOnlyTheOperation) {
  // given an operation without a path, when wrapped, then no dangling space appears.
  Error e = sys_error("getrandom", "", EIO);
  EXPECT_EQ(e.message(), std::string("cannot getrandom: ") + std::strerror(EIO));
}

TEST(Error, WhatCombinesMessageAndDetail) {
  // given errors with and without detail, when what() is read, then the detail is appended in
  // parentheses only when present.
  EXPECT_STREQ(Error(Code::Io, "disk failed").what(), "disk failed");
  EXPECT_STREQ(Error(Code::Io, "disk failed", "sda: EIO").what(), "disk failed (sda: EIO)");
}

TEST(Error, WithHintKeepsCodeAndMessage) {
  // given an error, when a hint is attached, then code, message and detail are unchanged.
  Error e = Error(Code::InvalidArgument, "bad name", "d").with_hint("use letters");
  EXPECT_EQ(e.code(), Code::InvalidArgument);
  EXPECT_EQ(e.message(), "bad name");
  EXPECT_EQ(e.detail(), "d");
  EXPECT_EQ(e.hint(), "use letters");
}

TEST(Error, EveryCodeHasAName) {
  // given every code, when named, then none falls through to the generic "error".
  for (int i = 0; i <= static_cast<int>(Code::Internal); ++i) {
    EXPECT_STRNE(code_name(static_cast<Code>(i)), "error") << i;
  }
}

TEST(FromFilesystemError, NamesTheOperationThePathAndWhatToDo) {
  // given what std::filesystem throws for a full disk and for a missing permission, when
  // turned into dvol's error, then the sentence names the operation, the path and the reason,
  // the code says what to do, and the hint says how.
  std::filesystem::filesystem_error full("cannot create directories", "/var/lib/dvol/volumes/x/mnt",
                                         std::make_error_code(std::errc::no_space_on_device));
  Error e = from_filesystem_error(full);
  EXPECT_EQ(e.code(), Code::ResourceExhausted);
  EXPECT_EQ(e.message(), "cannot create directories /var/lib/dvol/volumes/x/mnt: " + std::string(std::strerror(ENOSPC)));
  EXPECT_NE(e.hint().find("free space"), std::string::npos) << e.hint();
  std::filesystem::filesystem_error denied("cannot remove", "/r", std::make_error_code(std::errc::permission_denied));
  Error d = from_filesystem_error(denied);
  EXPECT_EQ(d.code(), Code::PermissionDenied);
  EXPECT_EQ(d.message(), "cannot remove /r: " + std::string(std::strerror(EACCES)));
  EXPECT_NE(d.hint().find("as root"), std::string::npos) << d.hint();
}

}  // namespace
}  // namespace dvol
