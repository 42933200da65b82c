// fmt's compiled part, for a build that links its libraries statically (DVOL_STATIC_LIBRARIES
// in CMakeLists.txt): Debian ships fmt only as a shared library. format-inl.h defines what
// fmt's headers declare; the two templates they declare `extern` are instantiated for char.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
