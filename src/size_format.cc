#include "src/size_format.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <string_view>

namespace dvol {
namespace {

constexpr std::array<char, 7> kUnits = {'B', 'K', 'M', 'G', 'T', 'P', 'E'};

// Exact integer arithmetic: 128 bits hold bytes * 100 for any 64-bit size, and floating point
// would round 0.005 boundaries unpredictably.
using u128 = unsigned __int128;

uint64_t unit_bytes(size_t index) { return uint64_t{1} << (10 * index); }

// 1 for K, 2 for M ... 6 for E (either case); -1 for anything else.
int unit_index(char c) {
  size_t i = std::string_view("KMGTPE").find(
      static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return i == std::string_view::npos ? -1 : static_cast<int>(i) + 1;
}

constexpr u128 kMaxFracScale = u128{10'000'000'000'000'000'000ULL};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string format_size(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{}B", bytes);
  if (bytes < (uint64_t{1} << 20)) {
    uint64_t kib = (bytes + 512) / 1024;
    if (kib < 1024) return fmt::format("{}K", kib);
    // 1023.5 KiB and above round to 1024K: fall through to "1.00M".
  }
  size_t unit = 2;
  while (unit + 1 < kUnits.size() && bytes >= unit_bytes(unit + 1)) ++unit;
  u128 size = unit_bytes(unit);
  u128 hundredths = (u128{bytes} * 100 + size / 2) / size;
  if (hundredths >= 1024 * 100 && unit + 1 < kUnits.size()) {
    ++unit;
    size = unit_bytes(unit);
    hundredths = (u128{bytes} * 100 + size / 2) / size;
  }
  auto h = static_cast<uint64_t>(hundredths);
  return fmt::format("{}.{:02}{}", h / 100, h % 100, kUnits[unit]);
}

std::optional<uint64_t> parse_size(std::string_view text) {
  size_t pos = 0;
  u128 whole = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    whole = whole * 10 + static_cast<unsigned>(text[pos] - '0');
    if (whole > UINT64_MAX) return std::nullopt;
    ++pos;
  }
  if (pos == 0) return std::nullopt;

  // Fraction digits, kept exactly as numerator / 10^digits.
  u128 frac = 0, frac_scale = 1;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      // Digits past the 19th change the result by under a byte (1 EiB / 10^19 < 1): dropped,
      // which also keeps frac * scale within 128 bits.
      if (frac_scale < kMaxFracScale) {
        frac = frac * 10 + static_cast<unsigned>(text[pos] - '0');
        frac_scale *= 10;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }

  int unit = 0;  // bytes unless a unit letter follows
  if (pos < text.size() && unit_index(text[pos]) > 0) unit = unit_index(text[pos++]);
  std::string_view suffix = text.substr(pos);
  bool suffix_ok = suffix.empty() || suffix == "B" || suffix == "b" ||
                   (unit > 0 && (suffix == "iB" || suffix == "ib"));
  if (!suffix_ok) return std::nullopt;
  if (unit == 0 && frac_scale != 1) return std::nullopt;  // "1.5" bytes is meaningless

  u128 scale = unit_bytes(static_cast<size_t>(unit));
  u128 total = whole * scale;
  if (total > UINT64_MAX) return std::nullopt;
  total += frac * scale / frac_scale;
  if (total == 0 || total > UINT64_MAX) return std::nullopt;
  return static_cast<uint64_t>(total);
}

}  // namespace dvol
