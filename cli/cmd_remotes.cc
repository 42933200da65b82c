// Remote commands: remote (add, rm, -v), push, pull, clone.
#include <ostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/render/json.h"
#include "src/error.h"
#include "src/operations.h"
#include "src/remotes.h"
#include "src/size_format.h"

namespace dvol::cli {

namespace {

std::string short_or_none(const std::optional<std::string>& id) { return id ? id->substr(0, 7) : "(none)"; }

nlohmann::json report_json(const TransferReport& r) {
  auto id = [](const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); };
  return {{"remote", r.remote},
          {"branch", r.branch},
          {"old_commit", id(r.old_commit)},
          {"new_commit", id(r.new_commit)},
          {"up_to_date", r.up_to_date},
          {"forced", r.forced},
          {"commits", r.commits},
          {"bytes_sent", r.bytes_sent},
          {"objects_sent", r.objects_sent},
          {"bytes_received", r.bytes_received},
          {"objects_received", r.objects_received},
          {"bytes_already_there", r.chunk_bytes_already_there},
          {"seconds", r.seconds},
          {"restarted", r.restarted}};
}

// git's line: "   fd39db2..95c1c55  master -> master" (a new branch: " * [new branch]").
std::string ref_line(const TransferReport& r) {
  if (!r.old_commit) return " * [new branch]      " + r.branch + " -> " + r.branch + "\n";
  return std::string(r.forced ? " + " : "   ") + short_or_none(r.old_commit) + (r.forced ? "..." : "..") +
         short_or_none(r.new_commit) + "  " + r.branch + " -> " + r.branch + (r.forced ? " (forced update)" : "") + "\n";
}

// "3 objects", "1 object".
std::string count_of(uint64_t n, const std::string& noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

// The positionals [REMOTE [BRANCH]] [VOLUME] of push and pull, into their request.
template <class Request>
void take_positionals(Host& host, const std::vector<std::string>& args, Request& request) {
  auto positional = resolve_remote_arguments(host, args);
  request.volume = positional.volume;
  request.remote = positional.remote;
  request.branch = positional.branch;
}

void hook_up(Context& context, TransferHooks& hooks, TerminalProgress& bar) {
  hooks.progress = [&bar](uint64_t done, uint64_t total) { bar.update(done, total); };
  hooks.cancelled = [&context] { return context.interrupted(); };
}

}  // namespace

void register_remote(CLI::App& command, Context& context) {
  auto verbose = std::make_shared<bool>(false);
  auto volume = std::make_shared<std::optional<std::string>>();
  command.add_flag("-v,--verbose", *verbose, "Show each remote's URL");
  add_volume_argument(command, *volume);
  command.require_subcommand(0, 1);

  auto* add = command.add_subcommand("add", "Add a remote: NAME URL (s3://BUCKET[/PREFIX] or file:///DIR)");
  auto add_name = std::make_shared<std::string>();
  auto add_url = std::make_shared<std::string>();
  auto endpoint = std::make_shared<std::string>();
  auto add_volume = std::make_shared<std::optional<std::string>>();
  add->add_option("NAME", *add_name, "The remote's name (origin is the default of push and pull)")->required();
  add->add_option("URL", *add_url, "s3://BUCKET[/PREFIX] or file:///DIR")->required();
  add->add_option("--endpoint-url", *endpoint, "The S3 server (default: AWS, or AWS_ENDPOINT_URL / ~/.aws/config)");
  add_volume_argument(*add, *add_volume);
  add->callback([&context, add_name, add_url, endpoint, add_volume] {
    auto& host = context.host();
    add_remote(host, resolve_volume(host, *add_volume), *add_name, *add_url, *endpoint);
    if (context.json) *context.out << render::dump_json({{"added", *add_name}});
  });

  auto* rm = command.add_subcommand("rm", "Remove a remote (the data on it stays)");
  auto rm_name = std::make_shared<std::string>();
  auto rm_volume = std::make_shared<std::optional<std::string>>();
  rm->add_option("NAME", *rm_name, "The remote's name")->required();
  add_volume_argument(*rm, *rm_volume);
  rm->callback([&context, rm_name, rm_volume] {
    auto& host = context.host();
    remove_remote(host, resolve_volume(host, *rm_volume), *rm_name);
    if (context.json) *context.out << render::dump_json({{"removed", *rm_name}});
  });

  auto* verify = command.add_subcommand("verify", "Read every object the remote's branches reach and check its hash");
  auto verify_args = std::make_shared<std::vector<std::string>>();
  verify->add_option("ARGS", *verify_args, "[REMOTE] [VOLUME] (default: origin)")->expected(0, 2);
  verify->callback([&context, verify_args] {
    auto& host = context.host();
    auto where = resolve_remote_arguments(host, *verify_args);
    if (!where.branch.empty()) throw Error(Code::InvalidArgument, "dvol remote verify takes no branch").with_hint("dvol remote verify [REMOTE] [VOLUME]");
    auto r = verify_remote(host, where.volume, where.remote);
    if (context.json) {
      *context.out << render::dump_json({{"remote", r.remote}, {"branches", r.branches}, {"commits", r.commits},
                                         {"segments", r.segments}, {"packs", r.packs}, {"chunks", r.chunks},
                                         {"bytes", r.bytes}, {"seconds", r.seconds}});
      return;
    }
    *context.out << "Verified " << r.remote << ": " << (r.branches == 1 ? "1 branch" : std::to_string(r.branches) + " branches")
                 << ", " << count_of(r.commits, "commit") << ", " << count_of(r.chunks, "chunk") << " in "
                 << count_of(r.packs, "pack") << " (" << format_size(r.bytes) << "): all intact.\n";
  });

  auto* gc = command.add_subcommand("gc", "Remove objects no branch of the remote reaches (older than the grace period)");
  auto gc_args = std::make_shared<std::vector<std::string>>();
  auto grace_hours = std::make_shared<double>(24);
  auto gc_dry_run = std::make_shared<bool>(false);
  gc->add_option("ARGS", *gc_args, "[REMOTE] [VOLUME] (default: origin)")->expected(0, 2);
  gc->add_option("--grace-hours", *grace_hours, "Keep unreachable objects younger than this (default 24): a push in progress")
      ->check(CLI::NonNegativeNumber);
  gc->add_flag("--dry-run", *gc_dry_run, "Only say what would be removed");
  gc->callback([&context, gc_args, grace_hours, gc_dry_run] {
    auto& host = context.host();
    auto where = resolve_remote_arguments(host, *gc_args);
    if (!where.branch.empty()) throw Error(Code::InvalidArgument, "dvol remote gc takes no branch").with_hint("dvol remote gc [REMOTE] [VOLUME]");
    auto r = gc_remote(host, where.volume, where.remote, static_cast<int64_t>(*grace_hours * 3600), *gc_dry_run);
    if (context.json) {
      *context.out << render::dump_json({{"remote", r.remote}, {"kept", r.kept}, {"removed", r.removed},
                                         {"removed_bytes", r.removed_bytes}, {"too_young", r.too_young},
                                         {"dry_run", *gc_dry_run}});
      return;
    }
    *context.out << (*gc_dry_run ? "Would remove " : "Removed ") << count_of(r.removed, "object")
                 << " (" << format_size(r.removed_bytes) << ") from " << r.remote << "; kept " << r.kept
                 << (r.too_young ? ", and " + std::to_string(r.too_young) + " unreachable but younger than the grace period" : "")
                 << ".\n";
  });

  command.callback([&command, &context, verbose, volume] {
    if (!command.get_subcommands().empty()) return;
    auto& host = context.host();
    auto remotes = list_remotes(host, resolve_volume(host, *volume));
    if (context.json) {
      auto j = nlohmann::json::array();
      for (const auto& r : remotes) j.push_back({{"name", r.name}, {"url", r.url}, {"endpoint_url", r.endpoint_url}});
      *context.out << render::dump_json(j);
      return;
    }
    for (const auto& r : remotes) {
      *context.out << r.name;
      if (*verbose) *context.out << "\t" << r.url << (r.endpoint_url.empty() ? "" : " (endpoint " + r.endpoint_url + ")");
      *context.out << "\n";
    }
  });
}

void register_push(CLI::App& command, Context& context) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  command.add_option("ARGS", *args, "[REMOTE [BRANCH]] [VOLUME] (default: origin, the checked-out branch)")->expected(0, 3);
  command.add_flag("-f,--force", *force, "Replace the remote branch even if it has commits this branch has not");
  command.callback([&context, args, force] {
    auto& host = context.host();
    PushRequest request;
    take_positionals(host, *args, request);
    request.force = *force;
    TerminalProgress bar("push");
    hook_up(context, request.hooks, bar);
    auto r = push(host, request);
    if (context.json) {
      *context.out << render::dump_json(report_json(r));
      return;
    }
    if (r.up_to_date) {
      *context.out << "Everything up-to-date\n";
      return;
    }
    *context.out << "To " << r.remote << "\n" << ref_line(r);
    *context.out << "Sent " << format_size(r.bytes_sent) << " in " << count_of(r.objects_sent, "object") << " ("
                 << format_size(r.chunk_bytes_already_there) << " already there).\n";
  });
}

void register_pull(CLI::App& command, Context& context) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto restart = std::make_shared<bool>(false);
  command.add_option("ARGS", *args, "[REMOTE [BRANCH]] [VOLUME] (default: origin, the checked-out branch)")->expected(0, 3);
  add_restart_containers_flag(command, *restart);
  command.callback([&context, args, restart] {
    auto& host = context.host();
    PullRequest request;
    take_positionals(host, *args, request);
    request.containers = *restart ? ContainerPolicy::Restart : ContainerPolicy::Refuse;
    TerminalProgress bar("pull");
    hook_up(context, request.hooks, bar);
    auto r = pull(host, request);
    if (context.json) {
      *context.out << render::dump_json(report_json(r));
    } else if (r.up_to_date) {
      *context.out << "Already up to date.\n";
    } else {
      *context.out << "From " << r.remote << "\n" << ref_line(r);
      *context.out << "Received " << format_size(r.bytes_received) << " in " << count_of(r.objects_received, "object")
                   << "; " << count_of(r.commits, "commit") << ".\n";
    }
    report_restarts(context, r.restarted, r.restart_failures);
  });
}

void register_clone(CLI::App& command, Context& context) {
  auto request = std::make_shared<CloneRequest>();
  command.add_option("URL", request->url, "s3://BUCKET[/PREFIX] or file:///DIR")->required();
  command.add_option("VOLUME", request->volume, "The new volume's name")->required();
  command.add_option("-b,--branch", request->branch, "The remote branch to clone (default master)");
  command.add_option("--endpoint-url", request->endpoint_url, "The S3 server (stored with the remote origin)");
  command.callback([&context, request] {
    auto& host = context.host();
    TerminalProgress bar("clone");
    hook_up(context, request->hooks, bar);
    auto r = clone(host, *request);
    if (context.json) {
      *context.out << render::dump_json(report_json(r));
      return;
    }
    *context.out << "Cloned " << r.remote << " into volume " << request->volume << ": " << count_of(r.commits, "commit")
                 << ", branch " << r.branch << " at " << short_or_none(r.new_commit)
                 << " (received " << format_size(r.bytes_received) << ").\n";
  });
}

}  // namespace dvol::cli
