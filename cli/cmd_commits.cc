// Commit commands: commit (-m, -d), log, reset --hard.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <ostream>

#include "cli/commands.h"
#include "cli/render/json.h"
#include "cli/render/log.h"
#include "src/error.h"
#include "src/operations.h"
#include "src/printable.h"
#include "src/ref.h"

namespace dvol::cli {

namespace {

// A message from -F is read whole into memory and stored in the metadata database: refuse
// absurd ones (-F /dev/zero) instead of exhausting memory. -m is bounded by the kernel already
// (128 KiB per argument).
constexpr size_t kMaxMessageBytes = 16 << 20;

// The message in `path` ("-": standard input), byte for byte.
std::string read_message(Context& context, const std::string& path) {
  std::ifstream file;
  std::istream* in = context.in;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file)
      throw Error(Code::NotFound, "cannot read the commit message from " + printable(path) + ": " + std::strerror(errno));
    in = &file;
  }
  std::string message;
  char buf[65536];
  while (*in) {
    in->read(buf, sizeof buf);
    message.append(buf, static_cast<size_t>(in->gcount()));
    if (message.size() > kMaxMessageBytes)
      throw Error(Code::InvalidArgument, "the commit message in " + printable(path) + " is longer than 16M");
  }
  if (in->bad()) throw Error(Code::Io, "cannot read the commit message from " + printable(path));
  return message;
}

}  // namespace

void register_commit(CLI::App& command, Context& context) {
  auto message = std::make_shared<std::optional<std::string>>();
  auto file = std::make_shared<std::optional<std::string>>();
  auto remove = std::make_shared<std::optional<std::string>>();
  auto volume = std::make_shared<std::optional<std::string>>();
  auto dry_run = std::make_shared<bool>(false);
  auto* m = command.add_option("-m,--message", *message, "Commit message (stored byte for byte)");
  m->allow_extra_args(false);
  auto* f = command.add_option("-F,--file", *file, "Take the commit message from FILE ('-': standard input)");
  f->allow_extra_args(false);
  f->excludes(m);
  auto* d = command.add_option("-d,--delete", *remove, "Delete commit REF to free its space");
  d->excludes(m);
  d->excludes(f);
  command.add_flag("--dry-run", *dry_run, "With -d: print what deleting REF would free, and change nothing")->needs(d);
  add_volume_argument(command, *volume);
  command.callback([&context, message, file, remove, volume, dry_run] {
    auto& host = context.host();
    if (*remove && *dry_run) {
      report_would_free(context, delete_commit_dry_run(host, resolve_volume(host, *volume), **remove));
      return;
    }
    if (*remove) {
      auto id = delete_commit(host, resolve_volume(host, *volume), **remove);
      *context.out << (context.json ? render::dump_json({{"deleted", id}}) : "Deleted commit " + id + ".\n");
      return;
    }
    if (*file) *message = read_message(context, **file);
    if (!*message || (*message)->empty()) throw Error(Code::InvalidArgument, "you must provide a commit message");
    auto c = commit(host, resolve_volume(host, *volume), **message);
    *context.out << (context.json ? render::dump_json(render::log_json({c})[0]) : c.id + "\n");
  });
}

void register_log(CLI::App& command, Context& context) {
  auto volume = std::make_shared<std::optional<std::string>>();
  add_volume_argument(command, *volume);
  command.callback([&context, volume] {
    auto commits = log(context.host(), resolve_volume(context.host(), *volume));
    *context.out << (context.json ? render::dump_json(render::log_json(commits)) : render::render_log(commits));
  });
}

void register_reset(CLI::App& command, Context& context) {
  auto hard = std::make_shared<bool>(false);
  auto restart = std::make_shared<bool>(false);
  auto ref = std::make_shared<std::string>();
  auto volume = std::make_shared<std::optional<std::string>>();
  command.add_flag("--hard", *hard, "Make the branch's data exactly that of REF (required)");
  add_restart_containers_flag(command, *restart);
  command.add_option("REF", *ref, "Commit: HEAD, HEAD^, HEAD~N, an id or a prefix of 4+ characters")->required();
  add_volume_argument(command, *volume);
  command.callback([&context, hard, restart, ref, volume] {
    if (!*hard)
      throw Error(Code::InvalidArgument, "dvol reset only supports --hard")
          .with_hint("'dvol reset --hard REF' discards uncommitted changes and commits after REF");
    auto& host = context.host();
    auto name = resolve_volume(host, *volume);
    auto r = reset_hard(host, name, *ref, *restart ? ContainerPolicy::Restart : ContainerPolicy::Refuse);
    if (context.json) {
      *context.out << render::dump_json({{"volume", r.volume}, {"commit", r.commit.id}, {"restarted", r.restarted}});
    } else if (r.to_head) {
      *context.out << "Resetting " << r.volume << " to latest commit... done.\n";
    } else {
      auto first_line = r.commit.message.substr(0, r.commit.message.find('\n'));
      *context.out << "Resetting " << r.volume << " to commit " << short_id(r.commit.id) << " \"" << first_line
                   << "\"... done.\n";
    }
    report_restarts(context, r.restarted, r.restart_failures);
  });
}

}  // namespace dvol::cli
