#pragma once
// dvol::Error: the one error type of every layer. The code says what the user should do
// (see docs/style.md point 7); the message is one sentence a user can act on; the detail
// carries what a developer needs (operation, device, errno, a tool's stderr).
#include <filesystem>
#include <stdexcept>
#include <string>

namespace dvol {

enum class Code {
  NotFound,
  AlreadyExists,
  InvalidArgument,
  FailedPrecondition,
  ResourceExhausted,
  Unavailable,
  Aborted,
  Unsupported,
  Corruption,
  Cancelled,
  PermissionDenied,
  Io,
  Internal,
};

const char* code_name(Code code);

class Error : public std::runtime_error {
 public:
  Error(Code code, std::string message, std::string detail = {});

  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& detail() const { return detail_; }
  // Hint lines printed after the message (e.g. the rule a name breaks).
  const std::string& hint() const { return hint_; }
  Error&& with_hint(std::string hint) && {
    hint_ = std::move(hint);
    return std::move(*this);
  }
  // Adds a line to the hint of an error on its way up (e.g. what a cleanup could not do).
  void append_hint(const std::string& line) { hint_ += (hint_.empty() ? "" : "\n") + line; }

 private:
  Code code_;
  std::string message_;
  std::string detail_;
  std::string hint_;
};

// The errno-based error of a failed system call: ENOENT -> NotFound, ENOSPC ->
// ResourceExhausted, EBUSY -> Unavailable, EPERM/EACCES -> PermissionDenied, else Io.
Error sys_error(const std::string& op, const std::string& path, int err);

// The same for an exception of std::filesystem that nothing caught on its way up ("cannot
// create directories /x: No space left on device"), with what to do for the common causes.
Error from_filesystem_error(const std::filesystem::filesystem_error& e);

}  // namespace dvol
