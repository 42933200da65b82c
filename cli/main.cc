// dvol's entry point: global options, the command table, and the one place where errors
// become "dvol: <message>" on stderr and an exit status (1 refused or failed, 2 usage).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "cli/commands.h"
#include "cli/context.h"
#include "src/error.h"
#include "src/printable.h"
#include "version.h"

namespace dvol::cli {
namespace {

struct CommandEntry {
  const char* name;
  const char* alias;  // "" for none
  const char* summary;
  Register registrar;
};

// Every command, in the order `dvol --help` lists them.
const CommandEntry kCommands[] = {
    {"init", "", "Create a volume with an empty master branch and make it current", register_init},
    {"list", "ls", "List volumes: size on the host, branches, checked-out branch, containers", register_list},
    {"switch", "", "Make VOLUME the current volume", register_switch},
    {"commit", "", "Snapshot the checked-out branch (-m MESSAGE), or delete a commit (-d REF)", register_commit},
    {"log", "", "Show the history of the checked-out branch", register_log},
    {"diff", "", "Show how much changed between two commits, or a commit and the live data (-v: which files)",
     register_diff},
    {"checkout", "", "Switch to a branch, or create one from HEAD with -b", register_checkout},
    {"reset", "", "Reset the checked-out branch to a commit (--hard REF)", register_reset},
    {"branch", "", "List branches, or delete one with -d", register_branch},
    {"rm", "", "Destroy a volume and all its data", register_rm},
    {"status", "", "Show the volume's branch, HEAD, path and pool usage", register_status},
    {"du", "", "Show the pool space each branch and commit takes, and what deleting it frees", register_du},
    {"path", "", "Print the host path where the checked-out branch is mounted", register_path},
    {"remote", "", "List a volume's remotes (-v: their URLs), add one (add NAME URL) or remove one (rm NAME)",
     register_remote},
    {"push", "", "Send the branch's commits to a remote (S3 or a directory) and move its branch there", register_push},
    {"pull", "", "Fetch a remote branch's commits and fast-forward the branch to them", register_pull},
    {"clone", "", "Create a volume from a remote branch, with every commit", register_clone},
    {"config", "", "Get or set user.name and user.email for commits", register_config},
    {"plugin", "", "Serve the Docker volume plugin (docker run --volume-driver dvol)", register_plugin},
    {"fsck", "", "Check volumes after a crash and repair what is safe to repair", register_fsck},
    {"activate", "", "Mount every volume's checked-out branch at its path (after a boot; dvol-activate.service)",
     register_activate},
    {"doctor", "", "Check that this host has everything dvol needs", register_doctor},
};

// SIGINT and SIGTERM only set this flag (no SA_RESTART, so a blocking read returns): long
// operations check it between batches, and every guard still runs on the way out.
volatile std::sig_atomic_t interrupted = 0;
void on_signal(int) { interrupted = 1; }

// The first argument that is not a global option (the command's name), if any.
std::optional<std::string_view> command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--root") {
      ++i;  // its value
      continue;
    }
    if (arg.starts_with("-")) continue;  // a global flag, or an error CLI11 reports itself
    return arg;
  }
  return std::nullopt;
}

const CommandEntry* find_command(std::string_view word) {
  for (const auto& c : kCommands)
    if (word == c.name || word == c.alias) return &c;
  return nullptr;
}

int run(int argc, char** argv) {
  Context context;
  context.out = &std::cout;
  context.err = &std::cerr;
  context.in = &std::cin;
  context.interrupt_flag = &interrupted;
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (const char* root = std::getenv("DVOL_ROOT"); root && *root) context.root = root;

  CLI::App app{"dvol: version control for the data volumes of development databases.\n"
               "Commit, branch, diff and reset a database's volume instantly, on device-mapper thin pools.",
               "dvol"};
  app.set_version_flag("--version", std::string("dvol ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  std::string root_opt;
  app.add_option("--root", root_opt, "State directory (default /var/lib/dvol, or $DVOL_ROOT)");
  app.add_flag("--json", context.json, "Machine-readable output");
  app.add_flag("--no-docker", context.no_docker, "Never talk to a Docker engine");
  // Only the command asked for is set up (each costs code and memory to set up, dear under
  // the user-mode test kernel where every page first touched is a fault); all of them for
  // `dvol --help` and errors.
  auto word = command_word(argc, argv);
  const CommandEntry* named = word ? find_command(*word) : nullptr;
  if (word && !named) {
    // CLI11 would say "A subcommand is required", which does not say what was wrong.
    std::cerr << "dvol: '" << printable(std::string(*word)) << "' is not a dvol command\n";
    std::cerr << "Run 'dvol --help' for usage.\n";
    return 2;
  }
  for (const auto& c : kCommands) {
    if (named && &c != named) continue;
    auto* sub = app.add_subcommand(c.name, c.summary);
    if (*c.alias) sub->alias(c.alias);
    sub->fallthrough();
    c.registrar(*sub, context);
  }
  app.parse_complete_callback([&] {
    if (!root_opt.empty()) context.root = root_opt;
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    std::cerr << "dvol: " << msg << "\n";
    std::cerr << "Run 'dvol --help' for usage.\n";
    return 2;
  } catch (const Error& e) {
    std::cout.flush();
    std::cerr << "dvol: " << e.message() << "\n";
    if (!e.hint().empty()) std::cerr << e.hint() << "\n";
    if (std::getenv("DVOL_DEBUG") && !e.detail().empty()) std::cerr << "detail: " << e.detail() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    auto error = from_filesystem_error(e);
    std::cout.flush();
    std::cerr << "dvol: " << error.message() << "\n";
    if (!error.hint().empty()) std::cerr << error.hint() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "dvol: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace dvol::cli

namespace {

// For scripts/bench: with DVOL_TIMING_FILE set, append "<elapsed ms> <peak RSS KiB>" of this
// command, measured inside the process (the test kernel makes exec itself slow).
void report_timing(std::chrono::steady_clock::time_point start) {
  const char* file = std::getenv("DVOL_TIMING_FILE");
  if (!file) return;
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  long peak_kib = 0;
  if (FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, status))
      if (std::sscanf(line, "VmHWM: %ld kB", &peak_kib) == 1) break;
    std::fclose(status);
  }
  if (FILE* out = std::fopen(file, "a")) {
    std::fprintf(out, "%.1f %ld\n", ms, peak_kib);
    std::fclose(out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto start = std::chrono::steady_clock::now();
  int status = dvol::cli::run(argc, argv);
  report_timing(start);
  return status;
}
