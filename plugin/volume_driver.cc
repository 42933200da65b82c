#include "plugin/volume_driver.h"

#include <algorithm>
#include <filesystem>

#include "src/error.h"

namespace dvol::plugin {

using nlohmann::json;

namespace {

// An Err is one line: the message, then the hint's lines after semicolons.
std::string err_text(const Error& e) {
  std::string text = e.message();
  if (!e.hint().empty()) {
    std::string hint = e.hint();
    std::replace(hint.begin(), hint.end(), '\n', ';');
    text += " (" + hint + ")";
  }
  return text;
}

json err(const std::string& message) { return json{{"Err", message}}; }

// Commit messages are bytes, not always UTF-8: never let one break a reply.
std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string required_string(const json& request, const char* field) {
  auto it = request.find(field);
  if (it == request.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    throw Error(Code::InvalidArgument, std::string("the request has no ") + field);
  return *it;
}

CreateOptions parse_options(const json& request) {
  CreateOptions options;
  auto it = request.find("Opts");
  if (it == request.end() || it->is_null()) return options;  // `docker volume create` without -o
  if (!it->is_object()) throw Error(Code::InvalidArgument, "Opts must be an object of strings");
  for (const auto& [key, value] : it->items()) {
    if (!value.is_string()) throw Error(Code::InvalidArgument, "option " + key + " must be a string");
    if (key == "size")
      options.size = value.get<std::string>();
    else if (key == "fs")
      options.fs = value.get<std::string>();
    else
      throw Error(Code::InvalidArgument, "unknown option '" + key + "'").with_hint("dvol accepts size (e.g. 20G) and fs (ext4 or xfs)");
  }
  return options;
}

}  // namespace

VolumeDriver::VolumeDriver(VolumeBackend& backend, std::map<std::string, size_t> holders)
    : backend_(backend), anonymous_(std::move(holders)) {}

void VolumeDriver::create_if_missing(const std::string& name, const CreateOptions& options) {
  if (backend_.exists(name)) return;
  try {
    backend_.create(name, options);
  } catch (const Error& e) {
    // Like Docker's local driver, creating a volume that exists is not an error, even when a
    // request beside this one made it first.
    if (e.code() != Code::AlreadyExists || !backend_.exists(name)) throw;
  }
}

size_t VolumeDriver::mount_count(const std::string& name) const {
  std::lock_guard guard(mutex_);
  size_t n = 0;
  if (auto it = mount_ids_.find(name); it != mount_ids_.end()) n += it->second.size();
  if (auto it = anonymous_.find(name); it != anonymous_.end()) n += it->second;
  return n;
}

DriverReply VolumeDriver::handle(std::string_view path, std::string_view body) {
  json request = json::object();
  if (body.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    request = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded() || !request.is_object())
      return {400, dump(err("the request body is not a JSON object"))};
  }
  try {
    json reply;
    if (path == "/Plugin.Activate")
      reply = {{"Implements", {"VolumeDriver"}}};
    else if (path == "/VolumeDriver.Capabilities")
      reply = {{"Capabilities", {{"Scope", "local"}}}};
    else if (path == "/VolumeDriver.Create")
      reply = create(request);
    else if (path == "/VolumeDriver.Get")
      reply = get(request);
    else if (path == "/VolumeDriver.List")
      reply = list();
    else if (path == "/VolumeDriver.Mount")
      reply = mount(request);
    else if (path == "/VolumeDriver.Unmount")
      reply = unmount(request);
    else if (path == "/VolumeDriver.Path")
      reply = this->path(request);
    else if (path == "/VolumeDriver.Remove")
      reply = remove(request);
    else
      return {404, dump(err("dvol does not implement " + std::string(path)))};
    return {200, dump(reply)};
  } catch (const Error& e) {
    return {200, dump(err(err_text(e)))};
  } catch (const std::filesystem::filesystem_error& e) {
    return {200, dump(err(err_text(from_filesystem_error(e))))};
  } catch (const std::exception& e) {
    return {200, dump(err(std::string("internal error: ") + e.what()))};
  }
}

json VolumeDriver::create(const json& request) {
  auto name = required_string(request, "Name");
  auto options = parse_options(request);  // refused before anything is made
  create_if_missing(name, options);
  return err("");
}

DriverVolume VolumeDriver::describe_with_mounts(const std::string& name) {
  auto volume = backend_.describe(name);
  volume.status["Mounts"] = mount_count(name);
  return volume;
}

json VolumeDriver::get(const json& request) {
  auto volume = describe_with_mounts(required_string(request, "Name"));
  return {{"Volume", {{"Name", volume.name}, {"Mountpoint", volume.mountpoint}, {"Status", volume.status}}},
          {"Err", ""}};
}

json VolumeDriver::list() {
  json volumes = json::array();
  for (const auto& v : backend_.list()) volumes.push_back({{"Name", v.name}, {"Mountpoint", v.mountpoint}});
  return {{"Volumes", volumes}, {"Err", ""}};
}

json VolumeDriver::mount(const json& request) {
  auto name = required_string(request, "Name");
  auto id = required_string(request, "ID");
  create_if_missing(name, {});  // `docker run -v NAME:/x` of a new name
  auto mountpoint = backend_.mount(name);
  std::lock_guard guard(mutex_);
  mount_ids_[name].insert(id);
  return {{"Mountpoint", mountpoint}, {"Err", ""}};
}

json VolumeDriver::unmount(const json& request) {
  auto name = required_string(request, "Name");
  auto id = required_string(request, "ID");
  // The branch stays mounted at its stable path (dvol's own commands need it there); only the
  // count changes. An unknown ID is a mount from before the plugin started.
  std::lock_guard guard(mutex_);
  if (auto it = mount_ids_.find(name); it != mount_ids_.end() && it->second.erase(id)) {
    if (it->second.empty()) mount_ids_.erase(it);
  } else if (auto a = anonymous_.find(name); a != anonymous_.end() && a->second > 0) {
    if (--a->second == 0) anonymous_.erase(a);
  }
  return err("");
}

json VolumeDriver::path(const json& request) {
  auto volume = backend_.describe(required_string(request, "Name"));
  return {{"Mountpoint", volume.mountpoint}, {"Err", ""}};
}

json VolumeDriver::remove(const json& request) {
  auto name = required_string(request, "Name");
  if (!backend_.exists(name)) throw Error(Code::NotFound, "volume " + name + " does not exist");
  // Docker forgets the volume; its data stays in dvol until `dvol rm` (volumes outlive
  // Docker's references to them).
  std::lock_guard guard(mutex_);
  mount_ids_.erase(name);
  anonymous_.erase(name);
  return err("");
}

}  // namespace dvol::plugin
