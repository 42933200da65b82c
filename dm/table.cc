#include "dm/table.h"

#include <charconv>
#include <sstream>
#include <tuple>

#include "io/error.h"

namespace dvol::dm {

namespace {

std::vector<std::string> split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

[[noreturn]] void malformed(const std::string& what, const std::string& text) {
  throw Error(Code::Corruption, "the kernel reported a " + what + " dvol cannot read", text);
}

uint64_t number(const std::string& s, const std::string& what, const std::string& text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) malformed(what, text);
  return v;
}

std::pair<uint64_t, uint64_t> fraction(const std::string& s, const std::string& what, const std::string& text) {
  auto slash = s.find('/');
  if (slash == std::string::npos) malformed(what, text);
  return {number(s.substr(0, slash), what, text), number(s.substr(slash + 1), what, text)};
}

}  // namespace

TableLine ThinPoolTable::line() const {
  std::vector<std::string> features;
  if (skip_block_zeroing) features.push_back("skip_block_zeroing");
  if (ignore_discard) features.push_back("ignore_discard");
  if (no_discard_passdown) features.push_back("no_discard_passdown");
  if (read_only) features.push_back("read_only");
  if (error_if_no_space) features.push_back("error_if_no_space");
  std::string params = metadata_dev + " " + data_dev + " " + std::to_string(block_size.value) + " " +
                       std::to_string(low_water_mark) + " " + std::to_string(features.size());
  for (auto& f : features) params += " " + f;
  return {Sectors{0}, length, "thin-pool", params};
}

ThinPoolTable ThinPoolTable::parse(const TableLine& line) {
  const char* what = "thin-pool table";
  auto w = split(line.params);
  if (line.target != "thin-pool" || w.size() < 5) malformed(what, line.params);
  ThinPoolTable t;
  t.length = line.length;
  t.metadata_dev = w[0];
  t.data_dev = w[1];
  t.block_size = Sectors{number(w[2], what, line.params)};
  t.low_water_mark = number(w[3], what, line.params);
  uint64_t n = number(w[4], what, line.params);
  if (w.size() != 5 + n) malformed(what, line.params);
  for (size_t i = 5; i < w.size(); ++i) {
    const auto& f = w[i];
    if (f == "skip_block_zeroing") t.skip_block_zeroing = true;
    else if (f == "ignore_discard") t.ignore_discard = true;
    else if (f == "no_discard_passdown") t.no_discard_passdown = true;
    else if (f == "read_only") t.read_only = true;
    else if (f == "error_if_no_space") t.error_if_no_space = true;
    else malformed(what, line.params);
  }
  return t;
}

TableLine ThinTable::line() const {
  return {Sectors{0}, length, "thin", pool_dev + " " + std::to_string(id.value())};
}

ThinTable ThinTable::parse(const TableLine& line) {
  auto w = split(line.params);
  if (line.target != "thin" || w.size() < 2) malformed("thin table", line.params);
  return {line.length, w[0], ThinId(number(w[1], "thin table", line.params))};
}

ThinPoolStatus ThinPoolStatus::parse(const std::string& params) {
  const char* what = "thin-pool status";
  ThinPoolStatus s;
  auto w = split(params);
  if (w.size() == 1 && (w[0] == "Fail" || w[0] == "Error")) {
    s.failed = true;
    return s;
  }
  if (w.size() < 5) malformed(what, params);
  s.transaction_id = number(w[0], what, params);
  std::tie(s.used_metadata_blocks, s.total_metadata_blocks) = fraction(w[1], what, params);
  auto [ud, td] = fraction(w[2], what, params);
  s.used_data_blocks = DataBlocks{ud};
  s.total_data_blocks = DataBlocks{td};
  if (w[3] != "-") s.held_metadata_root = number(w[3], what, params);
  if (w[4] == "rw") s.mode = PoolMode::ReadWrite;
  else if (w[4] == "ro") s.mode = PoolMode::ReadOnly;
  else if (w[4] == "out_of_data_space") s.mode = PoolMode::OutOfDataSpace;
  else malformed(what, params);
  for (size_t i = 5; i < w.size(); ++i)
    if (w[i] == "needs_check") s.needs_check = true;
  return s;
}

ThinStatus ThinStatus::parse(const std::string& params) {
  ThinStatus s;
  auto w = split(params);
  if (w.size() == 1 && (w[0] == "Fail" || w[0] == "Error")) {
    s.failed = true;
    return s;
  }
  if (w.size() != 2) malformed("thin status", params);
  s.mapped = Sectors{number(w[0], "thin status", params)};
  if (w[1] != "-") s.highest_mapped = Sectors{number(w[1], "thin status", params)};
  return s;
}

std::string render(const PoolMessage& message) {
  struct Visitor {
    std::string operator()(const CreateThin& m) const { return "create_thin " + std::to_string(m.id.value()); }
    std::string operator()(const CreateSnap& m) const {
      return "create_snap " + std::to_string(m.id.value()) + " " + std::to_string(m.origin.value());
    }
    std::string operator()(const DeleteThin& m) const { return "delete " + std::to_string(m.id.value()); }
    std::string operator()(const SetTransactionId& m) const {
      return "set_transaction_id " + std::to_string(m.old_id) + " " + std::to_string(m.new_id);
    }
    std::string operator()(const ReserveMetadataSnap&) const { return "reserve_metadata_snap"; }
    std::string operator()(const ReleaseMetadataSnap&) const { return "release_metadata_snap"; }
  };
  return std::visit(Visitor{}, message);
}

}  // namespace dvol::dm
