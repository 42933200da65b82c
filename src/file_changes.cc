#include "src/file_changes.h"

#include <sys/stat.h>

#include <algorithm>

namespace dvol {

namespace {

std::vector<io::ByteRange> extents_of_both(const io::FileInfo* a, const io::FileInfo* b) {
  std::vector<io::ByteRange> all;
  if (a) all.insert(all.end(), a->extents.begin(), a->extents.end());
  if (b) all.insert(all.end(), b->extents.begin(), b->extents.end());
  return io::merge_ranges(std::move(all));
}

}  // namespace

uint64_t overlap_bytes(const std::vector<io::ByteRange>& ranges, const std::vector<io::ByteRange>& extents) {
  uint64_t total = 0;
  for (const auto& e : io::merge_ranges(extents)) {
    // First changed range that ends after the extent starts.
    auto it = std::upper_bound(ranges.begin(), ranges.end(), e.offset,
                               [](uint64_t off, const io::ByteRange& r) { return off < r.end(); });
    for (; it != ranges.end() && it->offset < e.end(); ++it)
      total += std::min(it->end(), e.end()) - std::max(it->offset, e.offset);
  }
  return total;
}

FileReport classify_changes(const std::vector<io::ByteRange>& changed, const Scan& from, const Scan& to,
                            const std::function<bool(const std::string&)>& same_contents) {
  FileReport report;
  std::vector<io::ByteRange> reported_extents;
  std::vector<std::string> paths;
  for (const auto& [p, _] : from) paths.push_back(p);
  for (const auto& [p, _] : to)
    if (!from.count(p)) paths.push_back(p);
  std::sort(paths.begin(), paths.end());

  for (const auto& path : paths) {
    auto fa = from.find(path);
    auto fb = to.find(path);
    const io::FileInfo* a = fa == from.end() ? nullptr : &fa->second;
    const io::FileInfo* b = fb == to.end() ? nullptr : &fb->second;
    auto extents = extents_of_both(a, b);
    uint64_t bytes = overlap_bytes(changed, extents);
    char status = 0;
    if (!a || !b) {
      status = a ? 'D' : 'A';
    } else if ((a->mode & S_IFMT) != (b->mode & S_IFMT)) {
      status = 'M';
    } else if (S_ISDIR(a->mode)) {
      status = a->same_metadata(*b) ? 0 : 'm';
      if (status == 'm') bytes = 0;  // a directory's blocks are its entries', reported by them
    } else if (S_ISLNK(a->mode)) {
      status = a->link_target != b->link_target ? 'M' : (a->same_metadata(*b) ? 0 : 'm');
    } else {
      bool maybe_content = bytes > 0 || a->size != b->size || a->extents != b->extents;
      if (maybe_content && (a->size != b->size || !same_contents(path)))
        status = 'M';
      else if (!a->same_metadata(*b))
        status = 'm';
    }
    if (!status) continue;
    report.files.push_back({status, path, bytes});
    reported_extents.insert(reported_extents.end(), extents.begin(), extents.end());
  }
  uint64_t total = 0;
  for (const auto& r : changed) total += r.length;
  report.bookkeeping_bytes = total - overlap_bytes(changed, io::merge_ranges(std::move(reported_extents)));
  return report;
}

}  // namespace dvol
