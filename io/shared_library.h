#pragma once
// A shared library opened when first needed rather than when dvol starts. Every library linked
// into dvol is mapped and relocated by every command; libcurl brings some 25 libraries of its
// own (TLS, Kerberos, LDAP, SSH...) and cost each command 230 ms inside the test kernel, while
// only the remote commands use it.
#include <string>

namespace dvol::io {

class SharedLibrary {
 public:
  // Opens `soname`; if it is missing, the error says that `needed_for` needs the Debian
  // package `package`.
  SharedLibrary(std::string soname, const std::string& package, const std::string& needed_for);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  // The function `name`, typed as `Fn` (declare it with decltype of the library's own
  // declaration, so that the types come from its header).
  template <class Fn>
  Fn symbol(const char* name) const {
    return reinterpret_cast<Fn>(address_of(name));
  }

 private:
  void* address_of(const char* name) const;

  std::string soname_;
  void* handle_;
};

}  // namespace dvol::io
