#pragma once
// The text interface of the thin-pool and thin targets, typed: table lines, status lines and
// pool messages render from and parse into structs. No other file holds such strings.
// Pure logic: no syscalls.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dm/units.h"

namespace dvol::dm {

// One line of a device's table, as DM_TABLE_LOAD takes it and DM_TABLE_STATUS returns it.
struct TableLine {
  Sectors start;
  Sectors length;
  std::string target;  // "thin-pool", "thin", ...
  std::string params;
  friend bool operator==(const TableLine&, const TableLine&) = default;
};

struct ThinPoolTable {
  Sectors length;
  std::string metadata_dev;  // "major:minor" (the kernel reports devices that way)
  std::string data_dev;
  Sectors block_size;        // 128 (64 KiB) .. 2097152, a multiple of 128
  uint64_t low_water_mark = 0;  // in data blocks
  bool skip_block_zeroing = false;
  bool ignore_discard = false;
  bool no_discard_passdown = false;
  bool read_only = false;
  bool error_if_no_space = false;

  TableLine line() const;
  static ThinPoolTable parse(const TableLine& line);  // throws Corruption on a malformed line
  friend bool operator==(const ThinPoolTable&, const ThinPoolTable&) = default;
};

struct ThinTable {
  Sectors length;
  std::string pool_dev;  // "major:minor"
  ThinId id{0};

  TableLine line() const;
  static ThinTable parse(const TableLine& line);
  friend bool operator==(const ThinTable&, const ThinTable&) = default;
};

enum class PoolMode { ReadWrite, ReadOnly, OutOfDataSpace };

struct ThinPoolStatus {
  bool failed = false;  // "Fail" or "Error": the pool is unusable
  uint64_t transaction_id = 0;
  uint64_t used_metadata_blocks = 0;  // 4 KiB metadata blocks
  uint64_t total_metadata_blocks = 0;
  DataBlocks used_data_blocks;
  DataBlocks total_data_blocks;
  std::optional<uint64_t> held_metadata_root;
  PoolMode mode = PoolMode::ReadWrite;
  bool needs_check = false;

  static ThinPoolStatus parse(const std::string& params);
};

struct ThinStatus {
  bool failed = false;
  Sectors mapped;
  std::optional<Sectors> highest_mapped;

  static ThinStatus parse(const std::string& params);
};

// Pool messages (DM_TARGET_MSG to sector 0 of the pool).
struct CreateThin { ThinId id; };
struct CreateSnap { ThinId id; ThinId origin; };
struct DeleteThin { ThinId id; };
struct SetTransactionId { uint64_t old_id; uint64_t new_id; };
struct ReserveMetadataSnap {};
struct ReleaseMetadataSnap {};
using PoolMessage =
    std::variant<CreateThin, CreateSnap, DeleteThin, SetTransactionId, ReserveMetadataSnap, ReleaseMetadataSnap>;

std::string render(const PoolMessage& message);

}  // namespace dvol::dm
