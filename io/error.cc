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

}  // namespace dvol
