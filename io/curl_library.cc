#include "io/curl_library.h"

#include "io/error.h"
#include "io/shared_library.h"

namespace dvol::io {

namespace {

struct LoadedCurl {
  SharedLibrary library{"libcurl.so.4", "libcurl4", "an s3:// remote"};
  CurlLibrary api{};

  LoadedCurl() {
    auto global_init = library.symbol<decltype(&::curl_global_init)>("curl_global_init");
    api.easy_init = library.symbol<decltype(api.easy_init)>("curl_easy_init");
    api.easy_cleanup = library.symbol<decltype(api.easy_cleanup)>("curl_easy_cleanup");
    api.easy_reset = library.symbol<decltype(api.easy_reset)>("curl_easy_reset");
    api.easy_setopt = library.symbol<decltype(api.easy_setopt)>("curl_easy_setopt");
    api.easy_perform = library.symbol<decltype(api.easy_perform)>("curl_easy_perform");
    api.easy_getinfo = library.symbol<decltype(api.easy_getinfo)>("curl_easy_getinfo");
    api.easy_strerror = library.symbol<decltype(api.easy_strerror)>("curl_easy_strerror");
    api.slist_append = library.symbol<decltype(api.slist_append)>("curl_slist_append");
    api.slist_free_all = library.symbol<decltype(api.slist_free_all)>("curl_slist_free_all");
    api.multi_init = library.symbol<decltype(api.multi_init)>("curl_multi_init");
    api.multi_cleanup = library.symbol<decltype(api.multi_cleanup)>("curl_multi_cleanup");
    api.multi_add_handle = library.symbol<decltype(api.multi_add_handle)>("curl_multi_add_handle");
    api.multi_remove_handle = library.symbol<decltype(api.multi_remove_handle)>("curl_multi_remove_handle");
    api.multi_perform = library.symbol<decltype(api.multi_perform)>("curl_multi_perform");
    api.multi_poll = library.symbol<decltype(api.multi_poll)>("curl_multi_poll");
    api.multi_wakeup = library.symbol<decltype(api.multi_wakeup)>("curl_multi_wakeup");
    api.multi_info_read = library.symbol<decltype(api.multi_info_read)>("curl_multi_info_read");
    if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error(Code::Internal, "cannot initialise libcurl");
  }
};

}  // namespace

const CurlLibrary& curl_library() {
  // Never unloaded: curl_global_cleanup at exit would race threads still using it.
  static const LoadedCurl* loaded = new LoadedCurl();
  return loaded->api;
}

}  // namespace dvol::io
