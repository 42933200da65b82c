#pragma once
// Every dvol command registers itself on its CLI11 subcommand through one of these functions;
// the table in main.cc lists them all with their one-line summaries.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"

namespace dvol::cli {

using Register = void (*)(CLI::App& command, Context& context);

void register_init(CLI::App& command, Context& context);
void register_list(CLI::App& command, Context& context);
void register_switch(CLI::App& command, Context& context);
void register_commit(CLI::App& command, Context& context);
void register_log(CLI::App& command, Context& context);
void register_diff(CLI::App& command, Context& context);
void register_checkout(CLI::App& command, Context& context);
void register_reset(CLI::App& command, Context& context);
void register_branch(CLI::App& command, Context& context);
void register_rm(CLI::App& command, Context& context);
void register_status(CLI::App& command, Context& context);
void register_path(CLI::App& command, Context& context);
void register_config(CLI::App& command, Context& context);
void register_doctor(CLI::App& command, Context& context);
void register_fsck(CLI::App& command, Context& context);
void register_du(CLI::App& command, Context& context);
void register_activate(CLI::App& command, Context& context);
void register_remote(CLI::App& command, Context& context);
void register_push(CLI::App& command, Context& context);
void register_pull(CLI::App& command, Context& context);
void register_clone(CLI::App& command, Context& context);

void register_plugin(CLI::App& command, Context& context);

// Adds the optional trailing VOLUME argument every volume command takes.
void add_volume_argument(CLI::App& command, std::optional<std::string>& volume);

// --restart-containers of checkout and reset, and what they print about it afterwards (a
// container that could not be started again makes the command fail, after the switch).
void add_restart_containers_flag(CLI::App& command, bool& restart);
// What a --dry-run delete prints: `Would free 3.10M.` (--json: {"would_free_bytes": N}).
void report_would_free(Context& context, uint64_t bytes);

void report_restarts(Context& context, const std::vector<std::string>& restarted,
                     const std::vector<std::string>& failures);

}  // namespace dvol::cli
