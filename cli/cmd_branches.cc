// Branch commands: checkout (-b), branch (-d).
#include <ostream>

#include "cli/commands.h"
#include "cli/render/branch_list.h"
#include "cli/render/json.h"
#include "src/error.h"
#include "src/operations.h"

namespace dvol::cli {

void register_checkout(CLI::App& command, Context& context) {
  auto create = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  auto restart = std::make_shared<bool>(false);
  auto branch = std::make_shared<std::string>();
  auto volume = std::make_shared<std::optional<std::string>>();
  command.add_flag("-b", *create, "Create BRANCH from the HEAD commit and switch to it");
  command.add_flag("-f,--force", *force, "With -b: branch from HEAD even with uncommitted changes (they stay on their branch)");
  add_restart_containers_flag(command, *restart);
  command.add_option("BRANCH", *branch, "Branch to switch to")->required();
  add_volume_argument(command, *volume);
  command.callback([&context, create, force, restart, branch, volume] {
    auto& host = context.host();
    auto r = checkout(host, resolve_volume(host, *volume), *branch, *create, *force,
                      *restart ? ContainerPolicy::Restart : ContainerPolicy::Refuse);
    if (context.json)
      *context.out << render::dump_json(
          {{"volume", r.volume}, {"branch", r.branch}, {"created", r.created},
           {"left_uncommitted_changes", r.left_changes}, {"restarted", r.restarted}});
    else if (r.created)
      *context.out << "Switched to branch " << r.branch << " based from " << r.volume << " " << r.from_branch
                   << "@HEAD.\n";
    else
      *context.out << "Switched to branch " << r.branch << ".\n";
    if (r.left_changes && !context.json)
      *context.out << "Branch " << r.from_branch << " keeps its uncommitted changes.\n";
    report_restarts(context, r.restarted, r.restart_failures);
  });
}

void register_branch(CLI::App& command, Context& context) {
  auto remove = std::make_shared<std::optional<std::string>>();
  auto volume = std::make_shared<std::optional<std::string>>();
  auto dry_run = std::make_shared<bool>(false);
  auto* d = command.add_option("-d,--delete", *remove, "Delete BRANCH (not the checked-out one) and free its space");
  command.add_flag("--dry-run", *dry_run, "With -d: print what deleting BRANCH would free, and change nothing")->needs(d);
  add_volume_argument(command, *volume);
  command.callback([&context, remove, volume, dry_run] {
    auto& host = context.host();
    auto name = resolve_volume(host, *volume);
    if (*remove && *dry_run) {
      report_would_free(context, delete_branch_dry_run(host, name, **remove));
      return;
    }
    if (*remove) {
      delete_branch(host, name, **remove);
      *context.out << (context.json ? render::dump_json({{"deleted", **remove}}) : "Deleted branch " + **remove + ".\n");
      return;
    }
    auto b = list_branches(host, name);
    *context.out << (context.json ? render::dump_json(render::branch_list_json(b.names, b.checked_out))
                                  : render::render_branch_list(b.names, b.checked_out));
  });
}

}  // namespace dvol::cli
