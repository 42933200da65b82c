#include "dm/units.h"

#include "io/error.h"

namespace dvol::dm {

ThinId::ThinId(uint64_t id) : value_(static_cast<uint32_t>(id)) {
  if (id > kMax) throw Error(Code::InvalidArgument, "thin id " + std::to_string(id) + " does not fit in 24 bits");
}

static bool dm_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '+' || c == '-';
}

DmName::DmName(std::string name) : name_(std::move(name)) {
  bool ok = !name_.empty() && name_.size() < 128 && name_ != "." && name_ != "..";
  for (char c : name_) ok = ok && dm_name_char(c);
  if (!ok) throw Error(Code::InvalidArgument, "'" + name_ + "' is not a valid device-mapper name");
}

}  // namespace dvol::dm
