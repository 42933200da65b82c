// dvol remote add / rm / -v: a volume's remotes.
#include "io/error.h"
#include "src/operations.h"
#include "src/remote/remote_state.h"
#include "src/remote/remote_url.h"
#include "src/remotes.h"
#include "src/volume.h"

namespace dvol {

using namespace remote;

void add_remote(Host& host, const std::string& volume_name, const std::string& name, const std::string& url,
                const std::string& endpoint_url) {
  validate_remote_name(name);
  auto parsed = parse_remote_url(url);
  if (!endpoint_url.empty() && endpoint_url.rfind("http://", 0) != 0 && endpoint_url.rfind("https://", 0) != 0)
    throw Error(Code::InvalidArgument, "the endpoint URL must start with http:// or https://");
  if (!endpoint_url.empty() && parsed.kind != RemoteUrl::Kind::S3)
    throw Error(Code::InvalidArgument, "--endpoint-url is for s3:// remotes only");
  require_root("remote add");
  auto volume = Volume::open(host, volume_name);
  auto lock = volume.lock();
  RemoteState::open(volume.paths().remotes).add_remote(RemoteRecord{name, parsed.text, endpoint_url});
}

std::vector<RemoteInfo> list_remotes(Host& host, const std::string& volume_name) {
  auto volume = Volume::open(host, volume_name);
  std::vector<RemoteInfo> out;
  auto state = RemoteState::open_existing(volume.paths().remotes);
  if (!state) return out;
  for (const auto& r : state->remotes()) out.push_back({r.name, r.url, r.endpoint_url});
  return out;
}

void remove_remote(Host& host, const std::string& volume_name, const std::string& name) {
  require_root("remote rm");
  auto volume = Volume::open(host, volume_name);
  auto lock = volume.lock();
  auto state = RemoteState::open_existing(volume.paths().remotes);
  if (!state) throw Error(Code::NotFound, "no remote named " + name).with_hint("volume " + volume.name() + " has no remotes");
  state->remove_remote(name);
}

namespace {

bool is_branch_of(Host& host, const std::string& volume, const std::string& branch) {
  try {
    return Volume::open(host, volume).store().branch(branch).has_value();
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

RemoteArguments resolve_remote_arguments(Host& host, const std::vector<std::string>& args) {
  if (args.size() > 3)
    throw Error(Code::InvalidArgument, "too many arguments").with_hint("[REMOTE [BRANCH]] [VOLUME]");
  RemoteArguments out;
  auto current = [&] { return resolve_volume(host, std::nullopt); };
  if (args.size() == 3) {
    out.remote = args[0];
    out.branch = args[1];
    out.volume = resolve_volume(host, args[2]);
    return out;
  }
  if (args.empty()) {
    out.volume = current();
    return out;
  }
  const std::string& last = args.back();
  bool last_is_volume = names_existing_volume(host, last);
  if (args.size() == 1) {
    if (last_is_volume) {
      // "dvol push NAME": a volume unless the current volume has a remote of that name.
      std::optional<std::string> cur;
      try {
        cur = current();
      } catch (const Error&) {
      }
      bool is_remote = false;
      if (cur) {
        for (const auto& r : list_remotes(host, *cur)) is_remote = is_remote || r.name == last;
      }
      if (!is_remote) {
        out.volume = last;
        return out;
      }
      out.volume = *cur;
      out.remote = last;
      return out;
    }
    out.remote = last;
    out.volume = current();
    return out;
  }
  out.remote = args[0];
  if (last_is_volume) {
    std::optional<std::string> cur;
    try {
      cur = current();
    } catch (const Error&) {
    }
    if (!cur || !is_branch_of(host, *cur, last)) {
      out.volume = last;
      return out;
    }
  }
  out.branch = last;
  out.volume = current();
  return out;
}

}  // namespace dvol
