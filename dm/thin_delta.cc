#include "dm/thin_delta.h"

#include <algorithm>
#include <string>

#include "io/error.h"

namespace dvol::dm {
namespace {

uint64_t root_of(ThinMetadata& md, ThinId id) {
  auto root = md.device_root(id);
  if (!root) throw Error(Code::NotFound, "thin device " + std::to_string(id.value()) + " is not in the pool");
  return *root;
}

void add_block(std::vector<DeltaRange>& out, uint64_t block, DeltaKind kind) {
  if (!out.empty() && out.back().kind == kind && out.back().begin + out.back().length == block)
    ++out.back().length;
  else
    out.push_back(DeltaRange{block, 1, kind});
}

// Sorts ranges (which never overlap) and merges touching ones of the same kind. The walk emits
// blocks almost in order, so this is nearly always a no-op pass.
std::vector<DeltaRange> normalise(std::vector<DeltaRange> in) {
  std::sort(in.begin(), in.end(), [](const DeltaRange& x, const DeltaRange& y) { return x.begin < y.begin; });
  std::vector<DeltaRange> out;
  for (const auto& r : in) {
    if (!out.empty() && out.back().kind == r.kind && out.back().begin + out.back().length == r.begin)
      out.back().length += r.length;
    else
      out.push_back(r);
  }
  return out;
}

bool wider(const BtreeCursor::Item& x, const BtreeCursor::Item& y) {
  if (!x.hi) return y.hi.has_value();
  return y.hi && *x.hi > *y.hi;
}

// Walks the two mapping trees together and calls `emit(key, kind, left_value, right_value)`
// for every differing virtual block (the absent side's value is 0), almost in key order.
template <typename Emit>
DeltaStats walk(ThinMetadata& md, ThinId left, ThinId right, Emit&& emit) {
  uint64_t left_root = root_of(md, left), right_root = root_of(md, right);
  DeltaStats st;
  uint64_t reads_before = md.nodes_read();
  BtreeCursor a(md, left_root), b(md, right_root);
  // Each side yields, in key order, leaf entries and unexpanded subtrees (with the key range
  // their parent gives them). Invariant: every key on either side below both current items'
  // lower bounds has been accounted for. So an entry below the other side's lower bound is
  // one-sided; one subtree block on both sides means identical contents there, skipped unread;
  // otherwise the side whose item starts first (or, at a tie, spans further) is expanded.
  while (!a.done() && !b.done()) {
    const auto x = a.item(), y = b.item();
    if (x.subtree && y.subtree && x.value == y.value) {
      ++st.subtrees_skipped;
      a.next();
      b.next();
    } else if (!x.subtree && !y.subtree) {
      ++st.entries_compared;
      if (x.key == y.key) {
        // Compare data blocks only: the time half of the value records when the block was
        // mapped, which says nothing about the contents.
        if (unpack_block_time(x.value).data_block != unpack_block_time(y.value).data_block)
          emit(x.key, DeltaKind::Different, x.value, y.value);
        a.next();
        b.next();
      } else if (x.key < y.key) {
        emit(x.key, DeltaKind::LeftOnly, x.value, 0);
        a.next();
      } else {
        emit(y.key, DeltaKind::RightOnly, 0, y.value);
        b.next();
      }
    } else if (!x.subtree) {
      if (x.key < y.key) {
        ++st.entries_compared;
        emit(x.key, DeltaKind::LeftOnly, x.value, 0);
        a.next();
      } else {
        b.expand();
      }
    } else if (!y.subtree) {
      if (y.key < x.key) {
        ++st.entries_compared;
        emit(y.key, DeltaKind::RightOnly, 0, y.value);
        b.next();
      } else {
        a.expand();
      }
    } else if (x.key < y.key || (x.key == y.key && !wider(y, x))) {
      a.expand();
    } else {
      b.expand();
    }
  }
  // Whatever one side has left, the other lacks.
  for (; a.to_entry(); a.next(), ++st.entries_compared) emit(a.item().key, DeltaKind::LeftOnly, a.item().value, 0);
  for (; b.to_entry(); b.next(), ++st.entries_compared) emit(b.item().key, DeltaKind::RightOnly, 0, b.item().value);
  st.nodes_read = md.nodes_read() - reads_before;
  return st;
}

// Whether `next` continues `last`: the following virtual block, of the same kind, with each
// mapped side's data block following too.
bool continues(const MappedDelta& last, const MappedDelta& next) {
  auto follows = [&](const std::optional<uint64_t>& l, const std::optional<uint64_t>& n) {
    return l.has_value() == n.has_value() && (!l || *l + last.length == *n);
  };
  return last.begin + last.length == next.begin && follows(last.left_data, next.left_data) &&
         follows(last.right_data, next.right_data);
}

}  // namespace

std::vector<DeltaRange> thin_delta(ThinMetadata& md, ThinId left, ThinId right, DeltaStats* stats) {
  std::vector<DeltaRange> out;
  auto st = walk(md, left, right, [&](uint64_t key, DeltaKind kind, uint64_t, uint64_t) { add_block(out, key, kind); });
  if (stats) *stats = st;
  return normalise(std::move(out));
}

std::vector<MappedDelta> thin_delta_mapped(ThinMetadata& md, ThinId left, ThinId right, DeltaStats* stats) {
  std::vector<MappedDelta> blocks;
  auto data_of = [](uint64_t v) -> std::optional<uint64_t> { return unpack_block_time(v).data_block; };
  auto st = walk(md, left, right, [&](uint64_t key, DeltaKind kind, uint64_t l, uint64_t r) {
    MappedDelta m{key, 1, std::nullopt, std::nullopt};
    if (kind != DeltaKind::RightOnly) m.left_data = data_of(l);
    if (kind != DeltaKind::LeftOnly) m.right_data = data_of(r);
    if (!blocks.empty() && continues(blocks.back(), m))
      ++blocks.back().length;
    else
      blocks.push_back(m);
  });
  if (stats) *stats = st;
  // The walk emits blocks almost in order: sort, then merge what now touches.
  std::sort(blocks.begin(), blocks.end(), [](const MappedDelta& x, const MappedDelta& y) { return x.begin < y.begin; });
  std::vector<MappedDelta> out;
  for (const auto& m : blocks) {
    if (!out.empty() && continues(out.back(), m))
      out.back().length += m.length;
    else
      out.push_back(m);
  }
  return out;
}

std::vector<BlockRange> mapped_ranges(ThinMetadata& md, ThinId thin) {
  std::vector<BlockRange> out;
  BtreeCursor c(md, root_of(md, thin));
  for (; c.to_entry(); c.next()) {
    uint64_t k = c.item().key;
    if (!out.empty() && out.back().begin + out.back().length == k)
      ++out.back().length;
    else
      out.push_back(BlockRange{k, 1});
  }
  return out;
}

}  // namespace dvol::dm
