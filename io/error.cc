#include "io/error.h"

#include <cstring>

namespace dvol {

const char* code_name(Code code) {
  switch (code) {
    case Code::NotFound: return "not found";
    case Code::AlreadyExists: return "already exists";
    case Code::InvalidArgument: return "invalid argument";
    case Code::FailedPrecondition: return "failed precondition";
    case Code::ResourceExhausted: return "resource exhausted";
    case Code::Unavailable: return "unavailable";
    case Code::Aborted: return "aborted";
    case Code::Unsupported: return "unsupported";
    case Code::Corruption: return "corruption";
    case Code::Cancelled: return "cancelled";
    case Code::PermissionDenied: return "permission denied";
    case Code::Io: return "i/o error";
    case Code::Internal: return "internal error";
  }
  return "error";
}

Error::Error(Code code, std::string message, std::string detail)
    : std::runtime_error(detail.empty() ? message : message + " (" + detail + ")"),
      code_(code),
      message_(std::move(message)),
      detail_(std::move(detail)) {}

Error sys_error(const std::string& op, const std::string& path, int err) {
  Code code = Code::Io;
  switch (err) {
    case ENOENT: code = Code::NotFound; break;
    case ENOSPC: case EDQUOT: code = Code::ResourceExhausted; break;
    case EBUSY: case EAGAIN: code = Code::Unavailable; break;
    case EPERM: case EACCES: code = Code::PermissionDenied; break;
    case EEXIST: code = Code::AlreadyExists; break;
    case EOPNOTSUPP: case ENODEV: case ENOSYS: code = Code::Unsupported; break;
    default: break;
  }
  std::string what = path.empty() ? op : op + " " + path;
  return Error(code, "cannot " + what + ": " + std::strerror(err),
               op + "(" + path + "): errno " + std::to_string(err));
}

Error from_filesystem_error(const std::filesystem::filesystem_error& e) {
  // what() is "filesystem error: <operation>: <reason> [<path>] [<path>]".
  std::string op = e.what();
  if (op.rfind("filesystem error: ", 0) == 0) op.erase(0, 18);
  if (auto end = op.find(": "); end != std::string::npos) op.erase(end);
  if (op.rfind("cannot ", 0) == 0) op.erase(0, 7);
  Error error = sys_error(op, e.path1().string(), e.code().value());
  switch (error.code()) {
    case Code::PermissionDenied: error.append_hint("dvol manages kernel devices and root-only state: run it as root (sudo)"); break;
    case Code::ResourceExhausted: error.append_hint("free space on the filesystem that holds it, then run the command again"); break;
    default: break;
  }
  return error;
}

}  // namespace dvol
