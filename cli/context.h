#pragma once
// Context: what every command gets from main(): the global options and, on first use, the
// Host (state root and kernel interface). Built once in main() and passed down by reference;
// there is no global state.
#include <csignal>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "plugin/docker_engine.h"
#include "src/docker_endpoints.h"
#include "src/host.h"

namespace dvol::cli {

struct Context {
  std::filesystem::path root = "/var/lib/dvol";  // --root / DVOL_ROOT
  bool json = false;                             // --json
  bool no_docker = false;                        // --no-docker
  std::ostream* out = nullptr;                   // results
  std::ostream* err = nullptr;                   // prompts, progress and warnings
  std::istream* in = nullptr;                    // answers to prompts
  const volatile std::sig_atomic_t* interrupt_flag = nullptr;  // set by SIGINT/SIGTERM

  bool interrupted() const { return interrupt_flag && *interrupt_flag; }

  Host& host() {
    if (!host_) {
      kernel_ = std::make_unique<Kernel>();
      host_ = std::make_unique<Host>(Host{root, kernel_->dm(), kernel_->mounts()});
      // The engine is asked only when an operation needs to know about containers.
      if (!no_docker) {
        docker_ = std::make_unique<plugin::DockerEngine>(docker_engine_socket().value_or(""));
        host_->containers = docker_.get();
      }
    }
    return *host_;
  }

 private:
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<plugin::DockerEngine> docker_;
  std::unique_ptr<Host> host_;
};

}  // namespace dvol::cli
