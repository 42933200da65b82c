#pragma once
// The plugin's HTTP server: Docker's legacy plugin protocol over a unix socket (Boost.Beast),
// each request handed to the VolumeDriver. Serves until SIGTERM or SIGINT, then removes the
// socket it made.
#include <iosfwd>
#include <string>

#include "plugin/volume_driver.h"

namespace dvol::plugin {

// Largest request body accepted; Docker's are a few hundred bytes.
constexpr size_t kMaxRequestBytes = 1 << 20;

// Listens on `socket_path` (root only, 0600), or on the socket systemd passes (LISTEN_FDS).
// Refuses (Unavailable) when another plugin already serves that path.
void serve(VolumeDriver& driver, const std::string& socket_path, std::ostream& log);

}  // namespace dvol::plugin
