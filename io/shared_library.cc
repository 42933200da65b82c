#include "io/shared_library.h"

#include <dlfcn.h>

#include "io/error.h"

namespace dvol::io {

SharedLibrary::SharedLibrary(std::string soname, const std::string& package, const std::string& needed_for)
    : soname_(std::move(soname)), handle_(dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL)) {
  if (!handle_) {
    const char* why = dlerror();
    throw Error(Code::Unsupported, needed_for + " needs " + soname_ + ", which is not installed", why ? why : "")
        .with_hint("install it: apt-get install " + package);
  }
}

SharedLibrary::~SharedLibrary() { dlclose(handle_); }

void* SharedLibrary::address_of(const char* name) const {
  dlerror();
  void* p = dlsym(handle_, name);
  if (!p) {
    const char* why = dlerror();
    throw Error(Code::Unsupported, soname_ + " has no " + name + ": it is older than dvol needs",
                why ? why : "");
  }
  return p;
}

}  // namespace dvol::io
