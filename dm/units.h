#pragma once
// Strong types for the units and identifiers of device-mapper. Conversions are explicit.
#include <cstdint>
#include <string>
#include <string_view>

namespace dvol::dm {

inline constexpr uint64_t kSectorSize = 512;

struct Sectors {
  uint64_t value = 0;
  constexpr uint64_t bytes() const { return value * kSectorSize; }
  static constexpr Sectors from_bytes(uint64_t b) { return Sectors{b / kSectorSize}; }
  friend constexpr bool operator==(Sectors, Sectors) = default;
};

// A count of pool data blocks (each block_size sectors).
struct DataBlocks {
  uint64_t value = 0;
  friend constexpr bool operator==(DataBlocks, DataBlocks) = default;
};

// The 24-bit id of a thin device inside its pool.
class ThinId {
 public:
  static constexpr uint32_t kMax = (1u << 24) - 1;
  explicit ThinId(uint64_t id);  // throws InvalidArgument above kMax
  uint32_t value() const { return value_; }
  friend bool operator==(ThinId, ThinId) = default;
  friend auto operator<=>(ThinId, ThinId) = default;

 private:
  uint32_t value_;
};

// A device-mapper device name: 1..127 bytes of [A-Za-z0-9_.+-]. dvol builds them all in
// src/naming; this type only guarantees the kernel will accept them.
class DmName {
 public:
  explicit DmName(std::string name);  // throws InvalidArgument
  const std::string& str() const { return name_; }
  const char* c_str() const { return name_.c_str(); }
  friend bool operator==(const DmName&, const DmName&) = default;

 private:
  std::string name_;
};

}  // namespace dvol::dm
